"""Enforcement of a licence on one call to a conditional dataset.

See docs/architecture.md, "One licensed call, end to end".

A licensed call has two phases. ``AccessGate.check`` reads: it finds the caller's entitlement
for (organization, OAuth client, dataset) and evaluates its policy, so the query then runs under
the licence's obligations in the request's reading transaction, exactly like an open query.
``AccessGate.meter`` then writes — in that same transaction where the database allows it,
else in a short one of its own (exchange.reads): it takes the month's rows and the day's call off
the quotas only while the entitlement is still active (a revocation committed meanwhile refuses
the call), and queues the ledger entry in the outbox (``core.ledger_outbox``: appended in
batches moments later, instead of every call queueing behind the ledger's head lock). A denial
from either phase is *returned*, then recorded by ``AccessGate.refuse`` (a denial counted and
a ledger entry) before the route answers 401/403/429.

Quotas are counted by atomic conditional upserts (``… ON CONFLICT DO UPDATE SET calls = calls +
1 WHERE calls < :limit``): concurrent calls can never together pass a limit. The rows a query
returned are metered after it ran; if they no longer all fit (the quota ran low, or racing calls
took rows meanwhile), the month's row is locked and the call gets what is left (the caller then
returns only that many).
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import (
    BigInteger,
    BindParameter,
    Table,
    bindparam,
    exists,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from catalog.datastore.access import AccessDecision
from catalog.models import Dataset, OpenLevel
from core import ledger_outbox
from core.clock import utcnow
from core.errors import NotAuthenticated, ShuduError
from core.identity.principal import Principal
from exchange import roles, terms
from exchange.entitlements import EntitlementService
from exchange.errors import LicenceDenied, QuotaExceeded
from exchange.models import Entitlement, EntitlementClient, EntitlementState, UsageCounter


def needs_licence(principal: Principal, dataset: Dataset) -> bool:
    """Conditional data, asked for by someone who is neither its publisher nor an overseer."""
    if dataset.open_level is not OpenLevel.CONDITIONAL:
        return False
    return not (principal.sees_everything or dataset.organization_id in principal.publisher_org_ids)


@dataclass(frozen=True, slots=True)
class AccessRequest:
    action: str  # "read", "aggregate" or "download" (files and exports)
    fields: frozenset[str] | None  # projected field ids; None: all the licence allows
    filter_fields: frozenset[str]  # fields filtered, sorted, grouped or aggregated on
    dataset_fields: frozenset[str] | None  # the table's field ids, when it is loaded
    fingerprint: str  # a hash of the request as sent (method, path, query, body)


@dataclass(frozen=True, slots=True)
class Licence:
    """What the reading phase found: the licence in force for the call, and what it allows."""

    entitlement_id: uuid.UUID
    organization_id: uuid.UUID
    agreement_id: uuid.UUID
    decision: AccessDecision
    calls_limit: int | None
    rows_limit: int | None
    day: str  # the periods the call is counted in
    month: str


@dataclass(frozen=True, slots=True)
class Denial:
    """A refusal decided but not yet recorded (:meth:`AccessGate.refuse` records it)."""

    error: LicenceDenied | NotAuthenticated
    entitlement_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expired: bool = False  # the entitlement lapsed: mark it expired as the refusal is recorded


@dataclass(frozen=True, slots=True)
class Grant:
    entitlement_id: uuid.UUID
    decision: AccessDecision
    rows: int  # rows the call was metered for (and may return at most)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Refusal:
    error: ShuduError
    headers: dict[str, str] = field(default_factory=dict)


def fingerprint(method: str, path: str, query: str, body: bytes = b"") -> str:
    return hashlib.sha256(
        orjson.dumps([method, path, query, body.decode("utf-8", "replace")])
    ).hexdigest()


def _day(now: datetime) -> str:
    return now.strftime("%Y-%m-%d")


def _month(now: datetime) -> str:
    return now.strftime("%Y-%m")


_ORDER = {  # which of a client's entitlements to a dataset speaks for it: the active one first
    EntitlementState.ACTIVE: 0,
    EntitlementState.SUSPENDED: 1,
    EntitlementState.EXPIRED: 2,
    EntitlementState.REVOKED: 3,
}

# Licensed calls are a hot path: their statements are built once, in Core (building an ORM or
# Core statement costs more than running it), and run on the session's connection.
_ENT = cast(Table, Entitlement.__table__)
_CLIENTS = cast(Table, EntitlementClient.__table__)
_USAGE = cast(Table, UsageCounter.__table__)

_ENTITLEMENTS = (
    select(
        _ENT.c.id,
        _ENT.c.organization_id,
        _ENT.c.agreement_id,
        _ENT.c.state,
        _ENT.c.reason,
        _ENT.c.policy,
        _ENT.c.purpose_code,
        _ENT.c.starts_at,
        _ENT.c.expires_at,
    )
    .join(_CLIENTS, _CLIENTS.c.entitlement_id == _ENT.c.id)
    .where(
        _ENT.c.dataset_id == bindparam("b_dataset"), _CLIENTS.c.client_id == bindparam("b_client")
    )
)  # the caller's organizations are matched in Python: no list to expand into the SQL each time
_STATE = select(_ENT.c.state, _ENT.c.reason, _ENT.c.expires_at).where(
    _ENT.c.id == bindparam("b_id")
)
_ID: BindParameter[uuid.UUID] = bindparam("b_id", type_=_USAGE.c.entitlement_id.type)
_PERIOD: BindParameter[str] = bindparam("b_period", type_=_USAGE.c.period.type)
_KEY = (_USAGE.c.entitlement_id == _ID, _USAGE.c.period == _PERIOD)
_LOCK_MONTH = select(_USAGE.c.rows).where(*_KEY).with_for_update()
_ADD_ROWS = update(_USAGE).where(*_KEY).values(rows=_USAGE.c.rows + bindparam("b_n"))
# The entitlement is (still) active: part of each counter's upsert, so a revocation or a
# suspension committed before the metering refuses the call without a statement of its own.
_ACTIVE = exists().where(
    _ENT.c.id == _ID,
    _ENT.c.state == EntitlementState.ACTIVE,
    _ENT.c.expires_at > bindparam("b_now", type_=_ENT.c.expires_at.type),
)


@dataclass(frozen=True, slots=True)
class _Upserts:
    """The counters' atomic upserts, in one dialect (ON CONFLICT is the dialect's). Those that
    take a call or rows do so only while the entitlement is active; no row comes back if not."""

    call: Any  # one call and its rows, under no calls limit: RETURNING calls
    call_limited: Any  # … only while calls < :b_limit (no row comes back once it is reached)
    rows: Any  # rows onto the month, only while they fit under :b_limit: RETURNING rows
    denial: Any  # one denial


@functools.cache
def _upserts(dialect: str) -> _Upserts:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    key = [_USAGE.c.entitlement_id, _USAGE.c.period]
    c = _USAGE.c
    rows: BindParameter[int] = bindparam("b_rows", type_=BigInteger)
    limit: BindParameter[int] = bindparam("b_limit", type_=BigInteger)
    columns = ["entitlement_id", "period", "calls", "rows", "denials"]

    def taking(calls: int, added: BindParameter[int]) -> Any:
        """INSERT … SELECT …: the new period's row, only if the entitlement is active."""
        new = select(_ID, _PERIOD, literal(calls, BigInteger), added, literal(0, BigInteger))
        return insert(_USAGE).from_select(columns, new.where(_ACTIVE))

    add_call = {"calls": c.calls + 1, "rows": c.rows + rows}
    return _Upserts(
        call=taking(1, rows)
        .on_conflict_do_update(index_elements=key, set_=add_call, where=_ACTIVE)
        .returning(c.calls),
        call_limited=taking(1, rows)
        .on_conflict_do_update(index_elements=key, set_=add_call, where=(c.calls < limit) & _ACTIVE)
        .returning(c.calls),
        rows=taking(0, rows)
        .on_conflict_do_update(
            index_elements=key,
            set_={"rows": c.rows + rows},
            where=(c.rows < limit) & (c.rows + rows <= limit) & _ACTIVE,
        )
        .returning(c.rows),
        denial=insert(_USAGE)
        .values(entitlement_id=_ID, period=_PERIOD, calls=0, rows=0, denials=1)
        .on_conflict_do_update(index_elements=key, set_={"denials": c.denials + 1}),
    )


