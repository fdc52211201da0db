"""Writing a file the way ``cp`` does: a folder gets the file under its own name, a missing
folder or an existing file is refused in one line, ``-`` is stdout."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from cvbridge._errors import OutputError
from cvbridge._i18n import _


def resolve_target(out: str, filename: str) -> Path:
    """Where ``--out OUT`` puts a file first named ``filename``: inside OUT when OUT is a
    folder or ends with ``/`` (like ``cp``), else OUT itself."""
    path = Path(out).expanduser()
    name = Path(filename.replace("\\", "/")).name
    if out.endswith(("/", os.sep)):
        if not path.is_dir():
            raise OutputError(_("cannot write to {out}: the folder does not exist").format(out=out))
        return path / name
    if path.is_dir():
        return path / name
    if not path.parent.is_dir():
        raise OutputError(_("cannot write {path}: the folder {parent} does not exist")
                          .format(path=path, parent=path.parent))
    return path


def write_file(target: Path, content: bytes, *, force: bool) -> None:
    """Write ``content`` to ``target``. An existing file is kept unless ``force``; with it,
    the new content replaces the old at once (a temporary file renamed over it), so an
    interrupted export never leaves half a CV."""
    try:
        if not force:
            with target.open("xb") as handle:
                handle.write(content)
            return
        descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.",
                                                 dir=target.parent)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
            Path(temporary).replace(target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except FileExistsError as exc:
        raise OutputError(_("{target} exists already; add --force to overwrite it")
                          .format(target=target)) from exc
    except IsADirectoryError as exc:
        raise OutputError(_("cannot write {target}: it is a folder").format(target=target)) from exc
    except OSError as exc:
        raise OutputError(_("cannot write {target}: {reason}")
                          .format(target=target, reason=exc.strerror or exc)) from exc


def write_stdout(content: bytes, *, binary: bool) -> None:
    """``content`` on stdout; binary data is refused when stdout is a terminal."""
    if binary and sys.stdout.isatty():
        raise OutputError(_("will not write a Word document to the terminal: give --out FILE or a "
                            "folder, or redirect the output (> cv.docx)"))
    sys.stdout.flush()
    sys.stdout.buffer.write(content)
    sys.stdout.buffer.flush()
