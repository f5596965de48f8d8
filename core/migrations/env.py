"""Alembic environment: runs migrations on the connection the caller hands in.

Upgrading needs no models: each revision spells out its own tables. Comparing a database with
the models (autogenerate, the schema test) takes the caller's metadata from
``config.attributes["target_metadata"]``: the models of every package, which this kernel
package cannot import itself (the dependency rule in docs/architecture.md).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from core.db import make_engine


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=context.config.attributes.get("target_metadata"),
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
