"""Floors F1 and F2, and cvbridge's ``validate``, on the throughput corpus.

F1 reads and inflates every member of every bundle and every part of each .docx inside.
F2 is F1 plus all the CV text with lxml: every ``w:t`` of the body (tables included), of the
headers and of the footers. Both do no checking at all: no product can read less.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from lxml import etree

import cvbridge

_W_T = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
_TEXT_PART = re.compile(r"word/(?:document|header\d*|footer\d*)\.xml")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _read_bundle(path: Path, *, text: bool) -> int:
    """Inflate everything in one bundle (and, with ``text``, extract the CV text); the
    number of CVs."""
    cvs = 0
    with zipfile.ZipFile(path) as bundle:
        for info in bundle.infolist():
            data = bundle.read(info)
            if not info.filename.endswith(".docx"):
                continue
            cvs += 1
            pieces: list[str] = []
            with zipfile.ZipFile(io.BytesIO(data)) as document:
                for part in document.infolist():
                    xml = document.read(part)
                    if text and _TEXT_PART.fullmatch(part.filename):
                        root = etree.fromstring(xml, _PARSER)
                        pieces.extend(t.text or "" for t in root.iter(_W_T))
            if text and not pieces:
                raise RuntimeError(f"{path}!{info.filename}: no text")
    return cvs


def floor_f1(bundles: list[Path]) -> int:
    return sum(_read_bundle(p, text=False) for p in bundles)


def floor_f2(bundles: list[Path]) -> int:
    return sum(_read_bundle(p, text=True) for p in bundles)


def validate(bundles: list[Path]) -> int:
    """``cvbridge.validate_bundle`` on each bundle; every one must be free of errors."""
    cvs = 0
    for path in bundles:
        report = cvbridge.validate_bundle(path)
        if report.errors:
            raise RuntimeError(f"{path}: {report.errors[0].code} {report.errors[0].message}")
        cvs += report.candidates
    return cvs
