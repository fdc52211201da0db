"""Site profiles (spec §13): the profile file itself (``cvbridge profile check|show``), and
each PROFILE-* finding at its member and line, in text and JSON (``validate --profile``)."""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cvbridge import validate_bundle
from cvbridge.bundle import load_profile, read_profile
from cvbridge.bundle._profile_values import parse_typed
from cvbridge.bundle._values import InvalidValue
from cvbridge.cli import app, main
from tests.bundles import CANDIDATE, bundle_files, candidate, write, zip_bytes

runner = CliRunner()
CANDIDATE_FILE = "candidats/dupont.txt"

PROFILE = """\
[profile]
name = "acme"
description = "Champs du CRM d'Acme"

[fields.x-salaire]
type = "integer"      # string | integer | decimal | date | boolean | enum | email | url
min = 0
max = 200000
description = "Prétentions salariales, brut annuel"

[fields.x-disponibilite]
type = "date"

[fields.x-mobilite]
type = "enum"
values = ["IDF", "PACA", "ARA", "Télétravail"]
repeatable = true

[fields.x-permis]
type = "boolean"
required = true

[fields.x-code-agence]
type = "string"
pattern = "AG-[0-9]{3}"
"""


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory, with the profile as ``acme.toml``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "acme.toml").write_text(PROFILE, encoding="utf-8")
    return tmp_path


def custom_bundle(folder: Path, lines: str, name: str = "b.zip") -> Path:
    """A valid bundle whose one candidate file ends with ``lines`` (its first is line 5)."""
    text = candidate() + lines
    return write(folder, zip_bytes(bundle_files() | {CANDIDATE_FILE: text}), name)


FIRST_CUSTOM_LINE = len(CANDIDATE) + 1


# -- the profile file ----------------------------------------------------------------------


def test_a_good_profile_is_read_with_its_fields() -> None:
    profile, problems = read_profile(PROFILE, "acme.toml")
    assert problems == []
    assert profile is not None
    assert profile.name == "acme"
    assert list(profile.fields) == ["x-salaire", "x-disponibilite", "x-mobilite", "x-permis",
                                    "x-code-agence"]
    salaire = profile.fields["x-salaire"]
    assert (salaire.type, salaire.minimum, salaire.maximum, salaire.kind) == (
        "integer", 0, 200000, "integer")
    assert profile.fields["x-mobilite"].repeatable
    assert profile.fields["x-permis"].required


BAD_PROFILE = """\
[profile]
name = "acme"

[fields.x-salaire]
type = "float"

[fields.x-mobilite]
type = "enum"

[fields.x-age]
type = "integer"
min = 70
max = 18

[fields.salaire]
type = "string"

[fields.x-code]
type = "string"
colour = "blue"
pattern = "AG-[0-9"
"""


def test_profile_check_lists_every_problem_with_its_line(site: Path) -> None:
    (site / "bad.toml").write_text(BAD_PROFILE, encoding="utf-8")
    result = invoke("profile", "check", "bad.toml")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.splitlines() == [
        "bad.toml:5: unknown type 'float' for x-salaire (known: string, integer, decimal, "
        "date, boolean, enum, email, url)",
        "bad.toml:7: enum field x-mobilite has no values: add values = [\"...\", ...]",
        "bad.toml:12: min of x-age (70) is greater than its max (18)",
        "bad.toml:15: field 'salaire' has no 'x-' prefix: custom keys of cvbundle start "
        "with it; write [fields.x-salaire]",
        "bad.toml:20: unknown option 'colour' for x-code (known: type, required, repeatable, "
        "min, max, values, pattern, description)",
        "bad.toml:21: pattern of x-code is not a valid regular expression: unterminated "
        "character set at position 3",
    ]


def test_profile_check_reports_bad_toml_at_its_line(site: Path) -> None:
    (site / "broken.toml").write_text('[profile]\nname = "acme"\n[fields.x-a]\ntype = \n',
                                      encoding="utf-8")
    result = invoke("profile", "check", "broken.toml")
    assert result.exit_code == 1
    assert result.output == "broken.toml:4: not valid TOML: Invalid value\n"


