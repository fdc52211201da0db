"""The text cvbridge reads from one corpus file, through the document checks of a bundle."""

from __future__ import annotations

from pathlib import Path

from cvbridge.bundle._archive import ArchiveCaps
from cvbridge.bundle._documents import DocumentChecker
from cvbridge.bundle._report import Finding, FindingsCollector
from cvbridge.bundle._schema import load_spec


def read_cv(path: Path) -> tuple[str | None, list[Finding]]:
    """The search text of the file as a CV, and the findings about it."""
    limits = load_spec().limits
    caps = ArchiveCaps(limits.document_part_count, limits.member_size, limits.total_size,
                       limits.ratio, limits.ratio_min_size)
    findings = FindingsCollector()
    check = DocumentChecker(findings, caps).check(f"cvs/{path.name}", path.read_bytes(),
                                                  candidate="candidats/x.txt", want_text=True)
    return check.text, findings.findings
