"""Ledger entries queued in the outbox: they commit (or roll back) with the caller's
transaction, and the drainer appends each exactly once, in order, to a tree that verifies."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core import ledger, ledger_outbox, merkle
from core.db import transaction
from core.ledger import LedgerEntry


def _entries(session: Session, type: str) -> list[dict[str, object]]:
    rows = session.scalars(
        select(LedgerEntry.entry).where(LedgerEntry.type == type).order_by(LedgerEntry.seq)
    )
    return [orjson.loads(row) for row in rows]


def test_a_queued_entry_commits_with_its_transaction_and_reaches_the_ledger_once(
    session: Session, sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions, write=True) as work:
        for i in range(3):
            ledger_outbox.record_later(
                work, "test.queued", actor="user-1", org="org-1", subject="s", data={"i": i}
            )
    assert ledger_outbox.pending_count(session) == 3
    assert _entries(session, "test.queued") == []

    assert ledger_outbox.drain(sessions) == 3
    assert ledger_outbox.drain(sessions) == 0  # taken out of the outbox as it was appended
    assert ledger_outbox.pending_count(session) == 0
    entries = _entries(session, "test.queued")
    assert [e["data"]["i"] for e in entries] == [0, 1, 2]  # type: ignore[index]
    assert all(e["actor"] == "user-1" and e["org"] == "org-1" for e in entries)
    assert all("at" in e["data"] for e in entries)  # type: ignore[operator]
    size = ledger.head(session).size
    assert ledger.head(session).root == merkle.root_of(ledger.leaf_hashes(session, 0, size))


def test_a_rolled_back_transaction_queues_nothing(
    session: Session, sessions: sessionmaker[Session]
) -> None:
    def grant_that_fails() -> None:
        with transaction(sessions, write=True) as work:
            ledger_outbox.record_later(work, "test.rolled_back")
            raise RuntimeError("the grant failed after queueing its entry")

    with pytest.raises(RuntimeError):
        grant_that_fails()
    assert ledger_outbox.pending_count(session) == 0
    assert ledger_outbox.drain_all(sessions) == 0
    assert _entries(session, "test.rolled_back") == []


def test_draining_in_small_batches_keeps_the_order(
    session: Session, sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions, write=True) as work:
        for i in range(7):
            ledger_outbox.record_later(work, "test.batched", data={"i": i})
    assert ledger_outbox.drain(sessions, limit=3) == 3
    assert ledger_outbox.drain(sessions, limit=3) == 3
    assert ledger_outbox.drain(sessions, limit=3) == 1
    assert [e["data"]["i"] for e in _entries(session, "test.batched")] == list(range(7))  # type: ignore[index]
