"""The typed model of a bundle, as the reader returns it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from cvbridge.bundle._values import Phone

DocumentRole = Literal["cv", "attachment"]


@dataclass(frozen=True)
class Manifest:
    format: str
    bundle_id: str
    vendor: str
    created_at: datetime
    candidate_count: int
    encoding: str


@dataclass(frozen=True)
class MemberSlice:
    """Where a member's data lies in the bundle file, and how to turn it back into the
    document: the store keeps the bundle's bytes, and a document as this slice of them."""

    offset: int  # of the data, after the local header
    compressed_size: int
    method: int  # 0 stored, 8 deflated
    crc32: int


@dataclass(frozen=True)
class DocumentInfo:
    """A document referenced by a candidate. Its bytes stay in the archive until asked for."""

    path: str  # as referenced, from the bundle root
    archive_name: str  # the member's name in the ZIP (with the wrapper folder, if any)
    role: DocumentRole
    kind: str
    size: int
    sha256: str
    text: str | None
    member_slice: MemberSlice


@dataclass
class Candidate:
    """One candidate file, with typed values; ``accepted`` is False when it has errors."""

    member: str
    external_id: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    civility: str | None = None
    email: str | None = None
    phones: list[Phone] = field(default_factory=list)
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "FR"
    birth_date: date | None = None
    availability: date | None = None
    consent_until: date | None = None
    position: str | None = None
    job_ref: str | None = None
    source: str | None = None
    skills: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    experience_years: int | None = None
    received_at: datetime | None = None
    summary: str | None = None
    # Custom ``x-`` keys: the values as written, in order (a key may repeat).
    custom: dict[str, list[str]] = field(default_factory=dict)
    cv: DocumentInfo | None = None
    attachments: list[DocumentInfo] = field(default_factory=list)
    accepted: bool = True

    @property
    def documents(self) -> list[DocumentInfo]:
        return [*([self.cv] if self.cv else []), *self.attachments]


@dataclass
class Bundle:
    path: str
    sha256: str
    size: int
    manifest: Manifest | None = None
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def accepted_candidates(self) -> list[Candidate]:
        return [candidate for candidate in self.candidates if candidate.accepted]
