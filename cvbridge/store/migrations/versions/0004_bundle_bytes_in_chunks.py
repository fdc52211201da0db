"""bundle bytes in chunks

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bundle_blob_chunk",
        sa.Column("sha256", AutoString(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["sha256"], ["bundle_blob.sha256"]),
        sa.PrimaryKeyConstraint("sha256", "seq"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Bundles are already compressed: TOAST compression only costs time.
        op.execute("ALTER TABLE bundle_blob_chunk ALTER COLUMN content SET STORAGE EXTERNAL")
    # Bytes kept before this revision become one chunk each (a chunk may be any size).
    op.execute("INSERT INTO bundle_blob_chunk (sha256, seq, content) "
               "SELECT sha256, 0, content FROM bundle_blob WHERE discarded_at IS NULL")
    with op.batch_alter_table("bundle_blob", schema=None) as batch_op:
        batch_op.drop_column("content")


def downgrade() -> None:
    with op.batch_alter_table("bundle_blob", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.LargeBinary(), nullable=False,
                                      server_default=sa.text("''")))
    # Reassembled in Python: neither dialect concatenates blobs in order the same way.
    bind = op.get_bind()
    kept = bind.execute(sa.text("SELECT DISTINCT sha256 FROM bundle_blob_chunk")).scalars()
    for sha256 in list(kept):
        chunks = bind.execute(sa.text("SELECT content FROM bundle_blob_chunk WHERE sha256 = :s "
                                      "ORDER BY seq"), {"s": sha256}).scalars()
        bind.execute(sa.text("UPDATE bundle_blob SET content = :c WHERE sha256 = :s"),
                     {"c": b"".join(chunks), "s": sha256})
    op.drop_table("bundle_blob_chunk")
