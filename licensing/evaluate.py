"""The evaluator: ``evaluate(policy, request) -> Allow | Deny``, a pure function.

Semantics (docs/architecture.md, "The policy profile"), in order:

1. A policy that does not validate (e.g. stored by another version, with a term this one does
   not know) denies, naming the bad terms. Fail closed: anything not understood denies.
2. Prohibitions win: a prohibition whose action covers the request and whose conditions all
   hold denies. A condition the request cannot answer (no purpose given, say) counts as holding.
3. The permission covering the request's action (validation allows at most one) decides. Its
   conditions must all hold; a condition the request cannot answer fails. Every failing term is
   reported, not just the first.
4. Its profile terms become obligations of the :class:`Allow`: projection (``shudu:fields``),
   row filter, masked fields, aggregate-only k, and quotas. A request naming a field outside
   the projection, or filtering/sorting/grouping on a masked one, is denied; a quota already
   used up denies (``Deny.quota_exceeded``, which the API answers with 429).

The request's ``fields`` are the fields it projects (None: no explicit projection, i.e. all it
may see); ``filter_fields`` those it filters, sorts, groups or aggregates on. Pass ``aggregate``
as the action for queries with ``group_by``, ``read`` for other record queries and ``download``
for files and exports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from catalog.datastore.access import AccessDecision
from catalog.datastore.query import AGGREGATES, RecordQuery
from licensing.describe import (
    action_label,
    describe_constraint,
    describe_rule,
    format_value,
)
from licensing.errors import PolicyInvalid
from licensing.policy import Constraint, Policy, Rule, operand_value, parse_policy
from licensing.purposes import purpose_label
from licensing.terms import (
    GRANT_TERMS,
    OPERATORS,
    PERMISSION_OPERANDS,
    PROHIBITION_OPERANDS,
    REQUEST_ACTIONS,
    Action,
    Operand,
    Operator,
    known_operand,
    known_operator,
)


@dataclass(frozen=True, slots=True)
class Usage:
    """Usage so far, before this request: calls today and rows this (calendar) month."""

    calls_today: int = 0
    rows_this_month: int = 0


@dataclass(frozen=True, slots=True)
class Request:
    action: str
    time: datetime  # timezone-aware
    purpose: str | None = None  # a purpose code of the taxonomy (the application's)
    agreement_start: datetime | None = None  # for elapsedTime
    recipient: str | None = None  # the licensee organization
    spatial: str | None = None  # ISO 3166 code of where the data is processed
    fields: frozenset[str] | None = None  # projected fields; None: all the caller may see
    filter_fields: frozenset[str] = frozenset()  # fields filtered, sorted, grouped, aggregated
    dataset_fields: frozenset[str] | None = None  # the schema's field ids, when known
    usage: Usage = Usage()


@dataclass(frozen=True, slots=True)
class Quota:
    """A quota in force. ``used`` counts this request's call for calls/day (an allowed call is
    spent), and rows before it for rows/month; ``remaining`` is what is left after that —
    for rows, the most this request may return."""

    key: str  # "calls_per_day" | "rows_per_month"
    limit: int
    used: int

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)


CALLS_PER_DAY = "calls_per_day"
ROWS_PER_MONTH = "rows_per_month"


@dataclass(frozen=True, slots=True)
class Allow:
    fields: frozenset[str] | None = None  # None: every field
    row_filter: Mapping[str, Any] = field(default_factory=dict)
    masked: frozenset[str] = frozenset()
    aggregate_min_group: int | None = None
    quotas: tuple[Quota, ...] = ()
    duties: tuple[Rule, ...] = ()  # the policy's obligations (reports, deletion, attribution)
    permission: int = 0  # index of the permission that decided

    allowed = True

    def quota(self, key: str) -> Quota | None:
        return next((q for q in self.quotas if q.key == key), None)

    def as_json(self) -> dict[str, Any]:
        """The obligations as recorded (ledger, logs): sorted, so equal decisions match."""
        return {
            "allowed": True,
            "fields": sorted(self.fields) if self.fields is not None else None,
            "row_filter": dict(self.row_filter),
            "masked": sorted(self.masked),
            "aggregate_min_group": self.aggregate_min_group,
            "quotas": [
                {"key": q.key, "limit": q.limit, "used": q.used, "remaining": q.remaining}
                for q in self.quotas
            ],
            "permission": self.permission,
        }

    @property
    def max_rows(self) -> int | None:
        """The most rows this request may return (rows/month remaining), None: unlimited."""
        rows = self.quota(ROWS_PER_MONTH)
        return rows.remaining if rows else None


@dataclass(frozen=True, slots=True)
class FailedTerm:
    """A term that failed, named as written and explained in both languages."""

    rule: str  # "permission[0]", "prohibition[1]", "policy", "action"
    left_operand: str | None
    operator: str | None
    right_operand: Any
    message_zh: str
    message_en: str
    kind: str = "condition"  # condition | prohibited | not_permitted | quota | fields | invalid

    def message(self, language: str) -> str:
        return self.message_zh if language == "zh" else self.message_en

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "leftOperand": self.left_operand,
            "operator": self.operator,
            "rightOperand": self.right_operand,
            "kind": self.kind,
            "message": {"zh": self.message_zh, "en": self.message_en},
        }


@dataclass(frozen=True, slots=True)
class Deny:
    failed: tuple[FailedTerm, ...]

    allowed = False

    @property
    def quota_exceeded(self) -> bool:
        """Only quotas failed: the API answers 429 rather than 403."""
        return bool(self.failed) and all(t.kind == "quota" for t in self.failed)

    def message(self, language: str = "en") -> str:
        return " ".join(t.message(language) for t in self.failed)

    def as_json(self) -> dict[str, Any]:
        """For an error's ``details`` and the ledger: every failed term, in both languages."""
        return {"allowed": False, "failed": [t.as_json() for t in self.failed]}


