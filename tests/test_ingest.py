"""Ingestion into the store, on SQLite and PostgreSQL: created, duplicate, failed, partial,
updates and matching, corrections, and a crash in the middle of a bundle."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlmodel import Session, select

from cvbridge.store import Store
from cvbridge.store._batch import BulkCreator
from cvbridge.store._blobs import copy_bundle_bytes
from cvbridge.store._tables import BundleBlob, CandidateDocument, ExternalRef
from tests.store_bundles import Dropper, member_bytes, person, sha256, simple_cv
from tests.store_checks import assert_index_agrees, candidate_count, count, found_ids, record

pytest_plugins = ("tests.store_fixtures",)

HELENE = person("TAL-000184", "Dupré-Lefèvre", "Hélène", civility="Mme",
                email="Helene.Dupre@Example.COM", phone=["06 12 34 56 78", "+33 4 78 42 10 00"],
                city="Lyon", postal_code="69002", birth_date="1988-11-23",
                position="Responsable comptable", skill=["SAP FI/CO", "IFRS"],
                language=["français", "anglais courant"], experience_years="12",
                summary="Douze ans.\n  Encadrement.", **{"x-score-matching": "87"})
PAUL = person("TAL-000185", "Martin", "Paul", email="paul.martin@example.org")
LEA = person("TAL-000186", "Bernard", "Léa", phone="0478421001", country="FR")


def test_valid_bundle_creates_every_candidate(store: Store, drop: Dropper) -> None:
    outcome = store.ingest(drop([HELENE, PAUL, LEA], "b1.zip"))

    assert (outcome.status, outcome.created, outcome.updated, outcome.rejected) == (
        "ingested", 3, 0, 0)
    views = store.candidates()
    assert [(v["external_id"], v["last_name"]) for v in views] == [
        ("TAL-000184", "Dupré-Lefèvre"), ("TAL-000185", "Martin"), ("TAL-000186", "Bernard")]
    helene = views[0]
    assert helene["email"] == "Helene.Dupre@example.com"  # the domain in lower case
    assert helene["phones"] == ["+33612345678", "+33478421000"]
    assert helene["skills"] == ["SAP FI/CO", "IFRS"]
    assert helene["languages"] == ["français", "anglais courant"]
    assert helene["custom"] == {"x-score-matching": "87"}
    assert (helene["civility"], helene["postal_code"], helene["birth_date"]) == (
        "Mme", "69002", "1988-11-23")
    assert store.candidate(helene["id"])["summary"] == "Douze ans.\nEncadrement."
    assert helene["cv"]["filename"] == "cvs/TAL-000184.docx"
    bundle = store.bundles()[0]
    assert (bundle["status"], bundle["vendor"], bundle["bundle_id"], bundle["created"]) == (
        "ingested", "acme", "ACME-001", 3)
    assert count(store, "document") == 3
    assert_index_agrees(store)


def test_same_bytes_again_is_a_duplicate_and_changes_nothing(store: Store,
                                                             drop: Dropper) -> None:
    first = drop([HELENE, PAUL], "b1.zip")
    store.ingest(first)
    before = store.candidates()

    again = store.ingest(drop.bytes(first.read_bytes(), "renamed.zip"))

    assert (again.status, again.duplicate_of, again.created, again.updated) == (
        "duplicate", 1, 0, 0)
    assert again.succeeded
    assert store.candidates() == before
    bundles = store.bundles()
    assert [(b["id"], b["status"], b["filename"], b["created"]) for b in bundles] == [
        (1, "ingested", "b1.zip", 2), (2, "duplicate", "renamed.zip", 0)]
    assert bundles[0]["sha256"] == bundles[1]["sha256"]
    assert count(store, "bundle_blob") == 1
    assert count(store, "audit_event") == 2
    assert_index_agrees(store)


def test_bundle_level_error_fails_the_bundle_and_keeps_its_findings(
        store: Store, drop: Dropper) -> None:
    outcome = store.ingest(drop([HELENE, PAUL], "bad.zip", candidate_count=3))

    assert outcome.status == "failed"
    assert not outcome.succeeded
    assert candidate_count(store) == 0
    assert count(store, "document") == 0
    detail = store.bundle(outcome.bundle)
    assert (detail["status"], detail["created"], detail["rejected"], detail["errors"]) == (
        "failed", 0, 2, 1)
    assert [(m["code"], m["severity"], m["member"], m["line"], m["candidate"])
            for m in detail["messages"]] == [("MANIFEST-COUNT", "error", "manifest.txt", 5, None)]
    assert "candidate_count says 3" in detail["messages"][0]["message"]
    assert count(store, "bundle_blob") == 1  # the bytes are kept, for a reprocess
    assert_index_agrees(store)


def test_a_file_that_is_not_a_zip_fails_without_a_vendor(store: Store, drop: Dropper) -> None:
    outcome = store.ingest(drop.bytes(b"%PDF-1.4 not a bundle", "export.zip"))

    assert outcome.status == "failed"
    [bundle] = store.bundles()
    assert (bundle["vendor"], bundle["bundle_id"], bundle["errors"]) == (None, None, 1)
    assert [m["code"] for m in store.bundle(bundle["id"])["messages"]] == ["ZIP-NOT-ZIP"]
    assert candidate_count(store) == 0


def test_warnings_are_kept_and_reject_nothing(store: Store, drop: Dropper) -> None:
    outcome = store.ingest(drop([{**PAUL, "hobby": "voile"}], "b1.zip"))

    assert (outcome.status, outcome.created) == ("ingested", 1)
    detail = store.bundle(outcome.bundle)
    assert (detail["errors"], detail["warnings"]) == (0, 1)
    assert [(m["code"], m["severity"], m["line"]) for m in detail["messages"]] == [
        ("KEY-UNKNOWN", "warning", 6)]


def test_a_rejected_candidate_does_not_stop_the_others(store: Store, drop: Dropper) -> None:
    broken = person("TAL-000999", "Durand", "Luc", cv_file="cvs/missing.docx")
    path = drop([HELENE, broken, PAUL], "partial.zip", omit=["cvs/missing.docx"],
                extra={"cvs/other.docx": simple_cv("x")})

    outcome = store.ingest(path)

    assert (outcome.status, outcome.created, outcome.rejected) == ("partial", 2, 1)
    assert [v["external_id"] for v in store.candidates()] == ["TAL-000184", "TAL-000185"]
    messages = store.bundle(outcome.bundle)["messages"]
    errors = [(m["code"], m["candidate"]) for m in messages if m["severity"] == "error"]
    assert errors == [("REF-MISSING", "candidats/001-TAL-000999.txt")]
    assert "LAYOUT-UNREFERENCED" in {m["code"] for m in messages}
    assert_index_agrees(store)


def test_update_by_external_id_keeps_one_record_and_the_cv_history(
        store: Store, drop: Dropper) -> None:
    first = drop([HELENE], "b1.zip", bundle_id="B1",
                 cvs={"cvs/TAL-000184.docx": simple_cv("Hélène", "comptable unijambiste")})
    store.ingest(first)
    old_cv = member_bytes(first.read_bytes(), "cvs/TAL-000184.docx")
    moved = {**HELENE, "city": "Paris", "postal_code": "75002",
             "cv_file": "cvs/helene-2024.docx"}
    new_cv = simple_cv("Hélène", "directrice financière")

    outcome = store.ingest(drop([moved], "b2.zip", bundle_id="B2",
                                cvs={"cvs/helene-2024.docx": new_cv}))

    assert (outcome.status, outcome.created, outcome.updated) == ("ingested", 0, 1)
    [view] = store.candidates()
    assert (view["city"], view["postal_code"], view["birth_date"]) == (
        "Paris", "75002", "1988-11-23")  # what the update did not say is kept
    assert view["cv"] == {"filename": "cvs/helene-2024.docx", "sha256": sha256(new_cv),
                          "size": len(new_cv)}
    documents = store.candidate(view["id"])["documents"]
    assert [(d["sha256"], d["current"], d["bundle"]) for d in documents] == [
        (sha256(old_cv), False, 1), (sha256(new_cv), True, 2)]
    assert found_ids(store, "directrice") == [view["id"]]
    assert found_ids(store, "unijambiste") == []  # only the current CV is searched
    assert record(store, view["id"]).last_bundle == 2
    assert_index_agrees(store)


def test_same_bundle_content_again_changes_nothing(store: Store, drop: Dropper) -> None:
    store.ingest(drop([HELENE], "b1.zip", bundle_id="B1"))
    outcome = store.ingest(drop([HELENE], "b2.zip", bundle_id="B2"))

    assert (outcome.status, outcome.created, outcome.updated) == ("ingested", 0, 0)
    [view] = store.candidates()
    assert len(store.candidate(view["id"])["documents"]) == 1


def test_match_by_email_ignores_case(store: Store, drop: Dropper) -> None:
    store.ingest(drop([HELENE], "b1.zip", vendor="talentia"))
    same = person("X-77", "Dupre Lefevre", "Helene", email="HELENE.DUPRE@example.com",
                  position="Contrôleuse de gestion")

    outcome = store.ingest(drop([same], "b2.zip", vendor="jobboard", bundle_id="JB-1"))

    assert (outcome.created, outcome.updated) == (0, 1)
    [view] = store.candidates()
    assert view["position"] == "Contrôleuse de gestion"
    assert view["external_id"] == "TAL-000184"
    refs = store.candidate(view["id"])["external_refs"]
    assert sorted((r["vendor"], r["external_id"]) for r in refs) == [
        ("jobboard", "X-77"), ("talentia", "TAL-000184")]
    assert_index_agrees(store)


def test_other_email_and_id_is_another_person(store: Store, drop: Dropper) -> None:
    store.ingest(drop([PAUL], "b1.zip"))
    other = person("TAL-1", "Martin", "Paul", email="paul.martin@example.com")
    outcome = store.ingest(drop([other], "b2.zip", bundle_id="B2"))
    assert outcome.created == 1
    assert candidate_count(store) == 2


def test_correction_of_a_failed_bundle_is_accepted(store: Store, drop: Dropper) -> None:
    failed = store.ingest(drop([HELENE, PAUL], "b1.zip", bundle_id="B1", candidate_count=3))
    assert failed.status == "failed"

    corrected = store.ingest(drop([HELENE, PAUL], "b1-fixed.zip", bundle_id="B1"))

    assert (corrected.status, corrected.created) == ("ingested", 2)
    assert [b["status"] for b in store.bundles()] == ["failed", "ingested"]
    assert candidate_count(store) == 2


def test_correction_of_a_partial_bundle_updates_rather_than_duplicates(
        store: Store, drop: Dropper) -> None:
    broken = person("TAL-000999", "Durand", "Luc", email="luc@@example.com")
    partial = store.ingest(drop([HELENE, broken], "b1.zip", bundle_id="B1"))
    assert (partial.status, partial.created, partial.rejected) == ("partial", 1, 1)

    fixed = {**broken, "email": "luc@example.com"}
    corrected = store.ingest(drop([HELENE, fixed], "b1-fixed.zip", bundle_id="B1"))

    assert (corrected.status, corrected.created, corrected.updated) == ("ingested", 1, 0)
    assert sorted(v["external_id"] for v in store.candidates()) == ["TAL-000184", "TAL-000999"]


def test_resending_an_ingested_bundle_id_with_other_bytes_fails(
        store: Store, drop: Dropper) -> None:
    store.ingest(drop([HELENE], "b1.zip", bundle_id="B1"))
    before = store.candidates()

    resent = store.ingest(drop([{**HELENE, "city": "Nice"}, PAUL], "b1-again.zip",
                               bundle_id="B1"))

    assert (resent.status, resent.created, resent.updated) == ("failed", 0, 0)
    messages = store.bundle(resent.bundle)["messages"]
    assert [(m["code"], m["severity"]) for m in messages] == [("INGEST-BUNDLE-REUSED", "error")]
    assert "B1" in messages[0]["message"]
    assert store.candidates() == before
    assert_index_agrees(store)


def test_a_crash_mid_bundle_leaves_nothing_half_written_and_resumes(
        store: Store, drop: Dropper, monkeypatch: pytest.MonkeyPatch) -> None:
    path = drop([HELENE, PAUL, LEA], "b1.zip")

    def crash(*args: object) -> None:
        # After the candidates, their documents, identifiers and audit rows were written.
        raise RuntimeError("power cut")

    monkeypatch.setattr(BulkCreator, "_flag_possible_duplicates", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        store.ingest(path)

    assert candidate_count(store) == 0
    for table in ("document", "candidate_document", "external_ref", "audit_event", "finding"):
        assert count(store, table) == 0, table
    [bundle] = store.bundles()
    assert bundle["status"] == "received"
    with Session(store.engine) as session:
        blob = session.get(BundleBlob, bundle["sha256"])
        assert blob is not None
        kept = io.BytesIO()
        copy_bundle_bytes(session, bundle["sha256"], kept)
        assert kept.getvalue() == path.read_bytes()
    assert_index_agrees(store)

    monkeypatch.undo()
    resumed = store.ingest(path)

    assert (resumed.bundle, resumed.status, resumed.created) == (bundle["id"], "ingested", 3)
    assert [b["status"] for b in store.bundles()] == ["ingested"]
    assert candidate_count(store) == 3
    assert_index_agrees(store)


def test_documents_are_kept_byte_for_byte(store: Store, drop: Dropper) -> None:
    letter = b"%PDF-1.4\n% lettre\n"
    path = drop([{**PAUL, "attachment": "docs/lettre.pdf"}], "b1.zip",
                extra={"docs/lettre.pdf": letter})
    store.ingest(path)
    [view] = store.candidates()

    filename, content, digest = store.export_cv(view["id"])

    original = member_bytes(path.read_bytes(), "cvs/TAL-000185.docx")
    assert (filename, content, digest) == ("cvs/TAL-000185.docx", original, sha256(original))
    documents = store.candidate(view["id"])["documents"]
    assert [(d["role"], d["sha256"]) for d in documents] == [
        ("cv", sha256(original)), ("attachment", sha256(letter))]
    with Session(store.engine) as session:
        links = session.exec(select(CandidateDocument)).all()
        assert {link.role for link in links} == {"cv", "attachment"}
        assert session.exec(select(ExternalRef)).one().external_id == "TAL-000185"


def test_retention_date_is_set_on_ingest(store: Store, drop: Dropper) -> None:
    store.ingest(drop([{**PAUL, "consent_until": "2031-01-31"}, LEA], "b1.zip"))
    paul, lea = store.candidates()
    assert paul["retention_until"] == "2031-01-31"
    activity = record(store, lea["id"]).last_activity_at.date()
    expected = date(activity.year + 2, activity.month,
                    28 if (activity.month, activity.day) == (2, 29) else activity.day)
    assert lea["retention_until"] == expected.isoformat()
