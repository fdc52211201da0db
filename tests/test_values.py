"""Typed values (spec §6): each type's rule, and VALUE-INVALID / VALUE-PHONE in bundles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from cvbridge import Candidate, open_bundle
from cvbridge.bundle._values import (
    FormatVersion,
    InvalidValue,
    Phone,
    parse_country,
    parse_date,
    parse_datetime,
    parse_email,
    parse_encoding,
    parse_enum,
    parse_format,
    parse_identifier,
    parse_integer,
    parse_phone,
)
from tests.bundles import bundle_files, candidate, check, manifest, write, zip_bytes

CANDIDATE_FILE = "candidats/dupont.txt"
ENCODINGS = ("utf-8", "windows-1252", "iso-8859-15")


def read_candidate(tmp_path: Path, text: str) -> Candidate:
    with open_bundle(write(tmp_path, zip_bytes(bundle_files() | {CANDIDATE_FILE: text}))
                     ) as opened:
        [only] = opened.bundle.candidates
        return only


# -- the rules, one type at a time ------------------------------------------------------


@pytest.mark.parametrize("value", ["TAL-000184", "a", "A.b_c-9", "x" * 64])
def test_identifier_accepted(value: str) -> None:
    assert parse_identifier(value) == value


@pytest.mark.parametrize("value", ["", "x" * 65, "TAL 184", "TAL/184", "é"])
def test_identifier_refused(value: str) -> None:
    with pytest.raises(InvalidValue):
        parse_identifier(value)


def test_datetime_with_offset_or_z() -> None:
    assert parse_datetime("2024-05-02T18:30:00+02:00") == datetime(
        2024, 5, 2, 18, 30, tzinfo=timezone(timedelta(hours=2)))
    assert parse_datetime("2024-05-02T16:30:00Z") == datetime(2024, 5, 2, 16, 30,
                                                             tzinfo=UTC)


@pytest.mark.parametrize("value", ["2024-05-02T18:30:00", "2024-05-02", "02/05/2024 18:30",
                                   "2024-13-02T18:30:00+02:00"])
def test_datetime_refused(value: str) -> None:
    with pytest.raises(InvalidValue, match="with a UTC offset"):
        parse_datetime(value)


def test_date() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)


@pytest.mark.parametrize("value", ["2023-02-29", "1988-11-31", "2024/09/01", "20240901",
                                   "2024-9-1", "01-09-2024"])
def test_date_refused(value: str) -> None:
    with pytest.raises(InvalidValue, match="real date written YYYY-MM-DD"):
        parse_date(value)


def test_integer_and_minimum() -> None:
    assert parse_integer("012", 0) == 12
    for value in ("-3", "1.5", "douze", "1e3", " 1"):
        with pytest.raises(InvalidValue):
            parse_integer(value, 0)
    with pytest.raises(InvalidValue, match="at least 5"):
        parse_integer("4", 5)


def test_email_domain_is_lower_cased_local_part_kept() -> None:
    assert parse_email("Marie.Dupont@EXAMPLE.FR") == "Marie.Dupont@example.fr"


@pytest.mark.parametrize("value", ["marie", "marie@", "marie dupont@example.fr",
                                   "a@b@example.fr", "marie@example..fr"])
def test_email_refused(value: str) -> None:
    with pytest.raises(InvalidValue):
        parse_email(value)


def test_country() -> None:
    assert parse_country("be") == "BE"
    for value in ("XX", "FRA", "France", ""):
        with pytest.raises(InvalidValue):
            parse_country(value)


@pytest.mark.parametrize(("value", "stored"), [("mme", "Mme"), ("Mme.", "Mme"), ("M.", "M"),
                                               ("MX", "Mx")])
def test_civility_enum(value: str, stored: str) -> None:
    assert parse_enum(value, ("M", "Mme", "Mx")) == stored


def test_enum_refused() -> None:
    with pytest.raises(InvalidValue, match="one of M, Mme, Mx"):
        parse_enum("Dr", ("M", "Mme", "Mx"))


def test_format_version() -> None:
    assert parse_format("cvbundle/1.0") == FormatVersion(1, 0)
    assert parse_format("CVBundle/1.12") == FormatVersion(1, 12)
    assert parse_format("cvbundle/1") is None
    assert parse_format("cvbundle 1.0") is None


def test_encoding_aliases() -> None:
    assert parse_encoding("UTF8", ENCODINGS) == "utf-8"
    assert parse_encoding("cp1252", ENCODINGS) == "windows-1252"
    assert parse_encoding("ISO-8859-15", ENCODINGS) == "iso-8859-15"
    with pytest.raises(InvalidValue):
        parse_encoding("latin-1", ENCODINGS)


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("06 12 34 56 78", None, "+33612345678"),
        ("+33 4 78 42 10 00", "FR", "+33478421000"),
        ("0033 6.12.34.56.78", None, "+33612345678"),
        ("02 555 12 34", "BE", "+3225551234"),
        ("+41 44 668 18 00", "FR", "+41446681800"),
    ],
)
def test_phone_normalised_to_e164(raw: str, country: str | None, e164: str) -> None:
    assert parse_phone(raw, country) == Phone(raw, e164)


@pytest.mark.parametrize("raw", ["12", "appeler le soir", "06 12 34", "+33 1"])
def test_unusable_phone_is_kept_as_written(raw: str) -> None:
    phone = parse_phone(raw, "FR")
    assert (phone.e164, phone.best) == (None, raw)


# -- in a bundle ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("birth_date", "1988-02-30", "it must be a real date written YYYY-MM-DD"),
        ("availability", "01/09/2024", "it must be a real date written YYYY-MM-DD"),
        ("received_at", "2024-04-29T09:14:00",
         "it must be an ISO 8601 date and time with a UTC offset"),
        ("external_id", "TAL 000184", "it must be 1 to 64 characters among A-Z a-z 0-9 . _ -"),
        ("country", "FRA", "it must be an ISO 3166-1 alpha-2 country code"),
        ("email", "helene.dupre", "An email address must have an @-sign"),
        ("experience_years", "douze", "it must be a whole number"),
        ("civility", "Dr", "it must be one of M, Mme, Mx"),
    ],
)
def test_invalid_candidate_value(tmp_path: Path, key: str, value: str, reason: str) -> None:
    text = "# candidate\n" + candidate(**{key: value})
    report = check(tmp_path, bundle_files() | {CANDIDATE_FILE: text})
    line = 1 + text.splitlines().index(f"{key}: {value}")
    assert [(f.code, f.member, f.line, f.candidate, f.message) for f in report.findings] == [
        ("VALUE-INVALID", CANDIDATE_FILE, line, CANDIDATE_FILE,
         f"{key} '{value}' is not valid: {reason}")]
    assert report.rejected_candidates == [CANDIDATE_FILE]


@pytest.mark.parametrize(
    ("key", "value", "line"),
    [
        ("created_at", "2024-05-02T18:30:00", 4),
        ("bundle_id", "lot du 2 mai", 2),
        ("candidate_count", "un", 5),
    ],
)
def test_invalid_manifest_value_fails_the_bundle(tmp_path: Path, key: str, value: str,
                                                 line: int) -> None:
    report = check(tmp_path, bundle_files() | {"manifest.txt": manifest(**{key: value})})
    assert [(f.code, f.member, f.line, f.candidate) for f in report.findings] == [
        ("VALUE-INVALID", "manifest.txt", line, None)]
    assert report.bundle_errors == report.errors


def test_invalid_value_suggestion_names_the_fix(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {CANDIDATE_FILE: candidate(birth_date="23/11/1988")})
    assert report.findings[0].suggestion == "Write the date like 1990-04-27."


def test_values_are_typed_and_normalised(tmp_path: Path) -> None:
    text = candidate(civility="mme.", email="Helene.Dupre@Example.COM", country="fr",
                     birth_date="1988-11-23", experience_years="12",
                     received_at="2024-04-29T09:14:00+02:00")
    person = read_candidate(tmp_path, text)
    assert (person.civility, person.email, person.country) == (
        "Mme", "Helene.Dupre@example.com", "FR")
    assert (person.birth_date, person.experience_years) == (date(1988, 11, 23), 12)
    assert person.received_at == datetime(2024, 4, 29, 9, 14,
                                          tzinfo=timezone(timedelta(hours=2)))


def test_phones_stored_in_e164_with_the_candidates_country(tmp_path: Path) -> None:
    text = candidate(country="BE") + "phone: 02 555 12 34\nphone: +33 6 12 34 56 78\n"
    person = read_candidate(tmp_path, text)
    assert [p.best for p in person.phones] == ["+3225551234", "+33612345678"]


def test_country_defaults_to_fr(tmp_path: Path) -> None:
    person = read_candidate(tmp_path, candidate(phone="06 12 34 56 78"))
    assert person.country == "FR"
    assert person.phones == [Phone("06 12 34 56 78", "+33612345678")]


def test_unparseable_phone_is_a_warning_and_kept(tmp_path: Path) -> None:
    text = candidate(phone="06 12 34 56 78") + "phone: le soir après 18h\n"
    report = check(tmp_path, bundle_files() | {CANDIDATE_FILE: text})
    assert [(f.code, f.severity, f.line, f.message) for f in report.findings] == [
        ("VALUE-PHONE", "warning", 6,
         "phone 'le soir après 18h' is not a valid number for FR; kept as written")]
    assert report.valid
    person = read_candidate(tmp_path, text)
    assert [p.best for p in person.phones] == ["+33612345678", "le soir après 18h"]
