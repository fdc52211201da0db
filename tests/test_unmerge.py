"""Undoing with care, on SQLite and PostgreSQL: a merge is recorded and can be undone while
nothing changed since; a revert can be tried first (--dry-run); what blocks an undo is
named with the command that clears it."""

from __future__ import annotations

import json

import pytest

from cvbridge._errors import ConflictError
from cvbridge.store import Store
from tests.store_bundles import Dropper, person, simple_cv
from tests.store_checks import assert_index_agrees, cli, count, downgrade_store, found_ids, record

pytest_plugins = ("tests.store_fixtures",)

MARIE = person("A-1", "Dupont", "Marie", email="marie@example.com", city="Lyon")
MARIE_AGAIN = person("J-9", "Dupont", "Marie", phone="0612345678", position="Comptable")
LUC = person("A-2", "Durand", "Luc", city="Nantes")


def _merged(store: Store, drop: Dropper) -> tuple[int, int]:
    """Marie from two vendors (two records, one CV each), then merged: the second into the
    first."""
    store.ingest(drop([MARIE], "b1.zip", bundle_id="B1",
                      cvs={"cvs/A-1.docx": simple_cv("Marie Dupont", "comptable")}))
    store.ingest(drop([MARIE_AGAIN], "j1.zip", vendor="jobboard", bundle_id="J1",
                      cvs={"cvs/J-9.docx": simple_cv("Marie Dupont", "trésorière")}))
    keep, other = (view["id"] for view in store.candidates())
    store.merge(keep, other)
    return keep, other


def test_unmerge_puts_both_records_back_as_they_were(store: Store, drop: Dropper) -> None:
    store.ingest(drop([MARIE], "b1.zip", bundle_id="B1",
                      cvs={"cvs/A-1.docx": simple_cv("Marie Dupont", "comptable")}))
    store.ingest(drop([MARIE_AGAIN], "j1.zip", vendor="jobboard", bundle_id="J1",
                      cvs={"cvs/J-9.docx": simple_cv("Marie Dupont", "trésorière")}))
    keep, other = (view["id"] for view in store.candidates())
    before = {i: store.candidate(i) for i in (keep, other)}
    duplicates_before = store.possible_duplicates()
    store.merge(keep, other)
    assert store.candidate(keep)["position"] == "Comptable"  # brought by the other record
    assert found_ids(store, "tresoriere") == []  # keep's own CV stays the current one

    kept, restored = store.unmerge(other)

    assert (kept["id"], restored["id"]) == (keep, other)
    for candidate_id, detail in before.items():
        now = store.candidate(candidate_id)
        for volatile in ("updated_at", "retention_until"):
            now.pop(volatile), detail.pop(volatile, None)
        assert now == {k: v for k, v in detail.items() if k not in ("updated_at",
                                                                     "retention_until")}
    assert store.possible_duplicates() == duplicates_before
    assert found_ids(store, "tresoriere") == [other]
    assert store.candidate(keep)["position"] is None  # it went back with its owner
    assert_index_agrees(store)
    # and it can be merged again, then undone again
    store.merge(keep, other)
    store.unmerge(other)
    assert [view["id"] for view in store.candidates()] == [keep, other]


def test_unmerge_is_refused_when_a_later_bundle_changed_the_pair(store: Store,
                                                                 drop: Dropper) -> None:
    keep, other = _merged(store, drop)
    store.ingest(drop([{**MARIE, "city": "Paris"}], "b2.zip", bundle_id="B2"))

    with pytest.raises(ConflictError) as refused:
        store.unmerge(other)

    assert str(refused.value) == (
        f"candidate #{other} cannot be unmerged: candidate #{keep} (Marie Dupont) was changed "
        "since by bundle #3 (undo that first: cvbridge bundles revert 3)")
    assert record(store, other).merged_into == keep
    store.revert(3)
    store.unmerge(other)
    assert record(store, other).merged_into is None


def test_a_revert_blocked_by_a_merge_goes_through_once_it_is_unmerged(
        store: Store, drop: Dropper) -> None:
    keep, other = _merged(store, drop)
    with pytest.raises(ConflictError, match=f"cvbridge candidates unmerge {other}"):
        store.revert(2)

    store.unmerge(other)

    assert store.revert(2).removed == 1
    assert [view["id"] for view in store.candidates()] == [keep]
    assert_index_agrees(store)


