"""Every finding can be found: each finding of every conformance case names its member
(unless it is about the bundle as a whole) and, for the codes the spec says concern a line,
that line. The two lists are read from the spec itself (section 12, "Reports")."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from cvbridge import validate_bundle
from cvbridge.bundle import load_profile
from cvbridge.bundle._schema import load_spec

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "formats" / "cvbundle-1.0.md"
CASES_FILE = ROOT / "samples" / "conformance" / "cases.json"
CODE = re.compile(r"`([A-Z][A-Z0-9-]+)`")


def _codes_after(marker: str, until: str) -> set[str]:
    text = SPEC.read_text(encoding="utf-8")
    start = text.index(marker)
    return set(CODE.findall(text[start:text.index(until, start)]))


WHOLE_BUNDLE = _codes_after("Every finding names its member except", "These findings concern")
GIVE_A_LINE = _codes_after("These findings concern one line", "`KEY-MISSING` gives")
CASES: list[dict[str, Any]] = [
    case for case in (json.loads(CASES_FILE.read_text(encoding="utf-8"))
                      if CASES_FILE.is_file() else [])
    if not case.get("generated")]  # the generated ones (bombs) are checked by conformance


def test_the_spec_lists_codes_of_the_catalogue() -> None:
    catalogue = set(load_spec().findings)
    assert WHOLE_BUNDLE and GIVE_A_LINE
    assert sorted((WHOLE_BUNDLE | GIVE_A_LINE) - catalogue) == []
    assert "MANIFEST-COUNT" in GIVE_A_LINE


@pytest.mark.skipif(not CASES, reason=f"{CASES_FILE} is not there (yet)")
@pytest.mark.parametrize("case", [pytest.param(c, id=c["file"]) for c in CASES] or [{}])
def test_every_finding_of_a_case_is_located(case: dict[str, Any],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    if any(shutil.which(tool) is None for tool in case.get("needs", [])):
        pytest.skip(f"needs {', '.join(case['needs'])}")
    hidden = set(case.get("without", []))
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name in hidden
                        else real_which(name, *a, **k))
    profile = load_profile(CASES_FILE.parent / case["profile"]) if case.get("profile") else None
    report = validate_bundle(CASES_FILE.parent / str(case["file"]), profile=profile)
    assert report.findings or case.get("valid")
    for finding in report.findings:
        if finding.code not in WHOLE_BUNDLE:
            assert finding.member, (finding.code, finding.message)
        if finding.code in GIVE_A_LINE:
            assert finding.line is not None and finding.line >= 1, (finding.code,
                                                                     finding.member)
