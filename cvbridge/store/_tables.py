"""Tables of the CRM store (SQLModel). Schema changes go through migrations in ``migrations/``;
a test checks that the migrated schema and these models agree."""

from __future__ import annotations

import zlib
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Dialect,
    Double,
    Index,
    LargeBinary,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from cvbridge._errors import StoreError
from cvbridge._i18n import _

BUNDLE_STATUSES = ("received", "ingested", "partial", "failed", "duplicate", "reverted")


class BundleBlob(SQLModel, table=True):
    """The original bytes of every bundle received, kept until deliberately discarded.

    The bytes themselves are in ``bundle_blob_chunk``: a bundle may be hundreds of megabytes,
    and a single value that size would be held in memory (several times over) to be written.
    """

    __tablename__ = "bundle_blob"
    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    # Set when retention discarded the bytes (they hold personal data); no chunk is left then.
    discarded_at: datetime | None = None


class BundleBlobChunk(SQLModel, table=True):
    __tablename__ = "bundle_blob_chunk"
    sha256: str = Field(foreign_key="bundle_blob.sha256", primary_key=True, max_length=64)
    seq: int = Field(primary_key=True)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class BundleRecord(SQLModel, table=True):
    """One receipt of a bundle. A second receipt of the same bytes is a ``duplicate`` row."""

    __tablename__ = "bundle"
    __table_args__ = (
        Index("ix_bundle_primary_sha256", "sha256", unique=True,
              sqlite_where=text("duplicate_of IS NULL"),
              postgresql_where=text("duplicate_of IS NULL")),
        Index("ix_bundle_vendor_bundle_id", "vendor", "bundle_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(foreign_key="bundle_blob.sha256", max_length=64)
    filename: str
    size: int
    vendor: str | None = None
    bundle_id: str | None = None
    status: str = Field(default="received", index=True, max_length=16)
    duplicate_of: int | None = Field(default=None, foreign_key="bundle.id")
    received_at: datetime
    processed_at: datetime | None = None
    created: int = 0
    updated: int = 0
    rejected: int = 0
    error_count: int = 0
    warning_count: int = 0


class FindingRecord(SQLModel, table=True):
    __tablename__ = "finding"
    id: int | None = Field(default=None, primary_key=True)
    bundle: int = Field(foreign_key="bundle.id", index=True)
    code: str
    severity: str
    message: str
    suggestion: str
    member: str | None = None
    line: int | None = None
    candidate_file: str | None = None


class CandidateRecord(SQLModel, table=True):
    __tablename__ = "candidate"
    id: int | None = Field(default=None, primary_key=True)
    civility: str | None = None
    last_name: str | None = None
    first_name: str | None = None
    name_key: str | None = Field(default=None, index=True)
    email: str | None = None
    email_key: str | None = Field(default=None, index=True)
    phones: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str | None = None
    birth_date: date | None = None
    availability: date | None = None
    consent_until: date | None = None
    position: str | None = None
    job_ref: str | None = None
    source: str | None = None
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    experience_years: int | None = None
    summary: str | None = None
    custom: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    vendor: str | None = None
    external_id: str | None = None
    received_at: datetime | None = None
    first_bundle: int | None = Field(default=None, foreign_key="bundle.id")
    last_bundle: int | None = Field(default=None, foreign_key="bundle.id")
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime
    retention_until: date | None = Field(default=None, index=True)
    merged_into: int | None = Field(default=None, foreign_key="candidate.id")
    purged_at: datetime | None = None


class ExternalRef(SQLModel, table=True):
    """A vendor's identifier of a candidate; several vendors may know one candidate."""

    __tablename__ = "external_ref"
    __table_args__ = (UniqueConstraint("vendor", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    vendor: str
    external_id: str
    candidate: int = Field(foreign_key="candidate.id", index=True)
    bundle: int | None = Field(default=None, foreign_key="bundle.id")


class DeflatedText(TypeDecorator[str]):
    """Text kept zlib-compressed: a CV's text is read back whole (``export-cv --text``,
    snippets, reindexing), never searched in SQL (the search index holds its words), and
    compressed it takes about 40% of the room."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        return None if value is None else zlib.compress(value.encode("utf-8"), 6)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return zlib.decompress(value).decode("utf-8")
        except (zlib.error, UnicodeDecodeError) as exc:
            raise StoreError(_("a document's text is damaged in the store: {reason}")
                             .format(reason=exc)) from exc


class DocumentRecord(SQLModel, table=True):
    """A document, content-addressed, kept in the store so every worker can reach it.

    Its bytes are kept once, in one of two ways:

    - *a reference* (``bundle_sha256`` set, ``content`` NULL): the member's data inside the
      kept bytes of the bundle it came in, at ``data_offset``, ``compressed_size`` bytes
      stored or deflated (``method`` 0 or 8), checked on every read against ``size``,
      ``crc32`` and ``sha256``;
    - *held* (``content`` set, no reference): when no kept bundle holds them, i.e. retention
      discarded its bundle's bytes while a candidate still needs the document, or a store
      migrated from before references found its bundle's bytes gone.
    """

    __tablename__ = "document"
    __table_args__ = (
        CheckConstraint("(content IS NULL) <> (bundle_sha256 IS NULL)",
                        name="ck_document_bytes_kept_once"),
    )
    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    kind: str
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    text: str | None = Field(default=None, sa_column=Column(DeflatedText, nullable=True))
    bundle_sha256: str | None = Field(default=None, foreign_key="bundle_blob.sha256",
                                      index=True, max_length=64)
    member: str | None = None  # the member's name in the bundle, for messages
    data_offset: int | None = Field(default=None, sa_column=Column(BigInteger))
    compressed_size: int | None = Field(default=None, sa_column=Column(BigInteger))
    method: int | None = None
    crc32: int | None = Field(default=None, sa_column=Column(BigInteger))  # unsigned 32-bit


class CandidateDocument(SQLModel, table=True):
    """A document attached to a candidate; one ``current`` CV, earlier ones kept as history."""

    __tablename__ = "candidate_document"
    id: int | None = Field(default=None, primary_key=True)
    candidate: int = Field(foreign_key="candidate.id", index=True)
    document: str = Field(foreign_key="document.sha256", index=True, max_length=64)
    role: str = Field(max_length=16)
    filename: str
    current: bool = True
    bundle: int | None = Field(default=None, foreign_key="bundle.id")
    attached_at: datetime


class PossibleDuplicate(SQLModel, table=True):
    __tablename__ = "possible_duplicate"
    id: int | None = Field(default=None, primary_key=True)
    candidate: int = Field(foreign_key="candidate.id", index=True)
    other: int = Field(foreign_key="candidate.id", index=True)
    reason: str
    bundle: int | None = Field(default=None, foreign_key="bundle.id")
    status: str = Field(default="open", max_length=16)
    created_at: datetime


class AuditEvent(SQLModel, table=True):
    """What a bundle (or a person) did to a candidate, with the state before, for revert."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    bundle: int | None = Field(default=None, foreign_key="bundle.id", index=True)
    candidate: int | None = Field(default=None, index=True)
    action: str = Field(max_length=16)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    at: datetime


class InboxPickup(SQLModel, table=True):
    """The inbox ledger: every file a poller took, what it was and what became of it."""

    __tablename__ = "inbox_pickup"
    id: int | None = Field(default=None, primary_key=True)
    inbox: str  # the inbox URL, without credentials
    name: str  # the file's name in the inbox
    size: int  # as the server reported it
    mtime: float  # as the server reported it (seconds since the epoch)
    sha256: str = Field(index=True, max_length=64)
    bundle: int | None = Field(default=None, foreign_key="bundle.id")
    status: str = Field(max_length=16)  # the bundle's status: ingested, duplicate, failed...
    outcome: str = Field(max_length=16)  # where the file went: processed or failed
    picked_at: datetime


class CandidateMerge(SQLModel, table=True):
    """A merge done by hand, with what it moved, so that it can be undone (``unmerge``) while
    nothing changed since. ``keep_before`` quotes personal data: a purge clears it."""

    __tablename__ = "candidate_merge"
    id: int | None = Field(default=None, primary_key=True)
    keep: int = Field(foreign_key="candidate.id", index=True)
    other: int = Field(foreign_key="candidate.id", index=True)
    merged_at: datetime
    # The last audit event of the merge: what came after it changed the pair since.
    last_event: int = 0
    keep_before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # [{"id": link id, "current": flag before}] of the documents moved from ``other``
    moved_links: list[dict[str, Any]] = Field(default_factory=list,
                                              sa_column=Column(JSON, nullable=False))
    moved_refs: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # [{"id": pair id, "status": status before}] of the possible-duplicate pairs closed
    pairs: list[dict[str, Any]] = Field(default_factory=list,
                                        sa_column=Column(JSON, nullable=False))
    undone_at: datetime | None = None


class PollWorker(SQLModel, table=True):
    """A poller's last rounds, for ``cvbridge status``: one row per worker (host and process)
    and inbox, updated after every round."""

    __tablename__ = "poll_worker"
    __table_args__ = (UniqueConstraint("inbox", "worker"),)
    id: int | None = Field(default=None, primary_key=True)
    inbox: str  # the inbox URL, without credentials
    worker: str  # host:pid
    started_at: datetime
    last_round_at: datetime
    last_success_at: datetime | None = None
    failures: int = 0  # rounds failed in a row
    last_error: str | None = None  # one line, as logged (never personal data)


class InboxClaim(SQLModel, table=True):
    """A bundle a worker holds in ``processing/``, from its claim until it is filed away or
    given back: one left by a dead worker is a stuck claim."""

    __tablename__ = "inbox_claim"
    id: int | None = Field(default=None, primary_key=True)
    inbox: str = Field(index=True)
    name: str  # its name in processing/
    worker: str  # host:pid
    claimed_at: datetime
class CustomField(SQLModel, table=True):
    """A custom field whose type the store knows: from the site profile that bundles were
    ingested with, or that ``cvbridge profile apply`` made the store's."""

    __tablename__ = "custom_field"
    name: str = Field(primary_key=True, max_length=200)
    type: str = Field(max_length=16)  # a profile type: integer, date, enum...
    repeatable: bool = False
    profile: str
    updated_at: datetime


class CandidateCustom(SQLModel, table=True):
    """One custom value of a candidate, in the column of its kind, for filtering.

    Derived from ``candidate.custom`` (the values as written) and the types in
    ``custom_field``; rebuilt whenever either changes. ``value_text`` always holds the value
    (typed text for text fields, as written otherwise); ``value_key`` is its folded form
    (case and accents), cut to fit an index.
    """

    __tablename__ = "candidate_custom"
    __table_args__ = (
        Index("ix_candidate_custom_key", "field", "value_key"),
        Index("ix_candidate_custom_integer", "field", "value_integer"),
        Index("ix_candidate_custom_number", "field", "value_number"),
        Index("ix_candidate_custom_date", "field", "value_date"),
        Index("ix_candidate_custom_boolean", "field", "value_boolean"),
    )
    candidate: int = Field(foreign_key="candidate.id", primary_key=True)
    field: str = Field(primary_key=True, max_length=200)
    position: int = Field(primary_key=True)  # order of the values of a repeated key
    kind: str = Field(max_length=16)  # text, integer, decimal, date or boolean
    value_text: str
    value_folded: str
    value_key: str = Field(max_length=200)
    value_integer: int | None = Field(default=None, sa_column=Column(BigInteger))
    value_number: float | None = Field(default=None, sa_column=Column(Double))
    value_date: date | None = None
    value_boolean: bool | None = None
