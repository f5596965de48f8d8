"""Scheduled harvesting in ``shudu worker``: due sources are run one after another."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from catalog.harvest.services import run_due
from core.clock import utcnow

log = logging.getLogger("shudu.harvest")


@dataclass(slots=True)
class HarvestScheduler:
    sessions: sessionmaker[Session]
    poll_seconds: float = 60.0
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        while not self.stop_event.is_set():
            try:
                for report in await run_in_threadpool(run_due, self.sessions, utcnow()):
                    log.info("harvest %s: %s", report.source, report.as_dict())
            except Exception:  # the loop must survive anything; the next poll tries again
                log.exception("scheduled harvesting failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), timeout=self.poll_seconds)

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def start_harvest_scheduler(
    sessions: sessionmaker[Session], poll_seconds: float = 60.0
) -> HarvestScheduler:
    scheduler = HarvestScheduler(sessions, poll_seconds)
    scheduler.task = asyncio.create_task(scheduler.run())
    return scheduler