Decision = Allow | Deny


def to_access_decision(allow: Allow) -> AccessDecision:
    """The obligations as the datastore applies them inside its SQL."""
    return AccessDecision(
        fields=allow.fields,
        row_filter=dict(allow.row_filter),
        masked=allow.masked,
        aggregate_min_group=allow.aggregate_min_group,
    )


_AGGREGATE_OUTPUT = re.compile(rf"(?:{'|'.join(AGGREGATES)})\(.*\)")


def named_fields(query: RecordQuery) -> tuple[frozenset[str] | None, frozenset[str]]:
    """A record query's ``(fields, filter_fields)`` for a :class:`Request`."""
    others: set[str] = set(query.filters) | set(query.group_by)
    for item in query.sort:
        name = item[1:] if item.startswith("-") else item
        head, _, direction = name.rpartition(" ")
        others.add(head if head and direction.lower() in ("asc", "desc") else name)
    for spec in query.aggregates:
        name, _, target = spec.partition(":")
        if name in AGGREGATES and target:
            others.add(target)
    # Sorting an aggregate result by "count" names an output, not a field.
    if query.group_by or query.aggregates:
        others = {n for n in others if n != "count" and _AGGREGATE_OUTPUT.fullmatch(n) is None}
    projection = frozenset(query.fields) if query.fields is not None else None
    return projection, frozenset(others)


# -- evaluation -------------------------------------------------------------------------------


def evaluate(policy: Policy | Mapping[str, Any], request: Request) -> Decision:
    if not isinstance(policy, Policy) or not policy.validated:
        # Stored JSON, or a Policy built by hand: validate first; anything invalid denies.
        try:
            policy = parse_policy(policy.as_json() if isinstance(policy, Policy) else policy)
        except PolicyInvalid as exc:
            return Deny(tuple(_invalid(path, message) for path, message in exc.problems))
    if request.action not in REQUEST_ACTIONS or request.time.tzinfo is None:
        return Deny((_bad_request(request),))
    for i, rule in enumerate(policy.prohibition):
        if not rule.covers(request.action):
            continue
        if all(_holds(c, request, prohibition=True) for c in rule.constraints):
            return Deny(_prohibited(rule, f"prohibition[{i}]"))
    covering = [(i, r) for i, r in enumerate(policy.permission) if r.covers(request.action)]
    if len(covering) != 1:
        return Deny((_not_permitted(request.action, len(covering)),))
    index, rule = covering[0]
    return _grant(policy, index, rule, request)


