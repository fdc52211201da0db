"""The recruiters' command line on a store, on SQLite and PostgreSQL: exact text for people,
stable keys for programs."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from cvbridge.store import Store
from cvbridge.store import _readahead as readahead
from cvbridge.store._blobs import copy_bundle_bytes
from cvbridge.store._tables import BundleBlob, BundleRecord
from tests.store_bundles import Dropper, member_bytes, person, sha256
from tests.store_checks import TIMESTAMP, Run, assert_index_agrees, cli, run_main

pytest_plugins = ("tests.store_fixtures",)

HELENE = person("TAL-1", "Dupré-Lefèvre", "Hélène", civility="Mme", email="Helene@Example.COM",
                phone=["06 12 34 56 78", "+33 4 78 42 10 00"], city="Lyon",
                postal_code="69002", position="Ingénieure", skill=["SAP", "IFRS"],
                language="anglais", **{"x-score": "87"})
PAUL = person("TAL-2", "Martin", "Paul")
BROKEN = person("TAL-3", "Faux", "Jean", email="jean@@example.com")


@pytest.fixture
def bundles(drop: Dropper) -> dict[str, Path]:
    return {
        "good": drop([HELENE, PAUL], "b1.zip", bundle_id="B1"),
        "bad": drop([HELENE, PAUL], "bad.zip", bundle_id="B2", candidate_count=3),
        "partial": drop([BROKEN, {**PAUL, "city": "Nice"}], "part.zip", bundle_id="B3"),
    }


def _ingest_all(url: str, bundles: dict[str, Path]) -> Run:
    good = str(bundles["good"])
    return cli(url, "ingest", good, good, str(bundles["bad"]), str(bundles["partial"]))


def test_ingest_prints_what_each_bundle_did(store_url: str, bundles: dict[str, Path]) -> None:
    run = _ingest_all(store_url, bundles)

    assert run.exit_code == 1  # a failed and a partial bundle
    assert run.stdout == (
        "bundle    file      status     created    updated    rejected\n"
        "--------  --------  ---------  ---------  ---------  ----------\n"
        "1         b1.zip    ingested   2          0          0\n"
        "2         b1.zip    duplicate  0          0          0\n"
        "3         bad.zip   failed     0          0          2\n"
        "4         part.zip  partial    0          1          1\n")
    assert run.stderr == ""


def test_ingest_reads_ahead_or_not_with_the_same_result(
        store_url: str, bundles: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readahead, "MIN_BATCH_BYTES", 0)  # these bundles are small
    run = cli(store_url, "ingest", "--format", "json", str(bundles["good"]),
              str(bundles["partial"]))
    again = cli(store_url, "ingest", "--no-read-ahead", "--format", "json",
                str(bundles["good"]), str(bundles["partial"]))

    assert [(row["status"], row["created"], row["updated"]) for row in json.loads(
        run.stdout)] == [("ingested", 2, 0), ("partial", 0, 1)]
    assert [(row["status"], row["duplicate_of"]) for row in json.loads(again.stdout)] == [
        ("duplicate", 1), ("duplicate", 2)]


def test_ingest_exits_0_when_everything_went_in(store_url: str,
                                                bundles: dict[str, Path]) -> None:
    first = cli(store_url, "ingest", str(bundles["good"]))
    assert (first.exit_code, first.lines[2]) == (0, "1         b1.zip  ingested  2          0"
                                                    "          0")
    again = cli(store_url, "ingest", "--format", "json", str(bundles["good"]))
    assert again.exit_code == 0
    assert json.loads(again.stdout) == [{
        "bundle": 2, "file": "b1.zip", "status": "duplicate", "created": 0, "updated": 0,
        "rejected": 0, "duplicate_of": 1, "errors": 0}]


def test_bundles_list(store_url: str, bundles: dict[str, Path]) -> None:
    _ingest_all(store_url, bundles)

    run = cli(store_url, "bundles", "list")

    assert run.exit_code == 0
    header, rule, *rows = run.lines
    assert header == ("id    filename    vendor    bundle_id    status     created    updated    "
                      "rejected    received_at")
    assert rule == ("----  ----------  --------  -----------  ---------  ---------  ---------  "
                    "----------  --------------------------------")
    at = header.index("received_at")
    assert [row[:at] for row in rows] == [
        "1     b1.zip      acme      B1           ingested   2          0          0           ",
        "2     b1.zip      acme      B1           duplicate  0          0          0           ",
        "3     bad.zip     acme      B2           failed     0          0          2           ",
        "4     part.zip    acme      B3           partial    0          1          1           ",
    ]
    assert all(TIMESTAMP.fullmatch(row[at:]) for row in rows), rows

    failed = cli(store_url, "bundles", "list", "--status", "failed")
    assert [line[:failed.lines[0].index("received_at")] for line in failed.lines[2:]] == [
        "3     bad.zip     acme      B2           failed    0          0          2           "]
    assert cli(store_url, "bundles", "list", "--status", "reverted").stdout == "no bundles\n"


def test_bundles_list_json(store_url: str, bundles: dict[str, Path]) -> None:
    _ingest_all(store_url, bundles)

    rows = json.loads(cli(store_url, "bundles", "list", "--format", "json").stdout)

    assert len(rows) == 4
    for row in rows:
        assert {"id", "vendor", "bundle_id", "sha256", "status", "created", "updated",
                "rejected", "received_at"} <= set(row)
        assert TIMESTAMP.fullmatch(row["received_at"])
    assert [(r["id"], r["bundle_id"], r["status"], r["created"], r["updated"], r["rejected"])
            for r in rows] == [(1, "B1", "ingested", 2, 0, 0), (2, "B1", "duplicate", 0, 0, 0),
                               (3, "B2", "failed", 0, 0, 2), (4, "B3", "partial", 0, 1, 1)]
    assert rows[0]["sha256"] == sha256(bundles["good"].read_bytes())


def test_candidates_list(store_url: str, bundles: dict[str, Path]) -> None:
    assert cli(store_url, "candidates", "list").stdout == "no candidates\n"
    _ingest_all(store_url, bundles)

    run = cli(store_url, "candidates", "list")

    assert run.exit_code == 0
    assert run.stdout == (
        "id    last_name      first_name    email               phones"
        "                      city    position    cv\n"
        "----  -------------  ------------  ------------------  --------------------------"
        "  ------  ----------  --------------\n"
        "1     Dupré-Lefèvre  Hélène        Helene@example.com  +33612345678, +33478421000"
        "  Lyon    Ingénieure  cvs/TAL-1.docx\n"
        "2     Martin         Paul                                                        "
        "  Nice                cvs/TAL-2.docx\n")


def test_candidates_list_json(store_url: str, bundles: dict[str, Path]) -> None:
    _ingest_all(store_url, bundles)

    views = json.loads(cli(store_url, "candidates", "list", "--format", "json").stdout)

    assert len(views) == 2
    for view in views:
        assert {"id", "vendor", "external_id", "civility", "last_name", "first_name", "email",
                "phones", "city", "postal_code", "country", "position", "skills", "languages",
                "custom", "cv"} <= set(view)
        assert set(view["cv"]) >= {"filename", "sha256", "size"}
        assert isinstance(view["custom"], dict)
    helene = views[0]
    cv = member_bytes(bundles["good"].read_bytes(), "cvs/TAL-1.docx")
    assert {key: helene[key] for key in (
        "id", "vendor", "external_id", "civility", "last_name", "first_name", "email", "phones",
        "city", "postal_code", "country", "position", "skills", "languages", "custom", "cv")
    } == {
        "id": 1, "vendor": "acme", "external_id": "TAL-1", "civility": "Mme",
        "last_name": "Dupré-Lefèvre", "first_name": "Hélène", "email": "Helene@example.com",
        "phones": ["+33612345678", "+33478421000"], "city": "Lyon", "postal_code": "69002",
        "country": "FR", "position": "Ingénieure", "skills": ["SAP", "IFRS"],
        "languages": ["anglais"], "custom": {"x-score": "87"},
        "cv": {"filename": "cvs/TAL-1.docx", "sha256": sha256(cv), "size": len(cv)},
    }
    assert (views[1]["email"], views[1]["phones"], views[1]["custom"]) == (None, [], {})


def test_bundles_show_speaks_like_the_validator(store_url: str, bundles: dict[str, Path],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    _ingest_all(store_url, bundles)
    monkeypatch.chdir(bundles["bad"].parent)

    for bundle_id, name in ((3, "bad.zip"), (4, "part.zip")):
        shown = cli(store_url, "bundles", "show", str(bundle_id))
        validated = cli(store_url, "validate", name)

        assert shown.exit_code == 0
        findings = [line for line in shown.lines if line.startswith(("error[", "warning[",
                                                                     "  hint: "))]
        assert findings == validated.lines[:-1]  # all but the validator's summary line
        assert findings
    shown = cli(store_url, "bundles", "show", "3")
    assert shown.lines[:3] == ["id:           3", "filename:     bad.zip", "vendor:       acme"]
    assert "status:       failed" in shown.lines
    assert shown.lines[-2:] == [
        "error[MANIFEST-COUNT] bad.zip!manifest.txt:5: candidate_count says 3 but the bundle "
        "holds 2 candidate files",
        "  hint: Set candidate_count to the number of candidate .txt files, or add the "
        "missing ones."]
    detail = json.loads(cli(store_url, "bundles", "show", "4", "--format", "json").stdout)
    assert [(m["code"], m["member"], m["line"], m["candidate"]) for m in detail["messages"]] == [
        ("VALUE-INVALID", "candidats/000-TAL-3.txt", 5, "candidats/000-TAL-3.txt")]


def test_unknown_ids_are_one_clear_line(store_url: str) -> None:
    for args, message in ((("bundles", "show", "9"), "no bundle #9"),
                          (("candidates", "show", "9"), "no candidate #9"),
                          (("candidates", "export-cv", "9", "--out", "x"), "no candidate #9"),
                          (("bundles", "revert", "9"), "no bundle #9")):
        run = cli(store_url, *args)
        assert (run.exit_code, run.stderr) == (2, f"cvbridge: error: {message}\n"), args


def test_export_cv_writes_the_original_bytes(store_url: str, bundles: dict[str, Path],
                                             tmp_path: Path) -> None:
    cli(store_url, "ingest", str(bundles["good"]))
    original = member_bytes(bundles["good"].read_bytes(), "cvs/TAL-1.docx")
    folder = tmp_path / "out"
    folder.mkdir()

    into_folder = cli(store_url, "candidates", "export-cv", "1", "--out", str(folder))
    as_file = cli(store_url, "candidates", "export-cv", "1", "-o", str(tmp_path / "cv.docx"))

    assert into_folder.stdout == (f"{folder / 'TAL-1.docx'} ({len(original)} bytes, sha256 "
                                  f"{sha256(original)})\n")
    assert sha256((folder / "TAL-1.docx").read_bytes()) == sha256(original)
    assert as_file.exit_code == 0
    assert (tmp_path / "cv.docx").read_bytes() == original


def test_search_show_and_merge(store_url: str, bundles: dict[str, Path]) -> None:
    cli(store_url, "ingest", str(bundles["good"]))

    found = cli(store_url, "candidates", "search", "lefevre ingenieure")
    assert found.stdout == (
        "#1 Hélène Dupré-Lefèvre (Ingénieure, Lyon)  cv: cvs/TAL-1.docx\n"
        "    Hélène Dupré-Lefèvre Helene@example.com Lyon Ingénieure 69002 SAP IFRS anglais\n")
    assert cli(store_url, "candidates", "search", "boulanger").stdout == "no match\n"
    shown = cli(store_url, "candidates", "show", "1")
    assert "phones:           +33612345678, +33478421000" in shown.lines
    assert "custom:           x-score=87" in shown.lines
    assert "external ref:     acme/TAL-1" in shown.lines
    [cv_line] = [line for line in shown.lines if line.startswith("cv:")]
    assert cv_line.startswith("cv:               cvs/TAL-1.docx (current, ")
    assert cli(store_url, "candidates", "duplicates").stdout == "no possible duplicates\n"

    merged = cli(store_url, "candidates", "merge", "1", "2")

    assert (merged.exit_code, merged.stdout) == (0, "candidate #2 merged into #1\n")
    assert [line.split()[0] for line in cli(store_url, "candidates", "list").lines[2:]] == ["1"]
    refused = cli(store_url, "candidates", "merge", "1", "2")
    assert refused.exit_code != 0
    assert "already merged" in refused.stderr


def test_revert_through_the_command_line(store_url: str, bundles: dict[str, Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _ingest_all(store_url, bundles)

    refused = run_main(monkeypatch, store_url, "bundles", "revert", "1")

    assert refused.exit_code != 0
    assert refused.stdout == ""
    assert refused.stderr == ("cvbridge: error: bundle #1 cannot be reverted: candidate #2 "
                              "(Paul Martin) was changed since by bundle #4 (undo that first: "
                              "cvbridge bundles revert 4)\n")

    assert cli(store_url, "bundles", "revert", "4").stdout == (
        "bundle #4 reverted: 0 candidate(s) removed, 1 restored\n")
    done = cli(store_url, "bundles", "revert", "1", "--format", "json")
    assert json.loads(done.stdout) == {
        "bundle": 1, "removed": 2, "restored": 0, "dry_run": False, "candidates": [
            {"id": 1, "name": "#1 (Hélène Dupré-Lefèvre)", "action": "remove", "changes": {}},
            {"id": 2, "name": "#2 (Paul Martin)", "action": "remove", "changes": {}}]}
    assert cli(store_url, "candidates", "list").stdout == "no candidates\n"
    with Store(store_url) as store:
        assert_index_agrees(store)


def test_reprocess_needs_something_to_do(store_url: str) -> None:
    run = cli(store_url, "bundles", "reprocess")
    assert run.exit_code == 2
    assert "give bundle ids or --all-failed" in run.stderr
    nothing = cli(store_url, "bundles", "reprocess", "--all-failed")
    assert (nothing.exit_code, nothing.stdout) == (0, "(none)\n")


def test_purge_expired(store_url: str, drop: Dropper) -> None:
    expired = person("P-1", "Leroy", "Chloé", consent_until="2020-01-01", city="Rouen")
    cli(store_url, "ingest", str(drop([expired, PAUL], "b1.zip")))

    assert cli(store_url, "purge").exit_code == 2  # say what to purge
    dry = cli(store_url, "purge", "--expired", "--dry-run")
    assert (dry.exit_code, dry.stdout) == (0, "would purge 1 candidate(s): #1\n")
    assert cli(store_url, "candidates", "search", "rouen").lines[0].startswith("#1 ")

    done = cli(store_url, "purge", "--expired", "--format", "json")

    assert json.loads(done.stdout) == {"dry_run": False, "candidates": [1],
                                       "documents_deleted": 1, "bundles_discarded": [],
                                       "documents_held": 0}
    assert cli(store_url, "candidates", "search", "rouen").stdout == "no match\n"
    assert cli(store_url, "candidates", "search", "chloe").stdout == "no match\n"
    assert [line.split()[0] for line in cli(store_url, "candidates", "list").lines[2:]] == ["2"]
    trace = json.loads(cli(store_url, "candidates", "show", "1", "-f", "json").stdout)
    assert (trace["purged"], trace["last_name"], trace["city"], trace["documents"]) == (
        True, None, None, [])
    assert cli(store_url, "purge", "--expired").stdout == "purged 0 candidate(s): none\n"


def test_purge_discards_the_kept_bytes_of_bundles_older_than_retention(
        store_url: str, drop: Dropper) -> None:
    cli(store_url, "ingest", str(drop([PAUL], "old.zip")))
    cli(store_url, "ingest", str(drop([person("P-9", "Roux", "Léa")], "new.zip")))
    with Store(store_url) as store, Session(store.engine) as session:
        old = session.get(BundleRecord, 1)
        assert old is not None
        old.received_at = datetime.now(UTC) - timedelta(days=3 * 365)
        old.status = "failed"  # so that only the discarded bytes stand in reprocess's way
        session.add(old)
        session.commit()

    dry = cli(store_url, "purge", "--expired", "--dry-run")
    assert dry.stdout == ("would purge 0 candidate(s): none\n"
                          "would discard the kept bytes and findings of 1 old bundle(s): #1\n")
    done = cli(store_url, "purge", "--expired", "--format", "json")
    assert json.loads(done.stdout)["bundles_discarded"] == [1]

    with Store(store_url) as store, Session(store.engine) as session:
        blobs = {blob.sha256: blob for blob in session.exec(select(BundleBlob)).all()}
        old, new = session.get(BundleRecord, 1), session.get(BundleRecord, 2)
        assert old is not None and new is not None
        assert blobs[old.sha256].discarded_at is not None
        old_bytes, new_bytes = io.BytesIO(), io.BytesIO()
        copy_bundle_bytes(session, old.sha256, old_bytes)
        assert copy_bundle_bytes(session, new.sha256, new_bytes) == new.sha256
        assert (len(old_bytes.getvalue()), len(new_bytes.getvalue())) == (0, new.size)
    refused = cli(store_url, "bundles", "reprocess", "1")
    assert (refused.exit_code, refused.stderr) == (
        2, "cvbridge: error: the bytes of bundle #1 were discarded\n")
