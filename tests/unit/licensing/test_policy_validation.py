"""parse_policy: every operand × operator, operand types, unknown terms, placement, schema."""

from __future__ import annotations

from typing import Any

import pytest

from licensing import PolicyInvalid, canonical_json, parse_policy
from licensing.terms import OPERATORS as APPLICABLE
from licensing.terms import Operand, Operator
from tests.unit.licensing.policy_cases import (
    OPERANDS,
    OPERATORS,
    SCHEMA,
    VALID,
    constraint,
    policy,
)


def problems(data: Any, **kwargs: Any) -> list[tuple[str, str]]:
    with pytest.raises(PolicyInvalid) as caught:
        parse_policy(data, **kwargs)
    return list(caught.value.problems)


@pytest.mark.parametrize("operand", OPERANDS)
@pytest.mark.parametrize("operator", OPERATORS)
def test_every_operator_on_every_operand(operand: str, operator: str) -> None:
    spec = policy(constraint(operand, operator, VALID.get((operand, operator), "x")))
    if operator in APPLICABLE[Operand(operand)]:
        parsed = parse_policy(spec)
        (c,) = parsed.permission[0].constraints
        assert (c.left_operand, c.operator) == (operand, operator)
        assert c.value is not None
    else:
        assert problems(spec) == [
            (
                "permission[0].constraint[0].operator",
                f'operator "{operator}" does not apply to {operand}; use '
                + ", ".join(o.value for o in Operator if o in APPLICABLE[Operand(operand)]),
            )
        ]


def test_the_table_of_valid_examples_covers_every_admitted_pair() -> None:
    admitted = {
        (operand.value, op.value)
        for operand, ops in APPLICABLE.items()
        if operand is not Operand.TIME_INTERVAL
        for op in ops
    }
    assert admitted == set(VALID)


def test_unknown_operator_names_its_path() -> None:
    spec = policy(constraint("purpose", "eq", "urban_planning"), constraint("purpose", "foo", "x"))
    assert problems(spec) == [("permission[0].constraint[1].operator", 'unknown operator "foo"')]
    with pytest.raises(PolicyInvalid, match=r"permission\[0\]\.constraint\[1\]\.operator: unknown"):
        parse_policy(spec)


def test_unknown_left_operand_and_unknown_keys_are_rejected() -> None:
    spec = policy(constraint("shudu:colour", "eq", "red"))
    assert problems(spec) == [
        ("permission[0].constraint[0].leftOperand", 'unknown left operand "shudu:colour"')
    ]
    spec = policy({**constraint("purpose", "eq", "urban_planning"), "unit": "x"})
    assert problems(spec) == [("permission[0].constraint[0].unit", 'unknown term "unit"')]
    spec = {**policy(), "target": "dataset-1"}
    assert problems(spec) == [("target", 'unknown term "target"')]
    spec = policy()
    spec["permission"][0]["assignee"] = "acme"
    assert problems(spec) == [("permission[0].assignee", 'unknown term "assignee"')]


def test_missing_constraint_parts() -> None:
    assert problems(policy({"leftOperand": "purpose"})) == [
        ("permission[0].constraint[0].operator", "missing"),
        ("permission[0].constraint[0].rightOperand", "missing"),
    ]


def test_every_problem_is_reported_at_once() -> None:
    spec = {
        "permission": [
            {"action": "fly"},
            {"action": "read", "constraint": [constraint("purpose", "lt", "x")]},
        ],
        "prohibition": [{"action": "read", "constraint": [constraint("x", "y", 1)]}],
    }
    paths = [path for path, _ in problems(spec)]
    assert paths == [
        "permission[0].action",
        "permission[1].constraint[0].operator",
        "prohibition[0].constraint[0].leftOperand",
        "prohibition[0].constraint[0].operator",
    ]


