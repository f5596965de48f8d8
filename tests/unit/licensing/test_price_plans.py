"""Price plans: parsing, rounding to the fen, zero and large usage, statements that add up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from licensing import (
    MonthUsage,
    PlanKind,
    PricePlanInvalid,
    describe_price_plan,
    parse_price_plan,
    price,
)


def problems(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(PricePlanInvalid) as caught:
        parse_price_plan(data)
    return list(caught.value.problems)


def total(plan: dict[str, Any], calls: int = 0, rows: int = 0) -> Decimal:
    return price(parse_price_plan(plan), MonthUsage(calls=calls, rows=rows)).total


def test_free() -> None:
    statement = price(parse_price_plan({"kind": "free"}), MonthUsage(calls=10**9, rows=10**12))
    assert statement.lines == ()
    assert statement.total == Decimal("0.00")
    assert str(statement.total) == "0.00"
    assert statement.currency == "CNY"


def test_per_call_and_per_row() -> None:
    assert total({"kind": "per_call", "unit_price": "0.05"}, calls=1234) == Decimal("61.70")
    assert total({"kind": "per_row", "unit_price": "0.001"}, rows=123_456) == Decimal("123.46")
    assert total({"kind": "per_call", "unit_price": 2}, calls=3) == Decimal("6.00")
    assert total({"kind": "per_call", "unit_price": "0.05"}, calls=0) == Decimal("0.00")


@pytest.mark.parametrize(
    ("unit", "quantity", "expected"),
    [
        ("0.005", 1, "0.01"),  # a half fen rounds up
        ("0.004999", 1, "0.00"),
        ("0.0049", 1, "0.00"),
        ("0.015", 1, "0.02"),
        ("0.025", 1, "0.03"),  # half up, not banker's rounding (which would give 0.02)
        ("0.000001", 4999, "0.00"),
        ("0.000001", 5000, "0.01"),
        ("0.333333", 3, "1.00"),
    ],
)
def test_rounding_is_half_up_to_the_fen(unit: str, quantity: int, expected: str) -> None:
    assert total({"kind": "per_row", "unit_price": unit}, rows=quantity) == Decimal(expected)


def test_large_amounts_are_exact() -> None:
    # 10^12 rows at 0.000001 is exactly one million yuan; floats would drift.
    assert total({"kind": "per_row", "unit_price": "0.000001"}, rows=10**12) == Decimal(
        "1000000.00"
    )
    big = total({"kind": "per_call", "unit_price": "999999999.999999"}, calls=10**20 + 1)
    # 31 significant digits: beyond the default decimal context's 28, still exact. The same
    # sum in integers (millionths of a yuan, rounded half up to the fen):
    micro = 999_999_999_999_999 * (10**20 + 1)
    fen = (micro + 5_000) // 10_000
    assert big == Decimal(fen).scaleb(-2)
    assert str(big) == "99999999999999900001000000000.00"


def test_subscription_with_included_usage_and_overage() -> None:
    plan = {
        "kind": "subscription",
        "monthly_fee": "5000",
        "included_calls": 1000,
        "included_rows": 100_000,
        "overage_per_call": "0.01",
        "overage_per_row": "0.0005",
    }
    within = price(parse_price_plan(plan), MonthUsage(calls=1000, rows=100_000))
    assert [line.code for line in within.lines] == ["subscription"]
    assert within.total == Decimal("5000.00")
    over = price(parse_price_plan(plan), MonthUsage(calls=1500, rows=100_003))
    assert [(line.code, line.quantity, str(line.amount)) for line in over.lines] == [
        ("subscription", 1, "5000.00"),
        ("overage_calls", 500, "5.00"),
        ("overage_rows", 3, "0.00"),
    ]
    assert over.total == Decimal("5005.00")
    assert over.total == sum(line.amount for line in over.lines)
    idle = price(parse_price_plan(plan), MonthUsage())
    assert idle.total == Decimal("5000.00")  # the fee is owed whether or not data was used


def test_subscription_without_overage_prices_charges_only_the_fee() -> None:
    plan = {"kind": "subscription", "monthly_fee": "99.90", "included_calls": 10}
    assert total(plan, calls=10**6, rows=10**6) == Decimal("99.90")


def test_statement_lines_add_up_to_the_total_even_when_each_is_rounded() -> None:
    plan = {
        "kind": "subscription",
        "monthly_fee": "0.004",
        "included_calls": 0,
        "included_rows": 0,
        "overage_per_call": "0.004",
        "overage_per_row": "0.004",
    }
    statement = price(parse_price_plan(plan), MonthUsage(calls=1, rows=1))
    assert [str(line.amount) for line in statement.lines] == ["0.00", "0.00", "0.00"]
    assert statement.total == Decimal("0.00")
    as_json = statement.as_json()
    assert as_json["total"] == "0.00"
    assert as_json["lines"][1]["description"]["zh"] == "超出套餐调用（含 0 次）"


def test_negative_usage_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="negative"):
        price(parse_price_plan({"kind": "free"}), MonthUsage(calls=-1))


@pytest.mark.parametrize(
    ("plan", "expected"),
    [
        ({"kind": "per_call", "unit_price": 0.05}, [("unit_price", "not floats")]),
        ({"kind": "per_call", "unit_price": "-1"}, [("unit_price", "must not be negative")]),
        ({"kind": "per_call", "unit_price": "abc"}, [("unit_price", "is not a number")]),
        ({"kind": "per_call", "unit_price": "NaN"}, [("unit_price", "not a finite amount")]),
        ({"kind": "per_call", "unit_price": "Infinity"}, [("unit_price", "not a finite amount")]),
        ({"kind": "per_call", "unit_price": "0.0000001"}, [("unit_price", "6 decimal places")]),
        ({"kind": "per_call", "unit_price": "1000000001"}, [("unit_price", "at most")]),
        ({"kind": "per_call", "unit_price": True}, [("unit_price", "not floats")]),
        ({"kind": "per_call"}, [("unit_price", "missing")]),
        ({"kind": "per_row", "unit_price": "1", "monthly_fee": "1"}, [("monthly_fee", "unknown")]),
        ({"kind": "subscription"}, [("monthly_fee", "missing")]),
        (
            {"kind": "subscription", "monthly_fee": "1", "included_calls": -5},
            [("included_calls", "whole number")],
        ),
        (
            {"kind": "subscription", "monthly_fee": "1", "included_rows": "10"},
            [("included_rows", "whole number")],
        ),
        ({"kind": "free", "currency": "USD"}, [("currency", "only CNY")]),
        ({"kind": "auction"}, [("kind", "one of free, per_call, per_row, subscription")]),
        ({}, [("kind", "one of")]),
    ],
)
def test_invalid_plans(plan: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    found = problems(plan)
    assert [path for path, _ in found] == [path for path, _ in expected]
    for (_, message), (_, fragment) in zip(found, expected, strict=True):
        assert fragment in message


def test_plans_parse_from_json_text_and_round_trip() -> None:
    text = (
        '{"kind": "subscription", "monthly_fee": "5000.00", "included_calls": 10,'
        ' "overage_per_call": "0.01"}'
    )
    plan = parse_price_plan(text)
    assert plan.kind is PlanKind.SUBSCRIPTION
    assert plan.monthly_fee == Decimal("5000.00")
    assert parse_price_plan(plan.as_json()) == plan
    assert problems("[")[0][0] == ""
    assert problems([]) == [("", "a price plan is a JSON object")]


def test_plans_in_words() -> None:
    plan = parse_price_plan(
        {
            "kind": "subscription",
            "monthly_fee": "5000",
            "included_calls": 10,
            "included_rows": 20,
            "overage_per_call": "0.01",
            "overage_per_row": "0.001",
        }
    )
    assert describe_price_plan(plan, "zh") == (
        "月度订阅，每月 5000 元，含调用 10 次，含数据 20 行，"
        "超出部分每次 0.01 元，超出部分每行 0.001 元"
    )
    assert describe_price_plan(plan, "en").startswith("monthly subscription: CNY 5000 a month")
    assert describe_price_plan(parse_price_plan({"kind": "free"}), "zh") == "免费"
    per_row = parse_price_plan({"kind": "per_row", "unit_price": "0.002"})
    assert describe_price_plan(per_row, "en") == "per row: CNY 0.002 for each row returned"
