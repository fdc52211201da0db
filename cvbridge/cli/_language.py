"""The language of the command line, chosen before any command is built: typer makes every
help text when the commands are declared, so ``main()`` must speak the language first.

First match wins: ``--lang LANG`` (anywhere before ``--``, like the other global options),
``$CVBRIDGE_LANG``, ``lang`` in the config file (``--config`` or ``$CVBRIDGE_CONFIG``), the
locale (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as gettext reads them); English
otherwise. Only the argument list, two variables and one key of one file are read: no
command, no settings, so start-up pays for nothing else."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from cvbridge._config import config_language
from cvbridge._i18n import DEFAULT_LANGUAGE, checked_language, locale_language

LANG_OPTION = "--lang"
CONFIG_OPTION = "--config"


def _option_value(args: Sequence[str], option: str) -> str | None:
    """The value of the last ``option VALUE`` or ``option=VALUE`` before ``--`` (the last one
    wins, as the parser has it). None when absent or given no value (the parser says so)."""
    found = None
    for index, token in enumerate(args):
        if token == "--":
            break
        if token.startswith(f"{option}="):
            found = token.partition("=")[2]
        elif token == option and index + 1 < len(args) and args[index + 1] != "--":
            found = args[index + 1]
    return found


def chosen_language(args: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language to speak for the command line ``args``; raises
    :class:`cvbridge._i18n.UnknownLanguageError` (exit 2) on a language cvbridge does not
    speak, naming where it was asked for and the languages there are."""
    asked = _option_value(args, LANG_OPTION)
    if asked is not None:
        return checked_language(asked, LANG_OPTION)
    if environ.get("CVBRIDGE_LANG"):
        return checked_language(environ["CVBRIDGE_LANG"], "$CVBRIDGE_LANG")
    config = _option_value(args, CONFIG_OPTION) or environ.get("CVBRIDGE_CONFIG")
    if config:
        found = config_language(Path(config))
        if found is not None:
            value, where = found
            return checked_language(value, where)
    return locale_language(environ) or DEFAULT_LANGUAGE
