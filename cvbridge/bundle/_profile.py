"""Site profiles: the custom fields a site's CRM expects, declared in TOML, and the check of a
candidate's ``x-`` values against them. Pure: text in, a profile, problems or findings out.

A profile is checked as a whole: every problem in it (bad TOML, an unknown type, an enum
without values, min > max, a field without the ``x-`` prefix...) is reported with its line,
the way a bundle's findings are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from cvbridge._errors import ProfileError
from cvbridge._i18n import LazyText, _, ngettext
from cvbridge.bundle._keys import CUSTOM_PREFIX, custom_text
from cvbridge.bundle._profile_values import (
    EXPECTED,
    FIELD_TYPES,
    ORDERED_TYPES,
    StorageKind,
    Typed,
    match_enum,
    parse_date_value,
    parse_decimal_value,
    parse_typed,
)
from cvbridge.bundle._report import FindingsCollector
from cvbridge.bundle._textfile import Entry
from cvbridge.bundle._values import InvalidValue

Bound = int | Decimal | date
FIELD_OPTIONS = ("type", "required", "repeatable", "min", "max", "values", "pattern",
                 "description")
_PROFILE_OPTIONS = ("name", "description")
_TOP_LEVEL = ("profile", "fields")
# What the reader stores a custom key as: lower case (spec §5), so a field is named that way.
_FIELD_NAME = re.compile(r"x-[a-z0-9_-]+")


@dataclass(frozen=True)
class FieldSpec:
    """One custom field a profile declares."""

    name: str
    type: str
    required: bool = False
    repeatable: bool = False
    minimum: Bound | None = None
    maximum: Bound | None = None
    values: tuple[str, ...] = ()
    pattern: str | None = None
    description: str = ""

    @property
    def kind(self) -> StorageKind:
        return FIELD_TYPES[self.type]

    def typed(self, text: str) -> Typed:
        """The value ``text`` stands for; raises InvalidValue when it is not of the type."""
        if self.type == "enum":
            return match_enum(text, self.values) or text
        return parse_typed(self.type, text)

    def refusal(self, value: Typed) -> tuple[LazyText, LazyText] | None:
        """Why a typed value is not allowed, and what is, or None when it is."""
        if self.type == "enum" and value not in self.values:
            listed = ", ".join(self.values)
            return (LazyText("is not one of {listed}", listed=listed),
                    LazyText("one of {listed}", listed=listed))
        if self.pattern is not None and isinstance(value, str) \
                and re.fullmatch(self.pattern, value) is None:
            return (LazyText("does not match the pattern {pattern}", pattern=self.pattern),
                    LazyText("a value matching {pattern}", pattern=self.pattern))
        if isinstance(value, bool) or not isinstance(value, int | Decimal | date):
            return None
        allowed = self.range_text()
        if self.minimum is not None and _below(value, self.minimum):
            return LazyText("is below the minimum {minimum}",
                            minimum=_shown(self.minimum)), allowed
        if self.maximum is not None and _below(self.maximum, value):
            return LazyText("is above the maximum {maximum}",
                            maximum=_shown(self.maximum)), allowed
        return None

    def range_text(self) -> LazyText:
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return LazyText("a value from {low} to {high}", low=_shown(low), high=_shown(high))
        if low is not None:
            return LazyText("a value of at least {low}", low=_shown(low))
        if high is not None:
            return LazyText("a value of at most {high}", high=_shown(high))
        return LazyText("any value")

    def rule_text(self) -> str:
        """The field's rule in a few words, for ``cvbridge profile show``."""
        parts = []
        if self.values:
            parts.append(", ".join(self.values))
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            parts.append(_("from {low} to {high}").format(low=_shown(low), high=_shown(high)))
        elif low is not None:
            parts.append(_("at least {low}").format(low=_shown(low)))
        elif high is not None:
            parts.append(_("at most {high}").format(high=_shown(high)))
        if self.pattern is not None:
            parts.append(_("matches {pattern}").format(pattern=self.pattern))
        return "; ".join(parts)


def _below(value: Bound, bound: Bound) -> bool:
    return value < bound  # type: ignore[operator]  # same kind: the profile check made sure


def _shown(bound: Bound) -> str:
    return bound.isoformat() if isinstance(bound, date) else str(bound)


@dataclass(frozen=True)
class Profile:
    name: str
    source: str
    fields: dict[str, FieldSpec] = field(default_factory=dict, hash=False)
    description: str = ""