def _grant(policy: Policy, index: int, rule: Rule, request: Request) -> Decision:
    where = f"permission[{index}]"
    failed: list[FailedTerm] = []
    whitelist: frozenset[str] | None = None
    blacklist: frozenset[str] = frozenset()
    masked: frozenset[str] = frozenset()
    row_filter: dict[str, Any] | None = None
    k: int | None = None
    limits: dict[str, tuple[int, Constraint]] = {}
    for c in rule.constraints:
        value = _value(c, PERMISSION_OPERANDS)
        if value is _UNKNOWN:
            failed.append(_term(where, c, "invalid", _unknown_words(c)))
            continue
        operand = Operand(c.left_operand)
        if operand not in GRANT_TERMS:
            if not _holds(c, request, prohibition=False):
                failed.append(_condition_failed(where, c, request))
            continue
        if operand is Operand.FIELDS:
            if c.operator == Operator.IS_ANY_OF:
                whitelist = value if whitelist is None else whitelist & value
            else:
                blacklist = blacklist | value
        elif operand is Operand.MASKED_FIELDS:
            masked = masked | value
        elif operand is Operand.ROW_FILTER:
            if row_filter is not None:  # parse_policy refuses this; a hand-built policy may not
                failed.append(_term(where, c, "invalid", _TWO_FILTERS))
            row_filter = value
        elif operand is Operand.AGGREGATE_ONLY:
            k = value if k is None else max(k, value)
            if request.action == Action.DOWNLOAD:
                failed.append(_term(where, c, "condition", _NO_DOWNLOAD))
        else:
            key = CALLS_PER_DAY if operand is Operand.CALLS_PER_DAY else ROWS_PER_MONTH
            if key not in limits or value < limits[key][0]:
                limits[key] = (value, c)
    fields = _projection(whitelist, blacklist, request)
    failed += _field_failures(where, rule, whitelist, blacklist, masked, fields, request)
    quotas: list[Quota] = []
    for key in (CALLS_PER_DAY, ROWS_PER_MONTH):
        if key not in limits:
            continue
        limit, c = limits[key]
        if key == CALLS_PER_DAY:
            used = request.usage.calls_today + 1
            exceeded = used > limit
        else:
            used = request.usage.rows_this_month
            exceeded = used >= limit
        quotas.append(Quota(key, limit, used))
        if exceeded:
            failed.append(_quota_failed(where, c, key, limit, request.usage))
    if failed:
        return Deny(tuple(failed))
    return Allow(
        fields=fields,
        row_filter=row_filter or {},
        masked=masked,
        aggregate_min_group=k,
        quotas=tuple(quotas),
        duties=policy.obligation,
        permission=index,
    )


def _projection(
    whitelist: frozenset[str] | None, blacklist: frozenset[str], request: Request
) -> frozenset[str] | None:
    """The fields the caller sees: what it asks for (all, by default) within what is granted."""
    permitted = whitelist
    if blacklist:
        base = whitelist if whitelist is not None else request.dataset_fields
        if base is None:  # the schema is unknown: grant no more than was asked for
            base = request.fields | request.filter_fields if request.fields is not None else None
        permitted = base - blacklist if base is not None else None
    if permitted is not None and request.dataset_fields is not None:
        permitted &= request.dataset_fields
    if request.fields is None:
        return permitted
    asked = request.fields | request.filter_fields
    return asked if permitted is None else asked & permitted


def _field_failures(
    where: str,
    rule: Rule,
    whitelist: frozenset[str] | None,
    blacklist: frozenset[str],
    masked: frozenset[str],
    fields: frozenset[str] | None,
    request: Request,
) -> list[FailedTerm]:
    failed: list[FailedTerm] = []
    asked = (request.fields or frozenset()) | request.filter_fields
    field_terms = [c for c in rule.constraints if c.left_operand == Operand.FIELDS]
    if blacklist and fields is None:
        failed.append(_term(where, field_terms[0], "fields", _SCHEMA_NEEDED))
    if fields is not None and not fields and not asked:
        # The terms leave nothing to see (e.g. a field both granted and excluded).
        term = field_terms[0] if field_terms else None
        failed.append(
            FailedTerm(
                where,
                term.left_operand if term else None,
                term.operator if term else None,
                term.right_operand if term else None,
                "按协议条款，没有可用的字段。",
                "Under the agreement's terms no field is left to read.",
                "fields",
            )
        )
    outside = sorted(
        n for n in asked if (whitelist is not None and n not in whitelist) or n in blacklist
    )
    if outside:
        names_zh, names_en = "、".join(outside), ", ".join(outside)
        failed.append(
            _term(
                where,
                next(c for c in field_terms if _excludes(c, outside)),
                "fields",
                (
                    f"字段 {names_zh} 不在授权范围内。",
                    f"Field(s) {names_en} are not licensed to you.",
                ),
            )
        )
    hidden = sorted(request.filter_fields & masked)
    if hidden:
        term = next(c for c in rule.constraints if c.left_operand == Operand.MASKED_FIELDS)
        names_zh, names_en = "、".join(hidden), ", ".join(hidden)
        failed.append(
            _term(
                where,
                term,
                "fields",
                (
                    f"字段 {names_zh} 脱敏返回，不能用于筛选、排序、分组或聚合。",
                    f"Field(s) {names_en} are masked: they cannot be filtered, sorted, grouped"
                    " or aggregated on.",
                ),
            )
        )
    return failed