def _state_denial(
    entitlement_id: uuid.UUID,
    organization_id: uuid.UUID,
    state: EntitlementState,
    reason: str,
    expires_at: datetime,
    now: datetime,
) -> Denial | None:
    """Why an entitlement in this state refuses a call now, or None if it allows one. One that
    lapsed while active or suspended is refused as expired (and marked so when recorded)."""
    lapsed = state in (EntitlementState.ACTIVE, EntitlementState.SUSPENDED) and expires_at <= now
    if not lapsed and state is EntitlementState.ACTIVE:
        return None
    shown = EntitlementState.EXPIRED if lapsed else state
    message = f"The licence is {shown.value}"
    if reason and not lapsed:
        message += f": {reason}"
    term = "expiry" if shown is EntitlementState.EXPIRED else "entitlement"
    error = LicenceDenied(message, term, {"state": shown.value})
    return Denial(error, entitlement_id, organization_id, expired=lapsed)


def _rows_used_up(limit: int) -> QuotaExceeded:
    return QuotaExceeded(f"The monthly quota of {limit} rows is used up", "shudu:rowsPerMonth")


def _rows_headers(limit: int, left: int) -> dict[str, str]:
    return {"X-Quota-Rows-Limit": str(limit), "X-Quota-Rows-Remaining": str(max(left, 0))}


