"""Each byte kept once: a document is a reference into its bundle's kept bytes (a stored or a
deflated member), read back and checked before export; a damaged slice is one line naming
the bundle and the member; a purge that discards a bundle's bytes first copies out the
documents candidates still have; migration 0008 turns the documents of an earlier store into
references, losing nothing, and its downgrade puts the bytes back."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

from cvbridge.store import Store
from cvbridge.store._engine import create_store_engine, current_revision, head_revision
from cvbridge.store._tables import BundleRecord, DocumentRecord
from tests.bundles import zip_bytes
from tests.store_bundles import Dropper, bundle_members, member_bytes, person, simple_cv
from tests.store_checks import cli, downgrade_store

pytest_plugins = ("tests.store_fixtures",)

MARIE = person("A-1", "Dupont", "Marie", city="Lyon")
PAUL = person("B-2", "Martin", "Paul", city="Nantes")
LEA = person("C-3", "Roux", "Léa", city="Rouen", consent_until="2020-01-01")


def _drop(drop: Dropper, people: list[dict[str, str]], name: str, method: int) -> Path:
    """A bundle whose members are all stored (``ZIP_STORED``) or all deflated."""
    cvs = {str(p["cv_file"]): simple_cv(f"{p['first_name']} {p['last_name']}", "comptable",
                                        str(p["external_id"])) for p in people}
    members = bundle_members(people, bundle_id=name, cvs=cvs)
    return drop.bytes(zip_bytes(members, method=method), name)


def _documents(store: Store) -> dict[str, DocumentRecord]:
    with Session(store.engine) as session:
        return {d.member or d.sha256: d for d in session.exec(select(DocumentRecord)).all()}


def _exports(store: Store, ids: list[int]) -> dict[int, bytes]:
    return {i: store.export_cv(i)[1] for i in ids}


def _corrupt(store: Store, document: DocumentRecord) -> None:
    """Flip one byte of the document's data in its bundle's kept bytes."""
    assert document.data_offset is not None
    with Session(store.engine) as session:
        chunk = session.execute(text(
            "SELECT content FROM bundle_blob_chunk WHERE sha256 = :s AND seq = 0"),
            {"s": document.bundle_sha256}).scalar_one()
        damaged = bytearray(chunk)
        damaged[document.data_offset + 40] ^= 0xFF
        session.execute(text("UPDATE bundle_blob_chunk SET content = :c "
                             "WHERE sha256 = :s AND seq = 0"),
                        {"c": bytes(damaged), "s": document.bundle_sha256})
        session.commit()


def test_stored_and_deflated_documents_are_references_exported_byte_for_byte(
        store: Store, drop: Dropper) -> None:
    stored = _drop(drop, [MARIE], "stored.zip", zipfile.ZIP_STORED)
    deflated = _drop(drop, [PAUL], "deflated.zip", zipfile.ZIP_DEFLATED)
    for path in (stored, deflated):
        assert store.ingest(path).status == "ingested"

    documents = _documents(store)
    assert {name: (d.method, d.content) for name, d in documents.items()} == {
        "cvs/A-1.docx": (0, None), "cvs/B-2.docx": (8, None)}
    assert all(d.bundle_sha256 is not None for d in documents.values())
    name, data, sha256 = store.export_cv(1)
    assert (name, data) == ("cvs/A-1.docx", member_bytes(stored.read_bytes(), "cvs/A-1.docx"))
    assert sha256 == documents["cvs/A-1.docx"].sha256
    assert store.export_cv(2)[1] == member_bytes(deflated.read_bytes(), "cvs/B-2.docx")
    assert "comptable" in (store.cv_text(2)[1] or "")


def test_a_damaged_bundle_chunk_is_one_line_naming_the_bundle_and_member(
        store_url: str, drop: Dropper, tmp_path: Path) -> None:
    cli(store_url, "ingest", str(_drop(drop, [MARIE], "stored.zip", zipfile.ZIP_STORED)),
        str(_drop(drop, [PAUL], "deflated.zip", zipfile.ZIP_DEFLATED)))
    with Store(store_url) as store:
        documents = _documents(store)
        for name in ("cvs/A-1.docx", "cvs/B-2.docx"):
            _corrupt(store, documents[name])

    stored = cli(store_url, "candidates", "export-cv", "1", "--out", str(tmp_path / "a.docx"))
    deflated = cli(store_url, "candidates", "export-cv", "2", "--out", str(tmp_path / "b.docx"))

    assert (stored.exit_code, stored.stdout, stored.stderr) == (
        4, "", "cvbridge: error: the kept bytes of bundle #1 (stored.zip) are damaged: "
               "cvs/A-1.docx does not match its document (its CRC-32 differs)\n")
    assert deflated.exit_code == 4 and deflated.stderr.startswith(
        "cvbridge: error: the kept bytes of bundle #2 (deflated.zip) are damaged: "
        "cvs/B-2.docx does not match its document (")
    assert deflated.stderr.count("\n") == 1
    assert not (tmp_path / "a.docx").exists() and not (tmp_path / "b.docx").exists()


def _age(store: Store, bundle_id: int) -> None:
    with Session(store.engine) as session:
        record = session.get(BundleRecord, bundle_id)
        assert record is not None
        record.received_at = datetime.now(UTC) - timedelta(days=3 * 365)
        session.add(record)
        session.commit()


def test_purge_copies_out_the_documents_candidates_still_have(store_url: str,
                                                              drop: Dropper) -> None:
    """The old bundle's bytes go (retention); Marie, still within hers, keeps her CV, now held
    by the store; Léa, past hers, is purged with her CV."""
    old = _drop(drop, [MARIE, LEA], "old.zip", zipfile.ZIP_DEFLATED)
    cli(store_url, "ingest", str(old))
    with Store(store_url) as store:
        _age(store, 1)

    done = cli(store_url, "purge", "--expired")

    assert done.stdout == (
        "purged 1 candidate(s): #2\n"
        "discarded the kept bytes and findings of 1 old bundle(s): #1\n"
        "kept 1 document(s) that candidates still have, copied out of those bundles' bytes "
        "first\n")
    with Store(store_url) as store:
        documents = list(_documents(store).values())
        assert [(d.bundle_sha256, d.member) for d in documents] == [(None, None)]
        assert store.export_cv(1)[1] == member_bytes(old.read_bytes(), "cvs/A-1.docx")
    shown = json.loads(cli(store_url, "candidates", "show", "1", "-f", "json").stdout)
    assert [d["filename"] for d in shown["documents"]] == ["cvs/A-1.docx"]


def test_migration_0008_turns_documents_into_references_losing_nothing(
        store_url: str, drop: Dropper) -> None:
    """A store as 0007 left it (every document's bytes in ``content``, one of them whose
    bundle's bytes retention discarded) is upgraded: the documents found in their bundle's
    kept bytes become references, the other stays held; exports are byte-identical at each
    step, and so is the downgrade."""
    first = _drop(drop, [MARIE, PAUL], "first.zip", zipfile.ZIP_DEFLATED)
    second = _drop(drop, [person("D-4", "Petit", "Jean")], "second.zip", zipfile.ZIP_STORED)
    cli(store_url, "ingest", str(first), str(second))
    with Store(store_url) as store:
        _age(store, 2)
    cli(store_url, "purge", "--expired")  # second.zip's bytes go; Jean's CV is held
    with Store(store_url) as store:
        before = _exports(store, [1, 2, 3])
        texts = {i: store.cv_text(i) for i in (1, 2, 3)}
    assert before[3] == member_bytes(second.read_bytes(), "cvs/D-4.docx")

    downgrade_store(store_url, "0007")
    engine = create_store_engine(store_url)
    try:
        with engine.connect() as connection:
            held = connection.execute(text(
                "SELECT count(*) FROM document WHERE content IS NOT NULL")).scalar_one()
            plain = connection.execute(text("SELECT text FROM document")).scalars().all()
        assert held == 3
        assert all("comptable" in value for value in plain)
        Store.upgrade(store_url)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()

    with Store(store_url) as store:
        documents = _documents(store)
        assert _exports(store, [1, 2, 3]) == before
        assert {i: store.cv_text(i) for i in (1, 2, 3)} == texts
    assert sorted((d.member or "", d.content is None, d.method)
                  for d in documents.values()) == [
        ("", False, None), ("cvs/A-1.docx", True, 8), ("cvs/B-2.docx", True, 8)]


def test_db_vacuum_gives_the_room_the_migration_freed_back(tmp_path: Path,
                                                            drop: Dropper) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    people = [person(f"V-{i}", "Nom", f"Prénom{i}") for i in range(30)]
    cli(url, "ingest", str(_drop(drop, people, "b.zip", zipfile.ZIP_STORED)))
    downgrade_store(url, "0007")  # as the previous version left it: each CV kept twice
    Store.upgrade(url)
    with Store(url) as store:
        before = _exports(store, [1, 30])

    run = cli(url, "db", "vacuum")

    assert run.exit_code == 0
    sizes = [int(word) for word in run.stdout.split() if word.isdigit()]
    assert run.stdout == f"store file: {sizes[0]} bytes before, {sizes[1]} after\n"
    assert sizes[1] < sizes[0] and sizes[1] == (tmp_path / "crm.db").stat().st_size
    with Store(url) as store:
        assert _exports(store, [1, 30]) == before


def test_db_vacuum_is_for_sqlite(postgres_url: str) -> None:
    run = cli(postgres_url, "db", "vacuum")
    assert (run.exit_code, run.stderr) == (
        2, "cvbridge: error: db vacuum is for SQLite stores: PostgreSQL's autovacuum reuses "
           "the room, and VACUUM FULL (run by its administrator) gives it back\n")
