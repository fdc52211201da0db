"""``cvbridge validate --jobs``: bundles read in parallel, output the same as one by one."""

from __future__ import annotations

import concurrent.futures
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cvbridge.bundle import _parallel, validate_bundle, validate_bundles
from cvbridge.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
# Valid bundles and failing ones, interleaved: order and exit status must hold across workers.
BUNDLES = [str(path) for pair in zip(sorted((SAMPLES / "valid").glob("*.zip")),
                                     sorted((SAMPLES / "conformance").glob("error-*.zip")),
                                     strict=False) for path in pair]

runner = CliRunner()


@pytest.fixture
def always_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers even for the small sample bundles (the threshold is for speed only)."""
    monkeypatch.setattr(_parallel, "MIN_PARALLEL_BYTES", 0)


@pytest.mark.parametrize("output_format", ["text", "json", "junit"])
def test_output_and_exit_status_do_not_depend_on_jobs(always_parallel: None,
                                                      output_format: str) -> None:
    one = runner.invoke(app, ["validate", "--jobs", "1", "--format", output_format, *BUNDLES])
    two = runner.invoke(app, ["validate", "--jobs", "2", "--format", output_format, *BUNDLES])
    assert one.exit_code == two.exit_code == 1
    assert two.stdout == one.stdout


def test_reports_come_in_the_order_asked(always_parallel: None) -> None:
    reports = list(validate_bundles(BUNDLES, jobs=2))
    assert [report.to_dict() for report in reports] == [
        validate_bundle(path).to_dict() for path in BUNDLES]


def test_small_batches_are_read_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*_: object, **__: object) -> None:
        raise AssertionError("a pool was started for a few small bundles")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    assert len(list(validate_bundles(BUNDLES[:4], jobs=2))) == 4


def test_jobs_must_be_positive() -> None:
    run = runner.invoke(app, ["validate", "--jobs", "0", BUNDLES[0]])
    assert run.exit_code == 2
    assert run.stderr.endswith(
        "Error: Invalid value for '--jobs' / '-j': 0 is not in the range x>=1.\n")


def test_available_cores_follows_the_affinity_mask() -> None:
    assert _parallel.available_cores() == len(os.sched_getaffinity(0))
