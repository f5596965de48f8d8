"""The transactional outbox (docs/architecture.md, "Storage").

A change to the catalog writes an :class:`OutboxEvent` in the same transaction, so the search
index (and anything else that follows the database) can never miss a committed change nor see
one that was rolled back. Consumers drain events in id order, idempotently, with retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text, case, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.clock import utcnow
from core.db import Base


class OutboxEvent(Base):
    __tablename__ = "outbox_events"

    # BigInteger on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite: a strictly growing order.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    topic: Mapped[str] = mapped_column(String(50), index=True)
    key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


def emit(session: Session, topic: str, key: str, payload: dict[str, Any] | None = None) -> None:
    session.add(OutboxEvent(topic=topic, key=key, payload=payload or {}))


def pending(session: Session, topic: str, limit: int = 100) -> list[OutboxEvent]:
    return list(
        session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.topic == topic, OutboxEvent.processed_at.is_(None))
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
    )


def prune(session: Session, older_than: timedelta = timedelta(days=7)) -> int:
    """Forget events settled long ago; pending ones are never touched."""
    cutoff = utcnow() - older_than
    result = session.execute(
        delete(OutboxEvent).where(
            OutboxEvent.processed_at.is_not(None), OutboxEvent.processed_at < cutoff
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True, slots=True)
class Backlog:
    """A topic's unprocessed events: how many, since when, and how many have failed before."""

    topic: str
    pending: int
    oldest: datetime | None
    retrying: int
    last_error: str | None


def backlog(session: Session) -> list[Backlog]:
    """Per topic with events waiting (the admin console's worker health)."""
    rows = session.execute(
        select(
            OutboxEvent.topic,
            func.count(),
            func.min(OutboxEvent.created_at),
            func.sum(case((OutboxEvent.attempts > 0, 1), else_=0)),
        )
        .where(OutboxEvent.processed_at.is_(None))
        .group_by(OutboxEvent.topic)
        .order_by(OutboxEvent.topic)
    ).all()
    found = []
    for topic, count, oldest, retrying in rows:
        error = session.scalar(
            select(OutboxEvent.last_error)
            .where(
                OutboxEvent.topic == topic,
                OutboxEvent.processed_at.is_(None),
                OutboxEvent.last_error.is_not(None),
            )
            .order_by(OutboxEvent.id.desc())
            .limit(1)
        )
        found.append(Backlog(topic, int(count), oldest, int(retrying or 0), error))
    return found
