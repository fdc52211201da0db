"""Custom ``x-`` values, typed: the fields the store knows the type of, each candidate's values
in the column of their kind (``candidate_custom``), the typed view, and filters on them.

``candidate.custom`` keeps the values as written; ``candidate_custom`` is derived from it and
from ``custom_field``, and rebuilt whenever either changes (like the search index), so that
SQLite and PostgreSQL filter and index the same rows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from cvbridge._errors import FilterError
from cvbridge._i18n import _
from cvbridge.bundle import FIELD_TYPES, ORDERED_TYPES, Profile, StorageKind
from cvbridge.bundle._profile_values import EXPECTED, parse_typed
from cvbridge.bundle._values import InvalidValue
from cvbridge.store._mapping import now_utc
from cvbridge.store._tables import CandidateCustom, CustomField

# value_key is indexed: PostgreSQL's B-tree takes ~2,700 bytes a row, a custom value up to the
# text_size limit (1 MiB). The key is a cut of the folded value; equality checks both.
KEY_LENGTH = 200
# A custom key longer than this is kept in candidate.custom but is not filterable.
FIELD_LENGTH = 200
_CACHE = "cvbridge.custom_fields"
_IDS_PER_QUERY = 500


def fold_value(value: str) -> str:
    """Case- and accent-insensitive form, for = and ~ on text."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@dataclass(frozen=True)
class KnownField:
    name: str
    type: str
    repeatable: bool

    @property
    def kind(self) -> StorageKind:
        return FIELD_TYPES[self.type]


def known_fields(session: Session) -> dict[str, KnownField]:
    """The fields whose type the store knows, read once per unit of work."""
    cached = session.info.get(_CACHE)
    if cached is None:
        cached = {row.name: KnownField(row.name, row.type, row.repeatable)
                  for row in session.exec(select(CustomField)).all()}
        session.info[_CACHE] = cached
    return dict(cached)


def register_profile(session: Session, profile: Profile, *, exclusive: bool = False) -> bool:
    """Make the store know the profile's field types; ``exclusive``: forget other fields.
    Returns whether anything changed (nothing is written when nothing did)."""
    known = known_fields(session)
    wanted = {name: KnownField(name, spec.type, spec.repeatable)
              for name, spec in profile.fields.items()}
    stale = [name for name in known if exclusive and name not in wanted]
    changed = [field for name, field in wanted.items() if known.get(name) != field]
    if not stale and not changed:
        return False
    if stale:
        session.execute(delete(CustomField).where(col(CustomField.name).in_(stale)))
    if changed:
        # An upsert: another worker may register the same profile meanwhile (rows in name
        # order, so that two workers lock them in the same order).
        upsert = (postgresql_insert if session.get_bind().dialect.name == "postgresql"
                  else sqlite_insert)(CustomField).values([
                      {"name": field.name, "type": field.type, "repeatable": field.repeatable,
                       "profile": profile.name, "updated_at": now_utc()}
                      for field in sorted(changed, key=lambda field: field.name)])
        session.execute(upsert.on_conflict_do_update(index_elements=["name"], set_={
            column: upsert.excluded[column]
            for column in ("type", "repeatable", "profile", "updated_at")}))
    session.flush()
    session.info.pop(_CACHE, None)
    return True


# -- rows ----------------------------------------------------------------------------------


def _given(values: object) -> list[str]:
    """The values of one key in candidate.custom: a string, or a list for a repeated key."""
    items = values if isinstance(values, list) else [values]
    return [str(item) for item in items if item not in (None, "")]


def _typed_row(candidate_id: int, field: str, position: int, text: str,
               known: KnownField | None) -> tuple[dict[str, Any], bool]:
    """The row of one value, and whether it reads as its known type (if it has one)."""
    row: dict[str, Any] = {"candidate": candidate_id, "field": field, "position": position,
                           "kind": "text", "value_text": text, "value_integer": None,
                           "value_number": None, "value_date": None, "value_boolean": None}
    typed = True
    if known is not None:
        try:
            value = parse_typed(known.type, text)
        except InvalidValue:
            typed = False
        else:
            row["kind"] = known.kind
            if known.kind == "text":
                row["value_text"] = str(value)
            else:
                column = _COLUMNS[known.kind]
                row[column] = float(value) if isinstance(value, Decimal) else value
    folded = fold_value(row["value_text"])
    row.update(value_folded=folded, value_key=folded[:KEY_LENGTH])
    return row, typed


