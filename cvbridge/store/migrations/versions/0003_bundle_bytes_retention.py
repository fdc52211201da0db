"""bundle bytes retention

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bundle_blob", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discarded_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bundle_blob", schema=None) as batch_op:
        batch_op.drop_column("discarded_at")
