"""What recruiters do to people, on SQLite and PostgreSQL: possible duplicates, merges,
purges past retention."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from cvbridge._errors import ConflictError
from cvbridge.store import Store
from cvbridge.store._mapping import add_months
from cvbridge.store._tables import AuditEvent, CandidateRecord, PossibleDuplicate
from tests.store_bundles import Dropper, person, simple_cv
from tests.store_checks import (
    assert_index_agrees,
    cli,
    count,
    found_ids,
    live_ids,
    record,
)

pytest_plugins = ("tests.store_fixtures",)

# One person sent twice by two vendors, spelled with and without accents, the phone written
# in national and in international form, and no e-mail in common.
HELENE = person("T-1", "Dupré-Lefèvre", "Hélène", phone="06 12 34 56 78",
                email="helene@example.com", city="Lyon")
HELENE_AGAIN = person("J-9", "DUPRE LEFEVRE", "helene", phone="+33612345678",
                      email="h.dupre@example.org", position="Comptable",
                      cv_file="cvs/j9.docx")
NAMESAKE = person("T-2", "Dupré-Lefèvre", "Hélène", phone="07 00 00 00 01",
                  email="autre@example.com")


def _helene_twice(store: Store, drop: Dropper) -> tuple[int, int]:
    store.ingest(drop([HELENE], "b1.zip", vendor="talentia", bundle_id="T1"))
    store.ingest(drop([HELENE_AGAIN], "b2.zip", vendor="jobboard", bundle_id="J1",
                      cvs={"cvs/j9.docx": simple_cv("Hélène", "contrôle de gestion")}))
    first, second = (view["id"] for view in store.candidates())
    return first, second


def test_same_folded_name_and_shared_phone_is_a_possible_duplicate(
        store: Store, drop: Dropper) -> None:
    first, second = _helene_twice(store, drop)
    store.ingest(drop([NAMESAKE], "b3.zip", vendor="talentia", bundle_id="T2"))

    pairs = store.possible_duplicates()

    assert [(p["candidate"]["id"], p["other"]["id"], p["reason"]) for p in pairs] == [
        (second, first, "same name and phone +33612345678")]
    assert len(store.candidates()) == 3  # nothing merged
    assert len(store.candidate(first)["documents"]) == 1
    run = cli(store.url, "candidates", "duplicates")
    assert run.exit_code == 0
    assert run.lines == [
        "pair    candidate    other    name                  reason",
        "------  -----------  -------  --------------------  --------------------------------",
        f"1       {second}            {first}        helene DUPRE LEFEVRE  "
        "same name and phone +33612345678",
    ]


def test_reverting_the_second_sending_withdraws_the_pair(store: Store, drop: Dropper) -> None:
    _helene_twice(store, drop)
    assert len(store.possible_duplicates()) == 1

    store.revert(2)

    assert store.possible_duplicates() == []
    assert count(store, "possible_duplicate") == 0
    assert len(store.candidates()) == 1
    assert_index_agrees(store)


def test_merge_folds_the_other_record_in(store: Store, drop: Dropper) -> None:
    first, second = _helene_twice(store, drop)
    keep_cv = store.candidates()[0]["cv"]

    view = store.merge(first, second)

    assert view["id"] == first
    assert (view["city"], view["position"]) == ("Lyon", "Comptable")  # a missing field filled
    assert view["cv"] == keep_cv  # the kept record's CV stays current
    detail = store.candidate(first)
    assert sorted((r["vendor"], r["external_id"]) for r in detail["external_refs"]) == [
        ("jobboard", "J-9"), ("talentia", "T-1")]
    assert [(d["filename"], d["current"]) for d in detail["documents"]] == [
        ("cvs/T-1.docx", True), ("cvs/j9.docx", False)]
    assert [v["id"] for v in store.candidates()] == [first]
    assert store.possible_duplicates() == []
    assert record(store, second).merged_into == first
    assert found_ids(store, "comptable") == [first]
    assert found_ids(store, "controle") == []  # the merged-in CV is history now
    assert_index_agrees(store)

    # later bundles about either identifier land on the kept record
    update = store.ingest(drop([{**HELENE_AGAIN, "city": "Annecy"}], "b3.zip",
                               vendor="jobboard", bundle_id="J2"))
    assert (update.created, update.updated) == (0, 1)
    assert [(v["id"], v["city"]) for v in store.candidates()] == [(first, "Annecy")]
    assert_index_agrees(store)


def test_an_email_brought_by_a_merge_is_matched_later(store: Store, drop: Dropper) -> None:
    store.ingest(drop([person("T-1", "Dupont", "Marie")], "b1.zip", bundle_id="B1"))
    store.ingest(drop([person("T-2", "Dupont", "Marie", email="Marie@Example.com")],
                      "b2.zip", bundle_id="B2"))
    first, second = (view["id"] for view in store.candidates())
    store.merge(first, second)

    outcome = store.ingest(drop([person("Z-5", "Dupont", "Marie", email="marie@example.COM",
                                        city="Metz")], "b3.zip", vendor="other"))

    assert (outcome.created, outcome.updated) == (0, 1)
    assert [(v["id"], v["email"], v["city"]) for v in store.candidates()] == [
        (first, "marie@example.com", "Metz")]


def test_merge_refuses_itself_and_merged_records(store: Store, drop: Dropper) -> None:
    first, second = _helene_twice(store, drop)
    with pytest.raises(ConflictError, match="into itself"):
        store.merge(first, first)
    store.merge(first, second)
    with pytest.raises(ConflictError, match="already merged"):
        store.merge(first, second)
    with pytest.raises(ConflictError, match="already merged"):
        store.merge(second, first)


# -- retention ----------------------------------------------------------------------------

PAST = person("P-1", "Leroy", "Chloé", consent_until="2020-01-01", email="chloe@example.com",
              phone="0611111111", city="Rouen", skill="Paie")
RECENT = person("P-2", "Roux", "Hugo", city="Dijon")


def _personal_values(store: Store, candidate_id: int) -> dict[str, object]:
    found = record(store, candidate_id)
    return {key: getattr(found, key) for key in (
        "last_name", "first_name", "email", "email_key", "name_key", "phones", "city",
        "skills", "consent_until", "external_id", "custom", "summary")}


def test_consent_in_the_past_is_expired_and_purged(store: Store, drop: Dropper) -> None:
    store.ingest(drop([PAST, RECENT], "b1.zip"))
    chloe, hugo = (view["id"] for view in store.candidates())
    assert record(store, chloe).retention_until == date(2020, 1, 1)
    documents_before = count(store, "document")

    dry = store.purge(date.today(), dry_run=True)

    assert (dry.candidates, dry.documents_deleted) == ([chloe], 0)
    assert live_ids(store) == {chloe, hugo}
    assert found_ids(store, "chloe") == [chloe]

    done = store.purge(date.today(), dry_run=False)

    assert (done.candidates, done.documents_deleted) == ([chloe], 1)
    assert count(store, "document") == documents_before - 1
    assert _personal_values(store, chloe) == {
        "last_name": None, "first_name": None, "email": None, "email_key": None,
        "name_key": None, "phones": [], "city": None, "skills": [], "consent_until": None,
        "external_id": None, "custom": {}, "summary": None}
    trace = record(store, chloe)  # the anonymous trace
    assert (trace.vendor, trace.country, trace.first_bundle) == ("acme", "FR", 1)
    assert trace.purged_at is not None
    assert [v["id"] for v in store.candidates()] == [hugo]
    assert store.candidate(chloe)["documents"] == []
    assert store.candidate(chloe)["external_refs"] == []
    for query in ("chloe", "leroy", "rouen", "paie", "P-1"):
        assert found_ids(store, query) == [], query
    assert_index_agrees(store)
    assert store.purge(date.today(), dry_run=False).candidates == []  # done once
    # the vendor sends the person again: a new record, nothing of the old one comes back
    again = store.ingest(drop([{**PAST, "consent_until": "2099-12-31"}], "b2.zip",
                              bundle_id="B2"))
    assert again.created == 1
    [new] = live_ids(store) - {hugo}
    assert new != chloe
    assert record(store, new).last_name == "Leroy"
    assert record(store, chloe).last_name is None


def test_purge_leaves_no_personal_data_behind(store: Store, drop: Dropper) -> None:
    """Earlier values kept for revert, merged-in records and duplicate pairs go too."""
    store.ingest(drop([{**PAST, "consent_until": "2099-01-01"}], "b1.zip", bundle_id="B1"))
    store.ingest(drop([{**PAST, "city": "Caen"}], "b2.zip", bundle_id="B2"))  # expires now
    twin = person("Q-1", "LEROY", "Chloe", phone="+33611111111", email="c.leroy@example.org")
    store.ingest(drop([twin], "b3.zip", vendor="other", bundle_id="Q1"))
    chloe, other = (view["id"] for view in store.candidates())
    assert len(store.possible_duplicates()) == 1
    store.merge(chloe, other)

    assert store.purge(date.today(), dry_run=False).candidates == [chloe]

    for candidate_id in (chloe, other):
        values = _personal_values(store, candidate_id)
        assert values["last_name"] is values["email"] is values["city"] is None, candidate_id
        assert values["phones"] == []
    with Session(store.engine) as session:
        stored = [json.dumps(event.before) for event in session.exec(select(AuditEvent))]
        stored += [pair.reason for pair in session.exec(select(PossibleDuplicate))]
    for word in ("Leroy", "LEROY", "Chlo", "chloe", "Rouen", "0611111111", "+33611111111"):
        assert not [value for value in stored if word in value], word
    assert store.possible_duplicates() == []
    assert count(store, "document") == 0
    assert_index_agrees(store)


def test_retention_is_the_last_activity_plus_24_months(store: Store, drop: Dropper) -> None:
    store.ingest(drop([RECENT], "b1.zip"))
    [hugo] = store.candidates()
    activity = record(store, hugo["id"]).last_activity_at.date()
    until = add_months(activity, 24)
    assert hugo["retention_until"] == until.isoformat()
    assert until - activity in (timedelta(days=730), timedelta(days=731))

    assert store.purge(until, dry_run=True).candidates == []
    assert store.purge(until + timedelta(days=1), dry_run=True).candidates == [hugo["id"]]


def _age(store: Store, candidate_id: int, activity: datetime, until: date) -> None:
    """Make a record look old: its last activity and retention date in the past."""
    with Session(store.engine) as session:
        found = session.get(CandidateRecord, candidate_id)
        assert found is not None
        found.last_activity_at, found.retention_until = activity, until
        session.add(found)
        session.commit()


def test_an_update_pushes_retention_back(store: Store, drop: Dropper) -> None:
    store.ingest(drop([RECENT], "b1.zip"))
    [hugo] = store.candidates()
    _age(store, hugo["id"], datetime(2021, 3, 1, 10, tzinfo=UTC), date(2023, 3, 1))
    assert store.purge(date.today(), dry_run=True).candidates == [hugo["id"]]

    store.ingest(drop([{**RECENT, "city": "Metz"}], "b2.zip", bundle_id="B2"))

    assert store.purge(date.today(), dry_run=True).candidates == []
    updated = record(store, hugo["id"])
    assert updated.retention_until == add_months(updated.last_activity_at.date(), 24)
    assert updated.last_activity_at.year >= 2024


def test_retention_period_is_configurable(store_url: str, drop: Dropper) -> None:
    with Store(store_url, retention_months=6) as store:
        store.ingest(drop([RECENT], "b1.zip"))
        [hugo] = store.candidates()
        activity = record(store, hugo["id"]).last_activity_at.date()
        assert hugo["retention_until"] == add_months(activity, 6).isoformat()


def test_a_merged_record_is_not_purged_on_its_own(store: Store, drop: Dropper) -> None:
    """A record merged into a live one follows the live one: its person is still here."""
    store.ingest(drop([RECENT, {**RECENT, "external_id": "P-3", "cv_file": "cvs/P-3.docx"}],
                      "b1.zip"))
    hugo, old = (view["id"] for view in store.candidates())
    store.merge(hugo, old)
    _age(store, old, datetime(2018, 1, 1, tzinfo=UTC), date(2020, 1, 1))

    assert store.purge(date.today(), dry_run=False).candidates == []
    assert record(store, old).last_name == "Roux"
