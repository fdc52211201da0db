"""``python -m bench.word``: the Word text readers' row — .doc CVs/s next to .docx, and the
peak memory of reading a .docx whose document.xml is 60 MiB (target: <= 300 MB RSS).

Each figure is measured in a fresh child process; its peak RSS is the child's ``VmHWM`` from
/proc (bench/children.py explains why not ru_maxrss). The CVs are the corpus of
tests/corpus/word/ (LibreOffice's .doc and .docx), read through the document checks.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from bench.children import vm_hwm_kib
from bench.corpus import REPO

CORPUS = REPO / "tests" / "corpus" / "word"
BIG_XML_MIB = 60
_CHILD = """
import sys, time
from pathlib import Path
from tests.corpus.word.read import read_cv
paths = [Path(p) for p in sys.argv[2:]]
rounds = int(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
start = time.perf_counter()
chars = 0
for _ in range(rounds):
    for path in paths:
        text, findings = read_cv(path)
        if findings:
            raise SystemExit(f"{path}: {[f.code for f in findings]}")
        chars += len(text or "")
print(time.perf_counter() - start, len(paths) * rounds, chars, flush=True)
sys.stdin.readline()
"""


def big_docx(path: Path, mib: int = BIG_XML_MIB) -> None:
    """A .docx (copied from the corpus) whose document.xml is grown to ``mib`` MiB of
    ordinary paragraphs."""
    with zipfile.ZipFile(CORPUS / "docx" / "cv00.docx") as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    xml = parts["word/document.xml"]
    head, _, tail = xml.partition(b"<w:sectPr")
    rng = random.Random(12)
    words = ["ingénieure", "qualité", "Besançon", "audits", "ISO", "encadrement", "équipe",
             "projet", "Toulouse", "clients", "livraison", "budget", "données", "réseau"]
    body = bytearray()
    while len(body) < mib << 20:  # varied text: compresses like a real CV, not a bomb
        text = " ".join(rng.choice(words) + str(rng.randrange(10_000)) for _ in range(12))
        body += (f'<w:p><w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">{text} </w:t>'
                 f"</w:r><w:r><w:tab/><w:t>{rng.randrange(1990, 2025)}</w:t></w:r></w:p>"
                 ).encode()
    parts["word/document.xml"] = head + bytes(body) + b"<w:sectPr" + tail
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def measure(paths: list[Path], rounds: int) -> dict[str, float]:
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(rounds), *map(str, paths)],
                            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        ready = vm_hwm_kib(proc.pid)
        proc.stdin.write("go\n")
        proc.stdin.flush()
        seconds, cvs, chars = proc.stdout.readline().split()
        peak = vm_hwm_kib(proc.pid)
        proc.stdin.write("done\n")
        proc.stdin.flush()
    finally:
        proc.wait(timeout=60)
    return {"cvs_per_s": int(cvs) / float(seconds), "chars": int(chars),
            "ready_mb": ready * 1024 / 1e6, "peak_mb": peak * 1024 / 1e6}


def main() -> int:
    rows = {
        "doc (Word 97-2003, LibreOffice)": measure(sorted((CORPUS / "doc").iterdir()), 20),
        "doc (Word 6/95)": measure(sorted((CORPUS / "word6").iterdir()), 100),
        "docx (Transitional)": measure(sorted((CORPUS / "docx").iterdir()), 20),
        "docx (Strict)": measure(sorted((CORPUS / "strict").iterdir()), 20),
    }
    big = Path("/tmp") / f"cvbridge-bench-{BIG_XML_MIB}mib.docx"
    started = time.perf_counter()
    big_docx(big)
    print(f"built {big} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    rows[f"docx, {BIG_XML_MIB} MiB document.xml"] = measure([big], 1)
    big.unlink()
    print(json.dumps(rows, indent=1))
    print("| reader | CVs/s | peak RSS MB (after imports) |")
    print("| --- | --- | --- |")
    for name, row in rows.items():
        print(f"| {name} | {row['cvs_per_s']:.1f} | {row['peak_mb']:.0f} "
              f"({row['ready_mb']:.0f}) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
