"""candidate merges, recorded so they can be undone

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "candidate_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("keep", sa.Integer(), nullable=False),
        sa.Column("other", sa.Integer(), nullable=False),
        sa.Column("merged_at", UTCDateTime(), nullable=False),
        sa.Column("last_event", sa.Integer(), nullable=False),
        sa.Column("keep_before", sa.JSON(), nullable=True),
        sa.Column("moved_links", sa.JSON(), nullable=False),
        sa.Column("moved_refs", sa.JSON(), nullable=False),
        sa.Column("pairs", sa.JSON(), nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["keep"], ["candidate.id"]),
        sa.ForeignKeyConstraint(["other"], ["candidate.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_candidate_merge_keep"), "candidate_merge", ["keep"])
    op.create_index(op.f("ix_candidate_merge_other"), "candidate_merge", ["other"])


def downgrade() -> None:
    op.drop_index(op.f("ix_candidate_merge_other"), table_name="candidate_merge")
    op.drop_index(op.f("ix_candidate_merge_keep"), table_name="candidate_merge")
    op.drop_table("candidate_merge")
