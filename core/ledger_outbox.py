"""Ledger entries recorded now and appended a moment later, in batches (hot paths only).

An append locks the ledger head, so every appending transaction queues behind every other
one; on the token endpoint that lock (and the Merkle work under it) was half of each grant.
A hot path therefore writes its event to the transactional outbox instead (one insert, in
its own transaction: the event commits with the grant or not at all), and a drainer appends
the pending events to the ledger in one batch under one lock (:func:`drain`), then deletes
them in the same transaction — so an event is in the outbox or in the ledger, never both,
never neither. Drainers run in every web process and in ``shudu worker`` (api.runtime.audit)
every :data:`DRAIN_SECONDS`; several may run at once, because each takes the head lock before
reading the outbox. A regulator therefore sees an event within about DRAIN_SECONDS.

Entries keep the moment the event happened in ``data.at`` (the entry's own ``time`` is when it
was appended). Rare events (revocations, client changes) keep appending directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from core import ledger
from core.clock import utcnow
from core.db import transaction
from core.outbox import OutboxEvent

TOPIC = "ledger"
DRAIN_SECONDS = 0.5
BATCH = 2000

# Built once: on the token endpoint, building an ORM insert cost more than running it.
_INSERT = insert(OutboxEvent.__table__).values(  # type: ignore[arg-type]
    topic=TOPIC,
    key=bindparam("key"),
    payload=bindparam("payload"),
    created_at=bindparam("created_at"),
    attempts=0,
)
_PENDING = (
    select(OutboxEvent.id, OutboxEvent.payload)
    .where(OutboxEvent.topic == TOPIC)
    .order_by(OutboxEvent.id)
    .limit(bindparam("limit"))
)
_ANY_PENDING = select(OutboxEvent.id).where(OutboxEvent.topic == TOPIC).limit(1)
_LOCK_HEAD = (
    select(ledger.LedgerHead.id).where(ledger.LedgerHead.id == ledger.HEAD_ID).with_for_update()
)


def record_later(
    session: Session,
    type: str,
    *,
    actor: uuid.UUID | str | None = None,
    org: uuid.UUID | str | None = None,
    subject: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> None:
    """Queue one ledger entry in the caller's transaction (it commits or rolls back with it)."""
    now = utcnow()
    payload = {
        "type": type,
        "actor": ledger.ref(actor),
        "org": ledger.ref(org),
        "subject": subject,
        "data": {**(data or {}), "at": ledger.format_time(now)},
    }
    session.connection().execute(
        _INSERT, {"key": subject or type, "payload": payload, "created_at": now}
    )


def pending_count(session: Session) -> int:
    """How many entries wait to be appended."""
    count = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.topic == TOPIC)
    return int(session.scalar(count) or 0)


def drain(sessions: sessionmaker[Session], *, limit: int = BATCH) -> int:
    """Append up to ``limit`` queued entries to the ledger, in queue order; how many."""
    with transaction(sessions) as session:
        # A cheap read first: an idle drainer must not take the write lock twice a second.
        if session.execute(_ANY_PENDING).first() is None:
            return 0
    with transaction(sessions, write=True) as session:
        # The head lock before reading the queue: two drainers never take the same events.
        session.execute(_LOCK_HEAD)
        rows = session.execute(_PENDING, {"limit": limit}).all()
        if not rows:
            return 0
        records = [
            ledger.Record(
                type=str(p["type"]),
                actor=p.get("actor"),
                org=p.get("org"),
                subject=p.get("subject"),
                data=p.get("data") or {},
            )
            for p in (row.payload for row in rows)
        ]
        ledger.append_many(session, records)
        session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_([row.id for row in rows])))
        return len(rows)


def drain_all(sessions: sessionmaker[Session]) -> int:
    """Drain until the queue is empty (tests, ``shudu audit``, shutdown)."""
    total = 0
    while count := drain(sessions):
        total += count
    return total
