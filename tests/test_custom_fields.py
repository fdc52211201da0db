"""Typed custom values in the store (spec §13), on SQLite and PostgreSQL: ingest with a site
profile, ``candidates show`` typed under "custom", ``--where`` filters on an index,
``profile apply`` re-typing values ingested before, and the config's ``profile``."""

from __future__ import annotations

import json
import os
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from cvbridge.bundle import load_profile
from cvbridge.store import Condition, Store
from cvbridge.store._custom import condition_clause
from cvbridge.store._engine import (
    create_store_engine,
    current_revision,
    head_revision,
)
from cvbridge.store._readahead import BundleReads
from cvbridge.store._tables import CandidateRecord
from tests.poll_support import run_cvbridge
from tests.store_bundles import Dropper, person
from tests.store_checks import cli, count, downgrade_store

pytest_plugins = ("tests.store_fixtures",)

PROFILE = """\
[profile]
name = "acme"

[fields.x-salaire]
type = "integer"
min = 0

[fields.x-tjm]
type = "decimal"

[fields.x-disponibilite]
type = "date"

[fields.x-mobilite]
type = "enum"
values = ["IDF", "PACA", "ARA", "Télétravail"]
repeatable = true

[fields.x-permis]
type = "boolean"
required = true
"""

PEOPLE = [
    person("A-1", "Dupont", "Marie", **{
        "x-salaire": "45 000", "x-disponibilite": "15/01/2027", "x-mobilite": ["IDF", "PACA"],
        "x-permis": "oui", "x-tjm": "450,5", "x-note": "Très motivée"}),
    person("A-2", "Martin", "Paul", **{
        "x-salaire": "38000", "x-disponibilite": "2026-12-01", "x-mobilite": ["ARA"],
        "x-permis": "non"}),
    person("A-3", "Lefèvre", "Éléonore", **{
        "x-salaire": "52000", "x-disponibilite": "2027-03-01",
        "x-mobilite": ["Télétravail", "PACA"], "x-permis": "oui"}),
]


@pytest.fixture
def profile_path(tmp_path: Path) -> Path:
    path = tmp_path / "acme.toml"
    path.write_text(PROFILE, encoding="utf-8")
    return path


@pytest.fixture
def loaded(store_url: str, drop: Dropper, profile_path: Path) -> str:
    """The three people ingested with the profile, by ``cvbridge ingest --profile``."""
    run = cli(store_url, "ingest", "--profile", str(profile_path), str(drop(PEOPLE, "b.zip")))
    assert run.exit_code == 0, run.stdout + run.stderr
    return store_url


def listed(url: str, *where: str) -> list[str]:
    args = [arg for condition in where for arg in ("--where", condition)]
    run = cli(url, "candidates", "list", "--format", "json", *args)
    assert run.exit_code == 0, run.stdout + run.stderr
    return [view["last_name"] for view in json.loads(run.stdout)]


def test_show_gives_the_custom_values_typed(loaded: str) -> None:
    run = cli(loaded, "candidates", "show", "1", "--format", "json")
    assert json.loads(run.stdout)["custom"] == {
        "x-disponibilite": "2027-01-15", "x-mobilite": ["IDF", "PACA"], "x-note": "Très motivée",
        "x-permis": True, "x-salaire": 45000, "x-tjm": 450.5}
    paul = json.loads(cli(loaded, "candidates", "show", "2", "--format", "json").stdout)
    assert paul["custom"]["x-mobilite"] == ["ARA"], "a repeatable field is always a list"
    assert paul["custom"]["x-permis"] is False


def test_show_text_output_has_the_custom_values(loaded: str) -> None:
    lines = cli(loaded, "candidates", "show", "1").lines
    assert "custom:           x-disponibilite=2027-01-15; x-mobilite=IDF, PACA; " \
           "x-note=Très motivée; x-permis=yes; x-salaire=45000; x-tjm=450.5" in lines


