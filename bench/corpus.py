"""The benchmark corpus, written once by the samples generator and cached in bench/corpus/.

``bundles`` bundles of ``per_bundle`` CVs (the throughput corpus) plus one bundle of ``big``
CVs (for peak RSS). The same arguments give the same bytes; the cache key includes a digest
of the generator's source, so a changed generator rewrites the corpus.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import shutil
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
CACHE = REPO / "bench" / "corpus"
_STAMP = "corpus.json"


@dataclass(frozen=True)
class CorpusSpec:
    bundles: int = 50  # the "about 5,000 CVs in bundles of 100"
    per_bundle: int = 100
    big: int = 1000
    seed: int = 0

    @property
    def key(self) -> str:
        return f"s{self.seed}-{self.bundles}x{self.per_bundle}-big{self.big}"


@dataclass(frozen=True)
class Corpus:
    spec: CorpusSpec
    bundles: list[Path]  # the throughput corpus, each of spec.per_bundle CVs
    big: Path  # one bundle of spec.big CVs

    @property
    def cvs(self) -> int:
        return self.spec.bundles * self.spec.per_bundle

    @property
    def size(self) -> int:
        return sum(p.stat().st_size for p in self.bundles)


def _generator() -> None:
    if str(SAMPLES) not in sys.path:
        sys.path.insert(0, str(SAMPLES))


def _generator_digest() -> str:
    digest = hashlib.sha256()
    for source in sorted((SAMPLES / "cvgen").glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


def _bundle_name(seed: int, index: int) -> str:
    # The names write_corpus() gives.
    return f"bundle-{seed:04d}-{index:05d}.zip"


def _write_one(target: Path, seed: int, index: int, per_bundle: int) -> Path:
    _generator()
    corpus_bundle: Callable[..., bytes] = importlib.import_module("cvgen.corpus").corpus_bundle
    path = target / _bundle_name(seed, index)
    path.write_bytes(corpus_bundle(seed, index, per_bundle))
    return path


def ensure_corpus(spec: CorpusSpec, cache: Path = CACHE, workers: int = 2) -> Corpus:
    """The corpus for ``spec``, generated (in ``workers`` processes) unless cached."""
    folder = cache / spec.key
    small_dir, big_dir = folder / "small", folder / "big"
    stamp = {"spec": spec.__dict__, "generator": _generator_digest()}
    bundles = [small_dir / _bundle_name(spec.seed, i) for i in range(spec.bundles)]
    # The big bundle has its own seed: its bundle_id and external ids differ from the others'.
    big = big_dir / _bundle_name(spec.seed + 1, 0)
    stamp_file = folder / _STAMP
    if stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp \
            and all(p.exists() for p in [*bundles, big]):
        return Corpus(spec, bundles, big)
    shutil.rmtree(folder, ignore_errors=True)
    small_dir.mkdir(parents=True)
    big_dir.mkdir(parents=True)
    print(f"bench: generating corpus {spec.key} in {folder} ...", file=sys.stderr, flush=True)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(_write_one, big_dir, spec.seed + 1, 0, spec.big)]
        jobs += [pool.submit(_write_one, small_dir, spec.seed, i, spec.per_bundle)
                 for i in range(spec.bundles)]
        for job in jobs:
            job.result()
    stamp_file.write_text(json.dumps(stamp, indent=2))
    return Corpus(spec, bundles, big)
