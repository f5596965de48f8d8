"""Price plans and monthly statements: pure ``decimal.Decimal`` arithmetic in CNY.

Plans, as JSON (prices are strings or integers, never floats: 0.1 has no exact binary form)::

    {"kind": "free"}
    {"kind": "per_call", "unit_price": "0.05"}
    {"kind": "per_row", "unit_price": "0.001"}
    {"kind": "subscription", "monthly_fee": "5000", "included_calls": 100000,
     "included_rows": 1000000, "overage_per_call": "0.01", "overage_per_row": "0.0005"}

Unit prices may carry fractions of a fen (up to 6 decimal places); each statement line is
rounded to the fen with ROUND_HALF_UP, and the total is the sum of the rounded lines, so the
lines always add up to the total a party sees. A subscription without an overage price charges
nothing beyond what is included (the policy's quotas are what cap the usage).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import orjson

from licensing.errors import PricePlanInvalid

CURRENCY = "CNY"
FEN = Decimal("0.01")
MAX_PLACES = 6
MAX_PRICE = Decimal("1000000000")  # one billion yuan: anything above is a typo
MAX_INCLUDED = 10**12
# Exact for any price (≤ 10^9, 6 places) times any usage below 10^30: never the ambient context.
_EXACT = Context(prec=60, rounding=ROUND_HALF_UP)


class PlanKind(enum.StrEnum):
    FREE = "free"
    PER_CALL = "per_call"
    PER_ROW = "per_row"
    SUBSCRIPTION = "subscription"


_KEYS: dict[PlanKind, frozenset[str]] = {
    PlanKind.FREE: frozenset(),
    PlanKind.PER_CALL: frozenset({"unit_price"}),
    PlanKind.PER_ROW: frozenset({"unit_price"}),
    PlanKind.SUBSCRIPTION: frozenset(
        {"monthly_fee", "included_calls", "included_rows", "overage_per_call", "overage_per_row"}
    ),
}
_REQUIRED: dict[PlanKind, frozenset[str]] = {
    PlanKind.FREE: frozenset(),
    PlanKind.PER_CALL: frozenset({"unit_price"}),
    PlanKind.PER_ROW: frozenset({"unit_price"}),
    PlanKind.SUBSCRIPTION: frozenset({"monthly_fee"}),
}


@dataclass(frozen=True, slots=True)
class PricePlan:
    kind: PlanKind
    currency: str = CURRENCY
    unit_price: Decimal = Decimal(0)  # per call or per row
    monthly_fee: Decimal = Decimal(0)
    included_calls: int | None = None  # subscription: None = unlimited
    included_rows: int | None = None
    overage_per_call: Decimal | None = None  # None: overage is not charged
    overage_per_row: Decimal | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "currency": self.currency}
        if self.kind in (PlanKind.PER_CALL, PlanKind.PER_ROW):
            out["unit_price"] = str(self.unit_price)
        if self.kind is PlanKind.SUBSCRIPTION:
            out["monthly_fee"] = str(self.monthly_fee)
            for key in ("included_calls", "included_rows"):
                if getattr(self, key) is not None:
                    out[key] = getattr(self, key)
            for key in ("overage_per_call", "overage_per_row"):
                if getattr(self, key) is not None:
                    out[key] = str(getattr(self, key))
        return out


@dataclass(frozen=True, slots=True)
class MonthUsage:
    calls: int = 0
    rows: int = 0


@dataclass(frozen=True, slots=True)
class StatementLine:
    code: str  # calls | rows | subscription | overage_calls | overage_rows
    description_zh: str
    description_en: str
    quantity: int
    unit_price: Decimal
    amount: Decimal  # rounded to the fen

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "description": {"zh": self.description_zh, "en": self.description_en},
            "quantity": self.quantity,
            "unit_price": str(self.unit_price),
            "amount": str(self.amount),
        }


@dataclass(frozen=True, slots=True)
class Statement:
    currency: str
    lines: tuple[StatementLine, ...]
    total: Decimal

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "lines": [line.as_json() for line in self.lines],
            "total": str(self.total),
        }


# -- parsing ---------------------------------------------------------------------------------


def parse_price_plan(data: Mapping[str, Any] | str | bytes) -> PricePlan:
    problems: list[tuple[str, str]] = []
    if isinstance(data, (str, bytes)):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise PricePlanInvalid([("", f"not valid JSON: {exc}")]) from None
    if not isinstance(data, Mapping):
        raise PricePlanInvalid([("", "a price plan is a JSON object")])
    kinds = ", ".join(k.value for k in PlanKind)
    try:
        kind = PlanKind(str(data.get("kind")))
    except ValueError:
        raise PricePlanInvalid([("kind", f"must be one of {kinds}")]) from None
    currency = data.get("currency", CURRENCY)
    if currency != CURRENCY:
        problems.append(("currency", f"only {CURRENCY} is supported"))
    for key in data:
        if key not in _KEYS[kind] | {"kind", "currency"}:
            problems.append((str(key), f"unknown term for a {kind.value} plan"))
    for key in sorted(_REQUIRED[kind] - set(data)):
        problems.append((key, "missing"))
    values: dict[str, Any] = {}
    for key in sorted(_KEYS[kind] & set(data)):
        try:
            if key.startswith("included_"):
                values[key] = _count(data[key])
            else:
                values[key] = _money(data[key])
        except ValueError as exc:
            problems.append((key, str(exc)))
    if problems:
        raise PricePlanInvalid(problems)
    return PricePlan(kind=kind, **values)


def _money(raw: Any) -> Decimal:
    if isinstance(raw, (bool, float)) or not isinstance(raw, (str, int)):
        raise ValueError('write amounts as strings (e.g. "0.05") or whole numbers, not floats')
    try:
        value = Decimal(raw.strip() if isinstance(raw, str) else raw)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{raw!r} is not a finite amount")
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_PRICE:
        raise ValueError(f"must be at most {MAX_PRICE}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_PLACES:
        raise ValueError(f"at most {MAX_PLACES} decimal places")
    return value


def _count(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_INCLUDED:
        raise ValueError(f"must be a whole number from 0 to {MAX_INCLUDED}")
    return raw


# -- pricing ---------------------------------------------------------------------------------


def to_fen(amount: Decimal) -> Decimal:
    """Rounded to the fen (0.01 yuan), halves up."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP, context=_EXACT)