@dataclass(frozen=True)
class ProfileProblem:
    line: int | None
    message: str

    def located(self, source: str) -> str:
        return f"{source}:{self.line}: {self.message}" if self.line else \
            f"{source}: {self.message}"


# -- where things are in the TOML text ---------------------------------------------------

_SEGMENT = r'(?:"[^"]*"|\'[^\']*\'|[A-Za-z0-9_-]+)'
_DOTTED = rf"{_SEGMENT}(?:\s*\.\s*{_SEGMENT})*"
_HEADER_LINE = re.compile(rf"\s*\[\s*({_DOTTED})\s*\]\s*(?:#.*)?")
_KEY_LINE = re.compile(rf"\s*({_DOTTED})\s*=")
_SEGMENT_PARTS = re.compile(r'"([^"]*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)')
_TOML_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)$")


def _segments(dotted: str) -> tuple[str, ...]:
    return tuple(next(part for part in match.groups() if part is not None)
                 for match in _SEGMENT_PARTS.finditer(dotted))


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line of each table header and key, by dotted path (the first line wins).

    tomllib gives values without positions; this finds them again in the text (a profile is
    small and simple: tables, keys and inline values).
    """
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER_LINE.fullmatch(line)
        if header:
            table = _segments(header.group(1))
            lines.setdefault(table, number)
            continue
        key = _KEY_LINE.match(line)
        if key:
            lines.setdefault((*table, *_segments(key.group(1))), number)
    return lines


class _Locator:
    def __init__(self, text: str) -> None:
        self.lines = key_lines(text)

    def line(self, *path: str) -> int | None:
        """The line of ``path``, else of its nearest enclosing table or key."""
        for end in range(len(path), 0, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None


# -- reading and checking a profile ----------------------------------------------------------


class _ProfileReader:
    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.problems: list[ProfileProblem] = []
        self.where = _Locator(text)

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(ProfileProblem(line, message))

    def read(self) -> Profile | None:
        import tomllib  # here: only --profile reads one, and validate is timed

        try:
            data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            message = str(exc)
            at = _TOML_LINE.search(message)
            self.problem(int(at.group(1)) if at else None,
                         _("not valid TOML: {reason}").format(
                             reason=_TOML_LINE.sub("", message)))
            return None
        for key in data:
            if key not in _TOP_LEVEL:
                self.problem(self.where.line(key), _(
                    "unknown table or key '{key}' (a profile has [profile] and [fields])")
                    .format(key=key))
        name, description = self._header(data.get("profile", {}))
        fields = self._fields(data.get("fields"))
        if self.problems:
            return None
        return Profile(name=name, source=self.source, fields=fields, description=description)

    def _header(self, header: object) -> tuple[str, str]:
        default = Path(self.source).stem
        if not isinstance(header, dict):
            self.problem(self.where.line("profile"), _("[profile] must be a table"))
            return default, ""
        for key in header:
            if key not in _PROFILE_OPTIONS:
                self.problem(self.where.line("profile", key), _(
                    "unknown key '{key}' in [profile] (known: {known})").format(
                    key=key, known=", ".join(_PROFILE_OPTIONS)))
        name = self._string(header, "name", ("profile",)) or default
        return name, self._string(header, "description", ("profile",)) or ""

    def _string(self, table: Mapping[str, Any], key: str, path: tuple[str, ...]) -> str | None:
        value = table.get(key)
        if value is not None and not isinstance(value, str):
            self.problem(self.where.line(*path, key),
                         _("{key} must be a string").format(key=key))
            return None
        return value

    def _fields(self, fields: object) -> dict[str, FieldSpec]:
        if fields is None or fields == {}:
            self.problem(self.where.line("fields"), _("the profile declares no field: add "
                                                      "[fields.x-NAME] tables"))
            return {}
        if not isinstance(fields, dict):
            self.problem(self.where.line("fields"), _("fields must be a table of "
                                                      "[fields.x-NAME] tables"))
            return {}
        specs = {}
        for name, options in fields.items():
            spec = self._field(name, options)
            if spec is not None:
                specs[name] = spec
        return specs

    def _field(self, name: str, options: object) -> FieldSpec | None:
        line = self.where.line("fields", name)
        before = len(self.problems)
        if not name.lower().startswith(CUSTOM_PREFIX):
            self.problem(line, _("field '{name}' has no '{prefix}' prefix: custom keys of "
                                 "cvbundle start with it; write [fields.{prefix}{name}]")
                         .format(name=name, prefix=CUSTOM_PREFIX))
        elif not _FIELD_NAME.fullmatch(name):
            self.problem(line, _("field '{name}' is not a key as bundles write it: lower-case "
                                 "a-z, 0-9, '_' and '-' after 'x-'").format(name=name))
        if not isinstance(options, dict):
            self.problem(line, _("field '{name}' must be a table, such as [fields.{name}] with "
                                 "type = \"string\"").format(name=name))
            return None
        for key in options:
            if key not in FIELD_OPTIONS:
                self.problem(self.where.line("fields", name, key), _(
                    "unknown option '{key}' for {name} (known: {known})").format(
                    key=key, name=name, known=", ".join(FIELD_OPTIONS)))
        field_type = self._type(name, options)
        flags = {key: self._flag(name, options, key) for key in ("required", "repeatable")}
        values = self._values(name, options, field_type)
        pattern = self._pattern(name, options, field_type)
        minimum, maximum = self._bounds(name, options, field_type)
        description = self._string(options, "description", ("fields", name)) or ""
        if field_type is None or len(self.problems) > before:
            return None
        return FieldSpec(name=name, type=field_type, required=flags["required"],
                         repeatable=flags["repeatable"], minimum=minimum, maximum=maximum,
                         values=values, pattern=pattern, description=description)

    def _type(self, name: str, options: Mapping[str, Any]) -> str | None:
        value = options.get("type")
        known = ", ".join(FIELD_TYPES)
        if value is None:
            self.problem(self.where.line("fields", name), _(
                "field {name} has no type (one of {known})").format(name=name, known=known))
            return None
        if value not in FIELD_TYPES:
            self.problem(self.where.line("fields", name, "type"),
                         _("unknown type {value!r} for {name} (known: {known})").format(
                             value=value, name=name, known=known))
            return None
        return str(value)

    def _flag(self, name: str, options: Mapping[str, Any], key: str) -> bool:
        value = options.get(key, False)
        if not isinstance(value, bool):
            self.problem(self.where.line("fields", name, key),
                         _("{key} of {name} must be true or false").format(key=key, name=name))
            return False
        return value

    def _values(self, name: str, options: Mapping[str, Any], field_type: str | None
                ) -> tuple[str, ...]:
        line = self.where.line("fields", name, "values")
        values = options.get("values")
        if field_type != "enum":
            if values is not None:
                self.problem(line, _("values apply to enum fields only, and {name} is {type}")
                             .format(name=name, type=field_type or _("untyped")))
            return ()
        if not values:
            self.problem(line, _("enum field {name} has no values: add values = "
                                 "[\"...\", ...]").format(name=name))
            return ()
        if not isinstance(values, list) or not all(
                isinstance(value, str) and value.strip() for value in values):
            self.problem(line, _("values of {name} must be a list of non-empty strings")
                         .format(name=name))
            return ()
        folded: dict[str, str] = {}
        for value in values:
            if value.casefold() in folded:
                # A bundle's value is matched ignoring case: two such values are ambiguous.
                self.problem(line, _("values of {name} list {first!r} and {second!r}, which "
                                     "differ only by case").format(
                    name=name, first=folded[value.casefold()], second=value))
            folded[value.casefold()] = value
        return tuple(values)

    def _pattern(self, name: str, options: Mapping[str, Any], field_type: str | None
                 ) -> str | None:
        pattern = options.get("pattern")
        if pattern is None:
            return None
        line = self.where.line("fields", name, "pattern")
        if field_type != "string":
            self.problem(line, _("pattern applies to string fields only, and {name} is {type}")
                         .format(name=name, type=field_type or _("untyped")))
            return None
        if not isinstance(pattern, str):
            self.problem(line, _("pattern of {name} must be a string").format(name=name))
            return None
        try:
            re.compile(pattern)
        except re.error as exc:
            self.problem(line, _("pattern of {name} is not a valid regular expression: "
                                 "{reason}").format(name=name, reason=exc))
            return None
        return pattern

    def _bounds(self, name: str, options: Mapping[str, Any], field_type: str | None
                ) -> tuple[Bound | None, Bound | None]:
        bounds: dict[str, Bound | None] = {}
        for key in ("min", "max"):
            raw = options.get(key)
            bounds[key] = None
            if raw is None:
                continue
            line = self.where.line("fields", name, key)
            if field_type not in ORDERED_TYPES:
                self.problem(line, _("{key} applies to {types} fields only, and {name} is "
                                     "{type}").format(key=key, types=", ".join(ORDERED_TYPES),
                                                      name=name,
                                                      type=field_type or _("untyped")))
                continue
            bound = _BOUND_READERS[field_type](raw)
            if bound is None:
                self.problem(line, _("{key} of {name} must be {expected}").format(
                    key=key, name=name, expected=_(EXPECTED[field_type])))
            bounds[key] = bound
        low, high = bounds["min"], bounds["max"]
        if low is not None and high is not None and _below(high, low):
            self.problem(self.where.line("fields", name, "min"),
                         _("min of {name} ({low}) is greater than its max ({high})").format(
                             name=name, low=_shown(low), high=_shown(high)))
        return low, high


def _integer_bound(raw: object) -> Bound | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def _decimal_bound(raw: object) -> Bound | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    try:
        return parse_decimal_value(raw) if isinstance(raw, str) else None
    except InvalidValue:
        return None


def _date_bound(raw: object) -> Bound | None:
    if isinstance(raw, date) and type(raw) is date:  # a TOML local date, not a date-time
        return raw
    try:
        return parse_date_value(raw) if isinstance(raw, str) else None
    except InvalidValue:
        return None


_BOUND_READERS: dict[str, Callable[[object], Bound | None]] = {
    "integer": _integer_bound, "decimal": _decimal_bound, "date": _date_bound}


def read_profile(text: str, source: str) -> tuple[Profile | None, list[ProfileProblem]]:
    """The profile in ``text`` and its problems (the profile is None when there are any)."""
    reader = _ProfileReader(text, source)
    return reader.read(), reader.problems


def check_profile_file(path: str | Path) -> tuple[Profile | None, list[str]]:
    """The profile at ``path`` and its problems, each ``path:line: message``."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return None, [_("{source}: cannot read the profile: {reason}").format(
            source=source, reason=exc.strerror or exc)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [_("{source}: not valid TOML: a profile is UTF-8 ({reason} at byte "
                        "{offset})").format(source=source, reason=exc.reason, offset=exc.start)]
    profile, problems = read_profile(text, source)
    return profile, [problem.located(source) for problem in problems]


