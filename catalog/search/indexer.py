"""Keeps the search index in step with the database by draining the outbox.

Every catalog change writes an outbox event in its own transaction (core.outbox). The indexer
reads pending events in order, loads the datasets they name as they are *now*, and indexes or
deletes them — so replaying an event is harmless (idempotent) and a crash between indexing and
marking only means the work is done again. Failures are retried with exponential backoff; the
events stay pending meanwhile, so nothing is lost while the engine is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from catalog.models import Dataset, Tag, Theme
from catalog.search.documents import document_for
from catalog.search.interfaces import SearchBackend
from catalog.search.text import add_user_words, load_synonyms
from catalog.services import SEARCH_TOPIC
from core import generation, outbox
from core.clock import utcnow
from core.db import transaction
from core.errors import ShuduError
from core.identity.models import Organization
from core.outbox import OutboxEvent

log = logging.getLogger("shudu.search")

MAX_BACKOFF_SECONDS = 30.0
PRUNE_EVERY_SECONDS = 3600.0  # settled outbox events older than a week are deleted hourly


def load_vocabulary(session: Session, site_synonyms: Path | None = None) -> None:
    """Teach the text pipeline the catalog's own terms, and read the site's synonyms.

    Departments, themes and tags go into the segmenter's user dictionary, so 浦东新区 or
    轨道交通 stay one word in a query (see docs/architecture.md, "Search text analysis").
    """
    words = list(session.scalars(select(Organization.title_zh)))
    words += session.scalars(select(Theme.title_zh))
    words += session.scalars(select(Tag.name))
    add_user_words(words)
    load_synonyms(*([site_synonyms] if site_synonyms else []))


def load_documents(session: Session, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    datasets = session.scalars(select(Dataset).where(Dataset.name.in_(list(names))))
    return {d.name: document_for(d) for d in datasets}


def all_documents(session: Session) -> list[dict[str, Any]]:
    return [document_for(d) for d in session.scalars(select(Dataset).order_by(Dataset.name))]


class SearchIndexer:
    def __init__(
        self, sessions: sessionmaker[Session], backend: SearchBackend, *, batch: int = 500
    ) -> None:
        self.sessions = sessions
        self.backend = backend
        self.batch = batch
        self.failures = 0

    def _pending(self) -> tuple[list[int], dict[str, dict[str, Any]], list[str]]:
        with transaction(self.sessions) as session:
            events = outbox.pending(session, SEARCH_TOPIC, self.batch)
            names = list(dict.fromkeys(e.key for e in events))
            documents = load_documents(session, names)
            gone = [n for n in names if n not in documents]
            return [e.id for e in events], documents, gone

    def _finish(self, ids: list[int], error: str | None) -> None:
        with transaction(self.sessions, write=True) as session:
            values: dict[str, Any] = (
                {"processed_at": utcnow()}
                if error is None
                else {"attempts": OutboxEvent.attempts + 1, "last_error": error[:2000]}
            )
            session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(**values))
            if error is None:  # searches kept from before the index changed are stale now
                generation.bump(session.connection())

    async def drain_once(self) -> int:
        """Index one batch of pending changes; returns how many events it settled."""
        ids, documents, gone = await run_in_threadpool(self._pending)
        if not ids:
            return 0
        try:
            await self.backend.index(list(documents.values()))
            await self.backend.delete(gone)
        except (ShuduError, OSError) as exc:
            await run_in_threadpool(self._finish, ids, str(exc))
            raise
        await run_in_threadpool(self._finish, ids, None)
        return len(ids)

    async def drain(self) -> int:
        """Index everything pending now (tests, the CLI)."""
        total = 0
        while count := await self.drain_once():
            total += count
        return total

    def _rebuilt(self) -> None:
        with transaction(self.sessions, write=True) as session:
            generation.bump(session.connection())

    def _prune(self) -> None:
        with transaction(self.sessions, write=True) as session:
            outbox.prune(session)

    async def run(self, stop: asyncio.Event, *, poll_seconds: float = 0.25) -> None:
        """Drain until ``stop`` is set, backing off while the engine fails."""
        last_prune = 0.0
        while not stop.is_set():
            delay = poll_seconds
            try:
                if time.monotonic() - last_prune > PRUNE_EVERY_SECONDS:
                    await run_in_threadpool(self._prune)
                    last_prune = time.monotonic()
                if await self.drain_once():
                    delay = 0
                self.failures = 0
            except Exception as exc:  # the loop must survive anything; it logs and backs off
                self.failures += 1
                delay = min(MAX_BACKOFF_SECONDS, poll_seconds * 2**self.failures)
                log.warning("search indexing failed (%s); retrying in %.1f s", exc, delay)
            if delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=delay)

    async def reindex_all(self) -> int:
        """Rebuild the index from the database (ES: a new index, then the alias swap)."""

        def load() -> list[dict[str, Any]]:
            with transaction(self.sessions) as session:
                return all_documents(session)

        documents = await run_in_threadpool(load)
        await self.backend.rebuild(documents)
        await run_in_threadpool(self._rebuilt)
        return len(documents)
