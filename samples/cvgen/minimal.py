"""The minimal valid bundle every conformance case starts from, and line edits.

One to three candidates (Marie Dupont, Paul Martin, Éléonore Lefèvre), each with
a short candidate file and a one-job .docx CV; ``cvbundle`` reports nothing on it.
A case changes one thing, so that it shows just the intended findings.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from . import zipraw
from .bundle import Bundle, add_manifest, person
from .cvdoc import CvLayout, cv_docx
from .metadata import candidate_lines, render
from .people import Candidate

Lines = list[str]
Edit = Callable[[Lines], Lines]

_PEOPLE = [(901, "Marie", "Dupont", "Mme"), (902, "Paul", "Martin", "M"),
           (903, "Éléonore", "Lefèvre", "Mme")]


@cache
def candidate(index: int = 0) -> Candidate:
    number, first, last, civility = _PEOPLE[index]
    phones = ["06 12 34 56 78"] if index == 0 else ["+33 7 81 23 45 67"]
    return person(number, first, last, civility, jobs=1, phones=phones)


@cache
def cv(index: int = 0) -> bytes:
    return cv_docx(candidate(index), CvLayout(lean=True))


def cv_path(index: int = 0, ext: str = "docx") -> str:
    return f"cvs/{candidate(index).slug}.{ext}"


def txt_path(index: int = 0) -> str:
    return f"candidats/{candidate(index).slug}.txt"


def lines_for(index: int = 0, *, ext: str = "docx") -> Lines:
    return candidate_lines(candidate(index), cv_path(index, ext), full=False)


def minimal_bundle(
    count: int = 1,
    *,
    declared: int | None = None,
    manifest: Edit | None = None,
    edits: dict[int, Edit] | None = None,
    docs: dict[int, bytes] | None = None,
    ext: dict[int, str] | None = None,
    encoding: str = "utf-8",
) -> Bundle:
    """``count`` candidates; ``edits``/``docs``/``ext`` change candidate i's file, CV bytes,
    CV extension; ``manifest`` edits the manifest lines; ``declared`` is candidate_count."""
    b = Bundle()
    add_manifest(b, "PRH-CONF-0001", count if declared is None else declared)
    if manifest is not None:
        lines = render_lines(b.files["manifest.txt"])
        b.files["manifest.txt"] = render(manifest(lines))
    for i in range(count):
        extension = (ext or {}).get(i, "docx")
        lines = lines_for(i, ext=extension)
        if edits and i in edits:
            lines = edits[i](lines)
        b.add(txt_path(i), render(lines, encoding=encoding))
        b.add(cv_path(i, extension), (docs or {}).get(i, cv(i) if i < 3 else b""))
    return b


def render_lines(data: bytes) -> Lines:
    return data.decode("utf-8").rstrip("\n").split("\n")


def set_key(key: str, value: str) -> Edit:
    """Replace the first 'key: ...' line (or append it before cv_file)."""

    def edit(lines: Lines) -> Lines:
        out = list(lines)
        for i, line in enumerate(out):
            if line.split(":", 1)[0].strip().lower() == key:
                out[i] = f"{key}: {value}"
                return out
        anchors = ("cv_file", "candidate_count")
        at = next(i for i, line in enumerate(out) if line.startswith(anchors))
        out.insert(at + (1 if out[at].startswith("candidate_count") else 0), f"{key}: {value}")
        return out

    return edit


def drop_key(key: str) -> Edit:
    def edit(lines: Lines) -> Lines:
        return [line for line in lines if line.split(":", 1)[0].strip().lower() != key]

    return edit


def add_lines(*new: str, after: str = "first_name") -> Edit:
    """Insert raw lines after the first line of key ``after``."""

    def edit(lines: Lines) -> Lines:
        at = next(i for i, line in enumerate(lines) if line.startswith(after + ":"))
        return lines[: at + 1] + list(new) + lines[at + 1 :]

    return edit


def member_named(members: list[zipraw.Member], name: str) -> int:
    return next(i for i, m in enumerate(members) if m.name == name.encode())
