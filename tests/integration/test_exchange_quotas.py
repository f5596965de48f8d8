"""Quotas stay exact when licensed calls race, on the lane's database (a fresh SQLite file, or a
fresh PostgreSQL database), with real threads and connections.

A licensed call checks its licence while reading and is metered afterwards in a short writing
transaction (exchange.enforcement). Here every caller has read the licence (and the rows left)
before any of them is metered — the widest race the two phases allow — and still the calls and
rows granted add up to the quotas exactly; the call that finds fewer rows left than it read
gets what is left, and its page is read again at that size (exchange.reads.LicensedReads.meter).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.datastore.query import RecordQuery
from catalog.filestore import FileStore
from catalog.models import Dataset
from core.clock import utcnow
from core.db import make_engine, make_session_factory, transaction
from core.identity.models import OrgKind, Role
from core.identity.principal import OrgRole, Principal
from core.migrations import upgrade
from exchange.enforcement import AccessGate, AccessRequest, Denial, Grant, Licence, fingerprint
from exchange.entitlements import EntitlementService
from exchange.models import Entitlement, EntitlementState, UsageCounter
from exchange.reads import LicensedRead, LicensedReads, RecordsCall
from exchange.states import EntitlementAction
from tests.factories.exchange import World, activate, make_world
from tests.support import fresh_database_url

pytestmark = pytest.mark.database

CALLERS = 8
T = TypeVar("T")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], World]]:
    engine = make_engine(fresh_database_url(tmp_path, "quotas"))
    upgrade(engine)
    sessions = make_session_factory(engine)
    with transaction(sessions, write=True) as session:
        world = make_world(session, FileStore(tmp_path / "files"))
    yield sessions, world
    engine.dispose()


def _licence(sessions: sessionmaker[Session], world: World, **policy: Any) -> Principal:
    with transaction(sessions, write=True) as session:
        activate(session, world, **policy)
    org = world.enterprise
    return Principal(
        roles=(OrgRole(org.id, org.name, OrgKind.ENTERPRISE, Role.MEMBER),),
        via="oauth",
        client_id=world.client_id,
        scopes=frozenset({"datastore:read"}),
    )


ACCESS = AccessRequest(
    action="read",
    fields=None,
    filter_fields=frozenset(),
    dataset_fields=frozenset({"district", "category", "phone", "amount"}),
    fingerprint="race",
)


def _race(read: Callable[[], T], meter: Callable[[T], Any]) -> list[Any]:
    """Every caller reads, then (once all have read) every caller is metered, at once."""
    barrier = threading.Barrier(CALLERS)
    results: list[Any] = []
    lock = threading.Lock()

    def caller() -> None:
        seen = read()
        barrier.wait(timeout=30)
        outcome = meter(seen)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=caller) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == CALLERS
    return results


def _usage(sessions: sessionmaker[Session]) -> dict[str, tuple[int, int, int]]:
    with sessions() as session:
        rows = session.scalars(select(UsageCounter)).all()
        return {u.period: (u.calls, u.rows, u.denials) for u in rows}


def _gate_race(
    sessions: sessionmaker[Session], world: World, principal: Principal, rows: int
) -> list[Grant | Denial]:
    def read() -> Licence:
        with transaction(sessions) as session:
            dataset = session.get(Dataset, world.dataset.id)
            assert dataset is not None
            licence = AccessGate(session, principal).check(dataset, ACCESS)
            assert isinstance(licence, Licence), licence
            return licence

    def meter(licence: Licence) -> Grant | Denial:
        with transaction(sessions, write=True) as session:
            gate = AccessGate(session, principal)
            outcome = gate.meter(world.dataset.id, ACCESS, licence, rows)
            if isinstance(outcome, Denial):
                gate.refuse(world.dataset.id, ACCESS, outcome)
            return outcome

    return _race(read, meter)


def test_racing_calls_get_exactly_the_calls_quota(
    db: tuple[sessionmaker[Session], World],
) -> None:
    sessions, world = db
    principal = _licence(sessions, world, calls=5)
    outcomes = _gate_race(sessions, world, principal, rows=1)
    granted = [o for o in outcomes if isinstance(o, Grant)]
    denied = [o for o in outcomes if isinstance(o, Denial)]
    assert len(granted) == 5
    assert {getattr(d.error, "term", None) for d in denied} == {"shudu:callsPerDay"}
    remaining = sorted(int(g.headers["X-Quota-Calls-Remaining"]) for g in granted)
    assert remaining == [0, 1, 2, 3, 4]
    (day,) = [u for period, u in _usage(sessions).items() if len(period) == 10]
    assert day == (5, 5, CALLERS - 5)  # calls, rows (one each), denials


def test_racing_calls_get_exactly_the_rows_quota(
    db: tuple[sessionmaker[Session], World],
) -> None:
    sessions, world = db
    principal = _licence(sessions, world, rows=10)
    outcomes = _gate_race(sessions, world, principal, rows=3)
    taken = sorted(o.rows for o in outcomes if isinstance(o, Grant))
    assert taken == [1, 3, 3, 3]  # all read 10 left; the fourth finds 1
    denied = [o for o in outcomes if isinstance(o, Denial)]
    assert len(denied) == CALLERS - 4
    assert {getattr(d.error, "term", None) for d in denied} == {"shudu:rowsPerMonth"}
    usage = _usage(sessions)
    month = [u for period, u in usage.items() if len(period) == 7]
    day = [u for period, u in usage.items() if len(period) == 10]
    assert month[0][1] == 10
    assert day == [(4, 10, CALLERS - 4)]  # a refused call is not counted as a call


def _call(resource_id: str, query: RecordQuery) -> RecordsCall:
    path = f"/api/v1/resources/{resource_id}/records"
    return RecordsCall(
        uuid.UUID(resource_id), query, fingerprint=fingerprint("GET", path, "limit=3&sort=amount")
    )


def test_a_page_that_no_longer_fits_the_rows_quota_is_read_again_smaller(
    db: tuple[sessionmaker[Session], World],
) -> None:
    sessions, world = db
    principal = _licence(sessions, world, rows=4)

    def read() -> tuple[ExitStack, LicensedReads, LicensedRead, RecordsCall]:
        # The reading transaction stays open until the call is metered, as in the route.
        stack = ExitStack()
        session = stack.enter_context(transaction(sessions))
        call = _call(world.resource_id, RecordQuery(limit=3, sort=["amount"]))
        dataset = session.get(Dataset, world.dataset.id)
        assert dataset is not None
        reads = LicensedReads(session, principal, sessions)
        return stack, reads, reads.read(dataset, call), call

    def meter(seen: tuple[ExitStack, LicensedReads, LicensedRead, RecordsCall]) -> Any:
        stack, reads, found, call = seen
        assert found.result is not None
        assert found.rows == 3  # each read a full page
        first = dict(found.result)
        with stack:
            return reads.meter(found, call), first

    results = _race(read, meter)
    pages = sorted(
        (m.outcome.rows, m.result["records"], first["records"])
        for m, first in results
        if isinstance(m.outcome, Grant)
    )
    assert [rows for rows, _, _ in pages] == [1, 3]
    (small, small_first), (full, full_first) = [(p[1], p[2]) for p in pages]
    assert full == full_first
    assert small == small_first[:1]  # the same page, cut to what the quota had left
    assert all(r["phone"] == "***" for r in small + full)
    day = [u for period, u in _usage(sessions).items() if len(period) == 10]
    assert day == [(2, 4, CALLERS - 2)]  # calls, rows, denials


@pytest.mark.parametrize("action", [EntitlementAction.REVOKE, EntitlementAction.SUSPEND])
def test_a_licence_revoked_after_the_read_refuses_at_metering(
    db: tuple[sessionmaker[Session], World], action: EntitlementAction
) -> None:
    sessions, world = db
    principal = _licence(sessions, world, rows=100)
    with transaction(sessions) as session:
        dataset = session.get(Dataset, world.dataset.id)
        assert dataset is not None
        licence = AccessGate(session, principal).check(dataset, ACCESS)
    assert isinstance(licence, Licence)
    with transaction(sessions, write=True) as session:  # between the call's read and metering
        reviewer = EntitlementService(session, world.as_(world.reviewer))
        reviewer.change(licence.entitlement_id, action, "Misuse reported")
    with transaction(sessions, write=True) as session:
        outcome = AccessGate(session, principal).meter(world.dataset.id, ACCESS, licence, 3)
    assert isinstance(outcome, Denial)
    assert outcome.error.message.startswith("The licence is ")
    assert "Misuse reported" in outcome.error.message
    assert _usage(sessions) == {}  # neither the call nor its rows were counted


def test_a_renewal_between_the_read_and_the_refusal_is_not_undone(
    db: tuple[sessionmaker[Session], World],
) -> None:
    sessions, world = db
    principal = _licence(sessions, world)
    with transaction(sessions, write=True) as session:
        lapsed = session.scalars(select(Entitlement)).one()
        lapsed.expires_at = utcnow() - timedelta(seconds=1)
    with transaction(sessions) as session:
        dataset = session.get(Dataset, world.dataset.id)
        assert dataset is not None
        denial = AccessGate(session, principal).check(dataset, ACCESS)
    assert isinstance(denial, Denial)
    assert denial.expired
    assert denial.entitlement_id is not None
    with transaction(sessions, write=True) as session:  # the provider renews meanwhile
        EntitlementService(session, world.as_(world.publisher)).renew(denial.entitlement_id, 30)
    with transaction(sessions, write=True) as session:
        AccessGate(session, principal).refuse(world.dataset.id, ACCESS, denial)
    with transaction(sessions) as session:
        renewed = session.get(Entitlement, denial.entitlement_id)
        assert renewed is not None
        assert renewed.state is EntitlementState.ACTIVE


def test_more_concurrent_calls_than_pooled_connections_all_get_through(
    db: tuple[sessionmaker[Session], World],
) -> None:
    """More callers than the connection pool holds (5 + 10), each reading then metering as the
    route does: none may wait for the writer lock while holding a connection (that deadlocked:
    the lock's holder found no connection left, and calls failed after the lock timeout)."""
    sessions, world = db
    principal = _licence(sessions, world)
    outcomes: list[object] = []
    lock = threading.Lock()
    start = threading.Barrier(24)

    def caller() -> None:
        start.wait(timeout=30)
        for _ in range(3):
            call = _call(world.resource_id, RecordQuery(limit=2))
            try:
                with transaction(sessions) as session:
                    dataset = session.get(Dataset, world.dataset.id)
                    assert dataset is not None
                    reads = LicensedReads(session, principal, sessions)
                    metered = reads.records(dataset, call)
                outcome: object = metered.outcome
            except Exception as exc:  # recorded, to fail the test with it below
                outcome = exc
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=caller) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 72
    assert [o for o in outcomes if not isinstance(o, Grant)] == []
    day = [u for period, u in _usage(sessions).items() if len(period) == 10]
    assert day[0][0] == 72  # every call counted once
