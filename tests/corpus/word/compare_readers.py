"""Compare .doc text readers on the corpus: recall, CVs per second, peak memory.

Needs antiword, catdoc, wv (wvWare) and LibreOffice; the tests do not run this. Run from
the repository root::

    .venv/bin/python tests/corpus/word/compare_readers.py

Each external reader runs once per file under GNU time (``/usr/bin/time -f %M``: a child
forked from time's small process, so its peak RSS is its own, not this process's inherited
through fork); cvbridge's reader runs in one child Python process over
every file (its peak includes the interpreter, lxml and olefile). LibreOffice converts all
files in one call (its start-up amortised, as a batch fallback would run it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO))

from tests.corpus.word.recall import percentile, recall  # noqa: E402

TOOLS = {
    "antiword": ["antiword", "-m", "UTF-8.txt", "-w", "0"],
    "catdoc": ["catdoc", "-d", "utf-8", "-w"],
    "wvWare": ["wvWare", "-x", "/usr/share/wv/wvText.xml", "-c", "utf-8", "--nographics"],
}
_OURS = """
import sys, time
from pathlib import Path
from tests.corpus.word.read import read_cv
paths = [Path(p) for p in sys.argv[1:]]
start = time.perf_counter()
for path in paths:
    text, _ = read_cv(path)
    Path("/tmp/ours-" + path.parent.name + "-" + path.stem + ".txt").write_text(text or "")
elapsed = time.perf_counter() - start
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(elapsed, hwm)
"""


def spawn(argv: list[str], out: Path) -> tuple[float, int, int]:
    """Wall seconds, exit status, peak RSS in KiB of one run."""
    peak = out.with_suffix(".rss")
    with out.open("wb") as sink:
        start = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(peak), *argv],
                                stdout=sink, stderr=subprocess.DEVNULL, check=False,
                                env=os.environ | {"LC_ALL": "C.UTF-8"})
        wall = time.perf_counter() - start
    return wall, result.returncode, int(peak.read_text().split()[-1])


def reference(path: Path) -> str:
    return (HERE / "expected" / f"{path.parent.name}-{path.stem}.txt").read_text()


def row(name: str, texts: dict[Path, str], seconds: float, peak_kib: int,
        failures: int) -> str:
    values = [recall(reference(p), t) for p, t in texts.items()]
    return (f"| {name} | {percentile(values, 0.10):.3f} | {percentile(values, 0.5):.3f} | "
            f"{failures} | {len(values) / seconds:.0f} | {peak_kib / 1024:.0f} |")


def main() -> int:
    paths = sorted((HERE / "doc").glob("*.doc")) + sorted((HERE / "word6").glob("*.doc"))
    print(f"{len(paths)} files: {len(list((HERE / 'doc').glob('*.doc')))} Word 97-2003 "
          "(LibreOffice), the rest Word 6/95")
    print("| reader | recall p10 | recall median | failed files | CVs/s | peak RSS MB |")
    print("| --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, argv in TOOLS.items():
            texts, seconds, peak, failures = {}, 0.0, 0, 0
            for path in paths:
                out = work / f"{name}-{path.parent.name}-{path.stem}.txt"
                wall, code, rss = spawn([*argv, str(path)], out)
                seconds, peak = seconds + wall, max(peak, rss)
                text = out.read_text(errors="replace") if code == 0 else ""
                failures += code != 0 or not text.strip()
                texts[path] = text
            print(row(name, texts, seconds, peak, failures))
        result = subprocess.run([sys.executable, "-c", _OURS, *map(str, paths)], cwd=REPO,
                                capture_output=True, text=True, check=True)
        seconds_text, hwm = result.stdout.split()
        ours = {p: Path(f"/tmp/ours-{p.parent.name}-{p.stem}.txt").read_text() for p in paths}
        print(row("cvbridge (olefile, piece table)", ours, float(seconds_text), int(hwm),
                  sum(not t.strip() for t in ours.values())))
        lo_out = work / "lo"
        seconds, _, lo_peak = spawn(["soffice", f"-env:UserInstallation=file://{tmp}/p",
                                     "--headless", "--convert-to", "txt:Text (encoded):UTF8",
                                     "--outdir", str(lo_out), *map(str, paths)],
                                    work / "lo.log")
        lo = {p: (lo_out / f"{p.stem}.txt").read_text(encoding="utf-8-sig")
              if (lo_out / f"{p.stem}.txt").exists() else "" for p in paths}
        print(row("LibreOffice headless (batch)", lo, seconds, lo_peak,
                  sum(not t.strip() for t in lo.values())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
