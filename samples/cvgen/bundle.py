"""Assembling a bundle: files by path, zipped with sorted members and fixed dates."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from . import zipraw
from .cvdoc import CvLayout, cv_docx
from .metadata import candidate_lines, manifest_lines, render
from .people import Candidate, make_candidate, slugify

CREATED_AT = "2026-11-20T09:30:00+01:00"


@dataclass
class Bundle:
    files: dict[str, bytes] = field(default_factory=dict)
    stored: set[str] = field(default_factory=set)

    def add(self, path: str, data: bytes, *, stored: bool = False) -> str:
        self.files[path] = data
        if stored:
            self.stored.add(path)
        return path

    def members(self, *, wrap: str = "", directories: bool = False) -> list[zipraw.Member]:
        prefix = f"{wrap}/" if wrap else ""
        paths = {prefix + path: path for path in self.files}
        if directories:
            for full in list(paths):
                parts = full.split("/")[:-1]
                for depth in range(1, len(parts) + 1):
                    paths.setdefault("/".join(parts[:depth]) + "/", "")
        out = []
        for full in sorted(paths):
            if full.endswith("/"):
                out.append(zipraw.directory(full))
            else:
                source = paths[full]
                method = zipraw.STORED if source in self.stored else zipraw.DEFLATED
                out.append(zipraw.member(full, self.files[source], method=method))
        return out

    def zip(self, *, wrap: str = "", directories: bool = False) -> bytes:
        return zipraw.build_zip(self.members(wrap=wrap, directories=directories))


def person(
    number: int,
    first: str,
    last: str,
    civility: str,
    *,
    jobs: int = 2,
    **changes: object,
) -> Candidate:
    """A generated candidate with a chosen name (and matching e-mail)."""
    rng = random.Random(f"person-{number}")
    c = make_candidate(rng, number, jobs=jobs, female=civility == "Mme")
    user = f"{slugify(first)}.{slugify(last)}".replace("-", ".")
    domain = c.email.split("@")[1]
    linkedin = f"https://www.linkedin.com/in/{slugify(first)}-{slugify(last)}-{number}"
    c = replace(c, first_name=first, last_name=last, civility=civility,
                email=f"{user}@{domain}", linkedin=linkedin)
    return replace(c, **changes)  # type: ignore[arg-type]


def add_candidate(
    bundle: Bundle,
    c: Candidate,
    *,
    cv: bytes | None = None,
    cv_ext: str = "docx",
    layout: CvLayout | None = None,
    attachments: dict[str, bytes] | None = None,
    folder: str = "candidats",
    cv_folder: str = "cvs",
    encoding: str = "utf-8",
    newline: str = "\n",
    bom: bool = False,
    nbsp: bool = False,
    full: bool = True,
) -> None:
    """Add a candidate file, its CV and its attachments."""
    cv_path = f"{cv_folder}/{c.slug}.{cv_ext}"
    bundle.add(cv_path, cv if cv is not None else cv_docx(c, layout))
    attached = attachments or {}
    for path, data in attached.items():
        bundle.add(path, data)
    lines = candidate_lines(c, cv_path, attachments=tuple(attached), full=full,
                            nbsp_before_colon=nbsp)
    text = render(lines, encoding=encoding, newline=newline, bom=bom)
    bundle.add(f"{folder}/{c.slug}.txt", text)


def add_manifest(
    bundle: Bundle,
    bundle_id: str,
    count: int,
    *,
    encoding: str | None = None,
    newline: str = "\n",
    fmt: str = "cvbundle/1.0",
    created_at: str = CREATED_AT,
) -> None:
    lines = manifest_lines(bundle_id=bundle_id, created_at=created_at, candidate_count=count,
                           encoding=encoding, fmt=fmt)
    bundle.add("manifest.txt", render(lines, encoding=encoding or "utf-8", newline=newline))
