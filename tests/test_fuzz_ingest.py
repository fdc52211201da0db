"""Property 2, under mutation of the valid samples: ``Store.ingest`` always ends in a known
status (ingested, partial, failed, duplicate) and the store stays consistent.

One SQLite store per test function, kept for all its cases: later cases land on a store that
earlier ones filled (updates, corrections, refused reuses, duplicates).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given

from cvbridge.store import Store
from tests.fuzz import fuzz_settings
from tests.fuzz.mutations import (
    Case,
    any_mutation,
    docx_mutated,
    member_mutated,
    text_mutated,
)
from tests.fuzz.properties import check_ingest, save_reproducer


class Stores:
    """A store per test function, in one folder for the module."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.opened: dict[str, Store] = {}
        self.files = itertools.count()

    def store(self, request: pytest.FixtureRequest) -> Store:
        name = request.node.name
        if name not in self.opened:
            self.opened[name] = Store(f"sqlite:///{self.folder / name}.db")
        return self.opened[name]

    def bundle(self, case: Case) -> Path:
        # A new name per case: the file name is part of the bundle record.
        path = self.folder / f"bundle-{next(self.files)}.zip"
        path.write_bytes(case.data)
        return path


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    opened = Stores(tmp_path_factory.mktemp("fuzz-ingest"))
    yield opened
    for store in opened.opened.values():
        store.close()


def _check(stores: Stores, request: pytest.FixtureRequest, case: Case, test: str) -> None:
    store = stores.store(request)
    path = stores.bundle(case)
    try:
        check_ingest(store, path)
    except BaseException as exc:
        save_reproducer(case, exc, kind=f"pytest-ingest-{test}")
        raise
    finally:
        path.unlink()


@fuzz_settings(400)
@given(case=text_mutated(fresh=True))
def test_ingest_text_mutations(stores: Stores, request: pytest.FixtureRequest,
                               case: Case) -> None:
    _check(stores, request, case, "text")


@fuzz_settings(300)
@given(case=member_mutated(fresh=True))
def test_ingest_member_mutations(stores: Stores, request: pytest.FixtureRequest,
                                 case: Case) -> None:
    _check(stores, request, case, "members")


@fuzz_settings(300)
@given(case=docx_mutated(fresh=True))
def test_ingest_docx_mutations(stores: Stores, request: pytest.FixtureRequest,
                               case: Case) -> None:
    _check(stores, request, case, "docx")


@fuzz_settings(300)
@given(case=any_mutation(fresh=False))
def test_ingest_stacked_mutations(stores: Stores, request: pytest.FixtureRequest,
                                  case: Case) -> None:
    """Without a fresh bundle_id: reuses, corrections and duplicates of the seeds."""
    _check(stores, request, case, "any")
