"""typed custom values: custom_field (known types) and candidate_custom (values by kind)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import json
import unicodedata

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# As cvbridge.store._custom folds and cuts values (copied: a migration must not change when
# the code does).
_KEY_LENGTH = 200
_FIELD_LENGTH = 200


def _fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def upgrade() -> None:
    op.create_table(
        "custom_field",
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("type", AutoString(length=16), nullable=False),
        sa.Column("repeatable", sa.Boolean(), nullable=False),
        sa.Column("profile", AutoString(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    custom = op.create_table(
        "candidate_custom",
        sa.Column("candidate", sa.Integer(), nullable=False),
        sa.Column("field", AutoString(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("value_text", AutoString(), nullable=False),
        sa.Column("value_folded", AutoString(), nullable=False),
        sa.Column("value_key", AutoString(length=200), nullable=False),
        sa.Column("value_integer", sa.BigInteger(), nullable=True),
        sa.Column("value_number", sa.Double(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("value_boolean", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["candidate"], ["candidate.id"]),
        sa.PrimaryKeyConstraint("candidate", "field", "position"),
    )
    for name, column in (("key", "value_key"), ("integer", "value_integer"),
                         ("number", "value_number"), ("date", "value_date"),
                         ("boolean", "value_boolean")):
        op.create_index(f"ix_candidate_custom_{name}", "candidate_custom", ["field", column])
    # Values stored before: text (no profile typed them yet; 'cvbridge profile apply' does).
    bind = op.get_bind()
    rows = []
    for candidate_id, stored in bind.execute(sa.text(
            "SELECT id, custom FROM candidate WHERE purged_at IS NULL")):
        values = json.loads(stored) if isinstance(stored, str) else stored
        for field, given in (values or {}).items():
            for position, text in enumerate(given if isinstance(given, list) else [given]):
                if text and len(field) <= _FIELD_LENGTH:
                    folded = _fold(str(text))
                    rows.append({"candidate": candidate_id, "field": field,
                                 "position": position, "kind": "text", "value_text": str(text),
                                 "value_folded": folded, "value_key": folded[:_KEY_LENGTH]})
    if rows:
        op.bulk_insert(custom, rows)


def downgrade() -> None:
    op.drop_table("candidate_custom")
    op.drop_table("custom_field")
