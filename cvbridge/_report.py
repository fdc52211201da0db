"""Findings and reports: validation problems are data, not exceptions.

A :class:`Report` is a value object; ``Report.to_dict()`` is exactly what
``cvbridge validate --format json`` prints for one bundle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cvbridge._schema import FormatSpec, Severity, load_spec


@dataclass(frozen=True)
class Finding:
    """One problem found in a bundle, located as precisely as the format allows.

    ``candidate`` names the candidate file the finding belongs to; a finding without one is
    about the bundle as a whole, and an error there fails the whole bundle.
    """

    code: str
    severity: Severity
    message: str
    suggestion: str
    member: str | None = None
    line: int | None = None
    candidate: str | None = None

    @property
    def location(self) -> str:
        where = self.member or ""
        if self.line is not None:
            where += f":{self.line}"
        return where

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "member": self.member,
            "line": self.line,
            "suggestion": self.suggestion,
            "candidate": self.candidate,
        }


class _Placeholders(dict[str, object]):
    """Leaves an unknown ``{name}`` as written rather than failing a whole report over it."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class FindingsCollector:
    """Builds findings from catalogue codes, filling the message and suggestion templates."""

    def __init__(self, spec: FormatSpec | None = None) -> None:
        self._spec = spec or load_spec()
        self.findings: list[Finding] = []

    def add(
        self,
        code: str,
        *,
        member: str | None = None,
        line: int | None = None,
        candidate: str | None = None,
        params: Mapping[str, object] | None = None,
        **more_params: object,
    ) -> Finding:
        """Record a finding; ``params`` and ``more_params`` fill its templates."""
        kind = self._spec.finding(code)
        # ``line`` locates the finding and also fills templates such as "line {line} ...".
        located = {"line": line} if line is not None else {}
        values = _Placeholders({**located, **(params or {}), **more_params})
        finding = Finding(
            code=code,
            severity=kind.severity,
            message=kind.message.format_map(values),
            suggestion=kind.suggestion.format_map(values),
            member=member,
            line=line,
            candidate=candidate,
        )
        self.findings.append(finding)
        return finding

    def error_count(self, candidate: str | None) -> int:
        """Errors so far that belong to ``candidate`` (None: to the bundle as a whole)."""
        return sum(1 for f in self.findings if f.severity == "error" and f.candidate == candidate)


@dataclass
class Report:
    """Everything the validator found in one bundle."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    bundle_id: str | None = None
    vendor: str | None = None
    sha256: str | None = None
    size: int | None = None
    candidates: int = 0
    rejected_candidates: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def bundle_errors(self) -> list[Finding]:
        """Errors that fail the whole bundle (not tied to one candidate)."""
        return [f for f in self.errors if f.candidate is None]

    @property
    def valid(self) -> bool:
        return not self.errors

    def passes(self, *, strict: bool = False) -> bool:
        return self.valid and not (strict and self.warnings)

    def counts(self) -> dict[str, int]:
        tally = Counter(f.severity for f in self.findings)
        return {"error": tally["error"], "warning": tally["warning"]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "valid": self.valid,
            "bundle_id": self.bundle_id,
            "vendor": self.vendor,
            "sha256": self.sha256,
            "size": self.size,
            "candidates": self.candidates,
            "rejected_candidates": list(self.rejected_candidates),
            "counts": self.counts(),
            "messages": [f.to_dict() for f in self.findings],
        }