def custom_rows(candidate_id: int, custom: dict[str, Any], known: dict[str, KnownField]
                ) -> tuple[list[dict[str, Any]], int]:
    """The rows of one candidate's custom values, and how many did not read as their type."""
    rows, untyped = [], 0
    for field, values in custom.items():
        if len(field) > FIELD_LENGTH:
            continue
        for position, text in enumerate(_given(values)):
            row, typed = _typed_row(candidate_id, field, position, text, known.get(field))
            rows.append(row)
            untyped += not typed
    return rows, untyped


def index_new_custom(session: Session, candidates: Iterable[tuple[int, dict[str, Any] | None]]
                     ) -> int:
    """Add the rows of candidates that have none yet; returns how many values did not read
    as their field's type."""
    known = known_fields(session)
    rows: list[dict[str, Any]] = []
    untyped = 0
    for candidate_id, custom in candidates:
        more, bad = custom_rows(candidate_id, custom or {}, known)
        rows += more
        untyped += bad
    if rows:
        session.execute(insert(CandidateCustom), rows)
    return untyped


def remove_custom(session: Session, candidate_id: int) -> None:
    session.execute(delete(CandidateCustom).where(
        col(CandidateCustom.candidate) == candidate_id))


def index_custom(session: Session, candidate_id: int, custom: dict[str, Any] | None) -> None:
    """Replace the rows of one candidate."""
    remove_custom(session, candidate_id)
    index_new_custom(session, [(candidate_id, custom)])


# -- the typed view -------------------------------------------------------------------------

_COLUMNS: dict[str, str] = {"integer": "value_integer", "decimal": "value_number",
                            "date": "value_date", "boolean": "value_boolean"}


def _shown(row: CandidateCustom) -> Any:
    if row.kind == "text":
        return row.value_text
    value = getattr(row, _COLUMNS[row.kind])
    return value.isoformat() if isinstance(value, date) else value


