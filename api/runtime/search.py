"""Search's share of the lifespan: the backend, and the in-process indexer task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from catalog.search.indexer import SearchIndexer, load_vocabulary
from catalog.search.interfaces import SearchBackend
from catalog.search.service import make_backend
from core.db import transaction
from core.errors import ServiceUnavailable
from core.settings import Settings

log = logging.getLogger("shudu.search")


@dataclass(slots=True)
class SearchRuntime:
    backend: SearchBackend
    indexer: SearchIndexer
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.backend.close()


async def start_search(
    settings: Settings,
    sessions: sessionmaker[Session],
    *,
    background: bool,
    backend: SearchBackend | None = None,
) -> SearchRuntime:
    backend = backend or make_backend(settings)
    try:
        await backend.ensure_ready()
    except ServiceUnavailable as exc:
        # Writes must keep working while search is down; the outbox catches up later.
        log.warning("search backend not ready at start-up: %s", exc.message)

    def vocabulary() -> None:
        with transaction(sessions) as session:
            load_vocabulary(session, settings.data_dir / "synonyms.txt")

    await run_in_threadpool(vocabulary)
    runtime = SearchRuntime(backend=backend, indexer=SearchIndexer(sessions, backend))
    if background:
        runtime.task = asyncio.create_task(runtime.indexer.run(runtime.stop_event))
    return runtime


def search_runtime(request: Request) -> SearchRuntime:
    runtime: SearchRuntime = request.app.state.search
    return runtime
