"""evaluate(): each operator on each condition, grants, quotas, prohibitions, failing closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from catalog.datastore.access import AccessDecision
from catalog.datastore.query import RecordQuery
from licensing import (
    Allow,
    Constraint,
    Deny,
    Policy,
    Rule,
    Usage,
    evaluate,
    named_fields,
    parse_policy,
    to_access_decision,
)
from tests.unit.licensing.policy_cases import NOW, START, constraint, policy, request


def decide(*constraints: dict[str, Any], **changes: Any) -> Allow | Deny:
    return evaluate(parse_policy(policy(*constraints)), request(**changes))


def allowed(*constraints: dict[str, Any], **changes: Any) -> bool:
    return decide(*constraints, **changes).allowed


# -- conditions: operator × operand ----------------------------------------------------------

EQUALITY_CASES = [
    # (operand, request attribute, operator, right operand, {request value: holds})
    ("purpose", "purpose", "eq", "urban_planning",
     {"urban_planning": True, "academic_research": False, None: False}),
    ("purpose", "purpose", "neq", "market_analysis",
     {"urban_planning": True, "market_analysis": False, None: False}),
    ("purpose", "purpose", "isAnyOf", ["urban_planning", "transport_research"],
     {"transport_research": True, "urban_planning": True, "credit_assessment": False, None: False}),
    ("purpose", "purpose", "isNoneOf", ["market_analysis", "credit_assessment"],
     {"urban_planning": True, "credit_assessment": False, None: False}),
    ("recipient", "recipient", "eq", "acme",
     {"acme": True, "Acme": False, "beta": False, None: False}),
    ("recipient", "recipient", "neq", "rival", {"acme": True, "rival": False, None: False}),
    ("recipient", "recipient", "isAnyOf", ["acme", "beta"],
     {"beta": True, "gamma": False, None: False}),
    ("recipient", "recipient", "isNoneOf", ["rival"], {"acme": True, "rival": False, None: False}),
    # spatial values nest: CN-SH lies within CN
    ("spatial", "spatial", "eq", "CN",
     {"CN": True, "CN-SH": True, "US": False, "CNX": False, None: False}),
    ("spatial", "spatial", "eq", "CN-SH", {"CN-SH": True, "CN": False, "CN-BJ": False}),
    ("spatial", "spatial", "neq", "CN-SH", {"CN-BJ": True, "CN-SH": False, None: False}),
    ("spatial", "spatial", "isAnyOf", ["CN-SH", "CN-BJ"],
     {"CN-BJ": True, "CN-ZJ": False, "CN": False, None: False}),
    ("spatial", "spatial", "isNoneOf", ["US", "CN-XZ"],
     {"CN-SH": True, "US": False, "US-CA": False, None: False}),
]  # fmt: skip


@pytest.mark.parametrize(("operand", "attribute", "op", "right", "table"), EQUALITY_CASES)
def test_equality_conditions(
    operand: str, attribute: str, op: str, right: Any, table: dict[Any, bool]
) -> None:
    for value, holds in table.items():
        decision = decide(constraint(operand, op, right), **{attribute: value})
        assert decision.allowed is holds, (operand, op, right, value)
        if not holds:
            assert isinstance(decision, Deny)
            (term,) = decision.failed
            assert (term.left_operand, term.operator, term.right_operand) == (operand, op, right)
            assert term.kind == "condition"
            assert term.message_en.startswith("Condition not met:")
            assert term.message_zh.startswith("未满足条件：")


ORDER_TABLE = {"lt": (True, False, False), "lteq": (True, True, False),
               "gt": (False, False, True), "gteq": (False, True, True)}  # fmt: skip
SECOND = timedelta(seconds=1)


@pytest.mark.parametrize("op", sorted(ORDER_TABLE))
def test_date_time_conditions_at_the_boundary(op: str) -> None:
    limit = datetime(2027, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    same_instant_in_utc = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    c = constraint("dateTime", op, "2027-01-01T00:00:00+08:00")
    before, at, after = ORDER_TABLE[op]
    assert allowed(c, time=limit - SECOND) is before
    assert allowed(c, time=same_instant_in_utc) is at
    assert allowed(c, time=limit + SECOND) is after


@pytest.mark.parametrize("op", sorted(ORDER_TABLE))
def test_elapsed_time_conditions_count_calendar_months(op: str) -> None:
    # One month after 31 January 2026 is 28 February 2026 (clamped), not 3 March.
    start = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
    end = datetime(2026, 2, 28, 9, 30, tzinfo=UTC)
    c = constraint("elapsedTime", op, "P1M")
    before, at, after = ORDER_TABLE[op]
    assert allowed(c, agreement_start=start, time=end - SECOND) is before
    assert allowed(c, agreement_start=start, time=end) is at
    assert allowed(c, agreement_start=start, time=end + SECOND) is after
    assert not allowed(c, agreement_start=None, time=end)


@pytest.mark.parametrize(
    ("duration", "end"),
    [
        ("P1Y", datetime(2027, 1, 31, tzinfo=UTC)),
        ("P1Y1M", datetime(2027, 2, 28, tzinfo=UTC)),
        ("P2W", datetime(2026, 2, 14, tzinfo=UTC)),
        ("P1DT12H", datetime(2026, 2, 1, 12, tzinfo=UTC)),
        ("PT90M", datetime(2026, 1, 31, 1, 30, tzinfo=UTC)),
        ("PT45S", datetime(2026, 1, 31, 0, 0, 45, tzinfo=UTC)),
    ],
)
def test_elapsed_time_durations(duration: str, end: datetime) -> None:
    c = constraint("elapsedTime", "lt", duration)
    assert allowed(c, agreement_start=START, time=end - SECOND)
    assert not allowed(c, agreement_start=START, time=end)


def test_every_failing_condition_is_reported() -> None:
    decision = decide(
        constraint("purpose", "eq", "urban_planning"),
        constraint("recipient", "eq", "acme"),
        constraint("spatial", "eq", "CN"),
        purpose="market_analysis",
        recipient="rival",
    )
    assert isinstance(decision, Deny)
    assert [t.left_operand for t in decision.failed] == ["purpose", "recipient"]
    assert "城市规划" in decision.failed[0].message_zh
    assert "市场分析" in decision.failed[0].message_zh
    assert "urban planning" in decision.failed[0].message_en
    assert decision.failed[0].as_json()["message"]["en"] == decision.failed[0].message_en
    assert not decision.quota_exceeded


# -- actions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("granted", "requested", "ok"),
    [
        ("use", "read", True),
        ("use", "aggregate", True),
        ("use", "download", True),
        ("read", "read", True),
        ("read", "aggregate", True),
        ("read", "download", False),
        ("aggregate", "aggregate", True),
        ("aggregate", "read", False),
        ("download", "download", True),
        ("download", "read", False),
    ],
)
def test_actions(granted: str, requested: str, ok: bool) -> None:
    decision = evaluate(parse_policy(policy(action=granted)), request(action=requested))
    assert decision.allowed is ok
    if not ok:
        assert isinstance(decision, Deny)
        assert decision.failed[0].kind == "not_permitted"
        assert decision.failed[0].right_operand == requested


def test_a_request_that_cannot_be_evaluated_is_denied() -> None:
    p = parse_policy(policy())
    assert not evaluate(p, request(action="use")).allowed  # a rule's action, not a request's
    assert not evaluate(p, request(action="delete")).allowed
    assert not evaluate(p, request(time=datetime(2026, 1, 1))).allowed  # naive time


# -- prohibitions ----------------------------------------------------------------------------


def test_prohibitions_win_over_permissions() -> None:
    p = parse_policy(
        policy(
            prohibition=[
                {"action": "read", "constraint": [constraint("purpose", "eq", "market_analysis")]},
                {"action": "download"},
            ]
        )
    )
    denied = evaluate(p, request(purpose="market_analysis"))
    assert isinstance(denied, Deny)
    (term,) = denied.failed
    assert (term.rule, term.kind, term.left_operand) == ("prohibition[0]", "prohibited", "purpose")
    assert evaluate(p, request(purpose="urban_planning")).allowed
    assert not evaluate(p, request(purpose="market_analysis", action="aggregate")).allowed
    whole = evaluate(p, request(action="download"))
    assert isinstance(whole, Deny)
    assert whole.failed[0].rule == "prohibition[1]"
    assert whole.failed[0].message_en == "Prohibited: download files and exports."


def test_a_prohibition_the_request_cannot_answer_counts_as_holding() -> None:
    p = parse_policy(
        policy(
            prohibition=[
                {"action": "use", "constraint": [constraint("spatial", "isNoneOf", ["CN"])]},
                {"action": "use", "constraint": [constraint("elapsedTime", "gt", "P1Y")]},
            ]
        )
    )
    assert evaluate(p, request(spatial="CN-SH")).allowed
    assert not evaluate(p, request(spatial="US")).allowed
    assert not evaluate(p, request(spatial=None)).allowed
    assert not evaluate(p, request(agreement_start=None)).allowed


# -- grants: fields, masks, row filter, aggregate-only ---------------------------------------


def test_fields_whitelist_projects_and_refuses_others() -> None:
    c = constraint("shudu:fields", "isAnyOf", ["区", "人数", "姓名"])
    everything = decide(c)
    assert isinstance(everything, Allow)
    assert everything.fields == {"区", "人数", "姓名"}
    some = decide(c, fields=frozenset({"区"}), filter_fields=frozenset({"人数"}))
    assert isinstance(some, Allow)
    assert some.fields == {"区", "人数"}
    refused = decide(c, fields=frozenset({"区", "电话"}), filter_fields=frozenset({"身份证"}))
    assert isinstance(refused, Deny)
    (term,) = refused.failed
    assert (term.kind, term.left_operand) == ("fields", "shudu:fields")
    assert term.message_en == "Field(s) 电话, 身份证 are not licensed to you."
    # Only fields that exist are granted when the schema is known.
    known = decide(c, dataset_fields=frozenset({"区", "人数"}))
    assert isinstance(known, Allow)
    assert known.fields == {"区", "人数"}


def test_two_whitelists_intersect_and_blacklists_add_up() -> None:
    both = decide(
        constraint("shudu:fields", "isAnyOf", ["a", "b", "c"]),
        constraint("shudu:fields", "isAnyOf", ["b", "c", "d"]),
        constraint("shudu:fields", "isNoneOf", ["c"]),
    )
    assert isinstance(both, Allow)
    assert both.fields == {"b"}
    refused = decide(
        constraint("shudu:fields", "isAnyOf", ["a", "b"]),
        constraint("shudu:fields", "isAnyOf", ["b", "c"]),
        fields=frozenset({"a"}),
    )
    assert isinstance(refused, Deny)
    assert refused.failed[0].right_operand == ["b", "c"]  # the term that keeps "a" out


def test_fields_blacklist() -> None:
    c = constraint("shudu:fields", "isNoneOf", ["姓名"])
    with_schema = decide(c, dataset_fields=frozenset({"区", "人数", "姓名"}))
    assert isinstance(with_schema, Allow)
    assert with_schema.fields == {"区", "人数"}
    asked = decide(c, fields=frozenset({"区"}))
    assert isinstance(asked, Allow)
    assert asked.fields == {"区"}
    assert not allowed(c, fields=frozenset({"区", "姓名"}))
    assert not allowed(c, filter_fields=frozenset({"姓名"}), dataset_fields=frozenset({"姓名"}))
    # Without the schema, "everything but 姓名" cannot be expressed: deny, say why.
    blind = decide(c)
    assert isinstance(blind, Deny)
    assert blind.failed[0].message_en.startswith("The licensed fields cannot be determined")


def test_masked_fields_are_returned_and_cannot_be_filtered_on() -> None:
    p = (
        constraint("shudu:maskedFields", "isAllOf", ["姓名"]),
        constraint("shudu:maskedFields", "eq", ["电话"]),
    )
    granted = decide(*p, fields=frozenset({"姓名", "区"}))
    assert isinstance(granted, Allow)
    assert granted.masked == {"姓名", "电话"}
    assert granted.fields == {"姓名", "区"}
    refused = decide(*p, filter_fields=frozenset({"电话", "区"}))
    assert isinstance(refused, Deny)
    assert refused.failed[0].left_operand == "shudu:maskedFields"
    assert "电话" in refused.failed[0].message_zh


def test_row_filter_and_aggregate_only() -> None:
    row_filter = {"区": ["黄浦区", "静安区"]}
    c = (
        constraint("shudu:rowFilter", "eq", row_filter),
        constraint("shudu:aggregateOnly", "gteq", 5),
        constraint("shudu:aggregateOnly", "gteq", 10),
    )
    for action in ("read", "aggregate"):
        granted = decide(*c, action=action)
        assert isinstance(granted, Allow)
        assert granted.row_filter == row_filter
        assert granted.aggregate_min_group == 10  # the stricter k
    download = decide(*c, action="download")
    assert isinstance(download, Deny)
    assert download.failed[0].left_operand == "shudu:aggregateOnly"


def test_to_access_decision() -> None:
    granted = decide(
        constraint("shudu:fields", "isAnyOf", ["区", "姓名"]),
        constraint("shudu:maskedFields", "eq", ["姓名"]),
        constraint("shudu:rowFilter", "eq", {"区": "黄浦区"}),
        constraint("shudu:aggregateOnly", "gteq", 3),
    )
    assert isinstance(granted, Allow)
    assert to_access_decision(granted) == AccessDecision(
        fields=frozenset({"区", "姓名"}),
        row_filter={"区": "黄浦区"},
        masked=frozenset({"姓名"}),
        aggregate_min_group=3,
    )
    assert to_access_decision(Allow()) == AccessDecision.full()


def test_named_fields_of_a_record_query() -> None:
    query = RecordQuery(
        fields=["区", "人数"],
        filters={"日期": {"gte": "2026-01-01"}},
        sort=["-人数", "区 desc", "开放"],
    )
    assert named_fields(query) == (
        frozenset({"区", "人数"}),
        frozenset({"日期", "人数", "区", "开放"}),
    )
    grouped = RecordQuery(
        group_by=["区"], aggregates=["count", "sum:人数", "max:日期"], sort=["-count", "sum(人数)"]
    )
    assert named_fields(grouped) == (None, frozenset({"区", "人数", "日期"}))


# -- quotas ----------------------------------------------------------------------------------


def test_calls_per_day() -> None:
    c = constraint("shudu:callsPerDay", "lteq", 3)
    last = decide(c, usage=Usage(calls_today=2))
    assert isinstance(last, Allow)
    quota = last.quota("calls_per_day")
    assert quota is not None
    assert (quota.limit, quota.used, quota.remaining) == (3, 3, 0)
    over = decide(c, usage=Usage(calls_today=3))
    assert isinstance(over, Deny)
    assert over.quota_exceeded
    assert over.failed[0].message_en == "Daily call limit of 3 reached (3 calls today)."
    assert over.failed[0].message_zh == "已达到每日调用上限 3 次（今日已调用 3 次）。"
    strict = constraint("shudu:callsPerDay", "lt", 3)
    assert allowed(strict, usage=Usage(calls_today=1))
    assert not allowed(strict, usage=Usage(calls_today=2))
    assert not allowed(constraint("shudu:callsPerDay", "lteq", 0))


def test_rows_per_month_and_the_stricter_of_two_quotas() -> None:
    c = (
        constraint("shudu:rowsPerMonth", "lteq", 1000),
        constraint("shudu:rowsPerMonth", "lt", 101),
    )
    granted = decide(*c, usage=Usage(rows_this_month=40))
    assert isinstance(granted, Allow)
    assert granted.max_rows == 60
    assert granted.quota("rows_per_month") is not None
    assert granted.quota("calls_per_day") is None
    over = decide(*c, usage=Usage(rows_this_month=100))
    assert isinstance(over, Deny)
    assert over.quota_exceeded
    assert over.failed[0].right_operand == 101
    assert Allow().max_rows is None


def test_a_quota_and_a_condition_failing_together_is_not_a_429() -> None:
    over = decide(
        constraint("shudu:callsPerDay", "lteq", 1),
        constraint("purpose", "eq", "academic_research"),
        usage=Usage(calls_today=5),
    )
    assert isinstance(over, Deny)
    assert [t.kind for t in over.failed] == ["condition", "quota"]
    assert not over.quota_exceeded


# -- failing closed --------------------------------------------------------------------------


def test_stored_json_with_unknown_terms_denies_naming_them() -> None:
    stored = policy(
        constraint("purpose", "eq", "urban_planning"),
        constraint("shudu:dailyBytes", "lteq", 100),
    )
    decision = evaluate(stored, request())
    assert isinstance(decision, Deny)
    (term,) = decision.failed
    assert term.kind == "invalid"
    assert term.rule == "permission[0].constraint[1].leftOperand"
    assert 'unknown left operand "shudu:dailyBytes"' in term.message_en
    stored_ok = policy(constraint("purpose", "eq", "urban_planning"))
    assert evaluate(stored_ok, request()).allowed


@pytest.mark.parametrize(
    "bad",
    [
        Constraint("shudu:future", "eq", 1),
        Constraint("purpose", "approximately", "urban_planning"),
        Constraint("purpose", "lt", "urban_planning"),
        Constraint("purpose", "eq", "no_such_purpose"),
        Constraint("timeInterval", "eq", "P1D"),
    ],
)
@pytest.mark.parametrize("where", ["permission", "prohibition", "unrelated prohibition"])
def test_hand_built_policies_with_bad_terms_deny(bad: Constraint, where: str) -> None:
    read = Rule("read", (Constraint("purpose", "eq", "urban_planning"),))
    if where == "permission":
        p = Policy(permission=(Rule("read", (bad,)),))
    elif where == "prohibition":
        p = Policy(permission=(read,), prohibition=(Rule("read", (bad,)),))
    else:
        p = Policy(permission=(read,), prohibition=(Rule("download", (bad,)),))
    assert isinstance(evaluate(p, request()), Deny)
    assert evaluate(Policy(permission=(read,)), request()).allowed


def test_a_hand_built_policy_with_two_permissions_for_one_action_denies() -> None:
    p = Policy(permission=(Rule("use"), Rule("read")))
    assert not evaluate(p, request()).allowed


def test_evaluation_is_repeatable_and_independent_of_key_order() -> None:
    spec = policy(
        constraint("shudu:fields", "isAnyOf", ["区"]),
        constraint("shudu:callsPerDay", "lteq", 5),
    )
    reordered = {k: spec[k] for k in reversed(list(spec))}
    r = request(usage=Usage(calls_today=1))
    assert evaluate(spec, r) == evaluate(reordered, r) == evaluate(parse_policy(spec), r)


def test_duties_travel_with_an_allow() -> None:
    p = parse_policy(
        policy(
            obligation=[
                {
                    "action": "shudu:reportUsage",
                    "constraint": [constraint("timeInterval", "eq", "P1M")],
                },
                {"action": "delete"},
            ]
        )
    )
    granted = evaluate(p, request())
    assert isinstance(granted, Allow)
    assert [d.action for d in granted.duties] == ["shudu:reportUsage", "delete"]


def test_now_is_not_read_from_a_clock() -> None:
    # The same request at another time decides differently: time comes only from the request.
    c = constraint("dateTime", "lt", "2026-12-01T00:00:00+08:00")
    assert allowed(c, time=NOW)
    assert not allowed(c, time=NOW + timedelta(days=30))


def test_terms_that_leave_no_field_deny_rather_than_allow_nothing() -> None:
    contradictory = decide(
        constraint("shudu:fields", "isAnyOf", ["姓名"]),
        constraint("shudu:fields", "isNoneOf", ["姓名"]),
    )
    assert isinstance(contradictory, Deny)
    assert (
        contradictory.failed[0].message_en
        == "Under the agreement's terms no field is left to read."
    )
    absent = decide(
        constraint("shudu:fields", "isAnyOf", ["电话"]), dataset_fields=frozenset({"区"})
    )
    assert isinstance(absent, Deny)


def test_decisions_as_json() -> None:
    granted = decide(
        constraint("shudu:fields", "isAnyOf", ["人数", "区"]),
        constraint("shudu:maskedFields", "eq", ["区"]),
        constraint("shudu:callsPerDay", "lteq", 10),
        usage=Usage(calls_today=4),
    )
    assert isinstance(granted, Allow)
    assert granted.as_json() == {
        "allowed": True,
        "fields": ["人数", "区"],
        "row_filter": {},
        "masked": ["区"],
        "aggregate_min_group": None,
        "quotas": [{"key": "calls_per_day", "limit": 10, "used": 5, "remaining": 5}],
        "permission": 0,
    }
    denied = decide(constraint("purpose", "eq", "academic_research"))
    assert isinstance(denied, Deny)
    assert denied.as_json() == {
        "allowed": False,
        "failed": [
            {
                "rule": "permission[0]",
                "leftOperand": "purpose",
                "operator": "eq",
                "rightOperand": "academic_research",
                "kind": "condition",
                "message": {
                    "zh": "未满足条件：使用目的为学术研究（当前：城市规划）。",
                    "en": "Condition not met: the purpose is academic research"
                    " (yours: urban planning).",
                },
            }
        ],
    }
