"""Reports rendered for people (text), programs (JSON) and vendors' CI (JUnit XML). Pure."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from cvbridge.bundle._report import Finding, Report

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
    return printable(f"{finding.severity}[{finding.code}] {location}: {finding.message}")


def summary_line(report: Report, *, strict: bool = False) -> str:
    counts = report.counts()
    verdict = "valid" if report.passes(strict=strict) else "invalid"
    rejected = f" ({len(report.rejected_candidates)} rejected)" if report.rejected_candidates \
        else ""
    return (f"{printable(report.path)}: {verdict} - {_plural(counts['error'], 'error')}, "
            f"{_plural(counts['warning'], 'warning')}, "
            f"{_plural(report.candidates, 'candidate')}{rejected}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def render_text(reports: Iterable[Report], *, strict: bool = False, hints: bool = True) -> str:
    lines: list[str] = []
    for report in reports:
        for finding in report.findings:
            lines.append(finding_line(report.path, finding))
            if hints and finding.suggestion:
                lines.append(f"  hint: {printable(finding.suggestion)}")
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

    suites = etree.Element("testsuites", name="cvbridge validate")
    for report in reports:
        cases: dict[str, list[Finding]] = {"(bundle)": []}
        for finding in report.findings:
            cases.setdefault(finding.candidate or "(bundle)", []).append(finding)
        failing = [name for name, found in cases.items() if _fails(found, strict)]
        # XML cannot hold most control characters at all, even as references.
        path = printable(report.path)
        suite = etree.SubElement(suites, "testsuite", name=path,
                                 tests=str(len(cases)), failures=str(len(failing)), errors="0")
        for name, found in cases.items():
            case = etree.SubElement(suite, "testcase", classname=path, name=printable(name))
            if name in failing:
                failure = etree.SubElement(
                    case, "failure", type=next(f.code for f in found if _counts(f, strict)),
                    message=f"{_plural(sum(_counts(f, strict) for f in found), 'problem')}")
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
