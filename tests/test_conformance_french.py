"""The conformance corpus in French: every committed bundle of ``samples/conformance`` gives the
same findings (codes, severities, members, lines, candidates) as in English, in French words;
the JSON keeps its keys and codes; validate's workers and the read-ahead process speak the
language of the process that starts them."""

from __future__ import annotations

import json
import pickle
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from cvbridge._i18n import LazyText, use_language
from cvbridge.bundle import Finding, Report, load_profile, load_spec, validate_bundle
from cvbridge.bundle import _parallel as parallel
from cvbridge.bundle._parallel import validate_bundles
from cvbridge.cli import app
from cvbridge.store._readahead import ReadAhead
from tests.test_conformance import CASES, CASES_FILE

COMMITTED = [case for case in CASES if not case.get("generated")]
NBSP = "\u00a0"


@pytest.fixture
def french() -> Iterator[None]:
    use_language("fr")
    yield
    use_language("en")


def _validate(case: dict[str, Any], monkeypatch: pytest.MonkeyPatch, language: str) -> Report:
    hidden = set(case.get("without", []))
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name in hidden
                        else real_which(name, *a, **k))
    profile = load_profile(CASES_FILE.parent / case["profile"]) if case.get("profile") else None
    use_language(language)
    try:
        return validate_bundle(CASES_FILE.parent / case["file"], profile=profile)
    finally:
        use_language("en")


def _located(finding: Finding) -> tuple[object, ...]:
    return (finding.code, finding.severity, finding.member, finding.line, finding.candidate)


def _only_fields(template: str) -> bool:
    """Whether a template is nothing but its fields (and punctuation): its French rendering
    may then be the English one."""
    return not re.search(r"[^\W\d_]", re.sub(r"\{[^}]*\}", "", template))


@pytest.mark.parametrize("case", [pytest.param(c, id=c["file"]) for c in COMMITTED])
def test_a_conformance_case_in_french(case: dict[str, Any],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    missing = [tool for tool in case.get("needs", []) if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    english = _validate(case, monkeypatch, "en")
    french = _validate(case, monkeypatch, "fr")
    assert [_located(f) for f in french.findings] == [_located(f) for f in english.findings]
    assert (french.valid, french.candidates, french.rejected_candidates) == \
        (english.valid, english.candidates, english.rejected_candidates)
    catalogue = load_spec().findings
    for ours, theirs in zip(french.findings, english.findings, strict=True):
        kind = catalogue[ours.code]
        if not _only_fields(kind.message):
            assert ours.message != theirs.message, ours.code
        if not _only_fields(kind.suggestion):
            assert ours.suggestion != theirs.suggestion, ours.code
        assert "'{" not in ours.message and " bytes" not in ours.message, ours.message


def test_a_french_text_report(french: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES_FILE.parent)
    result = CliRunner().invoke(app, ["validate", "error-ref-missing.zip"])
    assert result.exit_code == 1
    assert result.stdout == (
        "erreur[REF-MISSING] error-ref-missing.zip!candidats/martin-paul.txt:10"
        f"{NBSP}: cv_file «{NBSP}cvs/martin-paul.docx{NBSP}» n'est pas dans le lot\n"
        f"  Correction{NBSP}: Ajoutez le fichier, ou corrigez le chemin (depuis la racine du "
        f"lot, avec «{NBSP}/{NBSP}»).\n"
        f"error-ref-missing.zip{NBSP}: invalide \u2013 1 erreur, 0 avertissement, 2 candidats "
        "(1 rejeté)\n")


def test_the_json_keeps_its_keys_and_codes_and_carries_french_messages(french: None) -> None:
    path = CASES_FILE.parent / "error-ref-missing.zip"
    result = CliRunner().invoke(app, ["validate", "--format", "json", str(path)])
    assert result.exit_code == 1
    [bundle] = json.loads(result.stdout)["bundles"]
    use_language("en")
    english = validate_bundle(path).to_dict()
    assert bundle.keys() == english.keys()
    [message] = bundle["messages"]
    [english_message] = english["messages"]
    assert message.keys() == english_message.keys()
    assert {key: message[key] for key in ("code", "severity", "member", "line", "candidate")} \
        == {key: english_message[key] for key in ("code", "severity", "member", "line",
                                                  "candidate")}
    assert message["message"] == f"cv_file «{NBSP}cvs/martin-paul.docx{NBSP}» n'est pas dans le lot"
    assert message["severity"] == "error"  # data, not words


def test_the_plural_of_the_summary(french: None) -> None:
    from cvbridge.bundle import render_text

    report = Report(path="lot.zip", candidates=0)
    assert render_text([report]) == (
        f"lot.zip{NBSP}: valide \u2013 0 erreur, 0 avertissement, 0 candidat\n")
    report = Report(path="lot.zip", candidates=3)
    assert render_text([report]).endswith("3 candidats\n")


def test_validate_workers_speak_the_language_of_the_parent(
        french: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    paths = [CASES_FILE.parent / name for name in (
        "error-ref-missing.zip", "error-zip-truncated-comment.zip", "error-doc-macro.zip")]
    in_workers = list(validate_bundles(paths, jobs=2))
    here = [validate_bundle(path) for path in paths]
    assert [r.to_dict() for r in in_workers] == [r.to_dict() for r in here]
    assert "l'archive est tronquée" in in_workers[1].findings[0].message


def test_the_read_ahead_process_speaks_the_language_of_the_writer(french: None) -> None:
    with ReadAhead(None, 0) as reader:
        future = reader.submit(CASES_FILE.parent / "error-doc-macro.zip")
        assert future is not None
        read = future.result(timeout=120)
    assert read.report.findings[0].message == (
        "ce document contient des macros (partie word/vbaProject.bin)")


def test_a_finding_crosses_processes_and_renders_again_in_another_language() -> None:
    report = validate_bundle(CASES_FILE.parent / "error-zip-truncated-comment.zip")
    copy: Report = pickle.loads(pickle.dumps(report))
    assert copy.to_dict() == report.to_dict()
    detail = copy.findings[0].params["detail"] if copy.findings[0].params else None
    assert isinstance(detail, LazyText)
    use_language("fr")
    try:
        french_copy = copy.translated()
    finally:
        use_language("en")
    assert french_copy.findings[0].message.startswith(f"l'archive est tronquée{NBSP}:")
    assert copy.translated().to_dict() == report.to_dict()  # English again, unchanged
