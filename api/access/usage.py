"""Per-client usage (API calls and token grants per UTC day), counted in memory, flushed in
batches: a request costs a dictionary increment, not a database write, and every process
adds its counts to the same rows (``oauth_client_usage``), so the totals are shared.

A process that dies loses at most its last :data:`FLUSH_SECONDS` of counts: usage is
reporting, not billing (metered licensed calls are counted in the exchange, exactly).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from core.db import transaction
from core.identity.oauth import OAuthClientService, UsageDelta

log = logging.getLogger("shudu.oauth")
FLUSH_SECONDS = 1.0
DAY_SECONDS = 86_400


class UsageCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], list[int]] = {}
        self._day_number = -1
        self._day = ""

    def _today(self) -> str:
        number = int(time.time()) // DAY_SECONDS
        if number != self._day_number:
            self._day = time.strftime("%Y-%m-%d", time.gmtime(number * DAY_SECONDS))
            self._day_number = number
        return self._day

    def count_call(self, client_id: str) -> None:
        self._add(client_id, 0)

    def count_grant(self, client_id: str) -> None:
        self._add(client_id, 1)

    def _add(self, client_id: str, which: int) -> None:
        key = (client_id, self._today())
        with self._lock:
            counts = self._counts.get(key)
            if counts is None:
                counts = self._counts[key] = [0, 0]
            counts[which] += 1

    def _take(self) -> dict[tuple[str, str], list[int]]:
        with self._lock:
            taken, self._counts = self._counts, {}
        return taken

    def _put_back(self, taken: dict[tuple[str, str], list[int]]) -> None:
        with self._lock:
            for key, (calls, grants) in taken.items():
                counts = self._counts.setdefault(key, [0, 0])
                counts[0] += calls
                counts[1] += grants

    def flush(self, sessions: sessionmaker[Session]) -> int:
        """Add the counts so far to the database; how many (client, day) rows were touched."""
        taken = self._take()
        if not taken:
            return 0
        deltas = [
            UsageDelta(cid, day, calls, grants) for (cid, day), (calls, grants) in taken.items()
        ]
        try:
            with transaction(sessions, write=True) as session:
                OAuthClientService(session).add_usage(deltas)
        except BaseException:
            self._put_back(taken)  # tried again at the next flush
            raise
        return len(deltas)


async def flush_forever(counter: UsageCounter, sessions: sessionmaker[Session]) -> None:
    try:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await run_in_threadpool(counter.flush, sessions)
            except Exception:
                log.exception("flushing OAuth client usage failed; kept for the next try")
    finally:
        with contextlib.suppress(Exception):
            counter.flush(sessions)  # the last second's counts, at shutdown
