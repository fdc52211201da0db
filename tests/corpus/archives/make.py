"""Write the archiver corpus: real bundles zipped by the tools vendors use.

    python tests/corpus/archives/make.py        (needs zip, 7z, bsdtar: apt-get install
                                                 zip unzip p7zip-full libarchive-tools)

The bundle is the generator's minimal one (samples/cvgen), three candidates, one of whom has a
CV named with accents; each archiver zips the same folder its own way. The outputs (a few KB
each) are committed with ``cases.json`` (file, tool, command, the codes cvbridge must report),
so ``make test`` needs none of these tools. The archivers stamp their own dates and versions:
regenerating gives equivalent archives, not the same bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT / "samples"))

from cvgen.minimal import cv, cv_path, minimal_bundle, set_key  # noqa: E402

ACCENTED_CV = "cvs/Éléonore Lefèvre.docx"
MTIME = 1_790_000_000  # a fixed date for every file, so dates do not vary between runs
APPLE_DOUBLE = bytes.fromhex("00051607000200004d6163204f53205820202020202020200002") + bytes(60)


@dataclass(frozen=True)
class Case:
    file: str
    tool: str
    command: str
    expected: tuple[str, ...] = ()
    description: str = ""
    # Info-ZIP's unzip -t reads it without an error (every case but a broken archiver output).
    reads_back: bool = True


def bundle_files() -> dict[str, bytes]:
    bundle = minimal_bundle(3, edits={2: set_key("cv_file", ACCENTED_CV)})
    del bundle.files[cv_path(2)]
    bundle.add(ACCENTED_CV, cv(2))
    return dict(bundle.files)


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for path in sorted(root.rglob("*"), reverse=True):
        os.utime(path, (MTIME, MTIME))
    os.utime(root, (MTIME, MTIME))


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None,
        stdout_to: Path | None = None) -> None:
    environment = {**os.environ, "LC_ALL": "C.UTF-8", "TZ": "UTC", **(env or {})}
    if stdout_to is None:
        subprocess.run(command, cwd=cwd, check=True, env=environment,
                       stdout=subprocess.DEVNULL)
        return
    with stdout_to.open("wb") as out:
        subprocess.run(command, cwd=cwd, check=True, env=environment, stdout=out)


TOP = ["manifest.txt", "candidats", "cvs"]


def info_zip(flags: list[str]) -> Callable[[Path, Path], str]:
    def make(tree: Path, out: Path) -> str:
        command = ["zip", "-q", "-r", *flags, str(out), *TOP]
        run(command, tree)
        return " ".join(["zip", "-r", *flags, "OUT.zip", *TOP])
    return make


def info_zip_pipe(tree: Path, out: Path) -> str:
    # Output to a pipe: zip cannot seek back, so it streams (data descriptors).
    command = ["sh", "-c", "zip -q -r - manifest.txt candidats cvs | cat"]
    run(command, tree, stdout_to=out)
    return "zip -r - manifest.txt candidats cvs | cat > OUT.zip"


def seven_zip(flags: list[str]) -> Callable[[Path, Path], str]:
    def make(tree: Path, out: Path) -> str:
        run(["7z", "a", "-tzip", "-bso0", "-bsp0", *flags, str(out), *TOP], tree)
        return " ".join(["7z", "a", "-tzip", *flags, "OUT.zip", *TOP])
    return make


def bsdtar(flags: list[str], sources: list[str]) -> Callable[[Path, Path], str]:
    def make(tree: Path, out: Path) -> str:
        run(["bsdtar", "--format", "zip", *flags, "-cf", str(out), *sources], tree)
        return " ".join(["bsdtar", "--format", "zip", *flags, "-cf", "OUT.zip", *sources])
    return make


_STREAM_SCRIPT = """
import sys, zipfile
from pathlib import Path
force = sys.argv[1] == "zip64"
with zipfile.ZipFile(sys.stdout.buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    for path in sorted(Path(".").rglob("*")):
        if path.is_file():
            info = zipfile.ZipInfo(path.as_posix(), (2026, 11, 20, 9, 30, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=force) as stream:
                stream.write(path.read_bytes())
"""


def python_stream(mode: str) -> Callable[[Path, Path], str]:
    def make(tree: Path, out: Path) -> str:
        run([sys.executable, "-c", _STREAM_SCRIPT, mode], tree, stdout_to=out)
        return f"python zipfile.ZipFile(stdout pipe), open(..., 'w', force_zip64={mode == 'zip64'})"
    return make


def code_page_names(code_page: str) -> Callable[[Path, Path], str]:
    """Windows Explorer's names: the OEM code page's bytes, no UTF-8 flag, no Unicode Path
    field (-X: Info-ZIP then stores the name's bytes as they are)."""
    def make(tree: Path, out: Path) -> str:
        accented = tree / ACCENTED_CV
        raw = os.fsencode(tree / "cvs") + b"/" + ACCENTED_CV.split("/")[1].encode(code_page)
        accented.rename(os.fsdecode(raw))
        run(["zip", "-q", "-r", "-X", str(out), *TOP], tree)
        return f"zip -r -X OUT.zip {' '.join(TOP)} (the CV's file name in {code_page} bytes)"
    return make


def finder(tree: Path, out: Path) -> str:
    """macOS Finder's 'Compress': one folder, AppleDouble files under __MACOSX/, a
    .DS_Store (written here with Info-ZIP, in the same layout)."""
    folder = tree.parent / "finder"
    (folder / "Export").mkdir(parents=True)
    for name in TOP:
        source = tree / name
        target = folder / "Export" / name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    (folder / "Export" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + bytes(120))
    for path in sorted((folder / "Export").rglob("*")):
        if path.is_file() and path.name != ".DS_Store":
            relative = path.relative_to(folder)
            double = folder / "__MACOSX" / relative.parent / f"._{relative.name}"
            double.parent.mkdir(parents=True, exist_ok=True)
            double.write_bytes(APPLE_DOUBLE)
    write_tree(folder, {})
    run(["zip", "-q", "-r", str(out), "Export", "__MACOSX"], folder)
    return "zip -r OUT.zip Export __MACOSX (Finder layout: Export/, __MACOSX/Export/._*, .DS_Store)"


CASES: list[tuple[Case, Callable[[Path, Path], str]]] = [
    (Case("infozip-deflated.zip", "Info-ZIP zip 3.0", "", (),
          "the defaults: deflated, directory entries, extended timestamps and Unix ids"),
     info_zip([])),
    (Case("infozip-stored.zip", "Info-ZIP zip 3.0", "", (), "every member stored (-0)"),
     info_zip(["-0"])),
    (Case("infozip-best.zip", "Info-ZIP zip 3.0", "", (), "deflate level 9"),
     info_zip(["-9"])),
    (Case("infozip-descriptors.zip", "Info-ZIP zip 3.0", "", (),
          "data descriptors forced (-fd)"), info_zip(["-fd"])),
    (Case("infozip-no-dirs.zip", "Info-ZIP zip 3.0", "", (), "no directory entries (-D)"),
     info_zip(["-D"])),
    (Case("infozip-no-extra.zip", "Info-ZIP zip 3.0", "", (),
          "no extra fields (-X)"), info_zip(["-X"])),
    (Case("infozip-zip64.zip", "Info-ZIP zip 3.0", "", (), "zip64 forced (-fz)"),
     info_zip(["-fz"])),
    (Case("infozip-zip64-descriptors.zip", "Info-ZIP zip 3.0", "", ("ZIP-ZIP64-MISMATCH",),
          "zip64 and data descriptors forced (-fz -fd): zip 3.0 marks the central directory "
          "offset 0xFFFFFFFF but writes no zip64 end record; unzip itself reports 'missing "
          "4294967180 bytes'", reads_back=False), info_zip(["-fz", "-fd"])),
    (Case("infozip-utf8-flag.zip", "Info-ZIP zip 3.0", "", (),
          "UTF-8 names flagged as such (-UN=UTF8)"), info_zip(["-UN=UTF8"])),
    (Case("infozip-pipe.zip", "Info-ZIP zip 3.0", "", (),
          "written to a pipe: streamed, data descriptors"), info_zip_pipe),
    (Case("7z-store.zip", "7-Zip", "", (), "ZIP mode, stored (-mx=0)"), seven_zip(["-mx=0"])),
    (Case("7z-fast.zip", "7-Zip", "", (), "ZIP mode, fastest deflate (-mx=1)"),
     seven_zip(["-mx=1"])),
    (Case("7z-normal.zip", "7-Zip", "", (), "ZIP mode, default level"), seven_zip([])),
    (Case("7z-ultra.zip", "7-Zip", "", (), "ZIP mode, ultra (-mx=9)"), seven_zip(["-mx=9"])),
    (Case("7z-utf8.zip", "7-Zip", "", (), "UTF-8 names always (-mcu=on)"),
     seven_zip(["-mcu=on"])),
    (Case("7z-deflate64.zip", "7-Zip", "", ("ZIP-METHOD",),
          "Deflate64 (-mm=Deflate64): method 9, refused by the spec"),
     seven_zip(["-mm=Deflate64"])),
    (Case("explorer-cp850-names.zip", "Info-ZIP zip 3.0", "", ("PATH-ENCODING",),
          "the accented CV name in code page 850 bytes, no UTF-8 flag: what Windows' built-in "
          "'compressed folder' writes in France (file names given to zip as cp850 bytes)"),
     code_page_names("cp850")),
    (Case("explorer-cp437-names.zip", "Info-ZIP zip 3.0", "", ("PATH-ENCODING",),
          "the same in code page 437, the US DOS code page (these accents are the same "
          "bytes in cp850)"), code_page_names("cp437")),
    (Case("bsdtar-deflated.zip", "bsdtar (libarchive)", "", (), "deflated, named files"),
     bsdtar([], TOP)),
    (Case("bsdtar-dot.zip", "bsdtar (libarchive)", "", (),
          "the folder given as '.': every name starts with './'"), bsdtar([], ["."])),
    (Case("bsdtar-stored.zip", "bsdtar (libarchive)", "", (), "stored"),
     bsdtar(["--options", "zip:compression=store"], ["."])),
    (Case("python-stream.zip", "Python zipfile", "", (),
          "streamed to a pipe: data descriptors"), python_stream("plain")),
    (Case("python-stream-zip64.zip", "Python zipfile", "", (),
          "streamed to a pipe with zip64 forced: zip64 data descriptors"),
     python_stream("zip64")),
    (Case("finder-layout.zip", "Info-ZIP zip 3.0", "", ("LAYOUT-JUNK", "LAYOUT-WRAPPED"),
          "macOS Finder's layout: a wrapping folder, __MACOSX/._* AppleDouble files, "
          ".DS_Store"), finder),
]


def main() -> int:
    files = bundle_files()
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        for case, make in CASES:
            work = Path(scratch) / case.file.removesuffix(".zip")
            tree = work / "bundle"
            tree.mkdir(parents=True)
            write_tree(tree, {unicodedata.normalize("NFC", k): v for k, v in files.items()})
            out = work / case.file
            command = make(tree, out)
            # The archiver's output reads back whole with Info-ZIP's unzip (not with zipfile:
            # it cannot read zip -fz -fd, whose offsets it shifts by a negative "concat").
            tested = subprocess.run(["unzip", "-tqq", str(out)], capture_output=True)
            if (tested.returncode == 0) != case.reads_back:
                raise SystemExit(f"{case.file}: unzip -t exit {tested.returncode}")
            shutil.copyfile(out, HERE / case.file)
            written.append({"file": case.file, "tool": case.tool, "command": command,
                            "description": case.description, "unzip_reads": case.reads_back,
                            "expected": sorted(case.expected)})
    (HERE / "cases.json").write_text(json.dumps(written, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    print(f"wrote {len(written)} archives to {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
