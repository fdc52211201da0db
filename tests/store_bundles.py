"""Multi-candidate bundles for the store tests, built in memory.

``person()`` describes one candidate file (keys as in the format, lists for the multi-valued
ones); ``bundle()`` zips a manifest, the candidate files and one CV per candidate (a small
``.docx`` naming the person, unique per candidate, unless a CV is given).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests.bundles import docx, paragraphs, zip_bytes

Value = str | Sequence[str]
Person = dict[str, Value]


def person(external_id: str, last_name: str, first_name: str, **keys: Value) -> Person:
    """A candidate file's keys; ``cv_file`` defaults to ``cvs/<external_id>.docx``."""
    return {"external_id": external_id, "last_name": last_name, "first_name": first_name,
            "cv_file": f"cvs/{external_id}.docx", **keys}


def candidate_text(keys: Mapping[str, Value]) -> str:
    lines = []
    for key, value in keys.items():
        values = [value] if isinstance(value, str) else list(value)
        lines += [f"{key}: {item}" for item in values]
    return "\n".join(lines) + "\n"


def simple_cv(*texts: str) -> bytes:
    return docx(paragraphs(*texts))


def bundle_members(people: Sequence[Person], *, bundle_id: str = "ACME-001",
                   vendor: str = "acme", cvs: Mapping[str, bytes] | None = None,
                   candidate_count: int | None = None,
                   extra: Mapping[str, bytes | str] | None = None,
                   omit: Sequence[str] = ()) -> dict[str, bytes | str]:
    """The members of a bundle. ``cvs`` maps a ``cv_file`` path to its bytes; the others get
    a small CV with the person's name and external id. ``omit`` leaves members out."""
    count = len(people) if candidate_count is None else candidate_count
    files: dict[str, bytes | str] = {
        "manifest.txt": (f"format: cvbundle/1.0\nbundle_id: {bundle_id}\nvendor: {vendor}\n"
                         f"created_at: 2024-05-02T18:30:00+02:00\n"
                         f"candidate_count: {count}\n"),
    }
    given = dict(cvs or {})
    for index, keys in enumerate(people):
        files[f"candidats/{index:03d}-{keys['external_id']}.txt"] = candidate_text(keys)
        path = keys.get("cv_file")
        if isinstance(path, str) and path not in files:
            files[path] = given.pop(path, None) or simple_cv(
                f"{keys['first_name']} {keys['last_name']}", f"Ref {keys['external_id']}")
    files.update(given)
    files.update(extra or {})
    for name in omit:
        del files[name]
    return files


def bundle(people: Sequence[Person], **options: object) -> bytes:
    return zip_bytes(bundle_members(people, **options))  # type: ignore[arg-type]


class Dropper:
    """Writes bundles to a folder, as they would arrive."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder = folder

    def bytes(self, data: bytes, name: str) -> Path:
        return write_zip(self.folder, data, name)

    def __call__(self, people: Sequence[Person], name: str, **options: Any) -> Path:
        return self.bytes(bundle(people, **options), name)


def write_zip(folder: Path, data: bytes, name: str) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def member_bytes(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