BAD_OPERANDS = [
    ("purpose", "eq", "fortune_telling", "unknown purpose"),
    ("purpose", "eq", ["urban_planning"], "takes one value"),
    ("purpose", "isAnyOf", "urban_planning", "non-empty list"),
    ("purpose", "isAnyOf", [], "non-empty list"),
    ("purpose", "isAnyOf", ["urban_planning", "urban_planning"], "distinct"),
    ("dateTime", "lt", "2027-01-01", "no offset"),
    ("dateTime", "lt", "2027-01-01T00:00:00", "no offset"),
    ("dateTime", "lt", "next year", "not an ISO 8601 date-time"),
    ("dateTime", "lt", 1767225600, "ISO 8601 date-time"),
    ("elapsedTime", "lt", "1 year", "ISO 8601 duration"),
    ("elapsedTime", "lt", "P0D", "zero"),
    ("elapsedTime", "lt", "P1.5Y", "ISO 8601 duration"),
    ("elapsedTime", "lt", "P", "ISO 8601 duration"),
    ("elapsedTime", "lt", "P1DT", "ISO 8601 duration"),
    ("elapsedTime", "lt", 365, "ISO 8601 duration"),
    ("spatial", "eq", "Shanghai", "ISO 3166"),
    ("spatial", "eq", "cn", "ISO 3166"),
    ("spatial", "isAnyOf", ["CN", 86], "ISO 3166"),
    ("recipient", "eq", "", "non-empty string"),
    ("recipient", "eq", 42, "non-empty string"),
    ("recipient", "isNoneOf", ["x" * 201], "at most 200"),
    ("shudu:fields", "isAnyOf", "区", "non-empty list"),
    ("shudu:fields", "isAnyOf", ["区", 1], "non-empty string"),
    ("shudu:fields", "isAnyOf", [], "non-empty list"),
    ("shudu:maskedFields", "eq", [None], "non-empty string"),
    ("shudu:rowFilter", "eq", [], "non-empty filter object"),
    ("shudu:rowFilter", "eq", {}, "non-empty filter object"),
    ("shudu:rowFilter", "eq", {"区": {"like": "x"}}, "unknown filter operator"),
    ("shudu:rowFilter", "eq", {"区": {}}, "empty condition"),
    ("shudu:rowFilter", "eq", {"区": {"null": "yes"}}, "true or false"),
    ("shudu:rowFilter", "eq", {"区": {"in": "浦东新区"}}, "list of at most"),
    ("shudu:rowFilter", "eq", {"区": {"contains": 5}}, "takes text"),
    ("shudu:rowFilter", "eq", {"区": {"eq": None}}, "use null"),
    ("shudu:rowFilter", "eq", {"区": {"gt": [1]}}, "single value"),
    ("shudu:callsPerDay", "lteq", "1000", "whole number"),
    ("shudu:callsPerDay", "lteq", 10.5, "whole number"),
    ("shudu:callsPerDay", "lteq", True, "whole number"),
    ("shudu:callsPerDay", "lteq", -1, "from 0"),
    ("shudu:callsPerDay", "lt", 0, "from 1"),
    ("shudu:rowsPerMonth", "lteq", 10**13, "to 1000000000000"),
    ("shudu:aggregateOnly", "gteq", 0, "from 1"),
    ("shudu:aggregateOnly", "gteq", "5", "whole number"),
]


@pytest.mark.parametrize(("operand", "op", "right", "fragment"), BAD_OPERANDS)
def test_bad_right_operands(operand: str, op: str, right: Any, fragment: str) -> None:
    ((path, message),) = problems(policy(constraint(operand, op, right)))
    assert path == "permission[0].constraint[0].rightOperand"
    assert fragment in message


def test_field_ids_and_filter_values_are_checked_against_a_schema() -> None:
    ok = policy(
        constraint("shudu:fields", "isAnyOf", ["区", "人数"]),
        constraint("shudu:rowFilter", "eq", {"人数": {"gte": "10"}, "日期": {"lt": "2026-01-01"}}),
        constraint("shudu:maskedFields", "isAllOf", ["姓名"]),
    )
    parse_policy(ok, fields=SCHEMA)
    cases = [
        (constraint("shudu:fields", "isAnyOf", ["区", "电话"]), 'no field named "电话"'),
        (constraint("shudu:maskedFields", "eq", ["身份证"]), 'no field named "身份证"'),
        (constraint("shudu:rowFilter", "eq", {"电话": "1"}), 'no field named "电话"'),
        (constraint("shudu:rowFilter", "eq", {"人数": "many"}), "人数.eq: expected a integer"),
        (constraint("shudu:rowFilter", "eq", {"开放": {"eq": "maybe"}}), "true or false"),
        (constraint("shudu:rowFilter", "eq", {"人数": {"contains": "1"}}), "text fields only"),
        (constraint("shudu:rowFilter", "eq", {"日期": ["2026-13-01"]}), "expected a date"),
    ]
    for spec, fragment in cases:
        ((path, message),) = problems(policy(spec), fields=SCHEMA)
        assert path == "permission[0].constraint[0].rightOperand"
        assert fragment in message
        parse_policy(policy(spec))  # without a schema only the shape is checked


