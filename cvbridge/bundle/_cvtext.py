"""Plain text of CVs, for search: WordprocessingML with lxml, legacy .doc through antiword.

lxml straight on the XML is an order of magnitude faster than python-docx's object model and
sees what the latter skips (text boxes, content controls). Text-box paragraphs are visited
once: Word writes each text box twice (DrawingML in ``mc:Choice``, VML in ``mc:Fallback``) and
the fallback copy is dropped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_W_P, _W_T, _W_TAB, _W_TABS, _W_BR, _W_CR = (
    W + "p", W + "t", W + "tab", W + "tabs", W + "br", W + "cr")
_WALKED = (_W_P, _W_T, _W_TAB, _W_BR, _W_CR, _MC_FALLBACK)
_BLANK_RUNS = re.compile(r"\n{3,}")
ANTIWORD_TIMEOUT_SECONDS = 30


class XmlError(ValueError):
    """An XML part is not well-formed."""


def secure_parser() -> etree.XMLParser:
    """No DTD, no entities, no network, no huge trees: the parser for untrusted parts."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


_PARSER = secure_parser()


def parse_xml(data: bytes) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlError(str(exc)) from exc


def _tidy(pieces: list[str]) -> str:
    lines = "".join(pieces).split("\n")
    return _BLANK_RUNS.sub("\n\n", "\n".join(line.rstrip() for line in lines)).strip()


def wordprocessing_text(root: etree._Element) -> str:
    """Text of a document, header, footer or notes part, one paragraph per line."""
    pieces: list[str] = []
    append = pieces.append
    walker = etree.iterwalk(root, events=("start", "end"), tag=_WALKED)
    for event, element in walker:
        tag = element.tag
        if event == "end":
            if tag == _W_P:
                append("\n")
        elif tag == _W_T:
            append(element.text or "")
        elif tag == _W_P:
            continue
        elif tag == _MC_FALLBACK:
            # The copy of what mc:Choice holds: skipped in the same walk. (A part whose root
            # is one is read as it stands: it has no Choice to prefer.)
            if element is not root:
                walker.skip_subtree()
        elif tag == _W_TAB:
            parent = element.getparent()
            # A w:tab inside w:tabs is a tab stop definition, not a tab character.
            if parent is None or parent.tag != _W_TABS:
                append("\t")
        else:
            append("\n")
    return _tidy(pieces)


def antiword_available() -> bool:
    return shutil.which("antiword") is not None


def legacy_doc_text(data: bytes) -> str | None:
    """Text of a Word 97-2003 file through antiword; None when antiword is not installed
    or cannot read the file."""
    executable = shutil.which("antiword")
    if executable is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".doc") as handle:
        handle.write(data)
        handle.flush()
        try:
            result = subprocess.run(
                [executable, "-m", "UTF-8.txt", "-w", "0", handle.name],
                capture_output=True, timeout=ANTIWORD_TIMEOUT_SECONDS, check=False,
                env={**os.environ, "LC_ALL": "C.UTF-8"},
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
    if result.returncode != 0:
        return None
    return _tidy([result.stdout.decode("utf-8", errors="replace")])
