"""The samples generator (``samples/generate.py``): reproducible output, and a
conformance corpus that covers the schema. The validator itself is tested by
``test_conformance.py``."""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import olefile
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SCHEMA = ROOT / "formats" / "cvbundle-1.0.schema.json"
FOLDERS = ("valid", "conformance")


def severities() -> dict[str, str]:
    findings = json.loads(SCHEMA.read_text(encoding="utf-8"))["findings"]
    return {code: spec["severity"] for code, spec in findings.items()}


def cases(folder: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(
        (SAMPLES / folder / "cases.json").read_text(encoding="utf-8"))
    return entries


@pytest.fixture(scope="session")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``generate.py --out OUT --bombs BOMBS`` in a scratch folder: (OUT, BOMBS)."""
    scratch = tmp_path_factory.mktemp("samples")
    out, bombs = scratch / "out", scratch / "bombs"
    subprocess.run(
        [sys.executable, str(SAMPLES / "generate.py"), "--out", str(out), "--bombs", str(bombs)],
        check=True, capture_output=True, timeout=300)
    return out, bombs


def committed(folder: str) -> dict[str, Path]:
    return {p.name: p for p in sorted((SAMPLES / folder).iterdir()) if p.is_file()}


@pytest.mark.parametrize("folder", FOLDERS)
def test_regenerating_gives_the_committed_bytes(folder: str,
                                                regenerated: tuple[Path, Path]) -> None:
    out, _ = regenerated
    fresh = {p.name: p for p in sorted((out / folder).iterdir())}
    assert sorted(fresh) == sorted(committed(folder))
    changed = [name for name, path in fresh.items()
               if path.read_bytes() != committed(folder)[name].read_bytes()]
    assert changed == [], "run 'make samples' (python samples/generate.py) and commit"


def test_generating_twice_gives_the_same_bombs(regenerated: tuple[Path, Path],
                                               tmp_path: Path) -> None:
    _, bombs = regenerated
    subprocess.run([sys.executable, str(SAMPLES / "generate.py"), "--out", str(tmp_path / "o"),
                    "--bombs", str(tmp_path / "b")], check=True, capture_output=True, timeout=300)

    def digest(path: Path) -> str:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()

    first = {p.name: digest(p) for p in bombs.iterdir()}
    second = {p.name: digest(p) for p in (tmp_path / "b").iterdir()}
    assert first == second


@pytest.mark.parametrize("folder", FOLDERS)
def test_every_case_has_its_file(folder: str, regenerated: tuple[Path, Path]) -> None:
    _, bombs = regenerated
    for case in cases(folder):
        if case.get("generated"):
            assert (bombs / case["file"]).is_file(), case["file"]
            assert not (SAMPLES / folder / case["file"]).exists(), "bombs are never committed"
        else:
            assert (SAMPLES / folder / case["file"]).is_file(), case["file"]
    listed = {case["file"] for case in cases(folder)} | {"cases.json"} | {
        case["profile"] for case in cases(folder) if "profile" in case}
    assert sorted(set(committed(folder)) - listed) == []


@pytest.mark.parametrize("folder", FOLDERS)
def test_cases_are_well_formed(folder: str) -> None:
    levels = severities()
    for case in cases(folder):
        name, expected = case["file"], case["expected"]
        assert set(case) <= {"description", "file", "expected", "valid", "generated", "needs",
                             "without", "profile"}, name
        assert case["description"], name
        assert expected == sorted(set(expected)), name
        assert set(expected) <= set(levels), name
        assert case["valid"] == all(levels[code] == "warning" for code in expected), name
        match = re.fullmatch(r"(valid|error|warning)-([a-z0-9-]+)\.zip", name)
        assert match, name
        kind = match.group(1)
        if folder == "valid":
            assert kind == "valid" and case["valid"], name
        else:
            assert kind == ("error" if not case["valid"] else "warning"), name
            assert any(match.group(2).startswith(code.lower()) for code in expected), name


def test_every_finding_code_has_a_conformance_case() -> None:
    """Errors and warnings alike. INGEST-* codes depend on what the receiver ingested
    before, not on the file, so no single bundle can show them."""
    covered = {code for case in cases("conformance") for code in case["expected"]}
    file_codes = {code for code in severities() if not code.startswith("INGEST-")}
    assert sorted(file_codes - covered) == []


def test_valid_samples_have_no_error() -> None:
    levels = severities()
    for case in cases("valid"):
        assert all(levels[code] == "warning" for code in case["expected"]), case["file"]


def test_committed_samples_stay_small() -> None:
    total = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file()
                and not any(part == "__pycache__" or part.startswith(".")
                            for part in p.parts[len(SAMPLES.parts):]))
    assert total < 2_000_000
    assert all(p.stat().st_size < 100_000 for folder in FOLDERS
               for p in (SAMPLES / folder).glob("*.zip"))


def legacy_doc() -> bytes:
    with zipfile.ZipFile(SAMPLES / "valid" / "valid-legacy-doc.zip") as z:
        name = next(n for n in z.namelist() if n.endswith(".doc"))
        return z.read(name)


def test_legacy_doc_is_a_word_97_binary() -> None:
    ole = olefile.OleFileIO(io.BytesIO(legacy_doc()), raise_defects=olefile.DEFECT_INCORRECT)
    assert ole.exists("WordDocument") and ole.exists("1Table")
    fib = ole.openstream("WordDocument").read(32)
    assert fib[:4] == b"\xec\xa5\xc1\x00"  # wIdent 0xA5EC, nFib 0x00C1 (Word 97)
    flags = int.from_bytes(fib[10:12], "little")
    assert flags & 0x0200 and not flags & 0x0100  # 1Table, not encrypted


@pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword is not installed")
def test_antiword_reads_the_legacy_doc(tmp_path: Path) -> None:
    path = tmp_path / "cv.doc"
    path.write_bytes(legacy_doc())
    result = subprocess.run(["antiword", "-m", "UTF-8.txt", str(path)], check=True,
                            capture_output=True, timeout=30)
    text = result.stdout.decode("utf-8")
    assert "François Lefèvre" in text and "Expérience professionnelle" in text


def test_write_corpus_is_deterministic(tmp_path: Path) -> None:
    sys.path.insert(0, str(SAMPLES))
    try:
        write_corpus: Callable[..., list[Path]] = importlib.import_module("cvgen").write_corpus
    finally:
        sys.path.remove(str(SAMPLES))
    first = write_corpus(tmp_path / "a", bundles=2, per_bundle=3, seed=5)
    second = write_corpus(tmp_path / "b", bundles=2, per_bundle=3, seed=5)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    with zipfile.ZipFile(first[0]) as z:
        names = z.namelist()
        assert "manifest.txt" in names
        cvs = [n for n in names if n.endswith(".docx")]
        assert len(cvs) == 3
        assert all(15_000 < z.getinfo(n).file_size < 40_000 for n in cvs)