def test_profile_terms_belong_in_permissions() -> None:
    spec = policy(
        prohibition=[
            {"action": "read", "constraint": [constraint("shudu:fields", "isAnyOf", ["a"])]}
        ]
    )
    assert problems(spec) == [
        (
            "prohibition[0].constraint[0].leftOperand",
            "shudu:fields shapes what a permission grants; it belongs in a permission",
        )
    ]
    spec = policy(constraint("timeInterval", "eq", "P3M"))
    assert problems(spec) == [
        ("permission[0].constraint[0].leftOperand", "timeInterval applies to obligations only")
    ]


def test_obligations() -> None:
    parsed = parse_policy(
        policy(
            obligation=[
                {
                    "action": "shudu:reportUsage",
                    "constraint": [constraint("timeInterval", "eq", "P3M")],
                },
                {"action": "delete"},
                {"action": "attribute"},
            ]
        )
    )
    assert [r.action for r in parsed.obligation] == ["shudu:reportUsage", "delete", "attribute"]
    assert problems(policy(obligation=[{"action": "pay"}])) == [
        (
            "obligation[0].action",
            'unknown duty "pay"; one of shudu:reportUsage, delete, attribute',
        )
    ]
    spec = policy(
        obligation=[{"action": "delete", "constraint": [constraint("purpose", "eq", "other")]}]
    )
    assert problems(spec) == [
        ("obligation[0].constraint[0].leftOperand", 'purpose does not apply to the duty "delete"')
    ]


def test_policy_level_rules() -> None:
    assert problems({"permission": []}) == [
        ("permission", "at least one permission is needed (a policy grants access)")
    ]
    assert problems({}) == [
        ("permission", "at least one permission is needed (a policy grants access)")
    ]
    assert problems({"@type": "Contract", "permission": [{"action": "use"}]}) == [
        ("@type", "must be one of Agreement, Offer, Policy, Set")
    ]
    assert problems({"permission": "use"}) == [("permission", "must be a list of rules")]
    assert problems([1, 2]) == [("", "a policy is a JSON object")]
    assert problems("{not json")[0][0] == ""
    assert problems({"uid": 7, "permission": [{"action": "use"}]}) == [
        ("uid", "must be a non-empty string of at most 500 characters")
    ]


@pytest.mark.parametrize(
    ("first", "second", "overlap"),
    [
        ("use", "read", "read"),
        ("read", "aggregate", "aggregate"),
        ("download", "use", "download"),
        ("read", "read", "read"),
    ],
)
def test_two_permissions_may_not_grant_the_same_action(
    first: str, second: str, overlap: str
) -> None:
    spec = {"permission": [{"action": first}, {"action": second}]}
    ((path, message),) = problems(spec)
    assert path == "permission[1].action"
    assert f"overlaps permission[0] on {overlap}" in message


def test_separate_permissions_per_action_are_fine() -> None:
    parsed = parse_policy({"permission": [{"action": "read"}, {"action": "download"}]})
    assert [r.action for r in parsed.permission] == ["read", "download"]


def test_two_row_filters_in_one_rule_are_refused() -> None:
    spec = policy(
        constraint("shudu:rowFilter", "eq", {"区": "黄浦区"}),
        constraint("shudu:rowFilter", "eq", {"人数": 1}),
    )
    ((path, message),) = problems(spec)
    assert path == "permission[0].constraint[1].leftOperand"
    assert "appears twice" in message


def test_json_text_and_single_objects_are_accepted() -> None:
    text = (
        '{"permission": {"action": "read", "constraint":'
        ' {"leftOperand": "recipient", "operator": "eq", "rightOperand": "acme"}}}'
    )
    parsed = parse_policy(text)
    assert parsed.permission[0].constraints[0].value == "acme"
    assert parse_policy(text.encode()) == parsed


def test_as_json_round_trips_in_canonical_form() -> None:
    spec = policy(
        *(
            constraint(left, op, right)
            for (left, op), right in VALID.items()
            if left != "shudu:rowFilter"
        ),
        action="read",
        prohibition=[{"action": "download"}],
        obligation=[{"action": "delete"}],
    )
    spec["uid"] = "urn:shudu:offer:1"
    spec["@context"] = "http://www.w3.org/ns/odrl.jsonld"
    # A second permission would overlap; one rule holds every admitted pair but the filter.
    parsed = parse_policy(spec)
    assert parse_policy(parsed.as_json()) == parsed
    assert canonical_json(parsed.as_json()) == canonical_json(spec)
