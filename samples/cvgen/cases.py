"""Test cases: a file, the finding codes a validator must report for it, and the
function that writes it. ``cases.json`` is written from these records."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA = Path(__file__).resolve().parents[2] / "formats" / "cvbundle-1.0.schema.json"

Writer = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    file: str
    description: str
    expected: tuple[str, ...]
    write: Writer
    #: Written only with ``--bombs DIR`` (big file or big inflation), never committed.
    generated: bool = False
    #: Tools the expectation assumes installed (skip the case without them)...
    needs: tuple[str, ...] = ()
    #: ...or assumes absent (run the validator with them hidden).
    without: tuple[str, ...] = ()
    #: The site profile (a file next to cases.json) the bundle is checked against, if any.
    profile: str | None = None

    def to_json(self, severities: dict[str, str]) -> dict[str, object]:
        codes = sorted(set(self.expected))
        entry: dict[str, object] = {
            "description": self.description,
            "file": self.file,
            "expected": codes,
            "valid": all(severities[code] != "error" for code in codes),
        }
        if self.generated:
            entry["generated"] = True
        if self.needs:
            entry["needs"] = list(self.needs)
        if self.without:
            entry["without"] = list(self.without)
        if self.profile:
            entry["profile"] = self.profile
        return entry


@dataclass
class Registry:
    cases: list[Case] = field(default_factory=list)

    def case(
        self,
        file: str,
        description: str,
        expected: list[str],
        *,
        needs: tuple[str, ...] = (),
        without: tuple[str, ...] = (),
        profile: str | None = None,
    ) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
        """Register a small, committed case built in memory."""

        def register(build: Callable[[], bytes]) -> Callable[[], bytes]:
            def write(path: Path) -> None:
                path.write_bytes(build())

            self.cases.append(Case(file, description, tuple(expected), write, False, needs,
                                   without, profile))
            return build

        return register

    def bomb(
        self, file: str, description: str, expected: list[str]
    ) -> Callable[[Writer], Writer]:
        """Register a generated case, streamed to its path."""

        def register(write: Writer) -> Writer:
            self.cases.append(Case(file, description, tuple(expected), write, True))
            return write

        return register


def severities(schema: Path = SCHEMA) -> dict[str, str]:
    findings = json.loads(schema.read_text(encoding="utf-8"))["findings"]
    return {code: spec["severity"] for code, spec in findings.items()}


def write_cases(
    cases: list[Case], out_dir: Path, bombs_dir: Path | None, schema: Path = SCHEMA
) -> list[Path]:
    """Write the committed cases to ``out_dir``, the generated ones to ``bombs_dir`` (if
    given), and ``out_dir/cases.json``. Returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    levels = severities(schema)
    unknown = sorted({code for c in cases for code in c.expected} - set(levels))
    if unknown:
        raise ValueError(f"codes not in the schema: {unknown}")
    written = []
    for c in cases:
        if c.generated:
            if bombs_dir is None:
                continue
            bombs_dir.mkdir(parents=True, exist_ok=True)
            target = bombs_dir / c.file
        else:
            target = out_dir / c.file
        c.write(target)
        written.append(target)
    index = out_dir / "cases.json"
    entries = [c.to_json(levels) for c in cases]
    index.write_text(json.dumps(entries, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(index)
    return written