@pytest.mark.parametrize(("text", "problem"), [
    ('[fields.x-a]\ntype = "date"\nmin = "demain"\n',
     "p.toml:3: min of x-a must be a date such as 2027-01-15 or 15/01/2027"),
    ('[fields.x-a]\ntype = "string"\nmin = 3\n',
     "p.toml:3: min applies to integer, decimal, date fields only, and x-a is string"),
    ('[fields.x-a]\nrequired = true\n', "p.toml:1: field x-a has no type (one of string, "
     "integer, decimal, date, boolean, enum, email, url)"),
    ('[fields.X-Salaire]\ntype = "integer"\n', "p.toml:1: field 'X-Salaire' is not a key as "
     "bundles write it: lower-case a-z, 0-9, '_' and '-' after 'x-'"),
    ('[fields.x-a]\ntype = "enum"\nvalues = ["IDF", "idf"]\n',
     "p.toml:3: values of x-a list 'IDF' and 'idf', which differ only by case"),
    ('[profile]\nname = "p"\n', "p.toml: the profile declares no field: add "
     "[fields.x-NAME] tables"),
    ('[fields.x-a]\ntype = "date"\nmin = 2027-01-01\nmax = 2026-01-01\n',
     "p.toml:3: min of x-a (2027-01-01) is greater than its max (2026-01-01)"),
    ('[fields]\nx-a = { type = "boolean", repeatable = "oui" }\n',
     "p.toml:2: repeatable of x-a must be true or false"),
])
def test_profile_problems(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    _, problems = read_profile(text, "p.toml")
    assert [p.located("p.toml") for p in problems] == [problem]


def test_profile_check_accepts_a_good_profile(site: Path) -> None:
    result = invoke("profile", "check", "acme.toml")
    assert (result.exit_code, result.output) == (
        0, "acme.toml: profile 'acme' is valid (5 fields)\n")


def test_profile_show_prints_the_fields_as_a_table(site: Path) -> None:
    result = invoke("profile", "show", "acme.toml")
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "profile acme: Champs du CRM d'Acme",
        "field            type     required    repeatable    rule"
        "                         description",
        "---------------  -------  ----------  ------------  ---------------------------"
        "  -----------------------------------",
        "x-salaire        integer  no          no            from 0 to 200000"
        "             Prétentions salariales, brut annuel",
        "x-disponibilite  date     no          no",
        "x-mobilite       enum     no          yes           IDF, PACA, ARA, Télétravail",
        "x-permis         boolean  yes         no",
        "x-code-agence    string   no          no            matches AG-[0-9]{3}",
    ]


def test_profile_show_json(site: Path) -> None:
    result = invoke("profile", "show", "--format", "json", "acme.toml")
    shown = json.loads(result.output)
    assert shown["name"] == "acme"
    assert shown["fields"][2] == {"field": "x-mobilite", "type": "enum", "required": False,
                                  "repeatable": True, "rule": "IDF, PACA, ARA, Télétravail",
                                  "description": ""}


def test_a_bad_profile_given_to_validate_is_one_error_not_a_report(site: Path) -> None:
    (site / "bad.toml").write_text(BAD_PROFILE, encoding="utf-8")
    custom_bundle(site, "x-permis: oui\n")
    with pytest.raises(Exception, match=r"bad site profile: bad.toml:5: unknown type 'float'.*"
                       r"\(\+5 more; see 'cvbridge profile check bad.toml'\)"):
        load_profile("bad.toml")


# -- value types --------------------------------------------------------------------------


@pytest.mark.parametrize(("field_type", "text", "value"), [
    ("integer", "45000", 45000), ("integer", "45 000", 45000), ("integer", "-3", -3),
    ("integer", "45\u202f000", 45000),
    ("decimal", "37,5", Decimal("37.5")), ("decimal", "37.5", Decimal("37.5")),
    ("decimal", "1 200,75", Decimal("1200.75")),
    ("date", "2027-01-15", date(2027, 1, 15)), ("date", "15/01/2027", date(2027, 1, 15)),
    ("date", "5/1/2027", date(2027, 1, 5)),
    ("boolean", "oui", True), ("boolean", "NON", False), ("boolean", "true", True),
    ("boolean", "no", False), ("boolean", "1", True), ("boolean", "0", False),
    ("email", "Marie.Dupont@Example.COM", "Marie.Dupont@example.com"),
    ("url", "https://www.linkedin.com/in/marie", "https://www.linkedin.com/in/marie"),
])
def test_values_read_as_their_type(field_type: str, text: str, value: object) -> None:
    assert parse_typed(field_type, text) == value