@pytest.mark.parametrize(("where", "names"), [
    (["x-salaire>=40000"], ["Dupont", "Lefèvre"]),
    (["x-salaire>40000", "x-mobilite~PACA"], ["Dupont", "Lefèvre"]),
    (["x-salaire<45000"], ["Martin"]),
    (["x-salaire<=45000"], ["Dupont", "Martin"]),
    (["x-salaire=45000"], ["Dupont"]),
    (["x-salaire=45 000"], ["Dupont"]),
    (["x-salaire!=45000"], ["Martin", "Lefèvre"]),
    (["x-mobilite=PACA"], ["Dupont", "Lefèvre"]),
    (["x-mobilite=paca"], ["Dupont", "Lefèvre"]),
    (["x-mobilite!=PACA"], ["Martin"]),
    (["x-mobilite~teletravail"], ["Lefèvre"]),
    (["x-disponibilite<2027-01-01"], ["Martin"]),
    (["x-disponibilite>=01/01/2027", "x-disponibilite<01/03/2027"], ["Dupont"]),
    (["x-permis=oui"], ["Dupont", "Lefèvre"]),
    (["x-permis=false"], ["Martin"]),
    (["x-tjm>450"], ["Dupont"]),
    (["x-note~MOTIVEE"], ["Dupont"]),
    (["x-note=très motivée"], ["Dupont"]),
    (["x-salaire>=40000", "x-permis=non"], []),
    (["x-inconnu=1"], []),
])
def test_where_returns_exactly_the_matching_candidates(loaded: str, where: list[str],
                                                       names: list[str]) -> None:
    assert listed(loaded, *where) == names


def test_where_in_text_output_shows_the_filtered_fields(loaded: str) -> None:
    run = cli(loaded, "candidates", "list", "--where", "x-mobilite~PACA",
              "--where", "x-salaire>=50000")
    assert run.exit_code == 0
    header, _, row = run.lines
    assert header.split() == ["id", "last_name", "first_name", "email", "phones", "city",
                              "position", "cv", "x-mobilite", "x-salaire"]
    assert row.split() == ["3", "Lefèvre", "Éléonore", "cvs/A-3.docx", "Télétravail,", "PACA",
                           "52000"]


@pytest.mark.parametrize(("where", "message"), [
    ("salaire>=1", "cannot read the filter 'salaire>=1': write x-FIELD OP VALUE with OP one "
     "of <= >= != = < > ~, e.g. x-salaire>=40000"),
    ("x-salaire>=", "the filter 'x-salaire>=' has no value after >="),
    ("x-salaire>=40k", "x-salaire>=40k: x-salaire is a integer field, and '40k' is not an "
     "integer such as 45000"),
    ("x-mobilite<PACA", "x-mobilite<PACA: < compares integer, decimal and date fields; "
     "x-mobilite is a enum field"),
    ("x-note>a", "x-note>a: > compares integer, decimal and date fields; x-note is not typed "
     "(apply a site profile that declares it: cvbridge profile apply)"),
])
def test_a_bad_filter_is_a_usage_error(loaded: str, where: str, message: str) -> None:
    run = cli(loaded, "candidates", "list", "--where", where)
    assert run.exit_code == 2
    assert message in " ".join(run.stderr.split())


def _plan(store: Store, condition: str) -> str:
    where = condition_clause_sql(store, condition)
    with Session(store.engine) as session:
        if store.engine.dialect.name == "sqlite":
            rows = session.execute(text(f"EXPLAIN QUERY PLAN {where}")).all()
            return "\n".join(str(row[-1]) for row in rows)
        # A handful of rows: PostgreSQL would rightly scan them; the plan shows the index
        # is usable for the lookup, which is what a large store gets.
        session.execute(text("ANALYZE candidate_custom"))
        session.execute(text("SET enable_seqscan = off"))
        return "\n".join(str(row[0]) for row in session.execute(text(f"EXPLAIN {where}")))


