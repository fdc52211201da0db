"""``cvbridge rules`` in French: the catalogue's titles, descriptions, messages and corrections
in French, the severity in French words in the text, the codes and the JSON keys unchanged."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from cvbridge._i18n import use_language
from cvbridge.bundle import load_spec
from cvbridge.cli import app

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    use_language("fr")
    yield
    use_language("en")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_the_list_in_french_keeps_the_codes_in_schema_order() -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    findings = load_spec().findings
    assert [line.split()[0] for line in lines] == list(findings)
    width = max(len(code) for code in findings)
    assert lines[0] == f"{'ZIP-NOT-ZIP':<{width}}  erreur         Pas une archive ZIP"
    assert f"{'PATH-ENCODING':<{width}}  avertissement  Nom ni signalé ni valide en UTF-8" \
        in lines


def test_one_code_explained_in_french() -> None:
    result = invoke("rules", "ZIP-CRC")
    assert result.exit_code == 0
    assert result.stdout == (
        f"ZIP-CRC (erreur){NBSP}: Fichier de l'archive en échec au contrôle CRC\n"
        "\n"
        "Les octets d'un fichier de l'archive ne correspondent pas au CRC-32 enregistré dans "
        "l'archive. Chaque fichier est contrôlé, qu'un candidat y fasse référence ou non.\n"
        "\n"
        f"Message{NBSP}: le contenu de ce fichier (données à la position {{offset}}) est "
        "endommagé (CRC-32 discordant)\n"
        f"Correction{NBSP}: Reconstruisez l'archive à partir des fichiers d'origine et "
        "déposez-la à nouveau.\n")


def test_the_json_keeps_keys_codes_and_severities_and_carries_french_words() -> None:
    listed = json.loads(invoke("rules", "--format", "json").stdout)
    use_language("en")
    english = json.loads(invoke("rules", "--format", "json").stdout)
    assert [sorted(entry) for entry in listed] == [sorted(entry) for entry in english]
    assert [(e["code"], e["severity"]) for e in listed] == \
        [(e["code"], e["severity"]) for e in english]
    different = [entry["code"] for entry, theirs in zip(listed, english, strict=True)
                 if all(entry[key] != theirs[key] for key in ("title", "description"))]
    assert different == [entry["code"] for entry in english]


def test_one_code_in_json_in_french() -> None:
    explained = json.loads(invoke("rules", "DOC-MACRO", "--format", "json").stdout)
    assert explained == {
        "code": "DOC-MACRO", "severity": "error", "title": "Document avec macros",
        "description": "Le document contient des macros\u00a0: un type de contenu prenant en "
                       "charge les macros ou une partie vbaProject dans un .docx, un stockage "
                       "Macros ou _VBA_PROJECT_CUR dans un .doc.",
        "message": "ce document contient des macros ({detail})",
        "suggestion": "Enregistrez le document comme simple document Word (.docx), sans "
                      "macros."}