def load_profile(path: str | Path) -> Profile:
    """The profile at ``path``; raises ProfileError naming every problem."""
    profile, problems = check_profile_file(path)
    if profile is None:
        if len(problems) > 1:
            message = ngettext(
                "bad site profile: {problem} (+{n} more; see 'cvbridge profile check {path}')",
                "bad site profile: {problem} (+{n} more; see 'cvbridge profile check {path}')",
                len(problems) - 1).format(problem=problems[0], n=len(problems) - 1, path=path)
        else:
            message = _("bad site profile: {problem}").format(problem=problems[0])
        raise ProfileError(message, tuple(problems))
    return profile


# -- a candidate's custom values against a profile -----------------------------------------


def check_custom(profile: Profile, custom: dict[str, list[Entry]], findings: FindingsCollector,
                 *, member: str, candidate: str) -> None:
    """Report PROFILE-* findings for one candidate file's ``x-`` entries."""

    def report(code: str, line: int | None, key: str, **params: object) -> None:
        findings.add(code, member=member, line=line, candidate=candidate, key=key,
                     profile=profile.name, params=params)

    for key, entries in custom.items():
        spec = profile.fields.get(key)
        if spec is None:
            report("PROFILE-UNKNOWN-FIELD", entries[0].line, key)
            continue
        given = [entry for entry in entries if custom_text(entry)]  # empty counts as absent
        if not spec.repeatable:
            for entry in given[1:]:
                report("PROFILE-REPEATED", entry.line, key, first_line=given[0].line)
        for entry in given:
            text = custom_text(entry)
            try:
                value = spec.typed(text)
            except InvalidValue:
                report("PROFILE-TYPE", entry.line, key, value=text,
                       expected=LazyText(EXPECTED[spec.type]))

                continue
            refused = spec.refusal(value)
            if refused is not None:
                report("PROFILE-VALUE", entry.line, key, value=text, reason=refused[0],
                       allowed=refused[1])
    for name, spec in profile.fields.items():
        if spec.required and not any(custom_text(entry) for entry in custom.get(name, [])):
            report("PROFILE-REQUIRED", None, name)
