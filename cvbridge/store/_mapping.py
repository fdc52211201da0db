"""From a cvbundle candidate to a CRM record: the mapping written down in
``formats/cvbundle-1.0-mapping.md``. Pure."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import UTC, date, datetime
from typing import Any

from cvbridge.bundle import Candidate
from cvbridge.store._tables import CandidateRecord

# Fields a bundle may set; absent values never erase what the store already holds.
MAPPED_FIELDS = (
    "civility", "last_name", "first_name", "email", "phones", "address", "postal_code", "city",
    "country", "birth_date", "availability", "consent_until", "position", "job_ref", "source",
    "skills", "languages", "experience_years", "summary", "custom", "received_at",
)
PERSONAL_FIELDS = (
    "civility", "last_name", "first_name", "name_key", "email", "email_key", "phones",
    "address", "postal_code", "city", "birth_date", "availability", "consent_until",
    "position", "job_ref", "source", "skills", "languages", "experience_years", "summary",
    "custom", "received_at", "external_id",
)
_SPACES = re.compile(r"[\s\-\u2010-\u2015']+")


def clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = unicodedata.normalize("NFC", value).strip()
    return cleaned or None


def fold(value: str) -> str:
    """Case- and accent-insensitive form, for matching people by name."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SPACES.sub(" ", bare).strip()


def name_key(last_name: str | None, first_name: str | None) -> str | None:
    if not last_name or not first_name:
        return None
    return f"{fold(last_name)}|{fold(first_name)}"


def email_key(email: str | None) -> str | None:
    return email.casefold() if email else None


def mapped_values(candidate: Candidate) -> dict[str, Any]:
    """Values a candidate brings; None for what it does not say."""
    texts = {key: clean_text(getattr(candidate, key)) for key in (
        "civility", "last_name", "first_name", "address", "postal_code", "city", "position",
        "job_ref", "source", "summary")}
    return {
        **texts,
        "email": candidate.email,
        "phones": [phone.best for phone in candidate.phones] or None,
        "country": candidate.country,
        "birth_date": candidate.birth_date,
        "availability": candidate.availability,
        "consent_until": candidate.consent_until,
        "skills": [s for s in (clean_text(v) for v in candidate.skills) if s] or None,
        "languages": [s for s in (clean_text(v) for v in candidate.languages) if s] or None,
        "experience_years": candidate.experience_years,
        # One value as a string, a repeated key's as a list (as stored before keys repeated).
        "custom": {key: values[0] if len(values) == 1 else list(values)
                   for key, values in candidate.custom.items()} or None,
        "received_at": candidate.received_at,
    }


def apply_values(record: CandidateRecord, values: dict[str, Any]) -> bool:
    """Set what the bundle says; return whether anything changed."""
    changed = False
    for key, value in values.items():
        if value is None or getattr(record, key) == value:
            continue
        setattr(record, key, value)
        changed = True
    record.name_key = name_key(record.last_name, record.first_name)
    record.email_key = email_key(record.email)
    return changed


def add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def retention_for(consent_until: date | None, last_activity: datetime,
                  retention_months: int) -> date:
    """Consent given wins; else the last activity plus the site's retention period."""
    if consent_until is not None:
        return consent_until
    return add_months(last_activity.date(), retention_months)


def retention_until(record: CandidateRecord, retention_months: int) -> date:
    return retention_for(record.consent_until, record.last_activity_at, retention_months)


def snapshot(record: CandidateRecord) -> dict[str, Any]:
    """JSON-safe copy of a record's fields, to restore it on revert."""
    data = record.model_dump(mode="json")
    data.pop("id", None)
    return data


def restore(record: CandidateRecord, saved: dict[str, Any]) -> None:
    restored = CandidateRecord.model_validate({**saved, "id": record.id})
    for key in saved:
        setattr(record, key, getattr(restored, key))


def now_utc() -> datetime:
    return datetime.now(UTC)
