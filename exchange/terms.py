"""The exchange's one seam to ``licensing``: validation of offers, agreement texts, policy
evaluation for a call, and pricing. Everything here is a thin adapter (no rules of its own)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson

import licensing
from catalog.datastore.access import AccessDecision
from catalog.models import Dataset
from core.identity.models import Organization
from exchange.models import Application, Offer
from licensing.durations import Duration


def validate_policy(data: Mapping[str, Any]) -> dict[str, Any]:
    """The policy in its fixed JSON shape (what is stored, hashed and evaluated)."""
    return licensing.parse_policy(data).as_json()


def validate_price_plan(data: Mapping[str, Any]) -> dict[str, Any]:
    return licensing.parse_price_plan(data).as_json()


def policy_hash(policy: Mapping[str, Any]) -> str:
    return hashlib.sha256(licensing.canonical_json(dict(policy))).hexdigest()


def is_purpose(code: str) -> bool:
    return licensing.is_purpose(code)


def current_template() -> str:
    """The template new agreements are rendered from."""
    return licensing.AUTHORIZED_OPERATION


def render(
    *,
    offer: Offer,
    dataset: Dataset,
    provider: Organization,
    enterprise: Organization,
    application: Application,
    template: str,
    language: str = "zh",
    start: datetime,
) -> tuple[str, str]:
    """The agreement's exact text and its hash (over the text and the policy)."""
    policy = licensing.parse_policy(offer.policy)
    text = licensing.render_agreement(
        template,
        language,
        parties=licensing.Parties(
            provider=licensing.Party(provider.title_zh or provider.name, str(provider.id)),
            recipient=licensing.Party(enterprise.title_zh or enterprise.name, str(enterprise.id)),
        ),
        dataset=licensing.DatasetRef(dataset.name, dataset.title_zh or dataset.name),
        policy=policy,
        price_plan=licensing.parse_price_plan(offer.price_plan),
        term=licensing.Term(
            start=start.date(), end=(start + timedelta(days=offer.duration_days)).date()
        ),
        purpose=application.purpose_code,
        scenario=application.usage_scenario,
        number=str(application.id),
        conditions=list(application.conditions),
    )
    return text, licensing.agreement_hash(text, policy)


@dataclass(frozen=True, slots=True)
class Allowed:
    decision: AccessDecision
    calls_per_day: int | None
    rows_per_month: int | None


@dataclass(frozen=True, slots=True)
class Denied:
    term: str  # the first failing term's left operand (or rule), e.g. "shudu:fields"
    message: str
    quota: bool  # only quotas failed: 429
    failed: list[dict[str, Any]]


@functools.lru_cache(maxsize=512)
def _parsed(canonical: bytes) -> licensing.Policy | None:
    """A stored policy, validated once per process instead of on every licensed call."""
    try:
        return licensing.parse_policy(orjson.loads(canonical))
    except licensing.PolicyInvalid:
        return None


def evaluate(
    policy: Mapping[str, Any],
    *,
    action: str,
    purpose: str,
    recipient: str,
    now: datetime,
    agreement_start: datetime,
    fields: frozenset[str] | None,
    filter_fields: frozenset[str],
    dataset_fields: frozenset[str] | None,
    calls_today: int,
    rows_this_month: int,
) -> Allowed | Denied:
    parsed = _parsed(licensing.canonical_json(policy))
    outcome = licensing.evaluate(
        policy if parsed is None else parsed,  # an invalid policy is parsed again, and denies
        licensing.Request(
            action=action,
            time=now,
            purpose=purpose,
            agreement_start=agreement_start,
            recipient=recipient,
            fields=fields,
            filter_fields=filter_fields,
            dataset_fields=dataset_fields,
            usage=licensing.Usage(calls_today=calls_today, rows_this_month=rows_this_month),
        ),
    )
    if isinstance(outcome, licensing.Deny):
        first = outcome.failed[0]
        return Denied(
            term=first.left_operand or first.rule,
            message=outcome.message("en"),
            quota=outcome.quota_exceeded,
            failed=[t.as_json() for t in outcome.failed],
        )
    calls = outcome.quota(licensing.CALLS_PER_DAY)
    rows = outcome.quota(licensing.ROWS_PER_MONTH)
    return Allowed(
        decision=licensing.to_access_decision(outcome),
        calls_per_day=calls.limit if calls else None,
        rows_per_month=rows.limit if rows else None,
    )


def quota_limits(policy: Mapping[str, Any]) -> dict[str, int]:
    """The read quotas a stored policy sets: ``calls_per_day`` and ``rows_per_month``."""
    parsed = _parsed(licensing.canonical_json(policy))
    return {} if parsed is None else licensing.read_quotas(parsed)


def report_interval_days(policy: Mapping[str, Any], start: datetime) -> int | None:
    """How often the policy's ``shudu:reportUsage`` duty recurs, in days (None: no such duty)."""
    for rule in licensing.parse_policy(policy).obligation:
        if rule.action != "shudu:reportUsage":
            continue
        for constraint in rule.constraints:
            interval = constraint.value
            if constraint.left_operand == "timeInterval" and isinstance(interval, Duration):
                return max(1, (interval.after(start) - start).days)
        return DEFAULT_REPORT_DAYS
    return None


DEFAULT_REPORT_DAYS = 30


def price(plan: Mapping[str, Any], *, calls: int, rows: int) -> tuple[Decimal, list[Any]]:
    statement = licensing.price(
        licensing.parse_price_plan(plan), licensing.MonthUsage(calls=calls, rows=rows)
    )
    return statement.total, [line.as_json() for line in statement.lines]