def test_unmerge_refusals(store: Store, drop: Dropper) -> None:
    keep, other = _merged(store, drop)
    third = store.ingest(drop([LUC], "b3.zip", bundle_id="B3")).bundle
    luc = store.candidates()[-1]["id"]
    store.merge(keep, luc)

    with pytest.raises(ConflictError) as refused:
        store.unmerge(other)
    assert str(refused.value) == (
        f"candidate #{other} cannot be unmerged: candidate #{keep} (Marie Dupont) was merged "
        f"since (#{luc} into #{keep}; undo that first: cvbridge candidates unmerge {luc})")
    with pytest.raises(ConflictError, match=f"candidate #{keep} is not merged into another"):
        store.unmerge(keep)
    assert third is not None
    store.unmerge(luc)
    store.unmerge(other)  # last in, first out


def test_a_merge_from_before_merges_were_recorded_cannot_be_undone(store_url: str,
                                                                   drop: Dropper) -> None:
    """The migration on a store with data: back to 0004, where merges left no record, and
    up again."""
    with Store(store_url) as store:
        keep, other = _merged(store, drop)
    downgrade_store(store_url, "0004")
    Store.upgrade(store_url)
    with Store(store_url) as store:
        assert count(store, "candidate_merge") == 0
        with pytest.raises(ConflictError) as refused:
            store.unmerge(other)
        assert str(refused.value) == (
            f"the merge of candidate #{other} into #{keep} was not recorded (merged before "
            "cvbridge kept merges, or purged since): it cannot be undone")
        assert record(store, other).merged_into == keep


def test_unmerge_and_dry_run_on_the_command_line(store_url: str, drop: Dropper) -> None:
    with Store(store_url) as store:
        keep, other = _merged(store, drop)
    blocked = cli(store_url, "bundles", "revert", "2", "--dry-run")
    assert (blocked.exit_code, blocked.stderr) == (1, (
        f"cvbridge: error: bundle #2 cannot be reverted: candidate #{other} (Marie Dupont) "
        f"was merged since (#{other} into #{keep}; undo that first: cvbridge candidates "
        f"unmerge {other})\n"))

    done = cli(store_url, "candidates", "unmerge", str(other))
    assert (done.exit_code, done.stdout) == (0, f"candidate #{other} unmerged from #{keep}\n")

    dry = cli(store_url, "bundles", "revert", "2", "--dry-run")
    assert (dry.exit_code, dry.stdout) == (0, (
        "bundle #2 would be reverted: 1 candidate(s) removed, 0 restored\n"
        f"  remove candidate #{other} (Marie Dupont) (created by this bundle)\n"))
    assert cli(store_url, "bundles", "show", "2").lines[5] == "status:       ingested"
    with Store(store_url) as store:
        assert len(store.candidates()) == 2  # a dry run changes nothing
    merged_again = cli(store_url, "candidates", "merge", str(keep), str(other))
    assert merged_again.exit_code == 0
    undone = json.loads(cli(store_url, "candidates", "unmerge", str(other), "-f",
                            "json").stdout)
    assert (undone["kept"]["id"], undone["restored"]["id"]) == (keep, other)
    assert undone["restored"]["merged_into"] is None


def test_revert_dry_run_shows_the_fields_it_would_put_back(store_url: str,
                                                           drop: Dropper) -> None:
    cli(store_url, "ingest", str(drop([MARIE, LUC], "b1.zip", bundle_id="B1")))
    cli(store_url, "ingest", str(drop([{**MARIE, "city": "Paris", "skill": ["SAP"]}], "b2.zip",
                                      bundle_id="B2")))

    dry = cli(store_url, "bundles", "revert", "2", "--dry-run")
    as_json = json.loads(cli(store_url, "bundles", "revert", "2", "--dry-run", "-f",
                             "json").stdout)

    assert dry.stdout == ("bundle #2 would be reverted: 0 candidate(s) removed, 1 restored\n"
                          "  restore candidate #1 (Marie Dupont): city: Paris -> Lyon; "
                          "skills: SAP -> (none)\n")
    assert as_json["dry_run"] is True
    assert as_json["candidates"] == [{"id": 1, "name": "#1 (Marie Dupont)", "action": "restore",
                                      "changes": {"city": ["Paris", "Lyon"],
                                                  "skills": [["SAP"], []]}}]
    assert cli(store_url, "candidates", "show", "1", "-f", "json").stdout.count("Paris") == 1
    assert cli(store_url, "bundles", "revert", "2").stdout == (
        "bundle #2 reverted: 0 candidate(s) removed, 1 restored\n")
