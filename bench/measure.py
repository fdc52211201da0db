"""Timings and throughputs: the median of several wall-clock runs, as CVs/s and MB/s.

MB = 10**6 bytes of bundle files (the ZIPs as delivered), the same for every figure. The
stages of a run are interleaved round by round (F1, F2, validate, ingest..., naive, then again)
so that a change in the machine's load weighs on every figure alike, not on one.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

OK = "ok"
NOT_MEASURED = "not measured yet"


@dataclass(frozen=True)
class Sample:
    """One run of a stage: CVs handled, wall seconds, and figures worth keeping."""

    cvs: int
    seconds: float
    extra: dict[str, float] = field(default_factory=dict)


@dataclass
class Throughput:
    """One figure of the table: ``cvs`` CVs in ``size`` bytes, timed ``len(seconds)`` times."""

    key: str
    label: str
    cvs: int = 0
    size: int = 0
    seconds: list[float] = field(default_factory=list)
    status: str = OK
    note: str = ""
    samples_extra: dict[str, list[float]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def measured(self) -> bool:
        return self.status == OK and bool(self.seconds)

    @property
    def median_s(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def cvs_per_s(self) -> float:
        return self.cvs / self.median_s if self.measured else float("nan")

    @property
    def mb_per_s(self) -> float:
        return self.size / 1e6 / self.median_s if self.measured else float("nan")

    def add(self, sample: Sample) -> None:
        if self.cvs and sample.cvs != self.cvs:
            raise RuntimeError(f"{self.key}: {sample.cvs} CVs this run, {self.cvs} before")
        self.cvs = sample.cvs
        self.seconds.append(sample.seconds)
        for name, value in sample.extra.items():
            self.samples_extra.setdefault(name, []).append(value)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "status": self.status}
        if self.measured:
            out |= {"cvs": self.cvs, "bytes": self.size,
                    "seconds": [round(s, 4) for s in self.seconds],
                    "median_s": round(self.median_s, 4),
                    "cvs_per_s": round(self.cvs_per_s, 1),
                    "mb_per_s": round(self.mb_per_s, 2)}
            out |= {f"{name}_median": round(statistics.median(values), 3)
                    for name, values in self.samples_extra.items()}
        if self.note:
            out["note"] = self.note
        return out | self.extra


def skipped(key: str, label: str, reason: str) -> Throughput:
    return Throughput(key, label, status=reason)


def timed(run: Callable[[], int]) -> Sample:
    """Wall time of ``run``, which returns the number of CVs it handled."""
    start = time.perf_counter()
    cvs = run()
    return Sample(cvs, time.perf_counter() - start)


@dataclass
class Stage:
    figure: Throughput
    once: Callable[[], Sample]


def run_rounds(stages: list[Stage], rounds: int, progress: Callable[[str], None],
               settle: Callable[[], None]) -> None:
    """Every stage once per round, in order, ``rounds`` times; ``settle`` before each, so
    that no stage pays for the writes of the one before."""
    for number in range(1, rounds + 1):
        for stage in stages:
            progress(f"round {number}/{rounds}: {stage.figure.label}")
            settle()
            stage.figure.add(stage.once())
