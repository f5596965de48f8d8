"""The policy builder: a publisher's choices become a policy of the profile that parses and
evaluates as chosen (fields outside the grant refused, masks applied, the row filter, calls per
day, aggregate-only k, the duties), and bad choices are refused naming the choice."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

import licensing
from catalog.datastore.fields import Field, FieldType, Sensitivity
from licensing import Allow, Deny, Request, Usage, evaluate
from licensing.builder import (
    ChoicesInvalid,
    PolicyChoices,
    PriceChoices,
    RowCondition,
    build_policy,
    build_price_plan,
)

SCHEMA = [
    Field("district", FieldType.TEXT, Sensitivity.PUBLIC, "c0"),
    Field("amount", FieldType.INTEGER, Sensitivity.PUBLIC, "c1"),
    Field("phone", FieldType.TEXT, Sensitivity.PERSONAL, "c2"),
    Field("name", FieldType.TEXT, Sensitivity.PERSONAL, "c3"),
]
ALL = frozenset(f.id for f in SCHEMA)
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CHOICES = PolicyChoices(
    fields=("district", "amount", "phone"),
    masked=("phone",),
    row_filter=(RowCondition("district", ("Pudong", "Xuhui")),),
    calls_per_day=100,
    rows_per_month=5000,
    purposes=("market_analysis", "urban_planning"),
    report_every_days=30,
    delete_at_end=True,
)


def _read(fields: frozenset[str] | None = None, **more: object) -> Request:
    return Request(
        action=str(more.pop("action", "read")),
        time=NOW,
        purpose=str(more.pop("purpose", "market_analysis")),
        fields=fields,
        dataset_fields=ALL,
        **more,  # type: ignore[arg-type]
    )


def test_the_choices_become_a_policy_that_parses() -> None:
    built = build_policy(CHOICES, SCHEMA)
    policy = licensing.parse_policy(built, SCHEMA)
    assert policy.as_json() == built
    (permission,) = policy.permission
    assert permission.action == "read"
    terms = {c.left_operand: c.right_operand for c in permission.constraints}
    assert terms == {
        "purpose": ["market_analysis", "urban_planning"],
        "shudu:fields": ["district", "amount", "phone"],
        "shudu:maskedFields": ["phone"],
        "shudu:rowFilter": {"district": ["Pudong", "Xuhui"]},
        "shudu:callsPerDay": 100,
        "shudu:rowsPerMonth": 5000,
    }
    assert [(r.action, [c.right_operand for c in r.constraints]) for r in policy.obligation] == [
        ("shudu:reportUsage", ["P30D"]),
        ("delete", []),
    ]


def test_the_policy_evaluates_as_chosen() -> None:
    policy = licensing.parse_policy(build_policy(CHOICES, SCHEMA))
    allowed = evaluate(policy, _read())
    assert isinstance(allowed, Allow)
    assert allowed.fields == frozenset({"district", "amount", "phone"})  # never "name"
    assert allowed.masked == frozenset({"phone"})
    assert dict(allowed.row_filter) == {"district": ["Pudong", "Xuhui"]}
    calls = allowed.quota(licensing.CALLS_PER_DAY)
    assert calls is not None
    assert calls.limit == 100
    assert [d.action for d in allowed.duties] == ["shudu:reportUsage", "delete"]
    # A field outside the allowed ones is refused.
    outside = evaluate(policy, _read(frozenset({"district", "name"})))
    assert isinstance(outside, Deny)
    assert [t.kind for t in outside.failed] == ["fields"]
    # Filtering on the masked field is refused too.
    on_mask = evaluate(policy, _read(frozenset({"district"}), filter_fields=frozenset({"phone"})))
    assert isinstance(on_mask, Deny)
    # The 101st call of the day is refused, as a quota.
    spent = evaluate(policy, _read(usage=Usage(calls_today=100)))
    assert isinstance(spent, Deny)
    assert spent.quota_exceeded
    # A purpose that was not ticked is refused.
    other = evaluate(policy, _read(purpose="credit_assessment"))
    assert isinstance(other, Deny)
    assert [t.left_operand for t in other.failed] == ["purpose"]


def test_aggregate_only_grants_aggregates_in_groups_of_k() -> None:
    choices = PolicyChoices(
        fields=("district", "amount"), aggregate_only=True, min_group=10, purposes=("other",)
    )
    policy = licensing.parse_policy(build_policy(choices, SCHEMA))
    grouped = evaluate(policy, _read(action="aggregate", purpose="other"))
    assert isinstance(grouped, Allow)
    assert grouped.aggregate_min_group == 10
    rows = evaluate(policy, _read(action="read", purpose="other"))
    assert isinstance(rows, Deny)  # no record reads, only aggregates
    assert evaluate(policy, _read(action="download", purpose="other")).allowed is False


def test_nothing_optional_chosen_gives_no_optional_terms() -> None:
    built = build_policy(PolicyChoices(fields=("district",), purposes=("other",)), SCHEMA)
    assert built == {
        "@type": "Offer",
        "permission": [
            {
                "action": "read",
                "constraint": [
                    {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["other"]},
                    {
                        "leftOperand": "shudu:fields",
                        "operator": "isAnyOf",
                        "rightOperand": ["district"],
                    },
                ],
            }
        ],
    }
    lines = licensing.describe_policy(licensing.parse_policy(built), "en")
    assert lines == [
        "Permitted: read records (including aggregate queries), provided that the purpose is "
        "one of: other (describe in the application); only these fields may be used: district"
    ]


@pytest.mark.parametrize(
    ("choices", "name"),
    [
        (PolicyChoices(purposes=("other",)), "fields"),
        (PolicyChoices(fields=("nope",), purposes=("other",)), "fields"),
        (PolicyChoices(fields=("district",), masked=("phone",), purposes=("other",)), "masked"),
        (PolicyChoices(fields=("district",)), "purposes"),
        (PolicyChoices(fields=("district",), purposes=("gambling",)), "purposes"),
        (
            PolicyChoices(fields=("district",), purposes=("other",), calls_per_day=0),
            "calls_per_day",
        ),
        (
            PolicyChoices(fields=("district",), purposes=("other",), rows_per_month=10**13),
            "rows_per_month",
        ),
        (
            PolicyChoices(fields=("district",), purposes=("other",), aggregate_only=True),
            "min_group",
        ),
        (
            PolicyChoices(
                fields=("district",), purposes=("other",), row_filter=(RowCondition("x", ("1",)),)
            ),
            "row_filter_1",
        ),
        (
            PolicyChoices(
                fields=("district",),
                purposes=("other",),
                row_filter=(RowCondition("district", ("A",)), RowCondition("amount", ("ten",))),
            ),
            "row_filter_2",
        ),
        (
            PolicyChoices(
                fields=("district",), purposes=("other",), row_filter=(RowCondition("amount", ()),)
            ),
            "row_filter_1",
        ),
        (
            PolicyChoices(fields=("district",), purposes=("other",), report_every_days=0),
            "report_every_days",
        ),
    ],
)
def test_bad_choices_are_refused_naming_the_choice(choices: PolicyChoices, name: str) -> None:
    with pytest.raises(ChoicesInvalid) as raised:
        build_policy(choices, SCHEMA)
    assert raised.value.status_code == 422
    assert list(raised.value.details) == [name]
    zh, en = raised.value.messages("zh")[name], raised.value.messages("en")[name]
    assert zh != en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)


def test_without_a_schema_only_the_shape_is_checked() -> None:
    built = build_policy(PolicyChoices(fields=("anything",), purposes=("other",)))
    assert built["permission"][0]["constraint"][1]["rightOperand"] == ["anything"]


def test_price_plans_from_choices() -> None:
    assert build_price_plan(PriceChoices()) == {"kind": "free", "currency": "CNY"}
    per_call = build_price_plan(PriceChoices(kind="per_call", unit_price=" 0.05 "))
    assert licensing.parse_price_plan(per_call).unit_price == Decimal("0.05")
    monthly = build_price_plan(PriceChoices(kind="subscription", monthly_fee="5000"))
    assert licensing.describe_price_plan(licensing.parse_price_plan(monthly), "zh") == (
        "月度订阅，每月 5000 元"
    )
    for bad, name in (
        (PriceChoices(kind="barter"), "price_kind"),
        (PriceChoices(kind="per_row"), "unit_price"),
        (PriceChoices(kind="per_call", unit_price="-1"), "unit_price"),
        (PriceChoices(kind="per_call", unit_price="0.0000001"), "unit_price"),
        (PriceChoices(kind="subscription", monthly_fee="lots"), "monthly_fee"),
    ):
        with pytest.raises(ChoicesInvalid) as raised:
            build_price_plan(bad)
        assert list(raised.value.details) == [name], bad
