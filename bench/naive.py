"""The naive peer: the importer a user might write in an afternoon.

For each candidate file, the CV's text through python-docx (paragraphs and tables), then one
SQLModel INSERT per candidate, committed per row (or per bundle, the variant). No validation,
no search index, SQLite with its default settings. Same corpus, same kind of row content
(identity, CV bytes and text) as cvbridge's ingest.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, Session, SQLModel, create_engine

from bench.measure import Sample, timed


class NaiveCandidate(SQLModel, table=True):
    __tablename__ = "naive_candidate"
    id: int | None = Field(default=None, primary_key=True)
    external_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    cv_filename: str
    cv_text: str
    cv_content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def _fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, colon, value = line.partition(":")
        if colon and not line.startswith((" ", "#")):
            fields.setdefault(key.strip(), value.strip())
    return fields


def import_bundles(url: str, bundles: list[Path], *, commit_per_row: bool) -> int:
    engine = create_engine(url)
    SQLModel.metadata.create_all(engine, tables=[SQLModel.metadata.tables["naive_candidate"]])
    count = 0
    with Session(engine) as session:
        for path in bundles:
            with zipfile.ZipFile(path) as bundle:
                for name in bundle.namelist():
                    if not name.startswith("candidats/") or not name.endswith(".txt"):
                        continue
                    fields = _fields(bundle.read(name).decode("utf-8"))
                    content = bundle.read(fields["cv_file"])
                    session.add(NaiveCandidate(
                        external_id=fields.get("external_id"),
                        first_name=fields.get("first_name"), last_name=fields.get("last_name"),
                        email=fields.get("email"), phone=fields.get("phone"),
                        city=fields.get("city"), cv_filename=fields["cv_file"],
                        cv_text=docx_text(content), cv_content=content))
                    count += 1
                    if commit_per_row:
                        session.commit()
            session.commit()
    engine.dispose()
    return count


def naive_once(bundles: list[Path], workdir: Path, *, commit_per_row: bool) -> Sample:
    """One timed import into a new SQLite file (deleted before and after, untimed)."""
    database = workdir / f"naive-{'row' if commit_per_row else 'bundle'}.db"
    database.unlink(missing_ok=True)
    try:
        return timed(lambda: import_bundles(f"sqlite:///{database}", bundles,
                                            commit_per_row=commit_per_row))
    finally:
        database.unlink(missing_ok=True)
