"""The kept bytes of bundles, written and read in chunks so memory stays flat whatever the
bundle's size."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import IO

from sqlalchemy import func, insert
from sqlmodel import Session, col, delete, select

from cvbridge.store._tables import BundleBlobChunk

CHUNK_SIZE = 1 << 20


def store_bundle_bytes(session: Session, sha256: str, path: Path) -> str:
    """Copy a bundle file into the store, one chunk per statement; return the SHA-256 of what
    was stored (the caller checks it against the one it looked the bundle up by)."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        seq = 0
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            session.execute(insert(BundleBlobChunk),
                            [{"sha256": sha256, "seq": seq, "content": chunk}])
            seq += 1
    return digest.hexdigest()


def copy_bundle_bytes(session: Session, sha256: str, target: IO[bytes]) -> str:
    """Write the kept bytes of a bundle to ``target``; return their SHA-256."""
    digest = hashlib.sha256()
    rows = session.execute(
        select(BundleBlobChunk.content).where(BundleBlobChunk.sha256 == sha256)
        .order_by(col(BundleBlobChunk.seq)).execution_options(yield_per=1))
    for (chunk,) in rows:
        digest.update(chunk)
        target.write(chunk)
    return digest.hexdigest()


def discard_bundle_bytes(session: Session, sha256: str) -> None:
    session.execute(delete(BundleBlobChunk).where(col(BundleBlobChunk.sha256) == sha256))


def read_bundle_slice(session: Session, sha256: str, offset: int, length: int) -> bytes | None:
    """``length`` bytes of a bundle's kept bytes from ``offset``, reading only the chunks that
    hold them; None when the kept bytes end before. Chunks may be of any size (those of
    stores migrated from single blobs are one each), so their sizes are asked first: the
    databases answer that from the row header, without reading the bytes."""
    sizes = session.execute(
        select(BundleBlobChunk.seq, func.length(BundleBlobChunk.content))
        .where(BundleBlobChunk.sha256 == sha256).order_by(col(BundleBlobChunk.seq))).all()
    end = offset + length
    wanted: list[int] = []
    first_start = position = 0
    for seq, size in sizes:
        if position < end and position + size > offset:
            if not wanted:
                first_start = position
            wanted.append(seq)
        position += size
    if position < end:
        return None
    chunks = session.execute(
        select(BundleBlobChunk.content).where(BundleBlobChunk.sha256 == sha256,
                                              col(BundleBlobChunk.seq).in_(wanted))
        .order_by(col(BundleBlobChunk.seq))).scalars()
    joined = b"".join(chunks)
    return joined[offset - first_start:end - first_start]
