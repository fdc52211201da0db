"""Search shows where the words matched: a short snippet of the CV (or of the record),
the matched words highlighted for people and given as spans in --format json."""

from __future__ import annotations

import json

from rich.console import Console

from cvbridge.cli._candidates import HIGHLIGHT, _search_hit
from cvbridge.store._snippet import SNIPPET_CHARS, make_snippet
from tests.store_bundles import Dropper, person, simple_cv
from tests.store_checks import cli

pytest_plugins = ("tests.store_fixtures",)

LONG_CV = " ".join(["Expérience"] * 60 + ["Ingénieure", "d'études", "chez", "Airbus",
                                          "à", "Toulouse,", "cœur", "de", "métier"]
                   + ["Formation"] * 60)


def _marked(snippet_text: str, matches: list[tuple[int, int]]) -> list[str]:
    return [snippet_text[start:end] for start, end in matches]


def test_a_snippet_is_short_and_marks_every_matched_word() -> None:
    found = make_snippet(LONG_CV, "ingenieur toulouse coeur")

    assert found is not None
    assert found.text.startswith("…") and found.text.endswith("…")
    assert len(found.text) <= SNIPPET_CHARS + 2
    assert _marked(found.text, found.matches) == ["Ingénieure", "Toulouse", "cœur"]
    assert found.covered == 3


def test_the_window_with_the_most_words_wins() -> None:
    text = "Lyon " + "x " * 200 + "Ingénieur à Lyon"
    found = make_snippet(text, "ingenieur lyon")
    assert found is not None
    assert found.text.endswith("Ingénieur à Lyon")
    assert _marked(found.text, found.matches) == ["Ingénieur", "Lyon"]
    assert make_snippet(text, "boulanger") is None
    assert make_snippet(None, "lyon") is None
    short = make_snippet("Ingénieur\n\n  à Lyon", "lyon")
    assert short is not None and (short.text, short.matches) == ("Ingénieur à Lyon", [(12, 16)])


def test_search_gives_the_snippet_as_data(store_url: str, drop: Dropper) -> None:
    cli(store_url, "ingest", str(drop([person("A-1", "Dupont", "Marie", city="Lyon")], "b.zip",
                                      cvs={"cvs/A-1.docx": simple_cv(LONG_CV)})))

    [view] = json.loads(cli(store_url, "candidates", "search", "airbus toulouse",
                            "-f", "json").stdout)
    text = cli(store_url, "candidates", "search", "airbus toulouse")

    snippet = view["snippet"]
    assert _marked(snippet["text"], [tuple(span) for span in snippet["matches"]]) == [
        "Airbus", "Toulouse"]
    assert text.stdout == (f"#1 Marie Dupont (Lyon)  cv: cvs/A-1.docx\n"
                           f"    {snippet['text']}\n")
    # a word found in the record only: the snippet comes from the record
    [by_city] = json.loads(cli(store_url, "candidates", "search", "lyon marie",
                               "-f", "json").stdout)
    assert by_city["snippet"]["text"].startswith("Marie Dupont")


def test_a_terminal_sees_the_matched_words_highlighted() -> None:
    view = {"id": 3, "first_name": "Marie", "last_name": "Dupont", "position": None,
            "city": "Lyon", "cv": None,
            "snippet": {"text": "…chez Airbus à \x1b[2J Toulouse", "matches": [[6, 12],
                                                                            [20, 28]]}}
    line = _search_hit(view)
    console = Console(force_terminal=True, color_system="standard", width=200)
    with console.capture() as captured:
        console.print(line)

    assert line.plain == "#3 Marie Dupont (Lyon)\n    …chez Airbus à \\x1b[2J Toulouse"
    assert [line.plain[span.start:span.end] for span in line.spans
            if span.style == HIGHLIGHT] == ["Airbus", "Toulouse"]
    assert "\x1b[1;33mAirbus\x1b[0m" in captured.get()
