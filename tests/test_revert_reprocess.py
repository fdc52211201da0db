"""Putting bundles right, on SQLite and PostgreSQL: revert a bundle, reprocess one from its
kept bytes."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from cvbridge._errors import ConflictError, NotFoundError
from cvbridge.store import Store
from cvbridge.store._tables import BundleBlob
from tests.bundles import limits
from tests.store_bundles import Dropper, person, sha256, simple_cv
from tests.store_checks import (
    assert_index_agrees,
    candidate_count,
    cli,
    count,
    found_ids,
    record,
)

pytest_plugins = ("tests.store_fixtures",)

MARIE = person("A-1", "Dupont", "Marie", email="marie@example.com", city="Lyon",
               birth_date="1990-01-02", skill=["Excel", "SAP"], phone="0612345678",
               received_at="2024-04-29T09:14:00+02:00", availability="2024-09-01",
               experience_years="7", summary="Sept ans.\n  Deux cabinets.",
               **{"x-source-id": "abc"})
LUC = person("A-2", "Durand", "Luc", city="Nantes")
ZOE = person("A-3", "Petit", "Zoé", city="Lille")
CV1 = simple_cv("Marie Dupont", "comptable confirmée")
CV2 = simple_cv("Marie Dupont", "directrice administrative")


def _two_bundles(store: Store, drop: Dropper) -> None:
    """B1 creates Marie and Luc; B2 updates Marie (city, skills, birth date, CV, position)
    and creates Zoé."""
    assert store.ingest(drop([MARIE, LUC], "b1.zip", bundle_id="B1",
                             cvs={"cvs/A-1.docx": CV1})).created == 2
    changed = {**MARIE, "city": "Paris", "skill": ["Python"], "birth_date": "1990-01-03",
               "position": "Directrice", "cv_file": "cvs/marie-v2.docx"}
    outcome = store.ingest(drop([changed, ZOE], "b2.zip", bundle_id="B2",
                                cvs={"cvs/marie-v2.docx": CV2}))
    assert (outcome.created, outcome.updated) == (1, 1)


def test_revert_restores_updated_candidates_and_removes_created_ones(
        store: Store, drop: Dropper) -> None:
    store.ingest(drop([MARIE, LUC], "b1.zip", bundle_id="B1", cvs={"cvs/A-1.docx": CV1}))
    marie_id = store.candidates()[0]["id"]
    earlier = store.candidate(marie_id)
    changed = {**MARIE, "city": "Paris", "skill": ["Python"], "birth_date": "1990-01-03",
               "position": "Directrice", "cv_file": "cvs/marie-v2.docx",
               "received_at": "2024-06-01T08:00:00Z", "availability": "2024-10-01",
               "experience_years": "8", "summary": "Huit ans.", "x-source-id": "def"}
    outcome = store.ingest(drop([changed, ZOE], "b2.zip", bundle_id="B2",
                                cvs={"cvs/marie-v2.docx": CV2}))
    assert (outcome.created, outcome.updated) == (1, 1)
    assert store.candidate(marie_id) != earlier

    outcome = store.revert(2)

    assert (outcome.removed, outcome.restored) == (1, 1)
    assert store.candidate(marie_id) == earlier  # every field, date and document as before
    views = store.candidates()
    assert [v["last_name"] for v in views] == ["Dupont", "Durand"]
    marie = views[0]
    assert (marie["city"], marie["skills"], marie["birth_date"], marie["position"]) == (
        "Lyon", ["Excel", "SAP"], "1990-01-02", None)
    assert marie["cv"] == {"filename": "cvs/A-1.docx", "sha256": sha256(CV1), "size": len(CV1)}
    assert [(d["sha256"], d["current"]) for d in store.candidate(marie_id)["documents"]] == [
        (sha256(CV1), True)]
    assert record(store, marie_id).last_bundle == 1
    assert count(store, "document") == 2  # Marie's new CV and Zoé's are gone
    assert [b["status"] for b in store.bundles()] == ["ingested", "reverted"]
    assert found_ids(store, "Petit") == []
    assert found_ids(store, "directrice") == []
    assert found_ids(store, "comptable") == [marie_id]
    assert count(store, "external_ref") == 2
    assert_index_agrees(store)

    # with B2 out of the way, B1 itself can go
    assert store.revert(1).removed == 2
    assert candidate_count(store) == 0
    assert count(store, "document") == 0
    assert_index_agrees(store)


def test_revert_is_refused_when_a_later_bundle_changed_a_candidate(
        store: Store, drop: Dropper) -> None:
    _two_bundles(store, drop)
    marie_id = store.candidates()[0]["id"]
    before = store.candidates()

    with pytest.raises(ConflictError) as refused:
        store.revert(1)

    assert str(refused.value) == (
        f"bundle #1 cannot be reverted: candidate #{marie_id} (Marie Dupont) was changed "
        "since by bundle #2 (undo that first: cvbridge bundles revert 2)")
    assert "Durand" not in str(refused.value)
    assert store.candidates() == before
    assert [b["status"] for b in store.bundles()] == ["ingested", "ingested"]


def test_revert_of_an_email_match_forgets_the_vendors_identifier(
        store: Store, drop: Dropper) -> None:
    store.ingest(drop([MARIE], "b1.zip", bundle_id="B1"))
    other = person("JB-7", "Dupont", "Marie", email="MARIE@example.com", city="Metz")
    assert store.ingest(drop([other], "b2.zip", vendor="jobboard", bundle_id="J1")).updated == 1

    store.revert(2)

    [view] = store.candidates()
    assert view["city"] == "Lyon"
    assert [(r["vendor"], r["external_id"]) for r in store.candidate(view["id"])["external_refs"]
            ] == [("acme", "A-1")]
    # the identifier is free again: the same data creates, or here matches by e-mail, afresh
    again = store.ingest(drop([{**other, "city": "Nancy"}], "b3.zip", vendor="jobboard",
                              bundle_id="J2"))
    assert (again.created, again.updated) == (0, 1)
    assert store.candidates()[0]["city"] == "Nancy"


def test_revert_is_refused_after_a_merge(store: Store, drop: Dropper) -> None:
    store.ingest(drop([MARIE, LUC], "b1.zip", bundle_id="B1"))
    marie, luc = (v["id"] for v in store.candidates())
    store.merge(marie, luc)

    with pytest.raises(ConflictError) as refused:
        store.revert(1)

    assert str(refused.value) == (
        f"bundle #1 cannot be reverted: candidates #{marie} (Marie Dupont), #{luc} (Luc "
        f"Durand) were merged since (#{luc} into #{marie}; undo that first: cvbridge "
        f"candidates unmerge {luc})")
    assert [v["id"] for v in store.candidates()] == [marie]
    assert record(store, luc).merged_into == marie
    assert store.bundles()[0]["status"] == "ingested"


def test_revert_is_refused_after_a_purge(store: Store, drop: Dropper) -> None:
    from datetime import date

    store.ingest(drop([{**LUC, "consent_until": "2020-01-01"}], "b1.zip"))
    [luc] = store.candidates()
    store.purge(date.today(), dry_run=False)

    with pytest.raises(ConflictError) as refused:
        store.revert(1)
    assert str(refused.value) == (f"bundle #1 cannot be reverted: candidate #{luc['id']} was "
                                  "purged since: a purge cannot be undone")
    assert record(store, luc["id"]).purged_at is not None  # the anonymous trace stays


def test_revert_after_revert_and_reprocess_undoes_only_the_last_run(
        store: Store, drop: Dropper) -> None:
    _two_bundles(store, drop)
    store.revert(2)
    again = store.reprocess(2)
    assert (again.status, again.created, again.updated) == ("ingested", 1, 1)
    assert [v["city"] for v in store.candidates()] == ["Paris", "Nantes", "Lille"]

    outcome = store.revert(2)

    assert (outcome.removed, outcome.restored) == (1, 1)
    assert [v["city"] for v in store.candidates()] == ["Lyon", "Nantes"]
    assert_index_agrees(store)


def test_only_ingested_or_partial_bundles_can_be_reverted(store: Store, drop: Dropper) -> None:
    path = drop([MARIE], "b1.zip", bundle_id="B1")
    store.ingest(path)
    store.ingest(path)  # duplicate
    failed = store.ingest(drop([LUC], "bad.zip", bundle_id="B9", candidate_count=2))

    for bundle_id, status in ((2, "duplicate"), (failed.bundle, "failed")):
        with pytest.raises(ConflictError, match=f"is {status}"):
            store.revert(bundle_id)
    with pytest.raises(NotFoundError):
        store.revert(99)
    store.revert(1)
    with pytest.raises(ConflictError, match="is reverted"):
        store.revert(1)


def test_reprocess_all_failed_creates_only_what_is_missing(store_url: str,
                                                           drop: Dropper) -> None:
    with Store(store_url) as store:
        store.ingest(drop([MARIE, LUC], "b1.zip", bundle_id="B1"))
    # B2 repeats Marie and Luc and adds Zoé; a tight member_count limit fails it as a whole.
    with Store(store_url, limits=limits(member_count=5)) as tight:
        failed = tight.ingest(drop([MARIE, LUC, ZOE], "b2.zip", bundle_id="B2"))
        assert failed.status == "failed"
        assert {m["code"] for m in tight.bundle(failed.bundle)["messages"]} == {
            "LIMIT-MEMBER-COUNT"}

    run = cli(store_url, "bundles", "reprocess", "--all-failed")

    assert run.exit_code == 0, run.stderr
    assert run.lines[2].split() == [str(failed.bundle), "b2.zip", "ingested", "1", "0", "0"]
    with Store(store_url) as store:
        assert [v["last_name"] for v in store.candidates()] == ["Dupont", "Durand", "Petit"]
        assert [(b["status"], b["created"]) for b in store.bundles()] == [
            ("ingested", 2), ("ingested", 1)]
        assert store.bundle(failed.bundle)["messages"] == []
        assert_index_agrees(store)
        # nothing left to do
        assert store.failed_bundle_ids() == []


def test_reprocess_of_a_partial_bundle_duplicates_nobody(store: Store, drop: Dropper) -> None:
    broken = person("A-9", "Faux", "Jean", birth_date="1990-02-30")
    partial = store.ingest(drop([MARIE, broken], "b1.zip", bundle_id="B1"))
    assert (partial.status, partial.created) == ("partial", 1)

    again = store.reprocess(partial.bundle)

    assert (again.status, again.created, again.updated, again.rejected) == ("partial", 0, 0, 1)
    # what the bundle did over its runs: the first run's candidate is still its doing
    [listed] = store.bundles()
    assert (listed["created"], listed["updated"], listed["rejected"]) == (1, 0, 1)
    assert candidate_count(store) == 1
    assert count(store, "candidate_document") == 1
    assert [m["code"] for m in store.bundle(partial.bundle)["messages"]] == ["VALUE-INVALID"]


def test_reprocess_never_brings_back_older_values(store: Store, drop: Dropper) -> None:
    """A reprocess replays old bytes: what a later bundle changed since stays changed."""
    broken = person("A-9", "Faux", "Jean", birth_date="1990-02-30")
    partial = store.ingest(drop([MARIE, broken], "b1.zip", bundle_id="B1"))
    later = store.ingest(drop([{**MARIE, "city": "Paris", "cv_file": "cvs/m2.docx"}],
                              "b2.zip", bundle_id="B2", cvs={"cvs/m2.docx": CV2}))
    assert later.updated == 1

    again = store.reprocess(partial.bundle)

    assert (again.created, again.updated) == (0, 0)
    [marie] = store.candidates()
    assert (marie["city"], marie["cv"]["sha256"]) == ("Paris", sha256(CV2))
    assert record(store, marie["id"]).last_bundle == later.bundle
    # and B2 can still be reverted: the reprocess did not touch Marie
    assert store.revert(later.bundle).restored == 1
    assert store.candidates()[0]["city"] == "Lyon"


def test_reprocess_refuses_ingested_bundles_and_discarded_bytes(
        store: Store, drop: Dropper) -> None:
    store.ingest(drop([MARIE], "b1.zip"))
    with pytest.raises(ConflictError, match="is ingested"):
        store.reprocess(1)
    with pytest.raises(NotFoundError):
        store.reprocess(42)


def test_reprocess_of_a_received_bundle_finishes_it(store: Store, drop: Dropper) -> None:
    """A bundle left 'received' (its worker died) is finished from the kept bytes."""
    path = drop([MARIE, LUC], "b1.zip")
    record_, duplicate = store.ingestor._receive(path, sha256(path.read_bytes()),
                                                 path.stat().st_size, path.name)
    assert not duplicate
    assert store.bundles()[0]["status"] == "received"
    with Session(store.engine) as session:
        assert session.get(BundleBlob, sha256(path.read_bytes())) is not None

    outcome = store.reprocess(record_.id or 0)

    assert (outcome.status, outcome.created) == ("ingested", 2)
    assert_index_agrees(store)
