"""``cvbridge validate`` (spec §12): exact output in each format, and the exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner, Result

from cvbridge import validate_bundle
from cvbridge.cli import app
from tests.bundles import bundle_files, candidate, manifest, write, zip_bytes

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture
def bundles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three bundles in the working directory, so that paths print as short names.

    - ``ok.zip``: valid, no finding;
    - ``warn.zip``: valid with two warnings;
    - ``bad.zip``: two candidates, martin's CV is a PDF named .docx (martin is rejected).
    """
    monkeypatch.chdir(tmp_path)
    write(tmp_path, zip_bytes(bundle_files()), "ok.zip")
    write(tmp_path, zip_bytes(bundle_files(phone="le soir") | {"cvs/photo.jpg": b"\xff\xd8"}),
          "warn.zip")
    write(tmp_path, zip_bytes(bundle_files() | {
        "manifest.txt": manifest(candidate_count="2"),
        "candidats/martin.txt": candidate(external_id="C-002", last_name="Martin",
                                          cv_file="cvs/martin.docx"),
        "cvs/martin.docx": b"%PDF-1.4\n",
    }), "bad.zip")
    return tmp_path


# -- text -------------------------------------------------------------------------------


def test_text_output_of_a_valid_bundle(bundles: Path) -> None:
    result = invoke("validate", "ok.zip")
    assert (result.exit_code, result.stdout) == (
        0, "ok.zip: valid - 0 errors, 0 warnings, 1 candidate\n")


def test_text_output_with_warnings(bundles: Path) -> None:
    result = invoke("validate", "warn.zip")
    assert result.exit_code == 0
    assert result.stdout == (
        "warning[VALUE-PHONE] warn.zip!candidats/dupont.txt:5: phone 'le soir' is not a valid "
        "number for FR; kept as written\n"
        "  hint: Write the number in international form, such as +33 6 12 34 56 78.\n"
        "warning[LAYOUT-UNREFERENCED] warn.zip!cvs/photo.jpg: no candidate references this "
        "member; it was ignored\n"
        "  hint: Reference the file from its candidate with cv_file or attachment, or leave it "
        "out.\n"
        "warn.zip: valid - 0 errors, 2 warnings, 1 candidate\n")


def test_text_output_of_several_bundles(bundles: Path) -> None:
    result = invoke("validate", "bad.zip", "ok.zip")
    assert result.exit_code == 1
    assert result.stdout == (
        "error[DOC-TYPE-MISMATCH] bad.zip!cvs/martin.docx: this .docx file is really a PDF "
        "document\n"
        "  hint: Save the document in the format its extension names, or give it the right "
        "extension.\n"
        "bad.zip: invalid - 1 error, 0 warnings, 2 candidates (1 rejected)\n"
        "ok.zip: valid - 0 errors, 0 warnings, 1 candidate\n")


def test_bundle_level_finding_has_no_member(bundles: Path) -> None:
    write(bundles, b"not a zip at all", "junk.zip")
    result = invoke("validate", "junk.zip")
    assert result.exit_code == 1
    assert result.stdout == (
        "error[ZIP-NOT-ZIP] junk.zip: this file is not a ZIP archive (it starts with "
        "b'not ')\n"
        "  hint: Send the bundle as a .zip made with a standard tool (zip, 7-Zip, Windows "
        "'Send to compressed folder').\n"
        "junk.zip: invalid - 1 error, 0 warnings, 0 candidates\n")


# -- json -------------------------------------------------------------------------------


def test_json_output_is_exactly_the_reports_to_dict(bundles: Path) -> None:
    """``--format json`` prints ``{"bundles": [Report.to_dict(), ...]}``, nothing else."""
    paths = [str(bundles / name) for name in ("bad.zip", "warn.zip", "ok.zip")]
    result = invoke("validate", "--format", "json", *paths)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "bundles": [validate_bundle(path).to_dict() for path in paths]}


def test_json_output_shape(bundles: Path) -> None:
    result = invoke("validate", "-f", "json", "bad.zip")
    [bundle] = json.loads(result.stdout)["bundles"]
    assert (bundle["path"], bundle["valid"], bundle["bundle_id"], bundle["candidates"]) == (
        "bad.zip", False, "TEST-2024-001", 2)
    assert bundle["counts"] == {"error": 1, "warning": 0}
    assert bundle["rejected_candidates"] == ["candidats/martin.txt"]
    assert bundle["messages"] == [{
        "code": "DOC-TYPE-MISMATCH", "severity": "error",
        "message": "this .docx file is really a PDF document",
        "member": "cvs/martin.docx", "line": None,
        "suggestion": "Save the document in the format its extension names, or give it the "
                      "right extension.",
        "candidate": "candidats/martin.txt"}]


def test_json_keeps_non_ascii_readable(bundles: Path) -> None:
    write(bundles, zip_bytes(bundle_files(birth_date="23 février")), "fr.zip")
    result = invoke("validate", "--format", "json", "fr.zip")
    assert "23 février" in result.stdout


