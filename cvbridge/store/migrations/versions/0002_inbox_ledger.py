"""inbox ledger

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_pickup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox", AutoString(), nullable=False),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("mtime", sa.Float(), nullable=False),
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("bundle", sa.Integer(), nullable=True),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("outcome", AutoString(length=16), nullable=False),
        sa.Column("picked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bundle"], ["bundle.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inbox_pickup", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_pickup_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox_pickup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_pickup_sha256"))
    op.drop_table("inbox_pickup")
