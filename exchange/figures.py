"""The site's figures for its front page: what the catalog holds and how much it is used.

One small read each (no ORM graphs): downloads of the public datasets, licensed calls metered
this month, the ledger's size and its latest signed checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Dataset
from catalog.services import public_condition
from core import ledger
from core.clock import utcnow
from exchange.ledger.models import Checkpoint
from exchange.models import UsageCounter


@dataclass(frozen=True, slots=True)
class LatestCheckpoint:
    size: int
    signed_at: datetime
    root: bytes
    note: str  # the C2SP signed note, exactly as /audit/checkpoint serves it


@dataclass(frozen=True, slots=True)
class SiteFigures:
    downloads: int  # every whole-file download of a public dataset, since it was published
    licensed_calls_this_month: int  # metered calls to conditional data, this calendar month (UTC)
    ledger_size: int
    checkpoint: LatestCheckpoint | None


def site_figures(session: Session) -> SiteFigures:
    downloads = session.scalar(
        select(func.coalesce(func.sum(Dataset.download_count), 0)).where(public_condition())
    )
    # Day rows (YYYY-MM-DD) count calls; month rows (YYYY-MM) only carry the rows quota.
    month = utcnow().strftime("%Y-%m")
    calls = session.scalar(
        select(func.coalesce(func.sum(UsageCounter.calls), 0)).where(
            UsageCounter.period.like(month + "-%")
        )
    )
    return SiteFigures(
        downloads=int(downloads or 0),
        licensed_calls_this_month=int(calls or 0),
        ledger_size=ledger.head(session).size,
        checkpoint=latest_checkpoint(session),
    )


def latest_checkpoint(session: Session) -> LatestCheckpoint | None:
    """The largest signed checkpoint, as the public audit endpoints serve it."""
    row = session.execute(
        select(Checkpoint.size, Checkpoint.created_at, Checkpoint.root, Checkpoint.note)
        .order_by(Checkpoint.size.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    return LatestCheckpoint(int(row[0]), row[1], bytes(row[2]), str(row[3]))
