"""The translation catalogues: every message extracted now is translated in French (none missing,
none fuzzy), with the same template fields, in French typography; the committed .mo is the .po
compiled, and the committed .pot is the extraction of today's code and schema."""

from __future__ import annotations

import io
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tools.schema_messages import extract_schema

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "cvbridge" / "locale"
FRENCH_PO = LOCALE / "fr" / "LC_MESSAGES" / "cvbridge.po"
FRENCH_MO = LOCALE / "fr" / "LC_MESSAGES" / "cvbridge.mo"
NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """The template ``make i18n`` would extract from the tree as it is now."""
    pot = tmp_path_factory.mktemp("i18n") / "cvbridge.pot"
    CommandLineInterface().run([  # type: ignore[no-untyped-call]
        "pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "LazyText",
        "--add-comments=TRANSLATORS:", "--sort-output", "--no-location",
        "-o", str(pot), str(ROOT)])
    with pot.open("rb") as source:
        return read_po(source)


@pytest.fixture(scope="module")
def french() -> Catalog:
    with FRENCH_PO.open("rb") as source:
        return read_po(source, locale="fr")


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id if isinstance(message.id, str) else tuple(message.id)
            for message in catalog if message.id}


def _messages(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


def _forms(message: Message) -> list[tuple[str, str]]:
    """(English, French) pairs: the singular and plural forms of a plural entry."""
    if not isinstance(message.id, str):
        singular, plural = message.id[0], message.id[1]
        return [(singular if index == 0 else plural, text)
                for index, text in enumerate(message.string or ())]
    return [(message.id, str(message.string or ""))]



def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_the_extraction_finds_the_findings_catalogue_and_the_code(extracted: Catalog) -> None:
    ids = _ids(extracted)
    assert "Not a ZIP archive" in ids  # a title, from the schema
    assert "{n} error" in {i[0] if isinstance(i, tuple) else i for i in ids}  # ngettext
    assert "the FIB ends before offset {offset}" in ids  # a LazyText detail
    assert len(ids) > 300


def test_every_extracted_message_is_translated_in_french(extracted: Catalog,
                                                         french: Catalog) -> None:
    missing = sorted(str(i) for i in _ids(extracted) - _ids(french))
    assert missing == []
    by_id = {message.id: message for message in _messages(french)}
    fuzzy = sorted(str(i) for i in _ids(extracted) if by_id[i].fuzzy)
    untranslated = sorted(str(i) for i in _ids(extracted)
                          if not all(text for _, text in _forms(by_id[i])))
    assert (fuzzy, untranslated) == ([], [])


def test_the_committed_template_is_todays_extraction(extracted: Catalog) -> None:
    with (LOCALE / "cvbridge.pot").open("rb") as source:
        committed = read_po(source)
    assert _ids(committed) == _ids(extracted), "run make i18n"


def test_the_committed_mo_is_the_po_compiled(french: Catalog) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, french)
    assert FRENCH_MO.read_bytes() == compiled.getvalue(), "run make i18n"


def test_the_french_plural_rule_is_gettexts(french: Catalog) -> None:
    # 0 and 1 take the singular in French ("0 erreur", "1 erreur", "2 erreurs").
    assert french.plural_forms == "nplurals=2; plural=(n > 1);"


def test_translations_keep_the_field_names(french: Catalog) -> None:
    wrong = [(english, text) for message in _messages(french)
             for english, text in _forms(message) if _fields(english) != _fields(text)]
    assert wrong == []


def _outside_guillemets(text: str) -> str:
    """The text without its « quoted » parts: a literal example of the format (« format:
    cvbundle/1.0 », « C: ») is written exactly as it must be typed."""
    return re.sub("«[^»]*»", "«»", text)


def _typography_problems(text: str) -> list[str]:
    problems = []
    if re.search(f"«(?!{NBSP})|(?<!{NBSP})»", text):
        problems.append("guillemets need U+00A0 inside")
    prose = _outside_guillemets(text)
    if re.search(f"(?<!{NBSP}):(?=\\s|$)", prose):
        problems.append("U+00A0 before a colon")
    if re.search(f"(?<!{NNBSP})[;!?](?=\\s|$)", prose):
        problems.append("U+202F before ; ! ?")
    if re.search(r"""['"]\{\w+(![rsa])?\}['"]|\{\w+!r\}""", text):
        problems.append("a field in ASCII quotes (French: « {field} »)")
    if re.search(r"(^|[.:;!?]\s)A\s", text):
        problems.append("capital À")
    return problems


@pytest.mark.parametrize(("text", "problems"), [
    ("le fichier « x » manque", []),
    ("le fichier « x » manque : lisez", ["U+00A0 before a colon"]),
    ("un ; deux", ["U+202F before ; ! ?"]),
    ("la clé '{key}' manque", ["a field in ASCII quotes (French: « {field} »)"]),
    ("le type {value!r}", ["a field in ASCII quotes (French: « {field} »)"]),
    ("« x » et «y»", ["guillemets need U+00A0 inside"]),
    ("Écrivez « format: cvbundle/1.0 » ; https://example.com/", ["U+202F before ; ! ?"]),
    ("A refaire", ["capital À"]),
])
def test_the_typography_check_catches_what_it_should(text: str, problems: list[str]) -> None:
    typeset = text.replace("« ", f"«{NBSP}").replace(" »", f"{NBSP}»")
    assert _typography_problems(typeset) == problems


def test_every_french_text_follows_french_typography(french: Catalog) -> None:
    wrong = {text: problems for message in _messages(french) for _, text in _forms(message)
             if (problems := _typography_problems(text))}
    assert wrong == {}


def test_capitals_keep_their_accents(french: Catalog) -> None:
    texts = [text for message in _messages(french) for _, text in _forms(message)]
    words = {word for text in texts for word in re.findall(r"\b[éè]\w+", text)}
    unaccented = {word for text in texts for word in re.findall(r"\bE\w+", text)
                  if "é" + word[1:] in words or "è" + word[1:] in words}
    assert unaccented == set()


def test_the_schema_extractor_names_each_code_for_the_translator() -> None:
    schema = (ROOT / "formats" / "cvbundle-1.0.schema.json").open("rb")
    with schema:
        found = list(extract_schema(schema, {}, ("TRANSLATORS:",), {}))
    assert len(found) == 4 * 69
    line, function, text, comments = found[0]
    assert (function, text) == ("_", "Not a ZIP archive")
    assert comments == ["TRANSLATORS: title of the finding ZIP-NOT-ZIP"]
    assert line > 1
