"""Searches that found nothing, counted by their words: what people looked for and did not find.

See docs/architecture.md, "Searches that found nothing". Only the words are kept, and not even
those when they look like personal data (an ID card, phone or account number, an e-mail
address). The table is bounded: once it holds ``MAX_ROWS`` distinct searches, those not seen
for ``KEEP_DAYS`` are dropped; if that frees no room, new ones are not added while known ones
keep counting.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from catalog.models import SearchMiss
from core.clock import utcnow

MAX_TEXT = 100
MAX_ROWS = 10_000
KEEP_DAYS = 180
# Six digits or more in a row (ID cards, phones, accounts), or anything with an @.
PERSONAL_RE = re.compile(r"\d[\d\s-]{4,}\d|@")


def miss_text(text: str) -> str | None:
    """The words of a search as counted (normalized, spaces collapsed), or None to keep none."""
    words = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    if not words or len(words) > MAX_TEXT or PERSONAL_RE.search(words):
        return None
    return words


@dataclass(frozen=True, slots=True)
class Missed:
    text: str
    count: int
    first_seen: datetime
    last_seen: datetime


class SearchMissService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, text: str) -> None:
        words = miss_text(text)
        if words is None:
            return
        now = utcnow()
        if self._full():
            self.forget_before(now - timedelta(days=KEEP_DAYS))
            if self._full():  # known searches keep counting; new ones wait for room
                self.session.execute(
                    update(SearchMiss)
                    .where(SearchMiss.text == words)
                    .values(count=SearchMiss.count + 1, last_seen=now)
                )
                return
        insert = sqlite_insert if self.session.get_bind().dialect.name == "sqlite" else pg_insert
        statement = insert(SearchMiss).values(text=words, count=1, first_seen=now, last_seen=now)
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[SearchMiss.text],
                set_={"count": SearchMiss.count + 1, "last_seen": now},
            )
        )

    def _full(self) -> bool:
        return (self.session.scalar(select(func.count()).select_from(SearchMiss)) or 0) >= MAX_ROWS

    def top(self, *, days: int = 90, limit: int = 50) -> list[Missed]:
        """The most frequent misses seen in the last ``days``, most frequent first."""
        since = utcnow() - timedelta(days=days)
        rows = self.session.scalars(
            select(SearchMiss)
            .where(SearchMiss.last_seen >= since)
            .order_by(SearchMiss.count.desc(), SearchMiss.last_seen.desc(), SearchMiss.text)
            .limit(limit)
        )
        return [Missed(r.text, r.count, r.first_seen, r.last_seen) for r in rows]

    def forget_before(self, when: datetime) -> int:
        """Drop misses not seen since ``when``."""
        done = self.session.execute(delete(SearchMiss).where(SearchMiss.last_seen < when))
        return int(getattr(done, "rowcount", 0))
