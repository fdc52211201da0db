"""The benchmark corpus: many realistic bundles of full French CVs (about 25 KiB
each: three or four jobs, tables, header and footer, an ID photo)."""

from __future__ import annotations

import random
from pathlib import Path

from .bundle import Bundle, add_manifest
from .cvdoc import CvLayout, cv_doc, cv_docx
from .metadata import candidate_lines, render
from .otherdocs import photo_png
from .people import make_candidate

_PHOTOS = 16


def corpus_bundle(seed: int, index: int, per_bundle: int, *, doc_share: float = 0.0) -> bytes:
    """Bundle ``index`` of the corpus for ``seed``: ``per_bundle`` candidates."""
    rng = random.Random(f"corpus/{seed}/{index}")
    photos = [photo_png(f"corpus/{seed}/{n}", 108, 144, grain=7) for n in range(_PHOTOS)]
    b = Bundle()
    add_manifest(b, f"PRH-BENCH-{seed:04d}-{index:05d}", per_bundle)
    for n in range(per_bundle):
        number = (seed * 100_000 + index) * 1000 + n
        c = make_candidate(rng, number, jobs=rng.randint(3, 4))
        stem = f"{c.slug}-{n:03d}"
        if rng.random() < doc_share:
            cv_path = b.add(f"cvs/{stem}.doc", cv_doc(c))
        else:
            layout = CvLayout(photo=rng.choice(photos), text_box=rng.random() < 0.2,
                              hyperlink=rng.random() < 0.5)
            cv_path = b.add(f"cvs/{stem}.docx", cv_docx(c, layout))
        b.add(f"candidats/{stem}.txt", render(candidate_lines(c, cv_path)))
    return b.zip()


def write_corpus(
    out_dir: Path, bundles: int, per_bundle: int = 100, seed: int = 0, *, doc_share: float = 0.0
) -> list[Path]:
    """Write ``bundles`` valid bundles of ``per_bundle`` CVs each; same arguments, same bytes.

    ``doc_share`` is the fraction of CVs written as legacy .doc.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(bundles):
        path = out_dir / f"bundle-{seed:04d}-{index:05d}.zip"
        path.write_bytes(corpus_bundle(seed, index, per_bundle, doc_share=doc_share))
        paths.append(path)
    return paths
