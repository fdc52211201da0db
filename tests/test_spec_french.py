"""The French specification (formats/cvbundle-1.0.fr.md): its findings table is generated from
the schema and the French catalogue, so it says what cvbridge says in French; regenerating it
gives the committed file byte for byte."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cvbridge._i18n import speaking
from cvbridge.bundle import load_spec
from tools.french_spec import FRENCH_SPEC, render

FORMATS = Path(__file__).resolve().parent.parent / "formats"
HEADER = "| Code | Gravité | Titre | Signification | Message | Correction |"


def _rows() -> list[list[str]]:
    lines = FRENCH_SPEC.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER) + 2
    return [[re.sub(r"\\(.)", r"\1", cell).strip()
             for cell in re.split(r"(?<!\\)\|", line[1:-1])]
            for line in lines[start:] if line.startswith("|")]


def test_the_committed_french_spec_is_the_generated_one() -> None:
    assert FRENCH_SPEC.read_text(encoding="utf-8") == render(), "run make i18n"


def test_every_code_has_its_french_row_in_schema_order() -> None:
    schema = json.loads((FORMATS / "cvbundle-1.0.schema.json").read_text(encoding="utf-8"))
    assert [row[0] for row in _rows()] == list(schema["findings"])


def test_the_rows_say_what_cvbridge_says_in_french() -> None:
    rows = {row[0]: row for row in _rows()}
    with speaking("fr"):
        crc = load_spec().finding("ZIP-CRC").translated()
    assert rows["ZIP-CRC"] == ["ZIP-CRC", "erreur", crc.title, crc.description, crc.message,
                               crc.suggestion]
    assert rows["ZIP-CRC"][2] == "Fichier de l'archive en échec au contrôle CRC"
    assert rows["DOC-NO-TEXT"][1] == "avertissement"
    # VALUE-INVALID's correction is the value's own ({fix}): the table says so in words.
    assert rows["VALUE-INVALID"][5] == "La correction dépend de la clé\u00a0; le message la nomme."


def test_every_french_cell_differs_from_the_english_one() -> None:
    english = load_spec().findings
    same = [(row[0], column) for row in _rows() for column, index, name in (
        ("title", 2, "title"), ("description", 3, "description"), ("message", 4, "message"))
        if row[index] == getattr(english[row[0]], name)]
    assert same == []


def test_the_introduction_points_to_the_english_reference() -> None:
    text = FRENCH_SPEC.read_text(encoding="utf-8")
    assert "[`cvbundle-1.0.md`](cvbundle-1.0.md) fait foi" in text
