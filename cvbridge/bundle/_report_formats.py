"""Reports rendered for people (text), programs (JSON) and vendors' CI (JUnit XML). Pure."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from cvbridge._i18n import _, ngettext
from cvbridge.bundle._report import Finding, Report
from cvbridge.bundle._schema import severity_word

# Control characters (ESC would drive the terminal), format characters (a right-to-left
# override reorders what is shown), line and paragraph separators, and the surrogates
# that stand for undecodable bytes (they cannot even be written out as UTF-8).
_UNPRINTABLE = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs"))


def printable(text: str) -> str:
    """``text`` fit for a terminal, a text file or XML: every unprintable character shown as
    its Python escape (ESC as ``\\x1b``). Backslashes are left alone, so that Windows paths
    read as they were written."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if unicodedata.category(char) in _UNPRINTABLE and char != " ":
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else
                       f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def finding_line(path: str, finding: Finding) -> str:
    """``error[CODE] bundle.zip!member:line: message``, with unprintable characters of
    member names and messages escaped."""
    location = f"{path}!{finding.location}" if finding.location else path
    return printable(_("{severity}[{code}] {location}: {message}").format(
        severity=severity_word(finding.severity), code=finding.code, location=location,
        message=finding.message))


def summary_line(report: Report, *, strict: bool = False) -> str:
    counts = report.counts()
    errors = ngettext("{n} error", "{n} errors", counts["error"]).format(n=counts["error"])
    warnings = ngettext("{n} warning", "{n} warnings", counts["warning"]).format(
        n=counts["warning"])
    candidates = ngettext("{n} candidate", "{n} candidates", report.candidates).format(
        n=report.candidates)
    rejected = len(report.rejected_candidates)
    if rejected:
        candidates = ngettext("{candidates} ({n} rejected)", "{candidates} ({n} rejected)",
                              rejected).format(candidates=candidates, n=rejected)
    if report.passes(strict=strict):
        line = _("{path}: valid - {errors}, {warnings}, {candidates}")
    else:
        line = _("{path}: invalid - {errors}, {warnings}, {candidates}")
    return line.format(path=printable(report.path), errors=errors, warnings=warnings,
                       candidates=candidates)


def hint_line(finding: Finding) -> str:
    """The indented line under a finding that says how to fix it."""
    return "  " + _("hint: {suggestion}").format(suggestion=printable(finding.suggestion))


def render_text(reports: Iterable[Report], *, strict: bool = False, hints: bool = True) -> str:
    lines: list[str] = []
    for report in reports:
        for finding in report.findings:
            lines.append(finding_line(report.path, finding))
            if hints and finding.suggestion:
                lines.append(hint_line(finding))
        lines.append(summary_line(report, strict=strict))
    return "\n".join(lines) + "\n"


def reports_document(reports: Iterable[Report]) -> dict[str, Any]:
    return {"bundles": [report.to_dict() for report in reports]}


def render_json(reports: Iterable[Report]) -> str:
    return json.dumps(reports_document(reports), ensure_ascii=False, indent=2) + "\n"


def render_junit(reports: Sequence[Report], *, strict: bool = False) -> str:
    """One test suite per bundle: a test case for the bundle as a whole, and one per
    candidate file that has findings (a report does not list the candidates without)."""
    from lxml import etree  # here: the text and JSON reports need no XML library

    # TRANSLATORS: the name of the JUnit test suites (the command that made them)
    suites = etree.Element("testsuites", name=_("cvbridge validate"))
    for report in reports:
        # TRANSLATORS: the JUnit test case of the bundle as a whole (beside one per candidate)
        bundle_case = _("(bundle)")
        cases: dict[str, list[Finding]] = {bundle_case: []}
        for finding in report.findings:
            cases.setdefault(finding.candidate or bundle_case, []).append(finding)
        failing = [name for name, found in cases.items() if _fails(found, strict)]
        # XML cannot hold most control characters at all, even as references.
        path = printable(report.path)
        suite = etree.SubElement(suites, "testsuite", name=path,
                                 tests=str(len(cases)), failures=str(len(failing)), errors="0")
        for name, found in cases.items():
            case = etree.SubElement(suite, "testcase", classname=path, name=printable(name))
            if name in failing:
                problems = sum(_counts(f, strict) for f in found)
                failure = etree.SubElement(
                    case, "failure", type=next(f.code for f in found if _counts(f, strict)),
                    message=ngettext("{n} problem", "{n} problems", problems).format(n=problems))
                failure.text = "\n".join(finding_line(report.path, f) for f in found)
            elif found:
                etree.SubElement(case, "system-out").text = "\n".join(
                    finding_line(report.path, f) for f in found)
    return etree.tostring(suites, pretty_print=True, xml_declaration=True,
                          encoding="UTF-8").decode("utf-8")


def _counts(finding: Finding, strict: bool) -> bool:
    return finding.severity == "error" or strict


def _fails(findings: list[Finding], strict: bool) -> bool:
    return any(_counts(f, strict) for f in findings)
