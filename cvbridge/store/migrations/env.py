"""Alembic environment: migrations run on the connection cvbridge hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import cvbridge.store._tables  # noqa: F401  (registers the tables on the metadata)

# The search index has a shape of its own per dialect and is not a SQLModel table.
SEARCH_TABLE_PREFIXES = ("candidate_fts", "candidate_search")


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(SEARCH_TABLE_PREFIXES))


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        include_object=include_object,
        user_module_prefix="sqltypes.",
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations(context.config.attributes["connection"])
