"""The command line in French: the help of every command and sub-command (ours, typer's and
click's words), usage errors, and the errors of the store and of the settings. English stays
the default, and its help and usage errors are what they were."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

NBSP, NNBSP = "\u00a0", "\u202f"

# Builds the command tree in LANG, as main() does (the language first, then the commands),
# and gives back every command's help: its text, each parameter's help, the rendered page.
_HELP_DUMP = """
import json, sys
from cvbridge._i18n import use_language
use_language(sys.argv[1])
import typer.main
from typer.testing import CliRunner
from cvbridge.cli import app

pages = {}
def walk(command, path):
    pages[" ".join(path)] = {
        "help": command.help,
        "params": {param.name: getattr(param, "help", None) for param in command.params},
        "page": CliRunner().invoke(app, [*path, "--help"], prog_name="cvbridge").output,
    }
    for name, sub in getattr(command, "commands", {}).items():
        walk(sub, [*path, name])
walk(typer.main.get_command(app), [])
json.dump(pages, sys.stdout)
"""


def _environ(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "CVBRIDGE_LANG",
                          "CVBRIDGE_CONFIG", "CVBRIDGE_DB_URL")}
    return {**env, **extra}


@cache
def help_pages(language: str) -> dict[str, dict[str, Any]]:
    run = subprocess.run([sys.executable, "-c", _HELP_DUMP, language], capture_output=True,
                         text=True, check=True, env=_environ())
    pages: dict[str, dict[str, Any]] = json.loads(run.stdout)
    return pages


def cvbridge(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """The console script, as users run it."""
    return subprocess.run([str(Path(sys.executable).with_name("cvbridge")), *args],
                          capture_output=True, text=True, check=False,
                          env=_environ(**environ))


def test_the_walk_reaches_every_command() -> None:
    commands = set(help_pages("fr"))
    assert {"", "validate", "rules", "ingest", "poll", "purge", "status", "bundles",
            "bundles list", "bundles show", "bundles reprocess", "bundles revert",
            "candidates", "candidates list", "candidates show", "candidates search",
            "candidates export-cv", "candidates duplicates", "candidates merge",
            "candidates unmerge", "db", "db upgrade", "db vacuum", "profile", "profile check",
            "profile show", "profile apply"} == commands


@pytest.mark.parametrize("command", sorted(help_pages("en")))
def test_every_help_text_and_option_help_is_french(command: str) -> None:
    english, french = help_pages("en")[command], help_pages("fr")[command]
    assert french["help"] and french["help"] != english["help"]
    assert french["params"].keys() == english["params"].keys()
    for name, text in english["params"].items():
        # rules' --format has no help; typer's completion options are said in French where
        # the page is written (below).
        if text and name not in ("install_completion", "show_completion"):
            assert french["params"][name] != text, (command, name)
    page = french["page"]
    assert page.startswith(f"Utilisation{NBSP}: cvbridge")
    assert f"Options{NBSP}:\n" in page
    assert f"-h, --help{' ' * 2}" in page and "Affiche ce message et quitte." in page
    # typer's and click's own words, in none of their English forms.
    for english_word in ("Usage:", "Options:", "Commands:", "Arguments:", "[default:",
                         "required]", "Show this message", "Example:"):
        assert english_word not in page, (command, english_word)


# Words of a command line (the wrapped end of an example, an option and its choices): the same
# in both languages.
_COMMAND_WORDS = {"cvbridge", "status", "ops", "2h", "site-profile.toml", "BUNDLE.zip"}


def _is_command_text(line: str) -> bool:
    return all(word[0] in "-/\"(<{[$" or word in _COMMAND_WORDS for word in line.split())


def test_no_help_line_a_person_reads_stays_english() -> None:
    """A line of a French page that is also on the English one is command-line text only."""
    kept = []
    for command, english in help_pages("en").items():
        english_lines = set(english["page"].splitlines())
        kept += [(command, line) for line in help_pages("fr")[command]["page"].splitlines()
                 if line in english_lines and line.strip()]
    assert kept  # the wrapped examples: the check sees identical lines
    assert [(command, line) for command, line in kept if not _is_command_text(line)] == []


def test_the_defaults_and_required_marks_are_french() -> None:
    status = help_pages("fr")["status"]["page"]
    assert f"[par défaut{NBSP}: 24h]" in status
    assert f"[par défaut{NBSP}:\n" in status or f"[par défaut{NBSP}: 1h]" in status
    validate = help_pages("fr")["validate"]["page"]
    assert "[obligatoire]" in validate
    assert f"Arguments{NBSP}:" in validate
    root = help_pages("fr")[""]["page"]
    assert f"Commandes{NBSP}:" in root
    assert "  --install-completion  Installe la complétion pour" in root


def test_a_usage_error_in_french() -> None:
    run = cvbridge("--lang", "fr", "candidates", "show", "abc")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        f"Utilisation{NBSP}: cvbridge candidates show [OPTIONS] {{ID}}\n"
        f"Essayez «{NBSP}cvbridge candidates show -h{NBSP}» pour l'aide.\n\n"
        f"Erreur{NBSP}: Valeur invalide pour «{NBSP}ID{NBSP}»{NBSP}: «{NBSP}abc{NBSP}» n'est pas "
        "un nombre entier.\n")


@pytest.mark.parametrize(("args", "last_line"), [
    (["candidates", "lis"], f"Erreur{NBSP}: Commande «{NBSP}lis{NBSP}» inconnue. Vouliez-vous "
                            f"dire «{NBSP}list{NBSP}»{NNBSP}?"),
    (["rules", "--nope"], f"Erreur{NBSP}: Option inconnue{NBSP}: --nope"),
    (["candidates", "show"], f"Erreur{NBSP}: Argument «{NBSP}ID{NBSP}» manquant."),
    (["validate", "--format", "xml", "x.zip"],
     f"Erreur{NBSP}: Valeur invalide pour «{NBSP}--format{NBSP}» / «{NBSP}-f{NBSP}»{NBSP}: "
     f"«{NBSP}xml{NBSP}» n'est pas l'une des valeurs «{NBSP}text{NBSP}», «{NBSP}json{NBSP}», "
     f"«{NBSP}junit{NBSP}»."),
    (["status", "--since"], f"Erreur{NBSP}: L'option «{NBSP}--since{NBSP}» demande une valeur."),
    (["validate", "/nonexistent/b.zip"],
     f"Erreur{NBSP}: Valeur invalide pour «{NBSP}BUNDLE.zip...{NBSP}»{NBSP}: le fichier "
     f"«{NBSP}/nonexistent/b.zip{NBSP}» n'existe pas."),
    (["candidates", "show", "0"], f"Erreur{NBSP}: Valeur invalide pour «{NBSP}ID{NBSP}»{NBSP}: "
                                  "la valeur 0 doit être comprise entre 1 et 2147483647."),
    (["validate", "--jobs", "0", "x.zip"],
     f"Erreur{NBSP}: Valeur invalide pour «{NBSP}--jobs{NBSP}» / «{NBSP}-j{NBSP}»{NBSP}: "
     "la valeur 0 doit être supérieure ou égale à 1."),
    (["poll", "--interval", "abc"], f"Erreur{NBSP}: Valeur invalide pour «{NBSP}--interval{NBSP}»"
                                    f"{NBSP}: «{NBSP}abc{NBSP}» n'est pas un nombre."),
    (["purge"], f"Erreur{NBSP}: Valeur invalide pour --expired{NBSP}: dites quoi purger{NBSP}: "
                "--expired"),
    (["candidates", "list", "--db"], f"Erreur{NBSP}: Valeur invalide pour --db{NBSP}: demande "
                                     "une valeur"),
])
def test_usage_errors_in_french(args: list[str], last_line: str) -> None:
    run = cvbridge(*args, CVBRIDGE_LANG="fr")
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == last_line


def test_a_store_error_in_french(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    run = cvbridge("--db", url, "bundles", "show", "3", LANG="fr_FR.UTF-8")
    assert (run.returncode, run.stdout, run.stderr) == (2, "", "cvbridge: error: aucun lot #3\n")
    run = cvbridge("--db", url, "candidates", "merge", "1", "1", "--lang", "fr")
    assert (run.returncode, run.stderr) == (
        1, "cvbridge: error: un candidat ne peut pas être fusionné avec lui-même\n")


def test_settings_problems_in_french(tmp_path: Path) -> None:
    config = tmp_path / "cvbridge.toml"
    config.write_text('lang = "fr"\nsettle_seconds = "bientôt"\n', encoding="utf-8")
    run = cvbridge("--config", str(config), "bundles", "list")
    assert (run.returncode, run.stderr) == (
        2, f"cvbridge: error: {config}:2{NBSP}: settle_seconds doit être un nombre de secondes, "
           f"pas «{NBSP}bientôt{NBSP}»\n")


def test_status_output_in_french(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert cvbridge("--db", url, "db", "upgrade", "--lang", "fr").stdout == \
        "le schéma de la base est à jour\n"
    run = cvbridge("--db", url, "status", "--lang", "fr")
    assert run.stdout.splitlines() == [
        "CVBRIDGE WARNING - 0 lots sur 24h, 0 en échec, 0 en intégration partielle, "
        "plus ancienne prise en charge 0 s",
        f"aucune relève{NBSP}: aucune relève réussie enregistrée",
        f"dernière relève réussie{NBSP}: jamais",
    ]


def test_english_stays_the_default_and_unchanged() -> None:
    run = cvbridge("candidates", "show", "abc")
    assert run.stderr == (
        "Usage: cvbridge candidates show [OPTIONS] {ID}\n"
        "Try 'cvbridge candidates show -h' for help.\n\n"
        "Error: Invalid value for 'ID': 'abc' is not a valid int range.\n")
    assert help_pages("en")["status"]["page"].startswith("Usage: cvbridge status [OPTIONS]\n")
