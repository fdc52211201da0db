"""Property 1, under mutation of the valid samples: ``validate_bundle`` always returns a sound
report, within 2 s and 100 MB (tracemalloc peak) per case, the same report twice.

See tests/fuzz/ for the strategies and the properties; ``make fuzz`` runs them for longer.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given

from tests.fuzz import fuzz_settings
from tests.fuzz.mutations import (
    Case,
    any_mutation,
    byte_mutated,
    docx_mutated,
    header_mutated,
    member_mutated,
    seeds,
    text_mutated,
)
from tests.fuzz.properties import save_reproducer, validate_case


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One file, rewritten for every case."""
    yield tmp_path_factory.mktemp("fuzz-validate") / "bundle.zip"


def _check(path: Path, case: Case, test: str) -> None:
    path.write_bytes(case.data)
    try:
        validate_case(path)
    except BaseException as exc:
        # Overwritten on every failing call: what remains is hypothesis' shrunk example.
        save_reproducer(case, exc, kind=f"pytest-{test}")
        raise


def test_seeds_are_valid(bundle_path: Path) -> None:
    """The unmutated seeds pass, so every finding below comes from a mutation."""
    for name, data in seeds().items():
        bundle_path.write_bytes(data)
        report, _ = validate_case(bundle_path, time_limit=None)
        assert report.valid, (name, [f.code for f in report.errors])


@fuzz_settings(800)
@given(case=byte_mutated())
def test_validate_byte_mutations(bundle_path: Path, case: Case) -> None:
    _check(bundle_path, case, "bytes")


@fuzz_settings(800)
@given(case=header_mutated())
def test_validate_header_mutations(bundle_path: Path, case: Case) -> None:
    _check(bundle_path, case, "headers")


@fuzz_settings(600)
@given(case=member_mutated())
def test_validate_member_mutations(bundle_path: Path, case: Case) -> None:
    _check(bundle_path, case, "members")


@fuzz_settings(500)
@given(case=text_mutated())
def test_validate_text_mutations(bundle_path: Path, case: Case) -> None:
    _check(bundle_path, case, "text")


@fuzz_settings(600)
@given(case=docx_mutated())
def test_validate_docx_mutations(bundle_path: Path, case: Case) -> None:
    _check(bundle_path, case, "docx")


@fuzz_settings(400)
@given(case=any_mutation())
def test_validate_stacked_mutations(bundle_path: Path, case: Case) -> None:
    _check(bundle_path, case, "any")
