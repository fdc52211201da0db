"""The ZIP property (issue 13), on the header fields of real archives (the archiver corpus and
the valid samples): validate_bundle returns a sound report and never raises; an archive it
accepts, zipfile reads whole. ``make fuzz-zip`` runs the same property on 10,000 cases.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given

from tests.fuzz import fuzz_settings
from tests.fuzz.mutations import Case
from tests.fuzz.properties import save_reproducer, validate_zip_case
from tests.fuzz.zip_headers import header_fields, header_mutated, zip_seeds


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("fuzz-zip") / "bundle.zip"


def test_every_seed_is_valid_and_its_fields_are_found(bundle_path: Path) -> None:
    """Unmutated, each seed is accepted (so a finding below comes from the mutation), and
    the walk finds its records: end record, and per member a central and a local header."""
    for name, data in zip_seeds().items():
        if "deflate64" in name or "zip64-descriptors" in name:
            continue  # the two corpus archives refused by the spec
        bundle_path.write_bytes(data)
        report = validate_zip_case(bundle_path)
        assert report.valid, (name, [f.code for f in report.errors])
        labels = {f.label.split(".")[0] for f in header_fields(data)}
        assert "eocd" in labels and "central[0]" in labels and "local[0]" in labels, name


@fuzz_settings(1000)
@given(case=header_mutated())
def test_validate_zip_header_mutations(bundle_path: Path, case: Case) -> None:
    bundle_path.write_bytes(case.data)
    try:
        validate_zip_case(bundle_path)
    except BaseException as exc:
        save_reproducer(case, exc, kind="pytest-zip-headers")
        raise
