"""documents as slices of their bundle's kept bytes; documents' text deflated

Until now a document's bytes were kept twice: inside the kept bytes of its bundle and again
in ``document.content``. A document found in the kept bytes of a bundle that attached it
(a member that inflates to the same size, CRC-32 and SHA-256) becomes a reference to that
member's data, and its copy is dropped; one whose bundle's bytes are gone (discarded by
retention) or cannot be read keeps its bytes. The text is stored zlib-compressed.

Downgrade puts every referenced document's bytes back in ``content`` (checked the same way),
and the text back as text.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import hashlib
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.engine import Connection
from sqlmodel.sql.sqltypes import AutoString

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# As cvbridge reads members (copied: a migration must not change when the code does).
_STORED, _DEFLATED = 0, 8
_ENCRYPTED = 0x1
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_PAGE = 500  # rows per query when rewriting every document


def _documents_page(bind: Connection, sql: str) -> Iterator[list[tuple[str, Any]]]:
    """Pages of (sha256, value) rows, by SHA-256, so memory stays flat whatever the store."""
    last = ""
    while rows := bind.execute(sa.text(sql), {"last": last, "page": _PAGE}).all():
        yield [(row[0], row[1]) for row in rows]
        last = rows[-1][0]


def _inflated(raw: bytes, method: int, size: int) -> bytes | None:
    if method == _STORED:
        return raw
    try:
        return zlib.decompressobj(-15).decompress(raw, size + 1)
    except zlib.error:
        return None


def _slice_matches(raw: bytes, method: int, size: int, crc: int, sha256: str) -> bytes | None:
    data = _inflated(raw, method, size)
    if data is None or len(data) != size or zlib.crc32(data) != crc \
            or hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


def _copy_blob(bind: Connection, sha256: str, target: IO[bytes]) -> None:
    seqs = bind.execute(sa.text("SELECT seq FROM bundle_blob_chunk WHERE sha256 = :s "
                                "ORDER BY seq"), {"s": sha256}).scalars().all()
    for seq in seqs:  # one chunk in memory at a time
        target.write(bind.execute(sa.text(
            "SELECT content FROM bundle_blob_chunk WHERE sha256 = :s AND seq = :q"),
            {"s": sha256, "q": seq}).scalar_one())
    target.flush()


def _references_in(source: IO[bytes], wanted: dict[str, int]
                   ) -> Iterator[tuple[str, dict[str, object]]]:
    """(document SHA-256, reference columns) for each wanted document (SHA-256 → size) found
    as a member of the bundle in ``source``."""
    try:
        infos = zipfile.ZipFile(source).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return  # unreadable here: its documents keep their bytes
    sizes = set(wanted.values())
    for info in infos:
        if info.file_size not in sizes or info.compress_type not in (_STORED, _DEFLATED) \
                or info.flag_bits & _ENCRYPTED:
            continue
        source.seek(info.header_offset)
        header = source.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
            continue
        fields = _LOCAL_HEADER.unpack(header)
        offset = info.header_offset + _LOCAL_HEADER.size + fields[10] + fields[11]
        source.seek(offset)
        raw = source.read(info.compress_size)
        data = _inflated(raw, info.compress_type, info.file_size)
        if data is None or zlib.crc32(data) != info.CRC:
            continue
        sha256 = hashlib.sha256(data).hexdigest()
        if wanted.get(sha256) == len(data):
            del wanted[sha256]
            yield sha256, {"member": info.filename, "offset": offset,
                           "compressed": info.compress_size, "method": info.compress_type,
                           "crc": info.CRC}


def _refer_documents(bind: Connection) -> None:
    """Turn every document found in the kept bytes of a bundle that attached it into a
    reference to them, dropping its copy."""
    blobs = bind.execute(sa.text(
        "SELECT DISTINCT b.sha256 FROM candidate_document cd "
        "JOIN bundle b ON b.id = cd.bundle "
        "JOIN bundle_blob bb ON bb.sha256 = b.sha256 "
        "WHERE bb.discarded_at IS NULL ORDER BY b.sha256")).scalars().all()
    for blob in blobs:
        wanted = {row[0]: row[1] for row in bind.execute(sa.text(
            "SELECT DISTINCT d.sha256, d.size FROM document d "
            "JOIN candidate_document cd ON cd.document = d.sha256 "
            "JOIN bundle b ON b.id = cd.bundle "
            "WHERE b.sha256 = :s AND d.bundle_sha256 IS NULL"), {"s": blob})}
        if not wanted:
            continue
        with tempfile.TemporaryFile() as source:
            _copy_blob(bind, blob, source)
            for sha256, where in _references_in(source, wanted):
                bind.execute(sa.text(
                    "UPDATE document SET bundle_sha256 = :blob, member = :member, "
                    "data_offset = :offset, compressed_size = :compressed, method = :method, "
                    "crc32 = :crc, content = NULL WHERE sha256 = :sha256"),
                    {"blob": blob, "sha256": sha256, **where})


def upgrade() -> None:
    # SQLite: the batches rebuild ``document``, which candidate_document refers to; they run
    # with foreign keys off (see cvbridge.store._engine.migration_connection).
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column("content", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(sa.Column("text_deflated", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("bundle_sha256", AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("member", AutoString(), nullable=True))
        batch_op.add_column(sa.Column("data_offset", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("compressed_size", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("method", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("crc32", sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key("fk_document_bundle_sha256_bundle_blob", "bundle_blob",
                                    ["bundle_sha256"], ["sha256"])
    bind = op.get_bind()
    for rows in _documents_page(bind, "SELECT sha256, text FROM document WHERE sha256 > :last "
                                      "AND text IS NOT NULL ORDER BY sha256 LIMIT :page"):
        bind.execute(sa.text("UPDATE document SET text_deflated = :z WHERE sha256 = :s"),
                     [{"s": sha256, "z": zlib.compress(text.encode("utf-8"), 6)}
                      for sha256, text in rows])
    _refer_documents(bind)
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("text")
        batch_op.alter_column("text_deflated", new_column_name="text")
        batch_op.create_index("ix_document_bundle_sha256", ["bundle_sha256"], unique=False)
        batch_op.create_check_constraint("ck_document_bytes_kept_once",
                                         "(content IS NULL) <> (bundle_sha256 IS NULL)")


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_constraint("ck_document_bytes_kept_once", type_="check")
        batch_op.add_column(sa.Column("text_plain", AutoString(), nullable=True))
    for rows in _documents_page(bind, "SELECT sha256, text FROM document WHERE sha256 > :last "
                                      "AND text IS NOT NULL ORDER BY sha256 LIMIT :page"):
        bind.execute(sa.text("UPDATE document SET text_plain = :t WHERE sha256 = :s"),
                     [{"s": sha256, "t": zlib.decompress(deflated).decode("utf-8")}
                      for sha256, deflated in rows])
    referenced = bind.execute(sa.text(
        "SELECT sha256, bundle_sha256, member, data_offset, compressed_size, method, crc32, "
        "size FROM document WHERE bundle_sha256 IS NOT NULL ORDER BY bundle_sha256, sha256"
    )).all()
    with tempfile.TemporaryFile() as source:
        copied = None
        for sha256, blob, member, offset, compressed, method, crc, size in referenced:
            if blob != copied:
                source.seek(0)
                source.truncate()
                _copy_blob(bind, blob, source)
                copied = blob
            source.seek(offset)
            data = _slice_matches(source.read(compressed), method, size, crc, sha256)
            if data is None:
                raise RuntimeError(f"cannot downgrade: the kept bytes of bundle {blob[:12]} "
                                   f"no longer hold {member} (document {sha256[:12]})")
            bind.execute(sa.text("UPDATE document SET content = :c WHERE sha256 = :s"),
                         {"c": data, "s": sha256})
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_bundle_sha256")
        batch_op.drop_constraint("fk_document_bundle_sha256_bundle_blob", type_="foreignkey")
        for column in ("crc32", "method", "compressed_size", "data_offset", "member",
                       "bundle_sha256", "text"):
            batch_op.drop_column(column)
        batch_op.alter_column("text_plain", new_column_name="text")
        batch_op.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)
