"""The value types of a site profile's custom fields: reading one ``x-`` value as its type.

Pure. Shared by the bundle check (PROFILE-TYPE) and by the store, which keeps each custom
value in the column of its kind and re-types stored strings when a profile is applied.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Literal
from urllib.parse import urlsplit

from cvbridge._i18n import N_, LazyText
from cvbridge.bundle._values import InvalidValue, parse_email

# How the store keeps a value: the column it goes to.
StorageKind = Literal["text", "integer", "decimal", "date", "boolean"]
Typed = str | int | Decimal | date | bool

# profile type -> storage kind
FIELD_TYPES: dict[str, StorageKind] = {
    "string": "text", "integer": "integer", "decimal": "decimal", "date": "date",
    "boolean": "boolean", "enum": "text", "email": "text", "url": "text",
}
# What a value of each type looks like, for messages ("x-salaire '45k' is not {expected}").
# Marked for translation; shown in the language spoken at the time.
EXPECTED: dict[str, str] = {
    "string": N_("text"), "integer": N_("an integer such as 45000"),
    "decimal": N_("a decimal number such as 37,5"),
    "date": N_("a date such as 2027-01-15 or 15/01/2027"),
    "boolean": N_("oui or non (true/false, yes/no, 1/0)"),
    "enum": N_("one of the listed values"), "email": N_("an e-mail address"),
    "url": N_("an http(s) URL such as https://example.com/"),
}
# Types whose values are ordered: min and max apply to them, and < <= > >= in filters.
ORDERED_TYPES = ("integer", "decimal", "date")

# Digits in groups of three may be set apart by a space, a no-break or a narrow no-break
# space, as French typography writes 45 000 (never by '.' or ',': those are decimal marks).
_GROUP_SPACES = "[ \u00a0\u202f]"
_INTEGER = re.compile(rf"[+-]?(?:[0-9]+|[0-9]{{1,3}}(?:{_GROUP_SPACES}[0-9]{{3}})+)")
_DECIMAL = re.compile(
    rf"[+-]?(?:[0-9]+|[0-9]{{1,3}}(?:{_GROUP_SPACES}[0-9]{{3}})+)(?:[.,][0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FRENCH_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
# The store's integer column is 64-bit on both databases.
_INTEGER_LIMIT = 2**63 - 1
_DECIMAL_DIGITS = 30
BOOLEAN_WORDS: dict[str, bool] = {
    "oui": True, "non": False, "true": True, "false": False, "yes": True, "no": False,
    "1": True, "0": False,
}


def _without_group_spaces(text: str) -> str:
    return re.sub(_GROUP_SPACES, "", text)


def parse_integer_value(text: str) -> int:
    if not _INTEGER.fullmatch(text) or len(text) > 25:
        raise InvalidValue(LazyText("not an integer"), LazyText(EXPECTED["integer"]))
    value = int(_without_group_spaces(text))
    if abs(value) > _INTEGER_LIMIT:
        raise InvalidValue(LazyText("too large"), LazyText(EXPECTED["integer"]))
    return value


def parse_decimal_value(text: str) -> Decimal:
    if not _DECIMAL.fullmatch(text) or len(text) > _DECIMAL_DIGITS + 10:
        raise InvalidValue(LazyText("not a decimal number"), LazyText(EXPECTED["decimal"]))
    value = Decimal(_without_group_spaces(text).replace(",", "."))  # the pattern made sure
    if len(value.as_tuple().digits) > _DECIMAL_DIGITS:
        raise InvalidValue(LazyText("too many digits"), LazyText(EXPECTED["decimal"]))
    return value


def parse_date_value(text: str) -> date:
    """ISO 8601 (2027-01-15) or day/month/year as French vendors write it (15/01/2027)."""
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        french = _FRENCH_DATE.fullmatch(text)
        if french:
            day, month, year = (int(part) for part in french.groups())
            return date(year, month, day)
    except ValueError as exc:
        raise InvalidValue(LazyText("not a real date"), LazyText(EXPECTED["date"])) from exc
    raise InvalidValue(LazyText("not a date"), LazyText(EXPECTED["date"]))


def parse_boolean_value(text: str) -> bool:
    try:
        return BOOLEAN_WORDS[text.casefold()]
    except KeyError:
        raise InvalidValue(LazyText("not a boolean"), LazyText(EXPECTED["boolean"])) from None


def parse_url_value(text: str) -> str:
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InvalidValue(LazyText("not a URL"), LazyText(EXPECTED["url"])) from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or " " in text:
        raise InvalidValue(LazyText("not an http(s) URL"), LazyText(EXPECTED["url"]))
    return text


def parse_email_value(text: str) -> str:
    try:
        return parse_email(text)
    except InvalidValue as exc:
        raise InvalidValue(LazyText("not an e-mail address"), LazyText(EXPECTED["email"])) from exc


def match_enum(text: str, values: tuple[str, ...]) -> str | None:
    """The listed value ``text`` names: itself, else the one equal to it ignoring case."""
    if text in values:
        return text
    folded = [value for value in values if value.casefold() == text.casefold()]
    return folded[0] if len(folded) == 1 else None


def parse_typed(field_type: str, text: str) -> Typed:
    """``text`` as a value of ``field_type``; raises InvalidValue. An enum's text is returned
    as is: whether it is listed is a matter of value (PROFILE-VALUE), not of type."""
    if field_type == "integer":
        return parse_integer_value(text)
    if field_type == "decimal":
        return parse_decimal_value(text)
    if field_type == "date":
        return parse_date_value(text)
    if field_type == "boolean":
        return parse_boolean_value(text)
    if field_type == "email":
        return parse_email_value(text)
    if field_type == "url":
        return parse_url_value(text)
    return text
