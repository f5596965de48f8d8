"""``shudu search reindex``."""

from __future__ import annotations

import asyncio

import click

from api.cli.common import settings_or_raise
from api.runtime.search import start_search
from core.db import make_engine, make_session_factory


@click.group()
def search() -> None:
    """The search index."""


@search.command("reindex")
def search_reindex() -> None:
    """Rebuild the index from the database (Elasticsearch: new index, then alias swap)."""
    settings = settings_or_raise()

    async def run() -> int:
        engine = make_engine(settings.database_url)
        runtime = await start_search(settings, make_session_factory(engine), background=False)
        try:
            count = await runtime.indexer.reindex_all()
            await runtime.indexer.drain()  # what was pending is in the new index already
            return count
        finally:
            await runtime.stop()
            engine.dispose()

    count = asyncio.run(run())
    click.echo(f"reindexed {count} datasets")