def custom_views(session: Session, candidate_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each candidate's custom values, typed: a repeatable field (or a key given several
    times) as a list, in order; dates as ISO strings."""
    known = known_fields(session)
    found: dict[int, dict[str, list[Any]]] = {}
    for start in range(0, len(candidate_ids), _IDS_PER_QUERY):
        rows = session.exec(select(CandidateCustom).where(
            col(CandidateCustom.candidate).in_(candidate_ids[start:start + _IDS_PER_QUERY]))
            .order_by(col(CandidateCustom.candidate), col(CandidateCustom.field),
                      col(CandidateCustom.position))).all()
        for row in rows:
            found.setdefault(row.candidate, {}).setdefault(row.field, []).append(_shown(row))
    views: dict[int, dict[str, Any]] = {}
    for candidate_id, fields in found.items():
        views[candidate_id] = {
            field: values if len(values) > 1 or (field in known and known[field].repeatable)
            else values[0] for field, values in fields.items()}
    return views


# -- filters -------------------------------------------------------------------------------

OPERATORS = ("<=", ">=", "!=", "=", "<", ">", "~")
_CONDITION = re.compile(r"\s*(x-[a-z0-9_-]+)\s*(<=|>=|!=|=|<|>|~)\s*(.*?)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Condition:
    """``field OP value``: = != < <= > >= compare as the field's type, ~ contains (on text,
    accents and case ignored; on a repeated field, any of its values)."""

    field: str
    operator: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Condition:
        match = _CONDITION.fullmatch(text)
        if match is None:
            raise FilterError(_("cannot read the filter {text!r}: write x-FIELD OP VALUE with OP "
                                "one of {operators}, e.g. x-salaire>=40000")
                              .format(text=text, operators=" ".join(OPERATORS)))
        field, operator, value = match.groups()
        if not value:
            raise FilterError(_("the filter {text!r} has no value after {operator}")
                              .format(text=text, operator=operator))
        return cls(field.lower(), operator, value)

    def __str__(self) -> str:
        return f"{self.field}{self.operator}{self.value}"


def _typed_operand(condition: Condition, known: KnownField) -> tuple[Any, Any]:
    """The column compared and the filter's value as the field's type."""
    try:
        value = parse_typed(known.type, condition.value)
    except InvalidValue:
        raise FilterError(_("{condition}: {name} is a {type} field, and {value!r} is not "
                            "{expected}")
                          .format(condition=condition, name=known.name, type=known.type,
                                  value=condition.value, expected=EXPECTED[known.type])) from None
    if known.kind == "text":
        folded = fold_value(str(value))
        return col(CandidateCustom.value_key), folded
    column = getattr(CandidateCustom, _COLUMNS[known.kind])
    return col(column), float(value) if isinstance(value, Decimal) else value


def _with_field(field: str, *where: ColumnElement[bool]) -> Any:
    return select(CandidateCustom.candidate).where(
        col(CandidateCustom.field) == field, *where)


def condition_clause(session: Session, condition: Condition, candidate_id: Any
                     ) -> ColumnElement[bool]:
    """A WHERE clause on ``candidate_id`` (the candidate's id column) for one condition.

    Each comparison is a lookup of (field, value) in candidate_custom, on its index.
    """
    known = known_fields(session).get(condition.field) or KnownField(
        condition.field, "string", False)
    operator = condition.operator
    if operator == "~":
        pattern = fold_value(condition.value).replace("\\", "\\\\").replace(
            "%", "\\%").replace("_", "\\_")
        return col(candidate_id).in_(_with_field(
            condition.field, col(CandidateCustom.value_folded).like(f"%{pattern}%",
                                                                    escape="\\")))
    ordered = operator in ("<", "<=", ">", ">=")
    if ordered and known.type not in ORDERED_TYPES:
        raise FilterError((_("{condition}: {operator} compares integer, decimal and date fields; "
                             "{name} is a {type} field") if condition.field in
                           known_fields(session) else
                           _("{condition}: {operator} compares integer, decimal and date fields; "
                             "{name} is not typed (apply a site profile that declares it: "
                             "cvbridge profile apply)"))
                          .format(condition=condition, operator=operator, name=known.name,
                                  type=known.type))
    column, value = _typed_operand(condition, known)
    if known.kind == "text":
        equal = and_(column == value[:KEY_LENGTH], col(CandidateCustom.value_folded) == value)
    else:
        equal = column == value
    if operator == "=":
        return col(candidate_id).in_(_with_field(condition.field, equal))
    if operator == "!=":
        return and_(col(candidate_id).in_(_with_field(condition.field)),
                    col(candidate_id).not_in(_with_field(condition.field, equal)))
    comparison = {"<": column < value, "<=": column <= value, ">": column > value,
                  ">=": column >= value}[operator]
    return col(candidate_id).in_(_with_field(condition.field, comparison))


# -- applying a profile ----------------------------------------------------------------------


def apply_profile(session: Session, profile: Profile, candidates: Iterable[tuple[int, Any]]
                  ) -> dict[str, int]:
    """Make ``profile`` the store's (its fields only) and re-type every stored value of
    ``candidates`` (id, custom as written). Counts: ``values`` in all, ``typed`` (of a field
    the profile declares, read as its type), ``untyped`` (of a declared field, but not of its
    type: kept as text)."""
    register_profile(session, profile, exclusive=True)
    session.execute(delete(CandidateCustom))
    known = known_fields(session)
    values = typed = untyped = 0
    batch: list[tuple[int, Any]] = []

    def flush() -> None:
        nonlocal values, typed, untyped
        rows: list[dict[str, Any]] = []
        for candidate_id, custom in batch:
            more, bad = custom_rows(candidate_id, custom or {}, known)
            rows += more
            untyped += bad
            typed -= bad
        values += len(rows)
        typed += sum(row["field"] in known for row in rows)
        if rows:
            session.execute(insert(CandidateCustom), rows)
        batch.clear()

    for pair in candidates:
        batch.append(pair)
        if len(batch) >= _IDS_PER_QUERY:
            flush()
    flush()
    return {"fields": len(profile.fields), "values": values, "typed": typed,
            "untyped": untyped}
