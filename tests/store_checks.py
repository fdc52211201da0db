"""What the store holds and what the command line prints, for the store tests."""

from __future__ import annotations

import io
import re
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from cvbridge._errors import CvbridgeError
from cvbridge.cli import app, main
from cvbridge.cli._exits import exit_code_for
from cvbridge.store import Store
from cvbridge.store._candidates import search_body
from cvbridge.store._engine import _alembic_config, create_store_engine, migration_connection
from cvbridge.store._search import index_text, indexed_ids
from cvbridge.store._tables import CandidateRecord


def downgrade_store(url: str, revision: str) -> None:
    """Take a store back to ``revision``: as a previous version of cvbridge left it."""
    from alembic import command

    engine = create_store_engine(url)
    config = _alembic_config()
    try:
        with migration_connection(engine) as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def count(store: Store, table: str) -> int:
    with Session(store.engine) as session:
        return int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def record(store: Store, candidate_id: int) -> CandidateRecord:
    with Session(store.engine) as session:
        found = session.get(CandidateRecord, candidate_id)
        assert found is not None, f"no candidate #{candidate_id}"
        return found


def live_ids(store: Store) -> set[int]:
    with Session(store.engine) as session:
        return {i for i in session.exec(select(CandidateRecord.id).where(
            col(CandidateRecord.merged_into).is_(None),
            col(CandidateRecord.purged_at).is_(None))).all() if i is not None}


def candidate_count(store: Store) -> int:
    with Session(store.engine) as session:
        return int(session.exec(select(func.count()).select_from(CandidateRecord)).one())


def assert_index_agrees(store: Store) -> None:
    """The search index holds exactly the live candidates, each with its current words."""
    with Session(store.engine) as session:
        indexed, live = indexed_ids(session), live_ids(store)
        assert indexed == live, f"index holds {sorted(indexed)}, live are {sorted(live)}"
        sql = ("SELECT rowid, body FROM candidate_fts" if session.get_bind().dialect.name
               == "sqlite" else "SELECT candidate, body FROM candidate_search")
        bodies = {int(row[0]): row[1] for row in session.execute(text(sql))}
        for candidate_id, body in bodies.items():
            found = session.get(CandidateRecord, candidate_id)
            assert found is not None
            expected = index_text(search_body(session, found))
            assert body == expected, f"index stale for #{candidate_id}: {body!r} != {expected!r}"


def found_ids(store: Store, query: str) -> list[int]:
    return [view["id"] for view in store.search(query)]


# -- the command line ---------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


def cli(url: str, *args: str) -> Run:
    """``cvbridge --db URL ARGS`` through CliRunner. Errors of the cvbridge tree become what
    ``cvbridge.cli.main`` prints for them (one line on stderr and its exit code)."""
    result = CliRunner().invoke(app, ["--db", url, *args])
    error = result.exception
    if isinstance(error, CvbridgeError):
        return Run(exit_code_for(error), result.stdout, f"cvbridge: error: {error}\n")
    if error is not None and not isinstance(error, SystemExit):
        raise error
    return Run(result.exit_code, result.stdout, result.stderr)


def run_main(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> Run:
    """The console script itself: ``main()`` with ``sys.argv`` set."""
    monkeypatch.setattr(sys, "argv", ["cvbridge", "--db", url, *args])
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Run(code, out.getvalue(), err.getvalue())


TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")


def cells(line: str) -> list[str]:
    """The cells of one row of a plain table (columns are separated by 2+ spaces)."""
    return re.split(r"\s{2,}", line.strip())
