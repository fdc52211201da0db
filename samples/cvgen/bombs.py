"""Generated cases: files that are big, or inflate to something big. They are
written only with ``generate.py --bombs DIR`` and never committed."""

from __future__ import annotations

import random
import zlib
from dataclasses import replace
from pathlib import Path

from . import zipraw
from .cases import Registry
from .cvdoc import cv_docx
from .metadata import render
from .minimal import candidate, lines_for, minimal_bundle, txt_path
from .ooxml import DocxPackage

bombs = Registry()
MIB = 1 << 20


def _padded_cv(padding: bytes) -> bytes:
    """The minimal CV with an extra, unreferenced, stored part (a huge 'image')."""
    pkg = DocxPackage.from_bytes(cv_docx(candidate(0)))
    pkg.parts["word/media/image1.bin"] = padding
    pkg.stored.add("word/media/image1.bin")
    return pkg.to_bytes()


def _grainy(size: int, seed: str, noise: int = 640, period: int = 65536) -> bytes:
    """Mostly zeros with a few random bytes every ``period``: deflates about 100:1."""
    rng = random.Random(seed)
    block = bytearray(period)
    out = bytearray()
    while len(out) < size:
        block[:noise] = rng.randbytes(noise)
        out += block
    return bytes(out[:size])


@bombs.bomb("error-limit-ratio.zip",
            "The CV carries a 5 MiB part of zeros, stored inside the .docx: the CV member "
            "inflates about 1000:1.", ["LIMIT-RATIO"])
def ratio(path: Path) -> None:
    path.write_bytes(minimal_bundle(docs={0: _padded_cv(bytes(5 * MIB))}).zip())


@bombs.bomb("error-limit-member-size.zip",
            "The CV is 65 MiB (a .docx with a large stored part), honestly declared; it "
            "deflates about 100:1, under the ratio limit.", ["LIMIT-MEMBER-SIZE"])
def member_size(path: Path) -> None:
    path.write_bytes(minimal_bundle(docs={0: _padded_cv(_grainy(65 * MIB, "member"))}).zip())


@bombs.bomb("error-limit-member-size-text.zip",
            "A candidate file of 1.1 MiB (a summary of 9000 continuation lines), over "
            "text_size; it deflates well under 200:1.", ["LIMIT-MEMBER-SIZE"])
def member_size_text(path: Path) -> None:
    rng = random.Random("text-size")
    words = ["projet", "équipe", "client", "qualité", "gestion", "suivi", "développement",
             "analyse", "mise", "en", "place", "amélioration", "processus", "formation",
             "budget", "planning", "livraison", "recette"]
    lines = lines_for(0)
    summary = ["summary: Parcours détaillé"] + [
        "  " + " ".join(rng.choice(words) for _ in range(14)) for _ in range(9000)
    ]
    b = minimal_bundle()
    b.files[txt_path(0)] = render(lines[:-1] + summary + lines[-1:])
    path.write_bytes(b.zip())


@bombs.bomb("error-limit-total-size.zip",
            "1030 members of 1 MiB - 1 byte of zeros each (each under ratio_min_size, so "
            "not held to the ratio): 1.08 GB in all.", ["LIMIT-TOTAL-SIZE"])
def total_size(path: Path) -> None:
    members = minimal_bundle().members()
    filler = zipraw.member("remplissage/0000.bin", bytes(MIB - 1))
    for n in range(1, 1031):
        members.append(replace(filler, name=f"remplissage/{n:04d}.bin".encode()))
    path.write_bytes(zipraw.build_zip(zipraw.sorted_members(members)))


@bombs.bomb("error-limit-member-count.zip",
            "10 000 empty directory entries beside the minimal bundle: 10 003 entries.",
            ["LIMIT-MEMBER-COUNT"])
def member_count(path: Path) -> None:
    members = minimal_bundle().members()
    members += [zipraw.directory(f"vide/{n:05d}") for n in range(10000)]
    path.write_bytes(zipraw.build_zip(zipraw.sorted_members(members)))


@bombs.bomb("error-limit-bundle-size.zip",
            "A 300 MiB bundle: five stored 60 MiB members of zeros (written as a sparse file). "
            "Each member is within limits; only the file size is not.", ["LIMIT-BUNDLE-SIZE"])
def bundle_size(path: Path) -> None:
    size = 60 * MIB
    crc = zlib.crc32(bytes(size))
    with path.open("wb") as out:
        writer = zipraw.ZipWriter(out)
        for m in minimal_bundle().members():
            writer.add(m)
        for n in range(5):
            writer.add_zero_filled(
                zipraw.Member(name=f"annexes/volume-{n}.bin".encode(), payload=b"", crc=crc,
                              file_size=size, compress_size=size, method=zipraw.STORED,
                              extract_version=10)
            )
        writer.finish()