class AccessGate:
    """A licensed call in two phases.

    :meth:`check` only reads: it finds the entitlement and evaluates its policy, so the query
    can run in the request's reading transaction like an open one. :meth:`meter` then takes the
    call and the rows — only while the entitlement is still active, so a revocation committed
    before it refuses the call — and queues the ledger entry. A denial from either phase is
    recorded by :meth:`refuse`. Both write: the caller runs them where writing is allowed.
    """

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    # -- reading: which licence, and what it allows -------------------------------------------

    def check(self, dataset: Dataset, request: AccessRequest) -> Licence | Denial:
        """The licence in force for this call, or why there is none (nothing is written)."""
        if not self.principal.is_authenticated:
            return Denial(
                NotAuthenticated("Licensed data needs an OAuth access token of a licensed client")
            )
        orgs = roles.enterprise_org_ids(self.principal)
        client = self.principal.client_id
        found = (
            [
                row
                for row in self._run(_ENTITLEMENTS, {"b_dataset": dataset.id, "b_client": client})
                if row.organization_id in orgs
            ]
            if orgs and client is not None
            else []
        )
        if not found:
            why = (
                "Licensed data is read through an OAuth client your enterprise designated"
                if client is None
                else "This client holds no licence for this dataset; apply through the exchange"
            )
            return Denial(LicenceDenied(why, "entitlement"))
        # The active one if any; otherwise the most recent, so the refusal can say why.
        row = min(found, key=lambda e: (_ORDER[e.state], -e.expires_at.timestamp()))
        now = utcnow()
        refused = _state_denial(
            row.id, row.organization_id, row.state, row.reason, row.expires_at, now
        )
        if refused is not None:
            return refused
        outcome = terms.evaluate(
            row.policy,
            action=request.action,
            purpose=row.purpose_code,
            recipient=str(row.organization_id),
            now=now,
            agreement_start=row.starts_at,
            fields=request.fields,
            filter_fields=request.filter_fields,
            dataset_fields=request.dataset_fields,
            # Quotas are decided by the atomic counters alone (exact under concurrent calls);
            # the evaluator is asked only which limits are in force.
            calls_today=0,
            rows_this_month=0,
        )
        if isinstance(outcome, terms.Denied):
            error_type = QuotaExceeded if outcome.quota else LicenceDenied
            return Denial(
                error_type(outcome.message, outcome.term, {"failed": outcome.failed}),
                row.id,
                row.organization_id,
            )
        whole = outcome.decision == AccessDecision.full() and outcome.rows_per_month is None
        if request.dataset_fields is None and request.action == "download" and not whole:
            return Denial(
                LicenceDenied(
                    "This licence restricts fields, rows or values: read the data through the "
                    "records API, where the restrictions are applied",
                    "download",
                ),
                row.id,
                row.organization_id,
            )
        return Licence(
            entitlement_id=row.id,
            organization_id=row.organization_id,
            agreement_id=row.agreement_id,
            decision=outcome.decision,
            calls_limit=outcome.calls_per_day,
            rows_limit=outcome.rows_per_month,
            day=_day(now),
            month=_month(now),
        )

    # -- writing: the quotas, the meter and the ledger ----------------------------------------

    def _run(self, statement: Any, params: dict[str, Any]) -> Any:
        return self.session.connection().execute(statement, params)

    def _upserts(self) -> _Upserts:
        return _upserts(self.session.get_bind().dialect.name)

    def _inactive(self, licence: Licence, now: datetime) -> Denial | None:
        """Why the licence allows no more calls, if so: asked when an upsert took nothing."""
        ids = licence.entitlement_id, licence.organization_id
        found = self._run(_STATE, {"b_id": licence.entitlement_id}).one_or_none()
        if found is None:
            return Denial(LicenceDenied("The licence no longer exists", "entitlement"), *ids)
        return _state_denial(*ids, found.state, found.reason, found.expires_at, now)

    def _take_rows(
        self, licence: Licence, limit: int, rows: int, now: datetime
    ) -> tuple[int, int] | Denial:
        """Up to ``rows`` of this month's quota: (taken, used after), or why none were.

        Usually one atomic upsert that adds them while they fit; when they do not (another call
        took rows since this one read), the month's row is locked and what is left is taken."""
        wanted = min(rows, limit)
        key = {"b_id": licence.entitlement_id, "b_period": licence.month}
        params = {**key, "b_rows": wanted, "b_limit": limit, "b_now": now}
        after = self._run(self._upserts().rows, params).scalar() if limit > 0 else None
        if after is not None:
            return wanted, int(after)
        refused = self._inactive(licence, now)
        if refused is not None:
            return refused
        used = int(self._run(_LOCK_MONTH, key).scalar() or 0)
        taken = min(wanted, limit - used)
        if taken <= 0:
            return Denial(
                _rows_used_up(limit),
                licence.entitlement_id,
                licence.organization_id,
                headers=_rows_headers(limit, 0),
            )
        self._run(_ADD_ROWS, {**key, "b_n": taken})
        return taken, used + taken

    def _take_call(self, licence: Licence, rows: int, now: datetime) -> int | None:
        """One call off today's quota, with the rows it returns: the calls used after it, or
        None if none was taken (no call left, or the licence no longer active). One atomic
        upsert: the day's first call creates the row, later ones add to it."""
        limit = licence.calls_limit
        if limit is not None and limit < 1:
            return None
        upserts = self._upserts()
        params = {"b_id": licence.entitlement_id, "b_period": licence.day, "b_rows": rows}
        params["b_now"] = now
        if limit is None:
            used = self._run(upserts.call, params).scalar()
        else:
            used = self._run(upserts.call_limited, {**params, "b_limit": limit}).scalar()
        return None if used is None else int(used)

    def meter(
        self, dataset_id: uuid.UUID, request: AccessRequest, licence: Licence, rows: int
    ) -> Grant | Denial:
        """Take this call and the ``rows`` it would return off the quotas, and queue its ledger
        entry — if the licence is still active. A Grant may allow fewer rows than asked, when
        the month's quota ran low meanwhile."""
        now = utcnow()
        headers: dict[str, str] = {}
        taken, rows_limit = rows, licence.rows_limit
        if rows_limit is not None:
            got = self._take_rows(licence, rows_limit, rows, now)
            if isinstance(got, Denial):
                return got
            taken, rows_used = got
            headers.update(_rows_headers(rows_limit, rows_limit - rows_used))
        calls_limit = licence.calls_limit
        used = self._take_call(licence, taken, now)
        if used is None:
            if rows_limit is not None and taken:  # give back the rows this call took above
                self._run(
                    _ADD_ROWS,
                    {"b_id": licence.entitlement_id, "b_period": licence.month, "b_n": -taken},
                )
            refused = self._inactive(licence, now)
            if refused is not None:
                return refused
            assert calls_limit is not None
            return Denial(
                QuotaExceeded(
                    f"The daily quota of {calls_limit} calls is used up", "shudu:callsPerDay"
                ),
                licence.entitlement_id,
                licence.organization_id,
                headers={"X-Quota-Calls-Limit": str(calls_limit), "X-Quota-Calls-Remaining": "0"},
            )
        if calls_limit is not None:
            headers["X-Quota-Calls-Limit"] = str(calls_limit)
            headers["X-Quota-Calls-Remaining"] = str(max(calls_limit - used, 0))
        ledger_outbox.record_later(
            self.session,
            "exchange.access",
            actor=self.principal.client_id,
            org=licence.organization_id,
            subject=f"dataset:{dataset_id}",
            data={
                "action": request.action,
                "entitlement": str(licence.entitlement_id),
                "agreement": str(licence.agreement_id),
                "fields": sorted(licence.decision.fields)
                if licence.decision.fields is not None
                else None,
                "rows": taken,
                "request": request.fingerprint,
            },
        )
        return Grant(licence.entitlement_id, licence.decision, taken, headers)

    def admit(
        self, dataset_id: uuid.UUID, request: AccessRequest, found: Licence | Denial, rows: int
    ) -> Grant | Refusal:
        """Meter the call under the licence :meth:`check` found, or record why there was none
        (or why metering refused it)."""
        outcome = (
            found if isinstance(found, Denial) else self.meter(dataset_id, request, found, rows)
        )
        return self.refuse(dataset_id, request, outcome) if isinstance(outcome, Denial) else outcome

    def refuse(self, dataset_id: uuid.UUID, request: AccessRequest, denial: Denial) -> Refusal:
        """Record a refusal (a denial counted on the day, a ledger entry), to answer with."""
        now = utcnow()
        if denial.expired and denial.entitlement_id is not None:
            entitlement = self.session.get(Entitlement, denial.entitlement_id)
            # Still lapsed as it is now (a renewal may have committed since the call read it).
            if (
                entitlement is not None
                and entitlement.state in (EntitlementState.ACTIVE, EntitlementState.SUSPENDED)
                and entitlement.expires_at <= now
            ):
                EntitlementService(self.session, self.principal).expire(entitlement, now)
        if denial.entitlement_id is not None:
            self._run(
                self._upserts().denial, {"b_id": denial.entitlement_id, "b_period": _day(now)}
            )
        error = denial.error
        ledger_outbox.record_later(
            self.session,
            "exchange.access.denied",
            actor=self.principal.client_id or self.principal.user_id,
            org=denial.organization_id,
            subject=f"dataset:{dataset_id}",
            data={
                "action": request.action,
                "term": getattr(error, "term", "authentication"),
                "message": error.message,
                "entitlement": str(denial.entitlement_id) if denial.entitlement_id else None,
                "fields": list(request.fields) if request.fields is not None else None,
                "request": request.fingerprint,
            },
        )
        return Refusal(error, denial.headers)
