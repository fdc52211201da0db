"""Crashes and property violations the fuzzers found, kept as plain regression tests.

Each bundle is one of the valid samples with the smallest change that reproduced the problem.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cvbridge
from cvbridge.bundle._report import MAX_LISTED_PER_MEMBER
from cvbridge.store import Store
from tests.fuzz.mutations import ZipModel, _new_entry, parse, seeds
from tests.fuzz.properties import check_ingest, check_report, validate_case


def _model(seed: str = "valid-basic.zip") -> ZipModel:
    return parse(seeds()[seed])


def _write(tmp_path: Path, model: ZipModel, name: str = "bundle.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(model.serialize())
    return path


def _codes(report: cvbridge.Report) -> list[str]:
    return [f.code for f in report.findings]


def _append(model: ZipModel, member: bytes, text: bytes) -> None:
    entry = model.find(member)
    assert entry is not None
    entry.set_content(entry.inflated() + text)


@pytest.mark.parametrize("name", [b"", b"\x00x.docx"])
def test_member_with_an_empty_name(tmp_path: Path, name: bytes) -> None:
    """IndexError in ZipInfo.is_dir(): a name zipfile sees as empty (an empty name, or one
    cut at a leading NUL) is read as a file, never an exception."""
    model = _model()
    model.entries.append(_new_entry(name, b"hello", method=0))
    report = check_report(cvbridge.validate_bundle(_write(tmp_path, model)))
    if name:
        assert "PATH-CONTROL" in _codes(report)
    else:
        assert _codes(report) == ["LAYOUT-UNREFERENCED"]


def test_integer_with_more_digits_than_int_converts(tmp_path: Path) -> None:
    """ValueError from int() past 4300 digits: VALUE-INVALID, not an exception."""
    model = _model()
    entry = model.find(b"manifest.txt")
    assert entry is not None
    entry.set_content(entry.inflated().replace(b"candidate_count: 3",
                                               b"candidate_count: " + b"9" * 5000))
    report = check_report(cvbridge.validate_bundle(_write(tmp_path, model)))
    assert _codes(report) == ["VALUE-INVALID"]
    assert "at most" in report.findings[0].message


def test_format_version_with_more_digits_than_int_converts(tmp_path: Path) -> None:
    model = _model()
    entry = model.find(b"manifest.txt")
    assert entry is not None
    entry.set_content(entry.inflated().replace(b"cvbundle/1.0", b"cvbundle/1." + b"9" * 5000))
    report = check_report(cvbridge.validate_bundle(_write(tmp_path, model)))
    assert _codes(report) == ["MANIFEST-FORMAT"]


def test_integer_too_large_for_the_store(tmp_path: Path) -> None:
    """OverflowError from SQLite on ingest: an experience_years beyond the store's INTEGER
    columns is VALUE-INVALID, and the candidate is rejected, cleanly."""
    model = _model("valid-textbox-cv.zip")
    entry = model.find(b"candidats/bonnet-heloise.txt")
    assert entry is not None
    text = entry.inflated()
    assert b"experience_years:" in text
    entry.set_content(b"\n".join(
        b"experience_years: 99999999999999999999" if line.startswith(b"experience_years:")
        else line for line in text.split(b"\n")))
    path = _write(tmp_path, model)
    report = check_report(cvbridge.validate_bundle(path))
    assert _codes(report) == ["VALUE-INVALID"]
    with Store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        assert check_ingest(store, path).status == "failed"


def test_findings_of_one_code_are_capped_per_member(tmp_path: Path) -> None:
    """A manifest of 349,000 repeated 'a:' lines, under text_size, made as many KEY-REPEATED
    findings: 2.9 s and a 191 MB tracemalloc peak. Now 100 are listed, the last saying how
    many more there were."""
    model = _model()
    base = model.find(b"manifest.txt")
    assert base is not None
    count = ((1 << 20) - len(base.inflated()) - 16) // 3
    _append(model, b"manifest.txt", b"a:\n" * count)
    report, spent = validate_case(_write(tmp_path, model), time_limit=None)
    repeated = [f for f in report.findings if f.code == "KEY-REPEATED"]
    assert len(repeated) == MAX_LISTED_PER_MEMBER
    assert repeated[-1].message.endswith(
        f"(+{count - 1 - MAX_LISTED_PER_MEMBER} more KEY-REPEATED not listed)")
    assert spent.peak_bytes < 100 * 1024 * 1024


def test_capped_errors_still_reject_their_candidate(tmp_path: Path) -> None:
    """Errors not listed still count: the candidate is rejected, the others are not."""
    model = _model()
    _append(model, b"candidats/dupont-marie.txt", b"\n" + b"\xff\n" * 500)
    report = check_report(cvbridge.validate_bundle(_write(tmp_path, model)))
    decode = [f for f in report.findings if f.code == "TEXT-DECODE"]
    assert len(decode) == MAX_LISTED_PER_MEMBER
    assert "more TEXT-DECODE not listed" in decode[-1].message
    assert report.rejected_candidates == ["candidats/dupont-marie.txt"]


def test_short_ole_document_is_never_taken_for_a_file_name(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """olefile reads bytes shorter than 1536 as the *name* of a file to open: a 17-byte .doc
    made the reader open (and accept) whatever file of the working directory those bytes
    named. The document is now always handed over as a file object."""
    from tests.bundles import legacy_doc

    short = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1local.doc"
    monkeypatch.chdir(tmp_path)
    (tmp_path / short.decode("utf-8", "surrogateescape")).write_bytes(legacy_doc())
    model = _model()
    document = model.find(b"cvs/dupont-marie.docx")
    candidate = model.find(b"candidats/dupont-marie.txt")
    assert document is not None and candidate is not None
    document.set_content(short)
    document.set_name(b"cvs/dupont-marie.doc")
    candidate.set_content(candidate.inflated().replace(b"dupont-marie.docx", b"dupont-marie.doc"))
    report, _ = validate_case(_write(tmp_path, model))  # also: no file but the bundle opened
    assert _codes(report) == ["DOC-CORRUPT"]
    assert "not an OLE2" in report.findings[0].message
