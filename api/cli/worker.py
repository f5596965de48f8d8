"""``shudu worker``: the background work of a scaled deployment, in one process."""

from __future__ import annotations

import asyncio
import signal

import click

from api.cli.common import settings_or_raise
from api.runtime.audit import start_audit
from api.runtime.exchange import start_exchange_sweep
from api.runtime.harvest import start_harvest_scheduler
from api.runtime.search import start_search
from core.db import make_engine, make_session_factory


@click.command()
def worker() -> None:
    """Drain the search outbox, sign audit checkpoints, run due harvests and sweep the exchange
    (expire lapsed licences, remind of overdue usage reports) until stopped.

    For scaled deployments: set SHUDU_SEARCH_WORKER=external on the web processes and run
    one or more workers (indexing is idempotent, and a due harvest is claimed by one worker
    only, so two workers are safe).
    """
    settings = settings_or_raise()

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
