"""initial schema

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bundle_blob",
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "document",
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("text", AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("sha256"),
    )
    op.create_table(
        "bundle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("filename", AutoString(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("vendor", AutoString(), nullable=True),
        sa.Column("bundle_id", AutoString(), nullable=True),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["bundle.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["bundle_blob.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bundle", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bundle_primary_sha256",
            ["sha256"],
            unique=True,
            sqlite_where=sa.text("duplicate_of IS NULL"),
            postgresql_where=sa.text("duplicate_of IS NULL"),
        )
        batch_op.create_index(batch_op.f("ix_bundle_status"), ["status"], unique=False)
        batch_op.create_index("ix_bundle_vendor_bundle_id", ["vendor", "bundle_id"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.Integer(), nullable=True),
        sa.Column("candidate", sa.Integer(), nullable=True),
        sa.Column("action", AutoString(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle"],
            ["bundle.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_bundle"), ["bundle"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_candidate"), ["candidate"], unique=False)

    op.create_table(
        "candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("civility", AutoString(), nullable=True),
        sa.Column("last_name", AutoString(), nullable=True),
        sa.Column("first_name", AutoString(), nullable=True),
        sa.Column("name_key", AutoString(), nullable=True),
        sa.Column("email", AutoString(), nullable=True),
        sa.Column("email_key", AutoString(), nullable=True),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("address", AutoString(), nullable=True),
        sa.Column("postal_code", AutoString(), nullable=True),
        sa.Column("city", AutoString(), nullable=True),
        sa.Column("country", AutoString(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("availability", sa.Date(), nullable=True),
        sa.Column("consent_until", sa.Date(), nullable=True),
        sa.Column("position", AutoString(), nullable=True),
        sa.Column("job_ref", AutoString(), nullable=True),
        sa.Column("source", AutoString(), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("experience_years", sa.Integer(), nullable=True),
        sa.Column("summary", AutoString(), nullable=True),
        sa.Column("custom", sa.JSON(), nullable=False),
        sa.Column("vendor", AutoString(), nullable=True),
        sa.Column("external_id", AutoString(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=True),
        sa.Column("first_bundle", sa.Integer(), nullable=True),
        sa.Column("last_bundle", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("last_activity_at", UTCDateTime(), nullable=False),
        sa.Column("retention_until", sa.Date(), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("purged_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_bundle"],
            ["bundle.id"],
        ),
        sa.ForeignKeyConstraint(
            ["last_bundle"],
            ["bundle.id"],
        ),
        sa.ForeignKeyConstraint(
            ["merged_into"],
            ["candidate.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_candidate_email_key"), ["email_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_candidate_name_key"), ["name_key"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_candidate_retention_until"), ["retention_until"], unique=False
        )

    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.Integer(), nullable=False),
        sa.Column("code", AutoString(), nullable=False),
        sa.Column("severity", AutoString(), nullable=False),
        sa.Column("message", AutoString(), nullable=False),
        sa.Column("suggestion", AutoString(), nullable=False),
        sa.Column("member", AutoString(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("candidate_file", AutoString(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bundle"],
            ["bundle.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_bundle"), ["bundle"], unique=False)

    op.create_table(
        "candidate_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate", sa.Integer(), nullable=False),
        sa.Column("document", AutoString(length=64), nullable=False),
        sa.Column("role", AutoString(length=16), nullable=False),
        sa.Column("filename", AutoString(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("bundle", sa.Integer(), nullable=True),
        sa.Column("attached_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle"],
            ["bundle.id"],
        ),
        sa.ForeignKeyConstraint(
            ["candidate"],
            ["candidate.id"],
        ),
        sa.ForeignKeyConstraint(
            ["document"],
            ["document.sha256"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("candidate_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_candidate_document_candidate"), ["candidate"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_candidate_document_document"), ["document"], unique=False
        )

    op.create_table(
        "external_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor", AutoString(), nullable=False),
        sa.Column("external_id", AutoString(), nullable=False),
        sa.Column("candidate", sa.Integer(), nullable=False),
        sa.Column("bundle", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bundle"],
            ["bundle.id"],
        ),
        sa.ForeignKeyConstraint(
            ["candidate"],
            ["candidate.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vendor", "external_id"),
    )
    with op.batch_alter_table("external_ref", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_external_ref_candidate"), ["candidate"], unique=False)

    op.create_table(
        "possible_duplicate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("candidate", sa.Integer(), nullable=False),
        sa.Column("other", sa.Integer(), nullable=False),
        sa.Column("reason", AutoString(), nullable=False),
        sa.Column("bundle", sa.Integer(), nullable=True),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle"],
            ["bundle.id"],
        ),
        sa.ForeignKeyConstraint(
            ["candidate"],
            ["candidate.id"],
        ),
        sa.ForeignKeyConstraint(
            ["other"],
            ["candidate.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("possible_duplicate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_possible_duplicate_candidate"), ["candidate"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_possible_duplicate_other"), ["other"], unique=False)

    _create_search_index()
    if op.get_bind().dialect.name == "postgresql":
        # .docx files and bundles are already compressed: TOAST compression only costs time.
        op.execute("ALTER TABLE document ALTER COLUMN content SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE bundle_blob ALTER COLUMN content SET STORAGE EXTERNAL")


def _create_search_index() -> None:
    """Accent-insensitive full-text search: FTS5 on SQLite, tsvector with unaccent on
    PostgreSQL. Not SQLModel tables: each dialect has its own shape."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE candidate_fts USING fts5("
            "body, tokenize='unicode61 remove_diacritics 2')"
        )
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    # unaccent() is only STABLE; an index expression needs an IMMUTABLE wrapper.
    op.execute(
        "CREATE FUNCTION cvbridge_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE "
        "PARALLEL SAFE STRICT AS $$ SELECT public.unaccent('public.unaccent'"
        "::regdictionary, $1) $$"
    )
    op.execute(
        "CREATE TABLE candidate_search (candidate integer PRIMARY KEY REFERENCES "
        "candidate(id) ON DELETE CASCADE, body text NOT NULL)"
    )
    op.execute(
        "CREATE INDEX ix_candidate_search_body ON candidate_search USING gin "
        "(to_tsvector('simple', cvbridge_unaccent(body)))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE candidate_fts")
    else:
        op.execute("DROP TABLE candidate_search")
        op.execute("DROP FUNCTION cvbridge_unaccent(text)")
    with op.batch_alter_table("possible_duplicate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_possible_duplicate_other"))
        batch_op.drop_index(batch_op.f("ix_possible_duplicate_candidate"))

    op.drop_table("possible_duplicate")
    with op.batch_alter_table("external_ref", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_external_ref_candidate"))

    op.drop_table("external_ref")
    with op.batch_alter_table("candidate_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_document_document"))
        batch_op.drop_index(batch_op.f("ix_candidate_document_candidate"))

    op.drop_table("candidate_document")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_bundle"))

    op.drop_table("finding")
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_retention_until"))
        batch_op.drop_index(batch_op.f("ix_candidate_name_key"))
        batch_op.drop_index(batch_op.f("ix_candidate_email_key"))

    op.drop_table("candidate")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_candidate"))
        batch_op.drop_index(batch_op.f("ix_audit_event_bundle"))

    op.drop_table("audit_event")
    with op.batch_alter_table("bundle", schema=None) as batch_op:
        batch_op.drop_index("ix_bundle_vendor_bundle_id")
        batch_op.drop_index(batch_op.f("ix_bundle_status"))
        batch_op.drop_index(
            "ix_bundle_primary_sha256",
            sqlite_where=sa.text("duplicate_of IS NULL"),
            postgresql_where=sa.text("duplicate_of IS NULL"),
        )

    op.drop_table("bundle")
    op.drop_table("document")
    op.drop_table("bundle_blob")
