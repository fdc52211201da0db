"""Bundles zipped by real archivers (tests/corpus/archives/, written by its make.py with
Info-ZIP zip, 7-Zip, bsdtar, Python's zipfile and in Finder's and Explorer's layouts): each
gives exactly the findings its case lists, and every one the archiver wrote soundly is valid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cvbridge import validate_bundle

CORPUS = Path(__file__).resolve().parent / "corpus" / "archives"
CASES: list[dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))


def test_the_corpus_covers_every_archiver() -> None:
    tools = {case["tool"] for case in CASES}
    assert tools == {"Info-ZIP zip 3.0", "7-Zip", "bsdtar (libarchive)", "Python zipfile"}
    assert all((CORPUS / case["file"]).is_file() for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_archiver_bundle(case: dict[str, Any]) -> None:
    report = validate_bundle(CORPUS / case["file"])
    assert sorted({f.code for f in report.findings}) == case["expected"], [
        f"{f.code} {f.member}: {f.message}" for f in report.findings]
    if case["unzip_reads"] and case["expected"] != ["ZIP-METHOD"]:
        # What Info-ZIP's unzip reads soundly, cvbridge accepts whole.
        assert report.valid
        assert report.candidates == 3 and report.rejected_candidates == []
    else:
        assert not report.valid


def test_bsdtar_dot_names_are_not_a_wrapping_folder() -> None:
    report = validate_bundle(CORPUS / "bsdtar-dot.zip")
    assert report.findings == [] and report.candidates == 3
