"""manifest.txt and candidate files: 'key: value' lines, continuation lines, comments,
in UTF-8 (optionally with a BOM) or in the 8-bit encoding the manifest declares."""

from __future__ import annotations

from .people import Candidate

FORMAT = "cvbundle/1.0"
VENDOR = "parseo-rh"
NBSP = "\u00a0"


def kv(key: str, value: str, sep: str = ": ") -> list[str]:
    """One key; a multi-line value continues on lines indented by two spaces."""
    first, *rest = value.split("\n")
    return [f"{key}{sep}{first}"] + [f"  {line}" for line in rest]


def render(
    lines: list[str], *, encoding: str = "utf-8", newline: str = "\n", bom: bool = False
) -> bytes:
    text = newline.join(lines) + newline
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def manifest_lines(
    *,
    bundle_id: str,
    created_at: str,
    candidate_count: int,
    vendor: str = VENDOR,
    encoding: str | None = None,
    fmt: str = FORMAT,
) -> list[str]:
    lines = [
        "# cvbundle manifest - généré par Parséo RH",
        f"format: {fmt}",
        f"bundle_id: {bundle_id}",
        f"vendor: {vendor}",
        f"created_at: {created_at}",
        f"candidate_count: {candidate_count}",
    ]
    if encoding:
        lines.append(f"encoding: {encoding}")
    return lines


def candidate_lines(
    c: Candidate,
    cv_file: str,
    *,
    attachments: tuple[str, ...] = (),
    full: bool = True,
    nbsp_before_colon: bool = False,
    skip: tuple[str, ...] = (),
) -> list[str]:
    """The candidate file. ``full`` adds every optional key; ``skip`` leaves keys out."""
    sep = f"{NBSP}: " if nbsp_before_colon else ": "
    fields: list[tuple[str, str]] = [
        ("external_id", c.external_id),
        ("civility", c.civility),
        ("last_name", c.last_name),
        ("first_name", c.first_name),
        ("email", c.email),
    ]
    fields += [("phone", phone) for phone in c.phones]
    if full:
        fields += [
            ("address", c.address),
            ("postal_code", c.postal_code),
            ("city", c.city),
            ("country", c.country),
            ("birth_date", c.birth_date),
            ("position", c.position),
            ("job_ref", c.job_ref),
            ("source", c.source),
        ]
        fields += [("skill", skill) for skill, _ in c.skills]
        fields += [("language", lang) for lang in c.languages]
        fields += [
            ("experience_years", str(c.experience_years)),
            ("availability", c.availability),
            ("consent_until", c.consent_until),
            ("received_at", c.received_at),
            ("summary", c.summary),
        ]
    else:
        fields += [("city", c.city), ("position", c.position)]
    for key, value in sorted(c.custom.items()):  # a repeated x- key: one line per value
        fields += [(key, one) for one in ([value] if isinstance(value, str) else value)]
    fields.append(("cv_file", cv_file))
    fields += [("attachment", path) for path in attachments]
    lines = [f"# Candidat {c.external_id} - export du 20/11/2026"]
    for key, value in fields:
        if key not in skip:
            lines += kv(key, value, sep)
    return lines
