"""Rules for one value of a given type, as the schema names them.

Pure functions built on the libraries that know the rules best: phonenumbers for phone numbers,
email-validator for addresses, pycountry for ISO 3166 codes. Each is imported by the function
that needs it (tens of milliseconds each): commands that read no bundle start without them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from cvbridge._i18n import LazyText
from cvbridge.bundle._textfile import canonical_encoding

_IDENTIFIER = re.compile(r"[A-Za-z0-9._-]{1,64}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"[0-9]+")  # ASCII digits only: \d would also take Arabic-Indic ones
# Integers are stored in INTEGER columns (32-bit on PostgreSQL). Checking the length first also
# keeps int() clear of its 4300-digit limit (ValueError, not a finding).
INTEGER_MAX = 2**31 - 1
_FORMAT = re.compile(r"cvbundle/([0-9]+)\.([0-9]+)")
DEFAULT_COUNTRY = "FR"


class InvalidValue(ValueError):
    """The value breaks its key's rule; ``reason`` and ``fix`` go into VALUE-INVALID."""

    def __init__(self, reason: str | LazyText, fix: str | LazyText) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


@dataclass(frozen=True)
class Phone:
    raw: str
    e164: str | None

    @property
    def best(self) -> str:
        return self.e164 or self.raw


@dataclass(frozen=True)
class FormatVersion:
    major: int
    minor: int


def parse_identifier(value: str) -> str:
    if not _IDENTIFIER.fullmatch(value):
        raise InvalidValue("it must be 1 to 64 characters among A-Z a-z 0-9 . _ -",
                           "Use only letters, digits, '.', '_' and '-' (64 at most).")
    return value


def parse_datetime(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidValue(LazyText("it must be an ISO 8601 date and time with a UTC offset"),
                           LazyText("Write it like 2026-11-20T09:30:00+01:00."))
    return parsed


def parse_date(value: str) -> date:
    try:
        if _DATE.fullmatch(value):
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InvalidValue(LazyText("it must be a real date written YYYY-MM-DD"),
                       LazyText("Write the date like 1990-04-27."))


def parse_integer(value: str, minimum: int | None) -> int:
    if not _INTEGER.fullmatch(value):
        raise InvalidValue(LazyText("it must be a whole number"),
                           LazyText("Write digits only, such as 7."))
    if len(value.lstrip("0")) > len(str(INTEGER_MAX)) or int(value) > INTEGER_MAX:
        raise InvalidValue(LazyText("it must be at most {maximum}", maximum=INTEGER_MAX),
                           LazyText("Use a number <= {maximum}.", maximum=INTEGER_MAX))
    number = int(value)
    if minimum is not None and number < minimum:
        raise InvalidValue(LazyText("it must be at least {minimum}", minimum=minimum),
                           LazyText("Use a number >= {minimum}.", minimum=minimum))
    return number


def parse_email(value: str) -> str:
    """The address as e-mail tools compare it: syntax checked, domain lower-cased, no DNS."""
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(str(exc).rstrip("."), LazyText(
            "Write one address such as marie.dupont@example.fr.")) from exc
    return str(checked.normalized)


def parse_country(value: str) -> str:
    import pycountry

    code = value.upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise InvalidValue(LazyText("it must be an ISO 3166-1 alpha-2 country code"),
                           LazyText("Use a two-letter code such as FR, BE or CH."))
    return code


def parse_enum(value: str, allowed: tuple[str, ...]) -> str:
    wanted = value.rstrip(".").casefold()
    for choice in allowed:
        if choice.casefold() == wanted:
            return choice
    raise InvalidValue(LazyText("it must be one of {allowed}", allowed=", ".join(allowed)),
                       LazyText("Write one of: {allowed}.", allowed=", ".join(allowed)))


def parse_format(value: str) -> FormatVersion | None:
    match = _FORMAT.fullmatch(value.strip().lower())
    if match is None:
        return None
    try:
        return FormatVersion(int(match.group(1)), int(match.group(2)))
    except ValueError:  # more digits than int() converts: no version of ours
        return None


def parse_encoding(value: str, allowed: tuple[str, ...]) -> str:
    canonical = canonical_encoding(value)
    for name in allowed:
        if canonical is not None and canonical_encoding(name) == canonical:
            return name
    raise InvalidValue(LazyText("it must be one of {allowed}", allowed=", ".join(allowed)),
                       LazyText("Save every text file as UTF-8 and drop the encoding line, or "
                                "declare windows-1252."))


def parse_phone(value: str, country: str | None) -> Phone:
    """Normalise to E.164; a number libphonenumber cannot accept keeps only its raw form."""
    import phonenumbers

    region = country or DEFAULT_COUNTRY
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return Phone(value, None)
    if not phonenumbers.is_valid_number(number):
        return Phone(value, None)
    return Phone(value, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

