"""poll rounds and claims, for cvbridge status

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poll_worker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox", AutoString(), nullable=False),
        sa.Column("worker", AutoString(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("last_round_at", UTCDateTime(), nullable=False),
        sa.Column("last_success_at", UTCDateTime(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_error", AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("inbox", "worker"),
    )
    op.create_table(
        "inbox_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox", AutoString(), nullable=False),
        sa.Column("name", AutoString(), nullable=False),
        sa.Column("worker", AutoString(), nullable=False),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inbox_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_claim_inbox"), ["inbox"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_claim_inbox"))
    op.drop_table("inbox_claim")
    op.drop_table("poll_worker")
