"""``shudu worker``'s exchange sweep, on the lane's database: a lapsed licence is marked expired
without waiting for a call, and the periodic runner survives a failing round."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from api.runtime.exchange import start_exchange_sweep
from api.runtime.periodic import start_periodic
from catalog.filestore import FileStore
from core.clock import utcnow
from core.db import make_engine, make_session_factory, transaction
from core.ledger import LedgerEntry
from core.migrations import upgrade
from exchange.models import Entitlement, EntitlementState
from tests.factories.exchange import activate, make_world
from tests.live import wait_until
from tests.support import fresh_database_url

pytestmark = pytest.mark.database


def test_the_worker_sweep_expires_a_lapsed_licence(tmp_path: Path) -> None:
    engine = make_engine(fresh_database_url(tmp_path, "sweep"))
    upgrade(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions, write=True) as session:
        world = make_world(session, FileStore(tmp_path / "files"))
        entitlement_id = activate(session, world).id
    with transaction(sessions, write=True) as session:
        lapsed = session.get(Entitlement, entitlement_id)
        assert lapsed is not None
        lapsed.expires_at = utcnow() - timedelta(seconds=1)

    def state() -> EntitlementState:
        with transaction(sessions) as session:
            return session.scalars(
                select(Entitlement.state).where(Entitlement.id == entitlement_id)
            ).one()

    async def run() -> None:
        sweeper = start_exchange_sweep(sessions, seconds=0.05)
        try:
            expired = lambda: state() is EntitlementState.EXPIRED  # noqa: E731
            await asyncio.to_thread(wait_until, expired, "the sweep expiring the licence", 20)
        finally:
            await sweeper.stop()

    asyncio.run(run())
    assert state() is EntitlementState.EXPIRED
    with transaction(sessions) as session:
        types = session.scalars(
            select(LedgerEntry.type).where(LedgerEntry.subject == f"entitlement:{entitlement_id}")
        ).all()
    assert "exchange.entitlement.expired" in types
    engine.dispose()


def test_a_failing_round_does_not_stop_the_periodic_work() -> None:
    rounds: list[int] = []
    third = threading.Event()

    def job() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise RuntimeError("the database went away")
        if len(rounds) >= 3:
            third.set()

    async def run() -> None:
        periodic = start_periodic("test", job, 0.01)
        await asyncio.to_thread(third.wait, 10)
        await periodic.stop()

    asyncio.run(run())
    assert len(rounds) >= 3
