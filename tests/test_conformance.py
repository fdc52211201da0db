"""The conformance corpus (``samples/``), when it is there.

``samples/conformance/cases.json`` lists cases as written by ``samples/generate.py``::

    [{"file": "zip-crc.zip", "description": "...", "expected": ["ZIP-CRC"], "valid": false,
      "generated": true,       # optional: only written with --bombs DIR (never committed)
      "needs": ["antiword"],   # optional: tools the expectation assumes installed
      "without": ["antiword"], # optional: tools to hide while validating
      "profile": "site-profile.toml"  # optional: the site profile to check against
     }, ...]

Each case must produce exactly its expected set of distinct finding codes; every bundle in
``samples/valid/`` must have no error; and every error code of the schema must have a case
(except the INGEST-* codes, which only ingestion against the store can produce).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cvbridge import validate_bundle
from cvbridge.bundle import load_profile
from cvbridge.bundle._schema import load_spec

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CASES_FILE = SAMPLES / "conformance" / "cases.json"


def load_cases() -> list[dict[str, Any]]:
    if not CASES_FILE.is_file():
        return []
    cases: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    return cases


CASES = load_cases()
needs_corpus = pytest.mark.skipif(not CASES, reason=f"{CASES_FILE} is not there (yet)")


@pytest.fixture(scope="session")
def bombs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated cases, written once per session outside the repository."""
    scratch = tmp_path_factory.mktemp("conformance")
    subprocess.run(
        [sys.executable, str(SAMPLES / "generate.py"), "--out", str(scratch / "regenerated"),
         "--bombs", str(scratch / "bombs")],
        check=True, capture_output=True, timeout=300)
    return scratch / "bombs"


def case_path(case: dict[str, Any], request: pytest.FixtureRequest) -> Path:
    if case.get("generated"):
        folder: Path = request.getfixturevalue("bombs_dir")
        return folder / str(case["file"])
    return CASES_FILE.parent / str(case["file"])


@needs_corpus
@pytest.mark.parametrize("case", [pytest.param(c, id=c["file"]) for c in CASES] or [{}])
def test_conformance_case(case: dict[str, Any], request: pytest.FixtureRequest,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    missing = [tool for tool in case.get("needs", []) if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    hidden = set(case.get("without", []))
    if hidden:
        real_which = shutil.which
        monkeypatch.setattr(shutil, "which",
                            lambda name, *a, **k: None if name in hidden
                            else real_which(name, *a, **k))
    profile = load_profile(CASES_FILE.parent / case["profile"]) if case.get("profile") else None
    report = validate_bundle(case_path(case, request), profile=profile)
    found = sorted({finding.code for finding in report.findings})
    assert found == sorted(set(case["expected"])), case.get("description")
    if "valid" in case:
        assert report.valid == case["valid"]


# Findings of ingestion, not of the bundle's content: no bundle on its own can produce them.
INGESTION_ONLY_PREFIX = "INGEST-"


@needs_corpus
def test_every_error_code_has_a_conformance_case() -> None:
    covered = {code for case in CASES for code in case["expected"]}
    errors = {code for code, kind in load_spec().findings.items()
              if kind.severity == "error" and not code.startswith(INGESTION_ONLY_PREFIX)}
    assert sorted(errors - covered) == []


@needs_corpus
def test_cases_name_only_codes_of_the_schema() -> None:
    named = {code for case in CASES for code in case["expected"]}
    assert sorted(named - set(load_spec().findings)) == []


VALID = sorted((SAMPLES / "valid").glob("*.zip"))


@pytest.mark.skipif(not VALID, reason="samples/valid/ has no bundle (yet)")
@pytest.mark.parametrize("path", VALID or [Path()], ids=lambda p: p.name)
def test_valid_sample_has_no_error(path: Path) -> None:
    report = validate_bundle(path)
    assert report.errors == []
