"""Choosing the language, first match wins: --lang (anywhere before --), $CVBRIDGE_LANG,
``lang`` in the config file, the locale; English otherwise. An unknown language is one line
listing the available ones, exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cvbridge._config import load_settings
from cvbridge._i18n import UnknownLanguageError, available_languages
from cvbridge.cli._language import chosen_language

FRENCH_LOCALE = {"LANG": "fr_FR.UTF-8"}


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cvbridge.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_french_is_available() -> None:
    assert available_languages() == ("en", "fr")


def test_each_source_in_turn_decides(tmp_path: Path) -> None:
    config = _config(tmp_path, '[cvbridge]\ndb_url = "sqlite:///x.db"\nlang = "en"\n')
    everything = {"CVBRIDGE_LANG": "fr", "CVBRIDGE_CONFIG": str(config), **FRENCH_LOCALE}
    # --lang first, then the variable, then the file, then the locale, then English.
    assert chosen_language(["--lang", "en", "rules"], everything) == "en"
    assert chosen_language(["rules"], everything) == "fr"
    assert chosen_language(["rules"], {**everything, "CVBRIDGE_LANG": ""}) == "en"
    assert chosen_language(["rules"], FRENCH_LOCALE) == "fr"
    assert chosen_language(["rules"], {}) == "en"


def test_a_french_locale_with_cvbridge_lang_en_speaks_english() -> None:
    assert chosen_language([], {"CVBRIDGE_LANG": "en", "LC_ALL": "fr_FR.UTF-8"}) == "en"


def test_lang_may_follow_the_command_name_and_the_last_one_wins() -> None:
    assert chosen_language(["candidates", "list", "--lang=fr"], {}) == "fr"
    assert chosen_language(["--lang", "fr", "rules", "--lang", "en"], {}) == "en"
    # After --, it is an argument, not an option.
    assert chosen_language(["validate", "--", "--lang", "fr"], {}) == "en"


def test_config_path_from_the_option_wins_over_the_variable(tmp_path: Path) -> None:
    french = _config(tmp_path, 'lang = "FR"\n')
    english = tmp_path / "english.toml"
    english.write_text('lang = "en"\n', encoding="utf-8")
    assert chosen_language(["--config", str(french)], {"CVBRIDGE_CONFIG": str(english)}) \
        == "fr"


def test_names_are_normalised() -> None:
    assert chosen_language(["--lang", "fr_FR.UTF-8"], {}) == "fr"
    assert chosen_language([], {"CVBRIDGE_LANG": "FR"}) == "fr"


@pytest.mark.parametrize(("args", "environ", "source"), [
    (["--lang", "de"], {}, "--lang"),
    ([], {"CVBRIDGE_LANG": "de"}, "$CVBRIDGE_LANG"),
])
def test_an_unknown_language_names_its_source(args: list[str], environ: dict[str, str],
                                              source: str) -> None:
    with pytest.raises(UnknownLanguageError) as caught:
        chosen_language(args, environ)
    assert str(caught.value) == f"{source}: unknown language 'de'; available: en, fr"


def test_a_locale_cvbridge_does_not_speak_is_english_not_an_error() -> None:
    assert chosen_language([], {"LANG": "de_DE.UTF-8"}) == "en"


def test_the_config_file_key_is_located_and_checked_with_the_settings(tmp_path: Path) -> None:
    config = _config(tmp_path, '[cvbridge]\n# language\nlang = "klingon"\n')
    with pytest.raises(UnknownLanguageError) as caught:
        chosen_language(["--config", str(config)], {})
    assert str(caught.value) == (f"{config}:3: unknown language 'klingon'; available: "
                                 "en, fr")
    assert load_settings(config_path=_config(tmp_path, 'lang = "fr"\n'), environ={}).lang == "fr"
    # As with --db, the option (or the variable) wins over the file: its value is not judged.
    assert load_settings(config_path=config, environ={}, lang="fr").lang == "fr"
    assert load_settings(config_path=config, environ={"CVBRIDGE_LANG": "en"}).lang == "en"


def _cvbridge(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if key not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "CVBRIDGE_LANG",
                          "CVBRIDGE_CONFIG")}
    return subprocess.run([str(Path(sys.executable).with_name("cvbridge")), *args],
                          capture_output=True, text=True, check=False, env={**env, **environ})


def test_the_command_refuses_an_unknown_language_in_one_line_exit_2(tmp_path: Path) -> None:
    run = _cvbridge("rules", "--lang", "de")
    assert (run.returncode, run.stdout, run.stderr) == (
        2, "", "cvbridge: error: --lang: unknown language 'de'; available: en, fr\n")
    config = _config(tmp_path, 'lang = "es"\n')
    run = _cvbridge("rules", CVBRIDGE_CONFIG=str(config))
    assert (run.returncode, run.stderr) == (
        2, f"cvbridge: error: {config}:1: unknown language 'es'; available: en, fr\n")


def test_the_refusal_is_said_in_the_locale_language() -> None:
    run = _cvbridge("rules", CVBRIDGE_LANG="de", LANG="fr_FR.UTF-8")
    assert (run.returncode, run.stderr) == (
        2, "cvbridge: error: $CVBRIDGE_LANG\u00a0: langue inconnue «\u00a0de\u00a0»\u202f; "
           "langues disponibles\u00a0: en, fr\n")


def test_the_command_speaks_the_chosen_language() -> None:
    french = _cvbridge("rules", "--help", "--lang", "fr")
    assert french.returncode == 0
    assert french.stdout.startswith("Utilisation\u00a0: cvbridge rules ")
    english = _cvbridge("rules", "--help", CVBRIDGE_LANG="en", LC_ALL="fr_FR.UTF-8")
    assert english.stdout.startswith("Usage: cvbridge rules ")
    assert _cvbridge("rules", "--help", LC_ALL="fr_FR.UTF-8").stdout.startswith(
        "Utilisation\u00a0: ")
