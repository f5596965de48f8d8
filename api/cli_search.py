"""``shudu search reindex`` and ``shudu worker``."""

from __future__ import annotations

import asyncio
import signal

import click

from api.audit_runtime import start_audit
from api.exchange_runtime import start_exchange_sweep
from api.harvest_runtime import start_harvest_scheduler
from api.search_runtime import start_search
from core.db import make_engine, make_session_factory
from core.errors import ConfigError
from core.settings import Settings, load_settings


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc.message}") from exc


@click.group()
def search() -> None:
    """The search index."""


@search.command("reindex")
def search_reindex() -> None:
    """Rebuild the index from the database (Elasticsearch: new index, then alias swap)."""
    settings = _settings()

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


@click.command()
def worker() -> None:
    """Drain the search outbox, sign audit checkpoints, run due harvests and sweep the exchange
    (expire lapsed licences, remind of overdue usage reports) until stopped.

    For scaled deployments: set SHUDU_SEARCH_WORKER=external on the web processes and run
    one or more workers (indexing is idempotent, and a due harvest is claimed by one worker
    only, so two workers are safe).
    """
    settings = _settings()

    async def run() -> None:
        engine = make_engine(settings.database_url)
        sessions = make_session_factory(engine)
        search_rt = await start_search(settings, sessions, background=True)
        audit_rt = start_audit(settings, sessions, background=True)
        harvest_rt = start_harvest_scheduler(sessions)  # scheduled harvest runs
        exchange_rt = start_exchange_sweep(sessions)  # licence expiry, report reminders
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        click.echo(f"shudu worker: search backend {search_rt.backend.name}; Ctrl-C stops")
        await stop.wait()
        await exchange_rt.stop()
        await harvest_rt.stop()
        await search_rt.stop()
        await audit_rt.stop()
        engine.dispose()

    asyncio.run(run())
