"""Periodic work in ``shudu worker``: a job run in a worker thread every so many seconds.

A failure is logged and the next round tries again: the loop must survive anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool


@dataclass(slots=True)
class Periodic:
    name: str
    job: Callable[[], object]
    seconds: float
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        log = logging.getLogger(f"shudu.{self.name}")
        while not self.stop_event.is_set():
            try:
                await run_in_threadpool(self.job)
            except Exception:
                log.exception("%s failed; it runs again in %s s", self.name, self.seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop_event.wait(), timeout=self.seconds)

    async def stop(self) -> None:
        self.stop_event.set()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def start_periodic(name: str, job: Callable[[], object], seconds: float) -> Periodic:
    periodic = Periodic(name, job, seconds)
    periodic.task = asyncio.create_task(periodic.run())
    return periodic