@pytest.mark.parametrize(("field_type", "text"), [
    ("integer", "45k"), ("integer", "45.000"), ("integer", "4 5"), ("integer", "٤٥"),
    ("decimal", "1,5,0"), ("decimal", "1.200,5"), ("date", "2027-02-30"),
    ("date", "31/02/2027"), ("date", "01-15-2027"), ("date", "janvier 2027"),
    ("boolean", "peut-être"), ("email", "marie@"), ("url", "www.example.com"),
    ("url", "ftp://example.com/"),
])
def test_values_that_are_not_of_their_type(field_type: str, text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_typed(field_type, text)


# -- findings of a candidate against the profile -----------------------------------------


def test_without_a_profile_custom_values_are_never_an_error(site: Path) -> None:
    path = custom_bundle(site, "x-salaire: beaucoup\nx-salaire: encore\nx-inconnu: 1\n")
    assert validate_bundle(path).findings == []


def test_a_conforming_candidate_has_no_finding(site: Path) -> None:
    path = custom_bundle(site, "x-salaire: 45 000\nx-disponibilite: 15/01/2027\n"
                         "x-mobilite: IDF\nx-mobilite: paca\nx-permis: oui\n"
                         "x-code-agence: AG-013\n")
    assert validate_bundle(path, profile=load_profile("acme.toml")).findings == []


LINE = FIRST_CUSTOM_LINE


@pytest.mark.parametrize(("lines", "expected"), [
    ("x-permis: oui\nx-salaire: 45k\n",
     ("PROFILE-TYPE", LINE + 1, "x-salaire '45k' is not an integer such as 45000",
      "Write x-salaire as an integer such as 45000, as the site's profile 'acme' declares.")),
    ("x-permis: peut-être\n",
     ("PROFILE-TYPE", LINE, "x-permis 'peut-être' is not oui or non (true/false, yes/no, 1/0)",
      "Write x-permis as oui or non (true/false, yes/no, 1/0), as the site's profile 'acme' "
      "declares.")),
    ("x-permis: oui\nx-disponibilite: 2027-13-01\n",
     ("PROFILE-TYPE", LINE + 1, "x-disponibilite '2027-13-01' is not a date such as "
      "2027-01-15 or 15/01/2027",
      "Write x-disponibilite as a date such as 2027-01-15 or 15/01/2027, as the site's "
      "profile 'acme' declares.")),
    ("x-permis: oui\nx-mobilite: IDF\nx-mobilite: Bretagne\n",
     ("PROFILE-VALUE", LINE + 2, "x-mobilite 'Bretagne' is not one of IDF, PACA, ARA, "
      "Télétravail", "Give x-mobilite one of IDF, PACA, ARA, Télétravail, as the site's "
      "profile 'acme' declares.")),
    ("x-permis: oui\nx-salaire: 250000\n",
     ("PROFILE-VALUE", LINE + 1, "x-salaire '250000' is above the maximum 200000",
      "Give x-salaire a value from 0 to 200000, as the site's profile 'acme' declares.")),
    ("x-permis: oui\nx-code-agence: AG13\n",
     ("PROFILE-VALUE", LINE + 1, "x-code-agence 'AG13' does not match the pattern "
      "AG-[0-9]{3}", "Give x-code-agence a value matching AG-[0-9]{3}, as the site's "
      "profile 'acme' declares.")),
    ("x-salaire: 40000\nx-permis: oui\nx-salaire: 45000\n",
     ("PROFILE-REPEATED", LINE + 2, "x-salaire appears again (first on line 5) but takes "
      "one value", "Keep one 'x-salaire' line, or ask the site to declare x-salaire "
      "repeatable in its profile.")),
    ("x-salaire: 40000\n",
     ("PROFILE-REQUIRED", None, "required custom field 'x-permis' is missing",
      "Add 'x-permis: ...' to the candidate file: the site's profile 'acme' requires it.")),
    ("x-permis:\n",
     ("PROFILE-REQUIRED", None, "required custom field 'x-permis' is missing",
      "Add 'x-permis: ...' to the candidate file: the site's profile 'acme' requires it.")),
])
def test_each_profile_error_at_its_member_and_line(site: Path, lines: str,
                                                   expected: tuple[object, ...]) -> None:
    path = custom_bundle(site, lines)
    report = validate_bundle(path, profile=load_profile("acme.toml"))
    assert [(f.code, f.line, f.message, f.suggestion) for f in report.findings] == [expected]
    [finding] = report.findings
    assert (finding.member, finding.candidate, finding.severity) == (
        CANDIDATE_FILE, CANDIDATE_FILE, "error")
    assert report.rejected_candidates == [CANDIDATE_FILE]


def test_an_undeclared_custom_key_is_a_warning(site: Path) -> None:
    path = custom_bundle(site, "x-permis: oui\nx-score: 87\n")
    report = validate_bundle(path, profile=load_profile("acme.toml"))
    assert [(f.code, f.severity, f.member, f.line, f.message) for f in report.findings] == [
        ("PROFILE-UNKNOWN-FIELD", "warning", CANDIDATE_FILE, LINE + 1,
         "custom key 'x-score' is not declared in the site's profile 'acme'; kept as text")]
    assert report.valid and report.rejected_candidates == []


def test_validate_profile_text_output(site: Path) -> None:
    custom_bundle(site, "x-salaire: 45k\nx-salaire: 46k\nx-score: 87\n")
    result = invoke("validate", "--profile", "acme.toml", "b.zip")
    assert result.exit_code == 1
    assert result.output.splitlines()[:8] == [
        f"error[PROFILE-REPEATED] b.zip!{CANDIDATE_FILE}:{LINE + 1}: x-salaire appears again "
        f"(first on line {LINE}) but takes one value",
        "  hint: Keep one 'x-salaire' line, or ask the site to declare x-salaire repeatable "
        "in its profile.",
        f"error[PROFILE-TYPE] b.zip!{CANDIDATE_FILE}:{LINE}: x-salaire '45k' is not an "
        "integer such as 45000",
        "  hint: Write x-salaire as an integer such as 45000, as the site's profile 'acme' "
        "declares.",
        f"error[PROFILE-TYPE] b.zip!{CANDIDATE_FILE}:{LINE + 1}: x-salaire '46k' is not an "
        "integer such as 45000",
        "  hint: Write x-salaire as an integer such as 45000, as the site's profile 'acme' "
        "declares.",
        f"warning[PROFILE-UNKNOWN-FIELD] b.zip!{CANDIDATE_FILE}:{LINE + 2}: custom key "
        "'x-score' is not declared in the site's profile 'acme'; kept as text",
        "  hint: Check the spelling against 'cvbridge profile show', or ask the site to "
        "declare the field.",
    ]


def test_validate_profile_json_output(site: Path) -> None:
    custom_bundle(site, "x-mobilite: Bretagne\n")
    result = invoke("validate", "--profile", "acme.toml", "--format", "json", "b.zip")
    assert result.exit_code == 1
    [bundle] = json.loads(result.output)["bundles"]
    assert [(m["code"], m["member"], m["line"], m["candidate"]) for m in bundle["messages"]] == [
        ("PROFILE-VALUE", CANDIDATE_FILE, LINE, CANDIDATE_FILE),
        ("PROFILE-REQUIRED", CANDIDATE_FILE, None, CANDIDATE_FILE)]
    assert bundle["rejected_candidates"] == [CANDIDATE_FILE]


def test_the_custom_fields_sample_is_valid_with_and_without_the_site_profile() -> None:
    samples = Path(__file__).resolve().parent.parent / "samples"
    path = samples / "valid" / "valid-custom-fields.zip"
    profile = load_profile(samples / "conformance" / "site-profile.toml")
    assert validate_bundle(path).findings == []
    assert validate_bundle(path, profile=profile).findings == []


def test_a_bad_profile_ends_the_command_with_one_line(site: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (site / "bad.toml").write_text('[fields.x-a]\ntype = "float"\n', encoding="utf-8")
    custom_bundle(site, "")
    for args in (["validate", "--profile", "bad.toml", "b.zip"], ["profile", "show", "bad.toml"]):
        monkeypatch.setattr(sys, "argv", ["cvbridge", *args])
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == 2
        captured = capsys.readouterr()
        assert (captured.out, captured.err) == ("", (
            "cvbridge: error: bad site profile: bad.toml:2: unknown type 'float' for x-a "
            "(known: string, integer, decimal, date, boolean, enum, email, url)\n"))
