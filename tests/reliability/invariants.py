"""What must hold in a store whatever happened to the processes writing it (kills, a full
disk, a database that went away, several workers at once), read in plain SQL so the same
checks run on SQLite and PostgreSQL, independent of the Store API they check.

``violations(url)`` lists what is wrong at any moment (between two crashes included);
``violations(url, settled=True)`` adds what must hold once every bundle has been taken again
(no bundle left half-received, every refusal with its findings). ``Expected`` and
``count_lost_doubled`` compare a store with what was sent to it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, create_engine, inspect, text

FINAL_STATUSES = ("ingested", "partial", "failed")
# Statuses whose bundle recorded findings that explain them (the vendor's report).
EXPLAINED_STATUSES = ("partial", "failed")


def _rows(connection: Connection, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in connection.execute(text(sql), params)]


def _index_ids(connection: Connection) -> set[int]:
    sql = ("SELECT rowid FROM candidate_fts" if connection.dialect.name == "sqlite"
           else "SELECT candidate FROM candidate_search")
    return {int(row[0]) for row in _rows(connection, sql)}


def _kept_bytes(connection: Connection, sha256: str, chunked: bool) -> bytes | None:
    """The bytes the store kept for *sha256* (from its chunks, or the older single column)."""
    if chunked:
        chunks = _rows(connection, "SELECT content FROM bundle_blob_chunk WHERE sha256 = :s "
                       "ORDER BY seq", s=sha256)
        return b"".join(bytes(chunk) for (chunk,) in chunks)
    found = _rows(connection, "SELECT content FROM bundle_blob WHERE sha256 = :s", s=sha256)
    return bytes(found[0][0]) if found else None


def check_connection(connection: Connection, *, settled: bool = False) -> list[str]:
    """Every invariant broken in the store behind *connection*, in words (empty: all hold)."""
    problems: list[str] = []
    true = True

    # Exactly once: one primary record per content, duplicates pointing at one of the same.
    for sha256, count in _rows(connection, "SELECT sha256, count(*) FROM bundle WHERE "
                               "duplicate_of IS NULL GROUP BY sha256 HAVING count(*) > 1"):
        problems.append(f"bundle content {sha256[:12]} has {count} primary records")
    for bundle_id, in _rows(connection, """
            SELECT d.id FROM bundle d LEFT JOIN bundle p ON p.id = d.duplicate_of
            WHERE d.duplicate_of IS NOT NULL AND (p.id IS NULL OR p.sha256 <> d.sha256
                                                  OR p.duplicate_of IS NOT NULL)"""):
        problems.append(f"duplicate bundle #{bundle_id} points at no primary of its bytes")

    # Nothing lost: the original bytes of every bundle recorded, whole.
    chunked = inspect(connection).has_table("bundle_blob_chunk")
    for sha256, size, blob_size, discarded in _rows(connection, """
            SELECT DISTINCT b.sha256, b.size, k.size, k.discarded_at FROM bundle b
            LEFT JOIN bundle_blob k ON k.sha256 = b.sha256"""):
        if blob_size is None:
            problems.append(f"bundle content {sha256[:12]} has no kept bytes (bundle_blob)")
            continue
        if discarded is not None:
            continue  # retention discarded them on purpose
        kept = _kept_bytes(connection, sha256, chunked) or b""
        if len(kept) != size or blob_size != size:
            problems.append(f"bundle content {sha256[:12]}: {len(kept)} bytes kept, "
                            f"blob says {blob_size}, bundle says {size}")
        elif hashlib.sha256(kept).hexdigest() != sha256:
            problems.append(f"bundle content {sha256[:12]}: kept bytes do not hash to it")

    for sha256, in _rows(connection, """
            SELECT k.sha256 FROM bundle_blob k WHERE NOT EXISTS (
                SELECT 1 FROM bundle b WHERE b.sha256 = k.sha256)"""):
        problems.append(f"kept bytes {sha256[:12]} belong to no bundle (half-written receipt)")
    if chunked:
        for sha256, in _rows(connection, """
                SELECT DISTINCT c.sha256 FROM bundle_blob_chunk c WHERE NOT EXISTS (
                    SELECT 1 FROM bundle b WHERE b.sha256 = c.sha256)"""):
            problems.append(f"chunks of {sha256[:12]} belong to no bundle")

    # Documents: none without a candidate, every live candidate with one current CV.
    for sha256, in _rows(connection, """
            SELECT d.sha256 FROM document d WHERE NOT EXISTS (
                SELECT 1 FROM candidate_document l WHERE l.document = d.sha256)"""):
        problems.append(f"orphan document {sha256[:12]} (no candidate_document)")
    # A document kept as a reference points into bundle bytes that are still kept.
    for sha256, in _rows(connection, """
            SELECT d.sha256 FROM document d WHERE d.bundle_sha256 IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM bundle_blob_chunk c WHERE c.sha256 = d.bundle_sha256)"""):
        problems.append(f"document {sha256[:12]} refers to bundle bytes no longer kept")
    for candidate, cvs in _rows(connection, """
            SELECT c.id, (SELECT count(*) FROM candidate_document l
                          JOIN document d ON d.sha256 = l.document
                          WHERE l.candidate = c.id AND l.role = 'cv' AND l.current = :true)
            FROM candidate c WHERE c.merged_into IS NULL AND c.purged_at IS NULL""", true=true):
        if cvs != 1:
            problems.append(f"live candidate #{candidate} has {cvs} current CVs with their "
                            f"document row (1 expected)")

    # The search index holds exactly the live candidates.
    live = {int(i) for i, in _rows(connection, "SELECT id FROM candidate WHERE merged_into "
                                   "IS NULL AND purged_at IS NULL")}
    indexed = _index_ids(connection)
    if indexed != live:
        problems.append(f"search index out of step: missing {sorted(live - indexed)[:10]}, "
                        f"extra {sorted(indexed - live)[:10]}")

    # No person twice.
    for vendor, external_id, count in _rows(connection, """
            SELECT vendor, external_id, count(*) FROM candidate WHERE external_id IS NOT NULL
            GROUP BY vendor, external_id HAVING count(*) > 1"""):
        problems.append(f"candidate ({vendor}, {external_id}) exists {count} times")
    for vendor, external_id, count in _rows(connection, """
            SELECT vendor, external_id, count(*) FROM external_ref
            GROUP BY vendor, external_id HAVING count(*) > 1"""):
        problems.append(f"external id ({vendor}, {external_id}) recorded {count} times")

    # The inbox ledger names bundles the store holds.
    for name, sha256 in _rows(connection, """
            SELECT p.name, p.sha256 FROM inbox_pickup p WHERE NOT EXISTS (
                SELECT 1 FROM bundle b WHERE b.sha256 = p.sha256)"""):
        problems.append(f"ledger entry {name!r} names content {sha256[:12]} the store lacks")

    if settled:
        problems += _settled_problems(connection)
    return problems


def _settled_problems(connection: Connection) -> list[str]:
    """Once every bundle was taken again: each primary finished, refusals explained."""
    problems = []
    for bundle_id, status in _rows(connection, "SELECT id, status FROM bundle WHERE "
                                   "duplicate_of IS NULL ORDER BY id"):
        if status not in (*FINAL_STATUSES, "reverted"):
            problems.append(f"bundle #{bundle_id} is still {status}")
    for bundle_id, status, errors, recorded in _rows(connection, """
            SELECT b.id, b.status, b.error_count,
                   (SELECT count(*) FROM finding f WHERE f.bundle = b.id
                    AND f.severity = 'error')
            FROM bundle b WHERE b.duplicate_of IS NULL"""):
        if status in EXPLAINED_STATUSES and (recorded == 0 or recorded != errors):
            problems.append(f"{status} bundle #{bundle_id} has {recorded} error findings "
                            f"recorded, error_count {errors}: its report is missing")
        if status == "ingested" and recorded:
            problems.append(f"ingested bundle #{bundle_id} has {recorded} error findings")
    return problems


def violations(url: str, *, settled: bool = False) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return check_connection(connection, settled=settled)
    finally:
        engine.dispose()


def assert_consistent(url: str, *, settled: bool = False, context: str = "") -> None:
    problems = violations(url, settled=settled)
    assert not problems, f"{context}: {problems}" if context else problems


# -- against what was sent ----------------------------------------------------------------------


@dataclass
class Expected:
    """What a store must hold after every bundle was sent (in any order, any number of times):
    one primary record per distinct content with the status a clean run gives it, every
    vendor identifier a clean run records, and as many people. (Which identifier a record
    shows depends on the order: two identifiers with one e-mail are one person, known by the
    first one seen; the other is kept in ``external_ref``.)"""

    statuses: dict[str, str] = field(default_factory=dict)  # sha256 -> final status
    identifiers: set[tuple[str, str]] = field(default_factory=set)  # (vendor, external_id)
    people: int = 0  # candidate records


@dataclass
class Tally:
    bundles: int = 0  # distinct contents expected
    lost: int = 0
    doubled: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.bundles += other.bundles
        self.lost += other.lost
        self.doubled += other.doubled
        self.problems += other.problems


def count_lost_doubled(url: str, expected: Expected) -> Tally:
    """Lost: an expected content not finished in the store (or with another outcome), or an
    expected candidate missing. Doubled: a content with two primaries, a person twice, or a
    candidate nobody sent."""
    tally = Tally(bundles=len(expected.statuses))
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            primaries: dict[str, list[str]] = {}
            for sha256, status in _rows(connection, "SELECT sha256, status FROM bundle WHERE "
                                        "duplicate_of IS NULL ORDER BY id"):
                primaries.setdefault(sha256, []).append(status)
            identifiers = {(str(vendor), str(external_id)) for vendor, external_id in _rows(
                connection, "SELECT vendor, external_id FROM external_ref")}
            people = int(_rows(connection, "SELECT count(*) FROM candidate")[0][0])
            problems = check_connection(connection, settled=True)
    finally:
        engine.dispose()
    for sha256, status in expected.statuses.items():
        found = primaries.get(sha256, [])
        if len(found) > 1:
            tally.doubled += 1
            tally.problems.append(f"content {sha256[:12]} recorded {len(found)} times")
        elif found != [status]:
            tally.lost += 1
            tally.problems.append(f"content {sha256[:12]}: {found or 'absent'}, "
                                  f"expected {status}")
    missing = expected.identifiers - identifiers
    if missing:
        tally.lost += len(missing)
        tally.problems.append(f"identifiers missing: {sorted(missing)[:5]}")
    if identifiers - expected.identifiers:
        tally.doubled += len(identifiers - expected.identifiers)
        tally.problems.append(f"identifiers nobody sent: "
                              f"{sorted(identifiers - expected.identifiers)[:5]}")
    if people < expected.people:
        tally.lost += expected.people - people
        tally.problems.append(f"{people} candidates, {expected.people} expected")
    elif people > expected.people:
        tally.doubled += people - expected.people
        tally.problems.append(f"{people} candidates, {expected.people} expected")
    tally.problems += problems
    return tally


def digests(blobs: Iterable[bytes]) -> Counter[str]:
    return Counter(hashlib.sha256(data).hexdigest() for data in blobs)


def folder_tally(sent: Mapping[str, bytes], filed: Counter[str], left: int) -> Tally:
    """Files: *sent* name -> bytes uploaded, *filed* the contents found in processed/ and
    failed/, *left* the bundles still in the inbox or processing/ (lost, once drained)."""
    tally = Tally()
    wanted = digests(sent.values())
    for sha256, count in wanted.items():
        if filed[sha256] < count:
            tally.lost += count - filed[sha256]
            tally.problems.append(f"upload {sha256[:12]}: {filed[sha256]} of {count} filed")
    for sha256, count in filed.items():
        if count > wanted[sha256]:
            tally.doubled += count - wanted[sha256]
            tally.problems.append(f"upload {sha256[:12]}: filed {count} times, sent "
                                  f"{wanted[sha256]}")
    if left:
        tally.lost += left
        tally.problems.append(f"{left} bundles still in the inbox or processing/")
    return tally
