"""Findings and reports: validation problems are data, not exceptions.

A :class:`Report` is a value object; ``Report.to_dict()`` is exactly what
``cvbridge validate --format json`` prints for one bundle.

A finding's message and suggestion are rendered once, in the language the process speaks, from
its code's templates (translated) and its fields; the finding keeps those fields (details are
:class:`~cvbridge._i18n.LazyText`), so :meth:`Report.translated` renders the same findings in
another language (the vendor's report) without reading the bundle again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cvbridge._i18n import _, available_languages, ngettext, translation
from cvbridge.bundle._schema import FindingType, FormatSpec, Severity, load_spec


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
    # What the texts were rendered from (None: rebuilt from stored text, as is), and how many
    # findings of the code were left unlisted after this one: enough to render it again.
    params: Mapping[str, object] | None = field(default=None, compare=False, repr=False)
    unlisted: int = field(default=0, compare=False, repr=False)

    def translated(self) -> Finding:
        """This finding in the language spoken now. One rebuilt from stored text has no
        template fields: only its texts that are a whole template (no field) are rendered
        again, the others stay in the words they were recorded in."""
        kind = load_spec().finding(self.code)
        if self.params is None:
            return replace(self, message=_rendered_again(self.message, kind.message),
                           suggestion=_rendered_again(self.suggestion, kind.suggestion))
        return replace(self, message=_message(kind, self.params, self.unlisted),
                       suggestion=_suggestion(kind, self.params))

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


def _message(kind: FindingType, values: Mapping[str, object], unlisted: int) -> str:
    message = _(kind.message).format_map(_Placeholders(values))
    if not unlisted:
        return message
    return ngettext("{message} (+{n} more {code} not listed)",
                    "{message} (+{n} more {code} not listed)", unlisted).format(
        message=message, n=unlisted, code=kind.code)


def _suggestion(kind: FindingType, values: Mapping[str, object]) -> str:
    return _(kind.suggestion).format_map(_Placeholders(values))


def _rendered_again(text: str, template: str) -> str:
    """``text`` in the language spoken now if it is ``template`` without fields, as some
    language renders it; else ``text`` as it is."""
    if "{" in template or text not in {translation(language).gettext(template)
                                       for language in available_languages()}:
        return text
    return _(template)



# Findings of one code listed for one member: a 1 MiB text file of repeated or undecodable
# lines would otherwise make hundreds of thousands of them (seconds, and hundreds of MB).
MAX_LISTED_PER_MEMBER = 100


@dataclass
class _Listed:
    count: int = 0
    last: int = -1  # index of the last finding listed
    unlisted: int = 0


class FindingsCollector:
    """Builds findings from catalogue codes, filling the message and suggestion templates.

    At most MAX_LISTED_PER_MEMBER findings of one code are listed per member and candidate;
    the last one listed says how many more there were.
    """

    def __init__(self, spec: FormatSpec | None = None) -> None:
        self._spec = spec or load_spec()
        self._findings: list[Finding] = []
        self._listed: dict[tuple[str, str | None, str | None], _Listed] = {}
        self._unlisted: set[tuple[str, str | None, str | None]] = set()
        self._errors: Counter[str | None] = Counter()  # by candidate, listed or not

    @property
    def findings(self) -> list[Finding]:
        """Every finding listed so far (always the same list object)."""
        for key in self._unlisted:
            listed = self._listed[key]
            last = self._findings[listed.last]
            self._findings[listed.last] = replace(
                last, message=_message(self._spec.finding(key[0]), last.params or {},
                                       listed.unlisted),
                unlisted=listed.unlisted)
        self._unlisted.clear()
        return self._findings

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
        if kind.severity == "error":
            self._errors[candidate] += 1
        key = (code, member, candidate)
        listed = self._listed.setdefault(key, _Listed())
        if listed.count >= MAX_LISTED_PER_MEMBER:
            listed.unlisted += 1
            self._unlisted.add(key)
            return self._findings[listed.last]
        # ``line`` locates the finding and also fills templates such as "line {line} ...".
        located = {"line": line} if line is not None else {}
        values = {**located, **(params or {}), **more_params}
        finding = Finding(
            code=code,
            severity=kind.severity,
            message=_message(kind, values, 0),
            suggestion=_suggestion(kind, values),
            member=member,
            line=line,
            candidate=candidate,
            params=values,
        )
        listed.count += 1
        listed.last = len(self._findings)
        self._findings.append(finding)
        return finding

    def error_count(self, candidate: str | None) -> int:
        """Errors so far that belong to ``candidate`` (None: to the bundle as a whole),
        those not listed included."""
        return self._errors[candidate]


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

    def translated(self) -> Report:
        """The same report, its findings rendered in the language spoken now."""
        return replace(self, findings=[finding.translated() for finding in self.findings],
                       rejected_candidates=list(self.rejected_candidates))

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