def _excludes(c: Constraint, names: list[str]) -> bool:
    """Whether a shudu:fields term is one that keeps any of ``names`` out."""
    granted = _value(c, PERMISSION_OPERANDS)
    if c.operator == Operator.IS_ANY_OF:
        return any(n not in granted for n in names)
    return any(n in granted for n in names)


# -- conditions -------------------------------------------------------------------------------

_UNKNOWN: Any = object()


def _value(c: Constraint, allowed: frozenset[Operand]) -> Any:
    """The constraint's parsed right operand, or _UNKNOWN when this version cannot apply it."""
    operand, operator = known_operand(c.left_operand), known_operator(c.operator)
    if operand is None or operator is None or operand not in allowed:
        return _UNKNOWN
    if c.value is not None:
        return c.value
    if operator not in OPERATORS[operand]:
        return _UNKNOWN
    try:
        return operand_value(operand, operator, c.right_operand)
    except ValueError:
        return _UNKNOWN


def _actual(operand: str, request: Request) -> Any:
    values: dict[str, Any] = {
        Operand.PURPOSE: request.purpose,
        Operand.RECIPIENT: request.recipient,
        Operand.SPATIAL: request.spatial,
        Operand.DATE_TIME: request.time,
    }
    return values.get(operand)


def _holds(c: Constraint, request: Request, *, prohibition: bool) -> bool:
    """Whether a condition holds. What cannot be decided counts against the caller: as not
    holding in a permission, as holding in a prohibition."""
    value = _value(c, PROHIBITION_OPERANDS if prohibition else PERMISSION_OPERANDS)
    if value is _UNKNOWN:
        return prohibition
    operand, op = Operand(c.left_operand), Operator(c.operator)
    if operand is Operand.ELAPSED_TIME:
        if request.agreement_start is None:
            return prohibition
        return _compare(request.time, op, value.after(request.agreement_start))
    if operand is Operand.DATE_TIME:
        return _compare(request.time, op, value)
    actual = _actual(operand, request)
    if actual is None:
        return prohibition
    if operand is Operand.SPATIAL:
        return _spatial(actual, op, value)
    return _equality(actual, op, value)


def _compare(left: datetime, op: Operator, right: datetime) -> bool:
    if op is Operator.LT:
        return left < right
    if op is Operator.LTEQ:
        return left <= right
    if op is Operator.GT:
        return left > right
    if op is Operator.GTEQ:
        return left >= right
    return False  # pragma: no cover  (validation admits only the four above)


def _equality(actual: str, op: Operator, value: Any) -> bool:
    if op is Operator.EQ:
        return bool(actual == value)
    if op is Operator.NEQ:
        return bool(actual != value)
    if op is Operator.IS_ANY_OF:
        return actual in value
    if op is Operator.IS_NONE_OF:
        return actual not in value
    return False


def _within(region: str, area: str) -> bool:
    """CN-SH lies within CN; CN lies within CN."""
    return region == area or region.startswith(area + "-")


def _spatial(actual: str, op: Operator, value: Any) -> bool:
    if op is Operator.EQ:
        return _within(actual, value)
    if op is Operator.NEQ:
        return not _within(actual, value)
    if op is Operator.IS_ANY_OF:
        return any(_within(actual, v) for v in value)
    if op is Operator.IS_NONE_OF:
        return not any(_within(actual, v) for v in value)
    return False


# -- failures, in words -----------------------------------------------------------------------

_TWO_FILTERS = ("权限含有两个行过滤条件，请合并为一个。", "The permission has two row filters.")
_NO_DOWNLOAD = (
    "仅授权聚合结果，不能下载文件或导出明细。",
    "Access is aggregate-only: files and row-level exports cannot be downloaded.",
)
_SCHEMA_NEEDED = (
    "无法确定可用字段：请明确列出所需字段。",
    "The licensed fields cannot be determined: name the fields you want.",
)


def _term(where: str, c: Constraint, kind: str, words: tuple[str, str]) -> FailedTerm:
    return FailedTerm(where, c.left_operand, c.operator, c.right_operand, words[0], words[1], kind)


