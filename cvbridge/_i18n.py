"""The language cvbridge speaks to people: gettext catalogues in ``cvbridge/locale``.

Messages are English in the code, marked with :func:`gettext` (``_``), :func:`ngettext` or,
where the text is translated later than it is written (the findings catalogue, option help
read at display time), :func:`N_`. ``pybabel extract`` (``make i18n``) collects them.

One language serves the person at the terminal (:func:`use_language`, chosen once by the
command line); another may be asked for a text that goes elsewhere, such as the vendor's error
report (:func:`translation`, :func:`speaking`). Codes, JSON keys and log field names are never
translated.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from cvbridge._errors import ConfigError

DOMAIN = "cvbridge"
LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"  # the language of the code: no catalogue

# Read in this order, as gettext reads them; the first one set decides.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


class UnknownLanguageError(ConfigError):
    """A language was asked for by name (option, variable or config file) that cvbridge does
    not speak."""


@cache
def available_languages() -> tuple[str, ...]:
    """English, then every language with a compiled catalogue, sorted."""
    found = sorted(entry.name for entry in LOCALE_DIR.iterdir()
                   if (entry / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()) \
        if LOCALE_DIR.is_dir() else []
    return (DEFAULT_LANGUAGE, *(name for name in found if name != DEFAULT_LANGUAGE))


def checked_language(language: str, source: str) -> str:
    """``language`` normalised (``FR``, ``fr_FR.UTF-8`` → ``fr``), or an error naming
    ``source`` (``--lang``, ``$CVBRIDGE_LANG``, ``FILE:LINE``) and the languages there are."""
    name = _language_part(language)
    if name not in available_languages():
        raise UnknownLanguageError(
            gettext("{source}: unknown language {language!r}; available: {languages}").format(
                source=source, language=language, languages=", ".join(available_languages())))
    return name


def locale_language(environ: Mapping[str, str]) -> str | None:
    """The language the locale asks for, if cvbridge speaks it; None otherwise (a German
    locale gets the default, as with any gettext program, not an error)."""
    for variable in LOCALE_VARIABLES:
        value = environ.get(variable)
        if not value:
            continue
        # LANGUAGE is a list of preferences; the others name one locale.
        for wanted in value.split(":") if variable == "LANGUAGE" else [value]:
            name = _language_part(wanted)
            if name in ("c", "posix"):
                return DEFAULT_LANGUAGE
            if name in available_languages():
                return name
        if variable != "LANGUAGE":
            return None
    return None


def _language_part(locale_name: str) -> str:
    """``fr_FR.UTF-8@euro`` → ``fr``."""
    return locale_name.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0] \
        .lower()


@cache
def translation(language: str) -> _gettext.NullTranslations:
    """The catalogue of ``language`` (a name from :func:`available_languages`)."""
    if language == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


_current = {"language": DEFAULT_LANGUAGE}
_catalogue: list[_gettext.NullTranslations] = [translation(DEFAULT_LANGUAGE)]
# The language of a `speaking` block: per thread (and task), so that the vendor's report,
# made in its language, never changes what another thread of the process says meanwhile.
_speaking: ContextVar[tuple[str, _gettext.NullTranslations] | None] = ContextVar(
    "cvbridge_speaking", default=None)


def use_language(language: str) -> None:
    """Speak ``language`` from now on in this process (and in the workers it starts, which are
    handed :func:`current_language`)."""
    _catalogue[0] = translation(language)
    _current["language"] = language


def current_language() -> str:
    spoken = _speaking.get()
    return _current["language"] if spoken is None else spoken[0]


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak ``language`` for the texts made inside the block (the vendor's report), in this
    thread only: the rest of the process keeps its language."""
    token = _speaking.set((language, translation(language)))
    try:
        yield
    finally:
        _speaking.reset(token)


def _spoken() -> _gettext.NullTranslations:
    spoken = _speaking.get()
    return _catalogue[0] if spoken is None else spoken[1]


def gettext(message: str) -> str:
    """``message`` in the current language."""
    return _spoken().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of ``singular``/``plural`` that ``count`` takes in the current language."""
    return _spoken().ngettext(singular, plural, count)



def N_(message: str) -> str:  # the name gettext tools know
    """Marks ``message`` for extraction; it is translated where it is shown."""
    return message


_ = gettext


class LazyText:
    """A message template and its fields, rendered in the language current when it is shown
    (``str()``, or as a field of another template), not when it is made: a finding's detail
    can then be read by the person at the terminal and, in another language, by the vendor.
    Plain data, so it pickles across processes (validate's workers). ``pybabel extract -k
    LazyText`` collects the template."""

    __slots__ = ("fields", "template")

    def __init__(self, template: str, **fields: object) -> None:
        self.template = template
        self.fields = fields

    def __str__(self) -> str:
        return gettext(self.template).format(**self.fields)

    def __repr__(self) -> str:
        return f"LazyText({self.template!r}, **{self.fields!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyText) and (self.template, self.fields) == \
            (other.template, other.fields)

    def __hash__(self) -> int:
        return hash(self.template)

    def __getstate__(self) -> tuple[str, dict[str, object]]:
        return self.template, self.fields

    def __setstate__(self, state: tuple[str, dict[str, object]]) -> None:
        self.template, self.fields = state
