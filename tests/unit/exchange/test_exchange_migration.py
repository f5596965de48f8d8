"""Migration 0008 creates exactly the exchange tables the models declare (on both databases)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine

from tests.models import metadata


def test_exchange_tables_match_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    ours = [d for d in diff if "exchange_" in repr(d)]
    assert ours == []