def _unknown_words(c: Constraint) -> tuple[str, str]:
    zh = describe_constraint(c, "zh")
    en = describe_constraint(c, "en")
    return (
        f"本版本无法执行条款（{zh}），拒绝访问。",
        f"This term cannot be applied ({en}); access denied.",
    )


def _condition_failed(where: str, c: Constraint, request: Request) -> FailedTerm:
    actual = _actual(c.left_operand, request)
    if c.left_operand == Operand.ELAPSED_TIME:
        actual = request.time if request.agreement_start else None
    if c.left_operand == Operand.PURPOSE and isinstance(actual, str):
        zh_actual, en_actual = purpose_label(actual, "zh"), purpose_label(actual, "en")
    else:
        zh_actual, en_actual = format_value(actual, "zh"), format_value(actual, "en")
    return _term(
        where,
        c,
        "condition",
        (
            f"未满足条件：{describe_constraint(c, 'zh')}（当前：{zh_actual}）。",
            f"Condition not met: {describe_constraint(c, 'en')} (yours: {en_actual}).",
        ),
    )


def _prohibited(rule: Rule, where: str) -> tuple[FailedTerm, ...]:
    zh, en = describe_rule(rule, "prohibition", "zh"), describe_rule(rule, "prohibition", "en")
    if not rule.constraints:
        return (FailedTerm(where, None, None, None, f"{zh}。", f"{en}.", "prohibited"),)
    return tuple(_term(where, c, "prohibited", (f"{zh}。", f"{en}.")) for c in rule.constraints)


def _not_permitted(action: str, count: int) -> FailedTerm:
    if count > 1:
        return FailedTerm(
            "policy",
            None,
            None,
            None,
            "策略中有多个权限适用于该操作，拒绝访问。",
            "More than one permission covers this action; access denied.",
            "invalid",
        )
    return FailedTerm(
        "action",
        None,
        None,
        action,
        f"协议未授权此操作：{action_label(action, 'zh')}。",
        f"The agreement does not permit this action: {action_label(action, 'en')}.",
        "not_permitted",
    )


def _bad_request(request: Request) -> FailedTerm:
    return FailedTerm(
        "action",
        None,
        None,
        request.action,
        f"无法评估的请求（操作 {request.action}，时间须带时区）。",
        f"Cannot evaluate this request (action {request.action!r}; time must carry a zone).",
        "invalid",
    )


def _quota_failed(where: str, c: Constraint, key: str, limit: int, usage: Usage) -> FailedTerm:
    if key == CALLS_PER_DAY:
        words = (
            f"已达到每日调用上限 {limit} 次（今日已调用 {usage.calls_today} 次）。",
            f"Daily call limit of {limit} reached ({usage.calls_today} calls today).",
        )
    else:
        words = (
            f"已达到每月数据行上限 {limit} 行（本月已获取 {usage.rows_this_month} 行）。",
            f"Monthly row limit of {limit} reached ({usage.rows_this_month} rows this month).",
        )
    return _term(where, c, "quota", words)


def _invalid(path: str, message: str) -> FailedTerm:
    return FailedTerm(
        path or "policy",
        None,
        None,
        None,
        f"策略无效，拒绝访问：{path} {message}",
        f"The policy is invalid, so access is denied: {path}: {message}",
        "invalid",
    )


__all__ = [
    "CALLS_PER_DAY",
    "ROWS_PER_MONTH",
    "Allow",
    "Decision",
    "Deny",
    "FailedTerm",
    "Quota",
    "Request",
    "Usage",
    "evaluate",
    "named_fields",
    "to_access_decision",
]


def read_quotas(policy: Policy) -> dict[str, int]:
    """The quotas the one permission covering ``read`` sets (the tightest of each), keyed like
    :class:`Quota`: what a licence page draws its use against. No quota: not in the result."""
    covering = [r for r in policy.permission if r.covers("read")]
    limits: dict[str, int] = {}
    if len(covering) != 1:
        return limits
    for c in covering[0].constraints:
        if c.left_operand not in (Operand.CALLS_PER_DAY, Operand.ROWS_PER_MONTH):
            continue
        key = CALLS_PER_DAY if c.left_operand == Operand.CALLS_PER_DAY else ROWS_PER_MONTH
        if isinstance(c.value, int) and (key not in limits or c.value < limits[key]):
            limits[key] = c.value
    return limits
