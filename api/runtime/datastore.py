"""The datastore's share of the lifespan: a task that loads uploaded tables from the outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from catalog.datastore.fetch import LinkFetcher
from catalog.datastore.worker import index_pending, ingest_pending
from catalog.filestore import FileStore
from core.settings import Settings

log = logging.getLogger("shudu.datastore")
POLL_SECONDS = 0.25


@dataclass(slots=True)
class DatastoreRuntime:
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def link_fetcher(settings: Settings, files: FileStore) -> LinkFetcher:
    return LinkFetcher(
        files, limit=settings.max_upload_bytes, allow_private=settings.fetch_private_links
    )


async def _run(
    sessions: sessionmaker[Session], files: FileStore, fetcher: LinkFetcher, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        delay = POLL_SECONDS
        try:
            if await run_in_threadpool(ingest_pending, sessions, files, fetcher=fetcher):
                delay = 0
            if await run_in_threadpool(index_pending, sessions):
                delay = 0
        except Exception as exc:  # the loop must survive anything; it logs and waits
            log.warning("loading uploaded tables failed (%s); retrying", exc)
            delay = 5.0
        if delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)


def start_datastore(
    sessions: sessionmaker[Session], files: FileStore, *, background: bool, fetcher: LinkFetcher
) -> DatastoreRuntime:
    runtime = DatastoreRuntime()
    if background:
        runtime.task = asyncio.create_task(_run(sessions, files, fetcher, runtime.stop_event))
    return runtime