def price(plan: PricePlan, usage: MonthUsage) -> Statement:
    """One month's statement under ``plan`` for ``usage``."""
    if not (0 <= usage.calls < 10**21 and 0 <= usage.rows < 10**21):
        raise ValueError("usage cannot be negative (nor above 10^21)")
    lines: list[StatementLine] = []
    if plan.kind is PlanKind.PER_CALL:
        lines.append(_line("calls", "按次计费", "per call", usage.calls, plan.unit_price))
    elif plan.kind is PlanKind.PER_ROW:
        lines.append(_line("rows", "按行计费", "per row", usage.rows, plan.unit_price))
    elif plan.kind is PlanKind.SUBSCRIPTION:
        lines.append(
            _line("subscription", "月度订阅费", "monthly subscription", 1, plan.monthly_fee)
        )
        over_calls = _over(usage.calls, plan.included_calls)
        if over_calls and plan.overage_per_call is not None:
            lines.append(
                _line(
                    "overage_calls",
                    f"超出套餐调用（含 {plan.included_calls} 次）",
                    f"calls beyond the {plan.included_calls} included",
                    over_calls,
                    plan.overage_per_call,
                )
            )
        over_rows = _over(usage.rows, plan.included_rows)
        if over_rows and plan.overage_per_row is not None:
            lines.append(
                _line(
                    "overage_rows",
                    f"超出套餐数据行（含 {plan.included_rows} 行）",
                    f"rows beyond the {plan.included_rows} included",
                    over_rows,
                    plan.overage_per_row,
                )
            )
    total = Decimal("0.00")
    for line in lines:
        total = _EXACT.add(total, line.amount)
    return Statement(plan.currency, tuple(lines), to_fen(total))


def _over(used: int, included: int | None) -> int:
    return 0 if included is None else max(0, used - included)


def _line(code: str, zh: str, en: str, quantity: int, unit: Decimal) -> StatementLine:
    return StatementLine(code, zh, en, quantity, unit, to_fen(_EXACT.multiply(unit, quantity)))


def describe_price_plan(plan: PricePlan, language: str) -> str:
    """The plan in words, as the agreement and the offer page state it."""
    zh = language == "zh"
    if plan.kind is PlanKind.FREE:
        return "免费" if zh else "free of charge"
    if plan.kind is PlanKind.PER_CALL:
        return (
            f"按次计费，每次调用 {plan.unit_price} 元"
            if zh
            else (f"per call: CNY {plan.unit_price} for each call")
        )
    if plan.kind is PlanKind.PER_ROW:
        return (
            f"按行计费，每行 {plan.unit_price} 元"
            if zh
            else (f"per row: CNY {plan.unit_price} for each row returned")
        )
    parts_zh = [f"月度订阅，每月 {plan.monthly_fee} 元"]
    parts_en = [f"monthly subscription: CNY {plan.monthly_fee} a month"]
    if plan.included_calls is not None:
        parts_zh.append(f"含调用 {plan.included_calls} 次")
        parts_en.append(f"including {plan.included_calls} calls")
    if plan.included_rows is not None:
        parts_zh.append(f"含数据 {plan.included_rows} 行")
        parts_en.append(f"including {plan.included_rows} rows")
    if plan.overage_per_call is not None:
        parts_zh.append(f"超出部分每次 {plan.overage_per_call} 元")
        parts_en.append(f"further calls at CNY {plan.overage_per_call} each")
    if plan.overage_per_row is not None:
        parts_zh.append(f"超出部分每行 {plan.overage_per_row} 元")
        parts_en.append(f"further rows at CNY {plan.overage_per_row} each")
    return "，".join(parts_zh) if zh else "; ".join(parts_en)
