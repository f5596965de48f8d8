"""The audit ledger's share of the lifespan: the signing key and the checkpointing task."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from core import ledger_outbox
from core.settings import Settings
from exchange.ledger.checkpoints import checkpoint_now, load_signer
from exchange.ledger.notes import Signer

log = logging.getLogger("shudu.audit")


@dataclass(slots=True)
class AuditRuntime:
    signer: Signer
    task: asyncio.Task[None] | None = None
    drainer: asyncio.Task[None] | None = None

    async def stop(self) -> None:
        for task in (self.drainer, self.task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _checkpoint_forever(
    sessions: sessionmaker[Session], signer: Signer, interval: float
) -> None:
    # A checkpoint at start-up (after a crash the tree may have grown unsigned), then one
    # every interval if the ledger grew. A failure is logged and retried, never fatal: an
    # inconsistent tree must stay unsigned and visible in the logs.
    while True:
        try:
            size = await run_in_threadpool(checkpoint_now, sessions, signer)
            if size is not None:
                log.info("signed audit checkpoint of size %d", size)
        except Exception:
            log.exception("audit checkpoint failed")
        await asyncio.sleep(interval)


async def _drain_forever(sessions: sessionmaker[Session], interval: float) -> None:
    # Events queued by hot paths (token grants) reach the ledger within about one interval;
    # a failure is logged and retried: the events wait, committed, in the outbox.
    while True:
        try:
            if await run_in_threadpool(ledger_outbox.drain, sessions) == ledger_outbox.BATCH:
                continue  # more are waiting
        except Exception:
            log.exception("appending queued audit events failed")
        await asyncio.sleep(interval)


def start_audit(
    settings: Settings, sessions: sessionmaker[Session], *, background: bool
) -> AuditRuntime:
    """Load (or create) the signing key; with ``background``, start checkpointing and
    appending the queued audit events (core.ledger_outbox)."""
    runtime = AuditRuntime(load_signer(settings.data_dir, settings.base_url))
    if background:
        runtime.task = asyncio.create_task(
            _checkpoint_forever(sessions, runtime.signer, settings.checkpoint_interval)
        )
        runtime.drainer = asyncio.create_task(_drain_forever(sessions, ledger_outbox.DRAIN_SECONDS))
    return runtime


def audit_runtime(request: Request) -> AuditRuntime:
    runtime: AuditRuntime = request.app.state.audit
    return runtime
