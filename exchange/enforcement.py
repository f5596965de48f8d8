"""Enforcement of a licence on one call to a conditional dataset (DESIGN.md §5).

``AccessGate.authorize`` finds the caller's active entitlement for (organization, OAuth
client, dataset), evaluates its policy, takes the call from the daily calls quota and reserves
rows from the monthly rows quota, and records the access (or the denial) for the ledger — all
in the caller's writing transaction. Licensed calls are a hot path, so their entries are queued
in the outbox with the call (``core.ledger_outbox``) and appended in batches moments later,
instead of every call queueing behind the ledger's head lock. A denial is *returned*, not
raised, so that the route commits its ledger entry before answering 401/403/429.

Quotas are counted by conditional updates (``UPDATE … SET calls = calls + 1 WHERE calls <
:limit``); on PostgreSQL the month row is locked before rows are reserved and on SQLite the
writing transaction already holds the database's write lock, so concurrent calls can never
together pass a limit.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, lazyload

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
    rows_wanted: int | None  # rows the call may return at most (page size); None: unbounded
    fingerprint: str  # a hash of the request as sent (method, path, query, body)


@dataclass(frozen=True, slots=True)
class Grant:
    entitlement_id: uuid.UUID
    decision: AccessDecision
    rows_reserved: int | None  # None: no rows quota
    headers: dict[str, str] = field(default_factory=dict)
    rows_limit: int | None = None
    rows_before: int = 0  # rows used this month before this call
    day: str = ""  # the periods the call was counted in (settled in the same ones)
    month: str = ""


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


class AccessGate:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    # -- counters ---------------------------------------------------------------------------

    def _insert(self, entitlement_id: uuid.UUID, period: str, calls: int = 0) -> Any:
        """An INSERT of the period's counter row (the dialect's, for ON CONFLICT)."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        return insert(UsageCounter).values(
            entitlement_id=entitlement_id, period=period, calls=calls, rows=0, denials=0
        )

    def _ensure(self, entitlement_id: uuid.UUID, period: str) -> None:
        self.session.execute(self._insert(entitlement_id, period).on_conflict_do_nothing())

    def _take_call(self, entitlement_id: uuid.UUID, day: str, limit: int | None) -> int | None:
        """One call off today's quota; the calls used after it, or None if none was left.

        One atomic upsert: the day's first call creates the row with this call counted, later
        ones add one only while under the limit (no row comes back once it is reached)."""
        if limit is not None and limit < 1:
            self._ensure(entitlement_id, day)
            return None
        used = self.session.scalar(
            self._insert(entitlement_id, day, calls=1)
            .on_conflict_do_update(
                index_elements=[UsageCounter.entitlement_id, UsageCounter.period],
                set_={"calls": UsageCounter.calls + 1},
                where=None if limit is None else UsageCounter.calls < limit,
            )
            .returning(UsageCounter.calls)
        )
        return None if used is None else int(used)

    def _reserve_rows(
        self, entitlement_id: uuid.UUID, month: str, limit: int, wanted: int | None
    ) -> tuple[int, int]:
        """Reserve up to ``wanted`` rows of this month's quota: (reserved, used after)."""
        key = [UsageCounter.entitlement_id == entitlement_id, UsageCounter.period == month]
        locked = select(UsageCounter.rows).where(*key).with_for_update()
        found = self.session.scalar(locked)
        if found is None:  # the month's first reservation: create the row, then lock it
            self._ensure(entitlement_id, month)
            found = self.session.scalar(locked)
        used = int(found or 0)
        left = max(limit - used, 0)
        reserved = left if wanted is None else min(left, wanted)
        if reserved:
            self.session.execute(
                update(UsageCounter).where(*key).values(rows=UsageCounter.rows + reserved)
            )
        return reserved, used + reserved

    def settle_rows(self, grant: Grant, returned: int) -> None:
        """After the query: count the rows really returned (and give back what was not);
        the rows header then tells what is left after this call."""
        if grant.rows_limit is not None:
            left = max(grant.rows_limit - grant.rows_before - returned, 0)
            grant.headers["X-Quota-Rows-Remaining"] = str(left)
        day_key = [
            UsageCounter.entitlement_id == grant.entitlement_id,
            UsageCounter.period == grant.day,
        ]
        if returned:  # the day's row exists: the call was counted on it in this transaction
            self.session.execute(
                update(UsageCounter).where(*day_key).values(rows=UsageCounter.rows + returned)
            )
        if grant.rows_reserved is not None and returned < grant.rows_reserved:
            self.session.execute(
                update(UsageCounter)
                .where(
                    UsageCounter.entitlement_id == grant.entitlement_id,
                    UsageCounter.period == grant.month,
                )
                .values(rows=UsageCounter.rows - (grant.rows_reserved - returned))
            )

    def _count_denial(self, entitlement_id: uuid.UUID, day: str) -> None:
        self._ensure(entitlement_id, day)
        self.session.execute(
            update(UsageCounter)
            .where(UsageCounter.entitlement_id == entitlement_id, UsageCounter.period == day)
            .values(denials=UsageCounter.denials + 1)
        )

    # -- the decision -----------------------------------------------------------------------

    def _entitlement(self, dataset: Dataset) -> Entitlement | None:
        orgs = roles.enterprise_org_ids(self.principal)
        if not orgs or self.principal.client_id is None:
            return None
        candidates = self.session.scalars(
            select(Entitlement)
            .options(lazyload(Entitlement.clients))  # not needed here: skip the selectin query
            .join(EntitlementClient, EntitlementClient.entitlement_id == Entitlement.id)
            .where(
                Entitlement.dataset_id == dataset.id,
                Entitlement.organization_id.in_(orgs),
                EntitlementClient.client_id == self.principal.client_id,
            )
        ).all()
        if not candidates:
            return None
        # The active one if any; otherwise the most recent, so the refusal can say why.
        order = {
            EntitlementState.ACTIVE: 0,
            EntitlementState.SUSPENDED: 1,
            EntitlementState.EXPIRED: 2,
            EntitlementState.REVOKED: 3,
        }
        return min(candidates, key=lambda e: (order[e.state], -e.expires_at.timestamp()))

    def _deny(
        self,
        dataset: Dataset,
        request: AccessRequest,
        error: LicenceDenied | NotAuthenticated,
        entitlement: Entitlement | None,
        headers: dict[str, str] | None = None,
    ) -> Refusal:
        now = utcnow()
        if entitlement is not None:
            self._count_denial(entitlement.id, _day(now))
        ledger_outbox.record_later(
            self.session,
            "exchange.access.denied",
            actor=self.principal.client_id or self.principal.user_id,
            org=entitlement.organization_id if entitlement else None,
            subject=f"dataset:{dataset.id}",
            data={
                "action": request.action,
                "term": getattr(error, "term", "authentication"),
                "message": error.message,
                "entitlement": str(entitlement.id) if entitlement else None,
                "fields": list(request.fields) if request.fields is not None else None,
                "request": request.fingerprint,
            },
        )
        return Refusal(error, headers or {})

    def authorize(self, dataset: Dataset, request: AccessRequest) -> Grant | Refusal:
        if not self.principal.is_authenticated:
            return self._deny(
                dataset,
                request,
                NotAuthenticated("Licensed data needs an OAuth access token of a licensed client"),
                None,
            )
        entitlement = self._entitlement(dataset)
        if entitlement is None:
            why = (
                "Licensed data is read through an OAuth client your enterprise designated"
                if self.principal.client_id is None
                else "This client holds no licence for this dataset; apply through the exchange"
            )
            return self._deny(dataset, request, LicenceDenied(why, "entitlement"), None)
        now = utcnow()
        if entitlement.state in (EntitlementState.ACTIVE, EntitlementState.SUSPENDED) and (
            entitlement.expires_at <= now
        ):
            EntitlementService(self.session, self.principal).expire(entitlement, now)
        if entitlement.state is not EntitlementState.ACTIVE:
            message = f"The licence is {entitlement.state.value}"
            if entitlement.reason:
                message += f": {entitlement.reason}"
            term = "expiry" if entitlement.state is EntitlementState.EXPIRED else "entitlement"
            return self._deny(
                dataset,
                request,
                LicenceDenied(message, term, {"state": entitlement.state.value}),
                entitlement,
            )
        day, month = _day(now), _month(now)
        outcome = terms.evaluate(
            entitlement.policy,
            action=request.action,
            purpose=entitlement.purpose_code,
            recipient=str(entitlement.organization_id),
            now=now,
            agreement_start=entitlement.starts_at,
            fields=request.fields,
            filter_fields=request.filter_fields,
            dataset_fields=request.dataset_fields,
            # Quotas are decided below, by the atomic counters alone (exact under concurrent
            # calls); the evaluator is asked only which limits are in force.
            calls_today=0,
            rows_this_month=0,
        )
        if isinstance(outcome, terms.Denied):
            error_type = QuotaExceeded if outcome.quota else LicenceDenied
            return self._deny(
                dataset,
                request,
                error_type(outcome.message, outcome.term, {"failed": outcome.failed}),
                entitlement,
            )
        whole = outcome.decision == AccessDecision.full() and outcome.rows_per_month is None
        if request.dataset_fields is None and request.action == "download" and not whole:
            return self._deny(
                dataset,
                request,
                LicenceDenied(
                    "This licence restricts fields, rows or values: read the data through the "
                    "records API, where the restrictions are applied",
                    "download",
                ),
                entitlement,
            )
        headers: dict[str, str] = {}
        calls_limit = outcome.calls_per_day
        used = self._take_call(entitlement.id, day, calls_limit)
        if used is None:
            assert calls_limit is not None
            headers = {"X-Quota-Calls-Limit": str(calls_limit), "X-Quota-Calls-Remaining": "0"}
            return self._deny(
                dataset,
                request,
                QuotaExceeded(
                    f"The daily quota of {calls_limit} calls is used up", "shudu:callsPerDay"
                ),
                entitlement,
                headers,
            )
        if calls_limit is not None:
            headers["X-Quota-Calls-Limit"] = str(calls_limit)
            headers["X-Quota-Calls-Remaining"] = str(max(calls_limit - used, 0))
        reserved: int | None = None
        rows_limit = outcome.rows_per_month
        if rows_limit is not None:
            reserved, rows_used = self._reserve_rows(
                entitlement.id, month, rows_limit, request.rows_wanted
            )
            headers["X-Quota-Rows-Limit"] = str(rows_limit)
            headers["X-Quota-Rows-Remaining"] = str(max(rows_limit - rows_used, 0))
            if reserved == 0:
                return self._deny(
                    dataset,
                    request,
                    QuotaExceeded(
                        f"The monthly quota of {rows_limit} rows is used up", "shudu:rowsPerMonth"
                    ),
                    entitlement,
                    headers,
                )
        ledger_outbox.record_later(
            self.session,
            "exchange.access",
            actor=self.principal.client_id,
            org=entitlement.organization_id,
            subject=f"dataset:{dataset.id}",
            data={
                "action": request.action,
                "entitlement": str(entitlement.id),
                "agreement": str(entitlement.agreement_id),
                "fields": sorted(outcome.decision.fields)
                if outcome.decision.fields is not None
                else None,
                "rows_reserved": reserved,
                "request": request.fingerprint,
            },
        )
        return Grant(
            entitlement.id,
            outcome.decision,
            reserved,
            headers,
            rows_limit=rows_limit,
            rows_before=0 if reserved is None else rows_used - reserved,
            day=day,
            month=month,
        )
