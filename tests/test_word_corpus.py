"""Real Word documents (tests/corpus/word/, written by LibreOffice; see its regenerate.py):
every ordinary one is accepted, and its text read back with the recall issue 12 asks for,
against LibreOffice's own text export plus headers, footers, footnotes and text boxes.

Targets: .doc (Word 97-2003 and Word 6/95) p10 >= 0.95 and median >= 0.99; .docx,
Transitional and Strict, p10 >= 0.995.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.corpus.word.read import read_cv
from tests.corpus.word.recall import percentile, recall

CORPUS = Path(__file__).resolve().parent / "corpus" / "word"


def files(kind: str) -> list[Path]:
    return sorted((CORPUS / kind).iterdir())


def reference(kind: str, path: Path) -> str:
    twin = "docx" if kind == "strict" else kind  # a Strict file is its Transitional twin
    return (CORPUS / "expected" / f"{twin}-{path.stem}.txt").read_text(encoding="utf-8")


def recalls(kind: str) -> list[float]:
    out = []
    for path in files(kind):
        text, findings = read_cv(path)
        assert [f.code for f in findings] == [], f"{kind}/{path.name}: {findings}"
        out.append(recall(reference(kind, path), text or ""))
    return out


@pytest.mark.parametrize("kind", ["doc", "word6", "docx", "strict"])
def test_the_corpus_is_there(kind: str) -> None:
    assert len(files(kind)) >= (6 if kind == "word6" else 30)


def test_doc_recall() -> None:
    values = recalls("doc") + recalls("word6")
    assert percentile(values, 0.10) >= 0.95
    assert percentile(values, 0.50) >= 0.99


@pytest.mark.parametrize("kind", ["docx", "strict"])
def test_docx_recall(kind: str) -> None:
    assert percentile(recalls(kind), 0.10) >= 0.995


def test_strict_files_are_strict() -> None:
    for path in files("strict"):
        with zipfile.ZipFile(path) as package:
            data = package.read("word/document.xml")
        assert b"http://purl.oclc.org/ooxml/wordprocessingml/main" in data
        assert b"schemas.openxmlformats.org/wordprocessingml" not in data


def test_rtf_saved_as_doc_is_a_type_mismatch() -> None:
    """The vendor mistake: LibreOffice's RTF under a .doc name. Refused with the hint to
    save it as Word: cvbridge reads no RTF text and does not vet RTF's embedded objects."""
    for path in files("rtf"):
        text, findings = read_cv(path)
        assert [(f.code, f.message) for f in findings] == [
            ("DOC-TYPE-MISMATCH", "this .doc file is really an RTF document")]
        assert text is None


def test_recall_counts_words_as_a_multiset() -> None:
    assert recall("Hélène a Lyon, Lyon", "hélène lyon") == 0.5
    assert recall("ingénieur1", "ingénieur") == 0.5
    assert recall("", "x") == 1.0
    assert percentile([0.1, 0.5, 0.9, 1.0], 0.5) == 0.5
