"""Accent- and case-insensitive search over records and CV text, on SQLite (FTS5) and
PostgreSQL (tsvector with unaccent)."""

from __future__ import annotations

import pytest

from cvbridge.store import Store
from tests.bundles import python_docx
from tests.store_bundles import Dropper, person
from tests.store_checks import assert_index_agrees, found_ids

pytest_plugins = ("tests.store_fixtures",)

HELENE = person("S-1", "Lefèvre", "Hélène", city="Besançon", position="Comptable",
                cv_file="cvs/lefevre.docx")
JEAN = person("S-2", "Moreau", "Jean", city="Lyon", skill="Électronique",
              cv_file="cvs/moreau.docx")
ANNE = person("S-3", "Lefebvre", "Anne", cv_file="cvs/lefebvre.docx")


@pytest.fixture
def searchable(store: Store, drop: Dropper) -> dict[str, int]:
    """Three candidates whose CVs were written by Word-like software: words in the body, in
    a table and in the page header."""
    cvs = {
        "cvs/lefevre.docx": python_docx("Hélène Lefèvre", "Expérience : ingénieure d'études",
                                        table=[["Compétence", "Niveau"],
                                               ["Trésorerie", "expert"]]),
        "cvs/moreau.docx": python_docx("Jean Moreau", "Technicien", header="Société Générale"),
        "cvs/lefebvre.docx": python_docx("Anne Lefebvre", "Ingénieur logiciel",
                                         footer="Références sur demande"),
    }
    outcome = store.ingest(drop([HELENE, JEAN, ANNE], "b1.zip", cvs=cvs))
    assert outcome.created == 3
    return {view["last_name"]: view["id"] for view in store.candidates()}


def test_a_name_is_found_without_its_accents(store: Store, searchable: dict[str, int]) -> None:
    assert found_ids(store, "Lefevre") == [searchable["Lefèvre"]]
    assert found_ids(store, "LEFÈVRE") == [searchable["Lefèvre"]]
    assert found_ids(store, "helene") == [searchable["Lefèvre"]]
    assert found_ids(store, "besancon") == [searchable["Lefèvre"]]
    assert found_ids(store, "electronique") == [searchable["Moreau"]]


def test_cv_text_is_found_in_the_body_a_table_a_header_and_a_footer(
        store: Store, searchable: dict[str, int]) -> None:
    assert sorted(found_ids(store, "ingenieur")) == sorted(
        [searchable["Lefèvre"], searchable["Lefebvre"]])  # "ingénieure" and "Ingénieur"
    assert found_ids(store, "tresorerie") == [searchable["Lefèvre"]]  # a table cell
    assert found_ids(store, "societe generale") == [searchable["Moreau"]]  # the page header
    assert found_ids(store, "references") == [searchable["Lefebvre"]]  # the page footer


def test_every_word_must_match_as_a_prefix(store: Store, searchable: dict[str, int]) -> None:
    assert found_ids(store, "lefevre ingenieur") == [searchable["Lefèvre"]]
    assert found_ids(store, "lefevre technicien") == []
    assert sorted(found_ids(store, "lef")) == sorted(
        [searchable["Lefèvre"], searchable["Lefebvre"]])
    assert found_ids(store, "boulanger") == []


ODD_QUERIES = ('"', "'", "l'ingé", "a & b", "x:*", "!(", "NEAR(", "-", "AND OR NOT", "%_",
               "\\", "foo_bar", "C++", "_x_", "١٢٣", "ﬁ", "ß", "")


def test_odd_queries_neither_fail_nor_match_everything(
        store: Store, searchable: dict[str, int]) -> None:
    for query in ODD_QUERIES:
        assert len(found_ids(store, query)) < len(searchable), query


def test_the_index_follows_updates(store: Store, drop: Dropper,
                                   searchable: dict[str, int]) -> None:
    moved = {**JEAN, "city": "Grenoble", "cv_file": "cvs/moreau-2.docx"}
    store.ingest(drop([moved], "b2.zip", bundle_id="B2",
                      cvs={"cvs/moreau-2.docx": python_docx("Jean Moreau", "Électricien")}))

    assert found_ids(store, "grenoble") == [searchable["Moreau"]]
    assert found_ids(store, "electricien") == [searchable["Moreau"]]
    assert found_ids(store, "societe") == []  # the old CV's header is history
    assert_index_agrees(store)


def test_addresses_paths_and_ligatures_are_found_word_by_word(store: Store,
                                                              drop: Dropper) -> None:
    """PostgreSQL's parser keeps an e-mail, a URL or 'FI/CO' whole; both databases must
    find them, and their parts, as SQLite does."""
    someone = person("S-9", "Bœuf", "Cécile", email="cecile.boeuf@example.com",
                     skill="SAP FI/CO", cv_file="cvs/boeuf.docx")
    store.ingest(drop([someone], "b9.zip", cvs={"cvs/boeuf.docx": python_docx(
        "Profil : https://www.linkedin.com/in/cboeuf", "Cœur de métier : la paie")}))
    [view] = store.candidates()

    for query in ("cecile.boeuf@example.com", "example.com", "boeuf", "bœuf", "fi", "co",
                  "linkedin", "cboeuf", "coeur", "CŒUR"):
        assert found_ids(store, query) == [view["id"]], query
    assert found_ids(store, "boeuf@example.org") == []
    assert_index_agrees(store)
