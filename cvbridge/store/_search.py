"""Accent-insensitive full-text search over candidates and the text of their current CV.

SQLite: an FTS5 table with ``remove_diacritics``. PostgreSQL: a tsvector over an immutable
``unaccent`` wrapper, GIN-indexed. Both created by the initial migration.

Both databases are handed the same words, cut here: PostgreSQL's parser would otherwise keep
an e-mail address, a URL or a path such as ``FI/CO`` as one token (so that searching the
address, or a word of it, finds nothing), and FTS5 would not fold ligatures that unaccent
folds (``cœur``).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import text
from sqlmodel import Session

_WORD = re.compile(r"[^\W_]+")
_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"}


def words(value: str) -> list[str]:
    """The searchable words of a text: letters and digits, ligatures spelled out."""
    normalized = unicodedata.normalize("NFKC", value)
    # One str.replace per ligature: str.translate with a table looks up every character in
    # Python, ten times slower on a CV; a French CV in five has a "cœur" or an "œuvre".
    for ligature, spelled in _LIGATURES.items():
        if ligature in normalized:
            normalized = normalized.replace(ligature, spelled)
    return _WORD.findall(normalized)


def index_text(body: str) -> str:
    """What the index holds for a body: its words, one space apart."""
    return " ".join(words(body))


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def index_candidate(session: Session, candidate_id: int, body: str) -> None:
    """Replace what the index holds for one candidate."""
    remove_from_index(session, candidate_id)
    index_new_candidates(session, [(candidate_id, body)])


def index_new_candidates(session: Session, bodies: list[tuple[int, str]]) -> None:
    """Index candidates the index does not hold yet, in one statement."""
    if not bodies:
        return
    rows = [{"id": candidate_id, "body": index_text(body)} for candidate_id, body in bodies]
    if _is_sqlite(session):
        session.execute(text("INSERT INTO candidate_fts(rowid, body) VALUES (:id, :body)"), rows)
    else:
        session.execute(text("INSERT INTO candidate_search(candidate, body) VALUES (:id, :body)"),
                        rows)


def remove_from_index(session: Session, candidate_id: int) -> None:
    if _is_sqlite(session):
        session.execute(text("DELETE FROM candidate_fts WHERE rowid = :id"), {"id": candidate_id})
    else:
        session.execute(text("DELETE FROM candidate_search WHERE candidate = :id"),
                        {"id": candidate_id})


def search_ids(session: Session, query: str, limit: int) -> list[int]:
    """Candidate ids whose record or CV holds every word of ``query`` (as a prefix), best
    first."""
    tokens = words(query)
    if not tokens:
        return []
    if _is_sqlite(session):
        match = " ".join('"' + token.replace('"', '""') + '"*' for token in tokens)
        rows = session.execute(
            text("SELECT rowid FROM candidate_fts WHERE candidate_fts MATCH :match "
                 "ORDER BY rank, rowid LIMIT :limit"), {"match": match, "limit": limit})
    else:
        tsquery = " & ".join(f"{token.lower()}:*" for token in tokens)
        rows = session.execute(
            text("SELECT candidate FROM candidate_search WHERE "
                 "to_tsvector('simple', cvbridge_unaccent(body)) @@ "
                 "to_tsquery('simple', cvbridge_unaccent(:query)) "
                 "ORDER BY ts_rank(to_tsvector('simple', cvbridge_unaccent(body)), "
                 "to_tsquery('simple', cvbridge_unaccent(:query))) DESC, candidate "
                 "LIMIT :limit"), {"query": tsquery, "limit": limit})
    return [int(row[0]) for row in rows]


def indexed_ids(session: Session) -> set[int]:
    """Every candidate id the index holds (for consistency checks)."""
    sql = "SELECT rowid FROM candidate_fts" if _is_sqlite(session) else \
        "SELECT candidate FROM candidate_search"
    return {int(row[0]) for row in session.execute(text(sql))}