def condition_clause_sql(store: Store, condition: str) -> str:
    with Session(store.engine) as session:
        query = select(CandidateRecord.id).where(
            condition_clause(session, Condition.parse(condition), CandidateRecord.id))
        return str(query.compile(store.engine, compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize(("condition", "index"), [
    ("x-salaire=45000", "ix_candidate_custom_integer"),
    ("x-mobilite=PACA", "ix_candidate_custom_key"),
    ("x-disponibilite=2027-01-15", "ix_candidate_custom_date"),
])
def test_equality_on_a_field_uses_its_index(loaded: str, condition: str, index: str) -> None:
    with Store(loaded) as store:
        plan = _plan(store, condition)
        assert index in plan, plan


def test_ingest_without_a_profile_keeps_strings_and_apply_types_them(
        store_url: str, drop: Dropper, profile_path: Path) -> None:
    cli(store_url, "ingest", str(drop(PEOPLE, "b.zip")))
    shown = json.loads(cli(store_url, "candidates", "show", "2", "--format", "json").stdout)
    assert shown["custom"] == {"x-disponibilite": "2026-12-01", "x-mobilite": "ARA",
                               "x-permis": "non", "x-salaire": "38000"}
    assert listed(store_url, "x-mobilite=ARA") == ["Martin"]

    run = cli(store_url, "profile", "apply", str(profile_path))

    assert (run.exit_code, run.stdout) == (0, "profile 'acme' applied: 5 fields; 16 values, "
                                           "15 of them typed; 0 kept as text: they do not "
                                           "read as their field's type\n")
    shown = json.loads(cli(store_url, "candidates", "show", "2", "--format", "json").stdout)
    assert shown["custom"] == {"x-disponibilite": "2026-12-01", "x-mobilite": ["ARA"],
                               "x-permis": False, "x-salaire": 38000}
    assert listed(store_url, "x-salaire>=40000") == ["Dupont", "Lefèvre"]


def test_apply_keeps_a_value_that_is_not_of_its_type_as_text(
        store_url: str, drop: Dropper, profile_path: Path) -> None:
    cli(store_url, "ingest", str(drop([person("B-1", "Roux", "Léa", **{
        "x-salaire": "selon profil", "x-permis": "oui"})], "b.zip")))
    run = cli(store_url, "profile", "apply", "--format", "json", str(profile_path))
    assert json.loads(run.stdout) == {"fields": 5, "values": 2, "typed": 1, "untyped": 1}
    shown = json.loads(cli(store_url, "candidates", "show", "1", "--format", "json").stdout)
    assert shown["custom"] == {"x-permis": True, "x-salaire": "selon profil"}
    assert listed(store_url, "x-salaire>=0") == []


def test_a_candidate_breaking_the_profile_is_rejected_at_ingest(
        store_url: str, drop: Dropper, profile_path: Path) -> None:
    people = [person("C-1", "Roux", "Léa", **{"x-salaire": "45k", "x-permis": "oui"}),
              person("C-2", "Petit", "Jean", **{"x-permis": ["oui", "non"]}),
              person("C-3", "Blanc", "Zoé", **{"x-permis": "non"})]
    run = cli(store_url, "ingest", "--profile", str(profile_path), str(drop(people, "b.zip")))
    assert run.exit_code == 1
    assert listed(store_url) == ["Blanc"]
    shown = json.loads(cli(store_url, "bundles", "show", "1", "--format", "json").stdout)
    assert [(m["code"], m["member"], m["line"]) for m in shown["messages"]] == [
        ("PROFILE-TYPE", "candidats/000-C-1.txt", 5),
        ("PROFILE-REPEATED", "candidats/001-C-2.txt", 6)]


def test_the_config_file_profile_is_used_by_ingest_and_reprocess(
        store_url: str, drop: Dropper, profile_path: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "cvbridge.toml"
    config.write_text(f'[cvbridge]\nprofile = "{profile_path}"\n', encoding="utf-8")
    monkeypatch.setenv("CVBRIDGE_CONFIG", str(config))
    bad = [person("D-1", "Roux", "Léa", **{"x-salaire": "45000"})]  # no x-permis
    run = cli(store_url, "ingest", str(drop(bad, "b.zip")))
    assert run.exit_code == 1
    shown = json.loads(cli(store_url, "bundles", "show", "1", "--format", "json").stdout)
    assert [m["code"] for m in shown["messages"]] == ["PROFILE-REQUIRED"]

    monkeypatch.delenv("CVBRIDGE_CONFIG")
    run = cli(store_url, "bundles", "reprocess", "1")  # without the profile: accepted
    assert run.exit_code == 0, run.stdout + run.stderr
    assert listed(store_url) == ["Roux"]


def test_the_environment_profile_types_values_at_ingest(
        store_url: str, drop: Dropper, profile_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CVBRIDGE_PROFILE", str(profile_path))
    cli(store_url, "ingest", str(drop(PEOPLE[:1], "b.zip")))
    assert listed(store_url, "x-salaire>44999") == ["Dupont"]


def test_revert_removes_the_typed_values(loaded: str) -> None:
    with Store(loaded) as store:
        assert count(store, "candidate_custom") == 16
        store.revert(1)
        assert count(store, "candidate_custom") == 0


def test_purge_removes_the_typed_values(loaded: str) -> None:
    with Store(loaded) as store:
        store.purge(date(2100, 1, 1), dry_run=False)
        assert count(store, "candidate_custom") == 0
    assert listed(loaded, "x-salaire>=0") == []


def test_a_store_with_the_profile_given_as_object_ingests_typed(
        store_url: str, drop: Dropper, profile_path: Path) -> None:
    with Store(store_url, profile=load_profile(profile_path)) as store:
        store.ingest(drop(PEOPLE, "b.zip"))
        assert [v["last_name"] for v in store.candidates(
            where=[Condition.parse("x-tjm>=450.5")])] == ["Dupont"]


def test_an_update_replaces_the_typed_values(loaded: str, drop: Dropper,
                                             profile_path: Path) -> None:
    moved = [person("A-2", "Martin", "Paul", **{"x-salaire": "41000",
                                                "x-mobilite": ["IDF"], "x-permis": "oui"})]
    run = cli(loaded, "ingest", "--profile", str(profile_path),
              str(drop(moved, "b2.zip", bundle_id="ACME-002")))
    assert run.exit_code == 0, run.stdout
    assert listed(loaded, "x-mobilite=IDF") == ["Dupont", "Martin"]
    assert listed(loaded, "x-salaire>=40000") == ["Dupont", "Martin", "Lefèvre"]
    cli(loaded, "bundles", "revert", "2")
    assert listed(loaded, "x-mobilite=IDF") == ["Dupont"]


def test_migration_0007_keeps_earlier_values_as_text(store_url: str, drop: Dropper,
                                                     profile_path: Path) -> None:
    """A store at 0004 holding candidates with custom values (made here by ingesting, then
    going back to 0004) is upgraded: their values become text rows, filterable at once."""
    cli(store_url, "ingest", str(drop(PEOPLE, "b.zip")))
    downgrade_store(store_url, "0004")
    engine = create_store_engine(store_url)
    try:
        with engine.connect() as connection:
            assert "candidate_custom" not in inspect(connection).get_table_names()
        Store.upgrade(store_url)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    shown = json.loads(cli(store_url, "candidates", "show", "1", "--format", "json").stdout)
    assert shown["custom"] == {"x-disponibilite": "15/01/2027", "x-mobilite": ["IDF", "PACA"],
                               "x-note": "Très motivée", "x-permis": "oui",
                               "x-salaire": "45 000", "x-tjm": "450,5"}
    assert listed(store_url, "x-mobilite=paca") == ["Dupont", "Lefèvre"]
    cli(store_url, "profile", "apply", str(profile_path))
    assert listed(store_url, "x-disponibilite>=2027-01-01") == ["Dupont", "Lefèvre"]


def test_the_poller_checks_against_the_site_profile(tmp_path: Path, drop: Dropper,
                                                    profile_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop([person("E-1", "Roux", "Léa", **{"x-salaire": "45000"})], "b.zip").rename(
        inbox / "b.zip")
    env = {key: value for key, value in os.environ.items() if not key.startswith("CVBRIDGE_")}
    env.update(CVBRIDGE_INBOX=str(inbox), CVBRIDGE_SETTLE_SECONDS="0.1",
               CVBRIDGE_DB_URL=f"sqlite:///{tmp_path / 'crm.db'}",
               CVBRIDGE_WORK_DIR=str(tmp_path / "work"), CVBRIDGE_PROFILE=str(profile_path))
    run = run_cvbridge(env, "poll", "--once", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    errors = (tmp_path / "failed" / "b.zip.errors.txt").read_text(encoding="utf-8")
    assert "error[PROFILE-REQUIRED] b.zip!candidats/000-E-1.txt: required custom field " \
           "'x-permis' is missing" in errors


def test_bundles_read_ahead_are_checked_against_the_profile(drop: Dropper,
                                                             profile_path: Path) -> None:
    """The reader process gets the profile too: every read, by either side, has its
    findings (None: not read ahead, the caller reads it at its turn)."""
    paths = [drop([person(f"R-{i}", "Nom", "Prénom", **{"x-salaire": "45k"})], f"r{i}.zip",
                  bundle_id=f"R{i}") for i in range(8)]
    found = []
    with BundleReads(paths, None, 0, load_profile(profile_path)) as reads:
        for read in reads:
            time.sleep(0.3)  # the writing, while the reader starts and reads ahead
            if read is not None:
                found.append(sorted({f.code for f in read.report.findings}))
    assert found, "nothing was read ahead"
    assert found == [["PROFILE-REQUIRED", "PROFILE-TYPE"]] * len(found)
