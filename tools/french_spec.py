"""Writes ``formats/cvbundle-1.0.fr.md``: the French specification of cvbundle 1.0, its
findings table generated from the schema and the French catalogue (the same words cvbridge
prints), so that the two languages cannot drift. ``make i18n`` runs it; a test regenerates it
and compares.

    python -m tools.french_spec          # rewrite the file
"""

from __future__ import annotations

import json
from pathlib import Path

from cvbridge._i18n import speaking
from cvbridge.bundle._schema import FindingType, load_spec, severity_word

ROOT = Path(__file__).resolve().parent.parent
FRENCH_SPEC = ROOT / "formats" / "cvbundle-1.0.fr.md"
SCHEMA = ROOT / "formats" / "cvbundle-1.0.schema.json"
NBSP = "\u00a0"

INTRODUCTION = f"""\
# cvbundle 1.0{NBSP}— format d'échange de lots de CV

**Statut{NBSP}:** stable, version 1.0. **Référence{NBSP}:** la spécification anglaise
[`cvbundle-1.0.md`](cvbundle-1.0.md) fait foi, avec son schéma
[`cvbundle-1.0.schema.json`](cvbundle-1.0.schema.json){NBSP}; ce document en est la version
française pour le prestataire qui produit les lots. Le tableau des constats ci-dessous est
généré à partir du schéma et du catalogue de traduction de cvbridge (`make i18n`){NBSP}: ce sont
mot pour mot les textes que cvbridge affiche en français, et un test vérifie qu'ils concordent.

## 1. Le format en bref

Un lot (*bundle*) est une archive ZIP standard déposée par SFTP{NBSP}: `NOM.zip.part`, renommé
en `NOM.zip` une fois le transfert terminé. À sa racine, un `manifest.txt` décrit le lot
(`format: cvbundle/1.0`, `bundle_id`, `vendor`, `created_at`, `candidate_count`){NBSP}; chaque
candidat a son fichier texte de lignes `clé: valeur` (UTF-8 par défaut), qui désigne son CV
(`cv_file`, un .docx ou un .doc) et ses pièces jointes (`attachment`) par leur chemin dans
l'archive. Les clés, leurs types et les limites sont décrits dans la spécification anglaise
(§{NBSP}4 à §{NBSP}9){NBSP}; les noms de clés, les codes de constat et les clés JSON ne se
traduisent pas.

## 2. Valider un lot avant de l'envoyer

`cvbridge validate LOT.zip` signale tous les problèmes d'un coup, chacun avec un code stable,
le fichier de l'archive et la ligne en cause, et une correction{NBSP}; `--format json` donne la
même chose pour un programme (le message dans la langue choisie, le code inchangé).
`cvbridge rules CODE` explique un code. Une erreur liée à un candidat ne rejette que ce
candidat{NBSP}; une erreur sur le lot entier (archive, manifeste) rejette tout le lot. À la
relève de la boîte de dépôt, un lot refusé va dans `failed/`, un lot intégré en partie dans
`processed/`, chacun avec `NOM.zip.errors.txt` à côté de lui, qui reprend ces constats.


## 3. Catalogue des constats

Tous les constats que le destinataire peut signaler, dans l'ordre du schéma. Les noms entre
accolades, comme `{{key}}`, sont remplacés par leur valeur dans le rapport réel.

| Code | Gravité | Titre | Signification | Message | Correction |
| --- | --- | --- | --- | --- | --- |
"""
VALUE_INVALID_FIX = f"La correction dépend de la clé{NBSP}; le message la nomme."


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def _row(kind: FindingType) -> str:
    fix = VALUE_INVALID_FIX if kind.suggestion == "{fix}" else kind.suggestion
    cells = (kind.code, severity_word(kind.severity), kind.title, kind.description,
             kind.message, fix)
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def render() -> str:
    """The French specification, as ``formats/cvbundle-1.0.fr.md`` must hold it."""
    codes = json.loads(SCHEMA.read_text(encoding="utf-8"))["findings"]
    findings = load_spec().findings
    with speaking("fr"):
        rows = [_row(findings[code].translated()) for code in codes]
    return INTRODUCTION + "\n".join(rows) + "\n"


def main() -> None:
    FRENCH_SPEC.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