# -- junit ------------------------------------------------------------------------------


def suites(xml: str) -> list[etree._Element]:
    root = etree.fromstring(xml.encode())
    assert root.tag == "testsuites"
    return list(root)


def test_junit_has_one_suite_per_bundle_and_fails_the_rejected_candidate(
    bundles: Path
) -> None:
    result = invoke("validate", "--format", "junit", "bad.zip", "warn.zip")
    assert result.exit_code == 1
    bad, warn = suites(result.stdout)
    assert (bad.tag, bad.get("name"), bad.get("failures")) == ("testsuite", "bad.zip", "1")
    [failure] = bad.iter("failure")
    case = failure.getparent()
    assert case is not None
    assert case.get("name") == "candidats/martin.txt"
    assert failure.get("type") == "DOC-TYPE-MISMATCH"
    assert failure.text == ("error[DOC-TYPE-MISMATCH] bad.zip!cvs/martin.docx: this .docx "
                            "file is really a PDF document")
    assert (warn.get("name"), warn.get("failures")) == ("warn.zip", "0")
    assert list(warn.iter("failure")) == []


def test_junit_strict_makes_warnings_failures(bundles: Path) -> None:
    result = invoke("validate", "--format", "junit", "--strict", "warn.zip")
    assert result.exit_code == 1
    [suite] = suites(result.stdout)
    assert {f.get("type") for f in suite.iter("failure")} == {"VALUE-PHONE",
                                                              "LAYOUT-UNREFERENCED"}


def test_junit_bundle_level_error_fails_the_bundle_case(bundles: Path) -> None:
    write(bundles, b"\0" * 64, "zeros.zip")
    [suite] = suites(invoke("validate", "--format", "junit", "zeros.zip").stdout)
    [failure] = suite.iter("failure")
    assert failure.get("type") == "ZIP-NOT-ZIP"
    assert failure.getparent().get("name") == "(bundle)"  # type: ignore[union-attr]


# -- exit status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (["ok.zip"], 0),
        (["warn.zip"], 0),
        (["--strict", "warn.zip"], 1),
        (["--strict", "ok.zip"], 0),
        (["bad.zip"], 1),
        (["ok.zip", "bad.zip"], 1),
        (["--format", "json", "bad.zip"], 1),
    ],
)
def test_exit_status(bundles: Path, args: list[str], status: int) -> None:
    assert invoke("validate", *args).exit_code == status


def test_strict_prints_the_bundle_invalid(bundles: Path) -> None:
    result = invoke("validate", "--strict", "warn.zip")
    assert result.stdout.endswith("warn.zip: invalid - 0 errors, 2 warnings, 1 candidate\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["absent.zip"], "File 'absent.zip' does not exist"),
        ([], "Missing argument"),
        (["--format", "xml", "ok.zip"], "'xml' is not one of 'text', 'json', 'junit'"),
        (["--limit", "member_size", "ok.zip"], "expected NAME=BYTES, got 'member_size'"),
        (["--limit", "member_size=lots", "ok.zip"], "expected NAME=BYTES"),
        (["--limit", "cv_size=10", "ok.zip"], "unknown limit cv_size"),
        (["--bogus", "ok.zip"], "No such option"),
    ],
)
def test_usage_errors_exit_2(bundles: Path, args: list[str], message: str) -> None:
    result = invoke("validate", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr


def test_limit_option_makes_a_normal_bundle_fail(bundles: Path) -> None:
    result = invoke("validate", "--limit", "member_size=100", "ok.zip")
    assert result.exit_code == 1
    assert [line for line in result.stdout.splitlines() if line.startswith("error")] == [
        "error[LIMIT-MEMBER-SIZE] ok.zip!manifest.txt: this member is 116 bytes uncompressed; "
        "the limit member_size is 100",
        "error[LIMIT-MEMBER-SIZE] ok.zip!cvs/dupont.docx: this member is 1018 bytes "
        "uncompressed; the limit member_size is 100"]


def test_limit_option_is_repeatable(bundles: Path) -> None:
    result = invoke("validate", "--limit", "member_size=100000", "--limit", "member_count=2",
                    "-f", "json", "ok.zip")
    [bundle] = json.loads(result.stdout)["bundles"]
    assert [m["code"] for m in bundle["messages"]] == ["LIMIT-MEMBER-COUNT"]


def test_limit_option_can_relax_a_default(bundles: Path) -> None:
    padded = candidate() + "x-pad: " + "." * 2_000_000 + "\n"  # over text_size and the ratio
    write(bundles, zip_bytes(bundle_files() | {"candidats/dupont.txt": padded}), "big.zip")
    assert invoke("validate", "big.zip").exit_code == 1
    relaxed = invoke("validate", "--limit", "text_size=3000000", "--limit", "ratio=100000",
                     "big.zip")
    assert (relaxed.exit_code, relaxed.stdout) == (
        0, "big.zip: valid - 0 errors, 0 warnings, 1 candidate\n")
