"""Properties of the evaluator and of pricing, checked on generated policies and requests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from licensing import (
    Allow,
    Constraint,
    Deny,
    MonthUsage,
    Policy,
    Request,
    Rule,
    Usage,
    evaluate,
    parse_policy,
    parse_price_plan,
    price,
)
from licensing.terms import Operand, Operator

# Modest and deterministic: no deadline (a shared CI machine must not make a test flaky).
SETTINGS = settings(max_examples=150, deadline=None, database=None)

BASE = datetime(2026, 6, 1, tzinfo=UTC)
FIELDS = ["a", "b", "c", "d", "e"]
PURPOSES = ["urban_planning", "transport_research", "credit_assessment", "academic_research"]
REGIONS = ["CN", "CN-SH", "CN-BJ", "US"]
RECIPIENTS = ["acme", "beta", "gamma"]
EQUALITY = ["eq", "neq", "isAnyOf", "isNoneOf"]
ORDER = ["lt", "lteq", "gt", "gteq"]


def _equality(operand: str, values: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    def build(op: str, chosen: list[str]) -> dict[str, Any]:
        right: Any = chosen[0] if op in ("eq", "neq") else chosen
        return {"leftOperand": operand, "operator": op, "rightOperand": right}

    return st.builds(
        build, st.sampled_from(EQUALITY), st.lists(st.sampled_from(values), min_size=1, unique=True)
    )


def _instant(hours: int) -> str:
    return (BASE + timedelta(hours=hours)).isoformat()


def _c(left: str, op: str, right: Any) -> dict[str, Any]:
    return {"leftOperand": left, "operator": op, "rightOperand": right}


field_lists = st.lists(st.sampled_from(FIELDS), min_size=1, unique=True)
# One strategy per left operand, so a test can draw "another constraint on the same term".
BY_OPERAND: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "purpose": _equality("purpose", PURPOSES),
    "spatial": _equality("spatial", REGIONS),
    "recipient": _equality("recipient", RECIPIENTS),
    "dateTime": st.builds(
        lambda op, h: _c("dateTime", op, _instant(h)), st.sampled_from(ORDER), st.integers(-48, 48)
    ),
    "elapsedTime": st.builds(
        lambda op, d: _c("elapsedTime", op, f"P{d}D"), st.sampled_from(ORDER), st.integers(1, 60)
    ),
    "shudu:fields": st.builds(
        lambda op, f: _c("shudu:fields", op, f),
        st.sampled_from(["isAnyOf", "isNoneOf"]),
        field_lists,
    ),
    "shudu:maskedFields": st.builds(
        lambda op, f: _c("shudu:maskedFields", op, f),
        st.sampled_from(["eq", "isAllOf"]),
        field_lists,
    ),
    "shudu:rowFilter": st.builds(
        lambda f, v: _c("shudu:rowFilter", "eq", {f: v}), st.sampled_from(FIELDS), st.integers(0, 3)
    ),
    "shudu:callsPerDay": st.builds(
        lambda op, n: _c("shudu:callsPerDay", op, n),
        st.sampled_from(["lt", "lteq"]),
        st.integers(1, 12),
    ),
    "shudu:rowsPerMonth": st.builds(
        lambda op, n: _c("shudu:rowsPerMonth", op, n),
        st.sampled_from(["lt", "lteq"]),
        st.integers(1, 120),
    ),
    "shudu:aggregateOnly": st.builds(
        lambda k: _c("shudu:aggregateOnly", "gteq", k), st.integers(1, 10)
    ),
}
CONDITIONS = ["purpose", "spatial", "recipient", "dateTime", "elapsedTime"]
conditions = st.one_of(*(BY_OPERAND[name] for name in CONDITIONS))
grants = st.one_of(*(s for name, s in BY_OPERAND.items() if name not in CONDITIONS))
permission_constraints = st.one_of(*BY_OPERAND.values())
actions = st.sampled_from(["use", "read", "aggregate", "download"])
permission_actions = st.sampled_from(["use", "use", "use", "read", "aggregate", "download"])


def _one_row_filter(constraints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out, seen = [], False
    for c in constraints:
        if c["leftOperand"] == "shudu:rowFilter":
            if seen:
                continue
            seen = True
        out.append(c)
    return out


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    # Few conditions, more grants: most requests are then allowed, which is where grants can
    # be compared at all.
    constraints = draw(st.lists(conditions, max_size=2)) + draw(st.lists(grants, max_size=4))
    constraints = _one_row_filter(draw(st.permutations(constraints)))
    spec: dict[str, Any] = {
        "permission": [{"action": draw(permission_actions), "constraint": constraints}],
    }
    prohibitions = draw(
        st.lists(
            st.builds(
                lambda a, cs: {"action": a, "constraint": cs},
                actions,
                st.lists(conditions, min_size=1, max_size=2),
            ),
            max_size=1,
        )
    )
    if prohibitions and draw(st.booleans()):
        spec["prohibition"] = prohibitions
    return spec


optional_fields = st.one_of(st.none(), st.frozensets(st.sampled_from(FIELDS)))


@st.composite
def requests(draw: st.DrawFn) -> Request:
    return Request(
        action=draw(st.sampled_from(["read", "aggregate", "download"])),
        time=BASE + timedelta(hours=draw(st.integers(-72, 72))),
        purpose=draw(st.sampled_from([*PURPOSES, None])),
        agreement_start=draw(
            st.one_of(st.integers(0, 90).map(lambda d: BASE - timedelta(days=d)), st.none())
        ),
        recipient=draw(st.sampled_from([*RECIPIENTS, None])),
        spatial=draw(st.sampled_from([*REGIONS, None])),
        fields=draw(optional_fields),
        filter_fields=draw(st.one_of(st.just(frozenset()), st.frozensets(st.sampled_from(FIELDS)))),
        dataset_fields=draw(st.one_of(st.none(), st.just(frozenset(FIELDS)))),
        usage=Usage(
            calls_today=draw(st.one_of(st.integers(0, 2), st.integers(0, 14))),
            rows_this_month=draw(st.one_of(st.integers(0, 10), st.integers(0, 130))),
        ),
    )


def _schema_known(request: Request, constraints: list[dict[str, Any]]) -> Request:
    """Excluding fields from an unknown schema denies (fail closed), where the same exclusion
    under an allow-list can be computed and allows: width compares only with a known schema,
    which the exchange always passes for record queries."""
    excludes = any(
        c["leftOperand"] == "shudu:fields" and c["operator"] == "isNoneOf" for c in constraints
    )
    if request.dataset_fields is not None or not excludes:
        return request
    return replace(request, dataset_fields=frozenset(FIELDS))


def no_wider(narrow: Allow | Deny, wide: Allow | Deny) -> bool:
    """Whether ``narrow`` grants nothing that ``wide`` does not."""
    if isinstance(narrow, Deny):
        return True
    if isinstance(wide, Deny):
        return False
    if wide.fields is not None and (narrow.fields is None or not narrow.fields <= wide.fields):
        return False
    if not narrow.masked >= wide.masked:
        return False
    if any(narrow.row_filter.get(k) != v for k, v in wide.row_filter.items()):
        return False
    if (narrow.aggregate_min_group or 0) < (wide.aggregate_min_group or 0):
        return False
    for quota in wide.quotas:
        mine = narrow.quota(quota.key)
        if mine is None or mine.limit > quota.limit:
            return False
    return True


@settings(max_examples=300, deadline=None, database=None)
@given(policies(), requests(), st.data())
def test_adding_a_constraint_never_widens_access(
    spec: dict[str, Any], request: Request, data: st.DataObject
) -> None:
    existing = spec["permission"][0]["constraint"]
    # Half the time, another constraint on a term the permission already has (two quotas,
    # two k, two field lists …): where combining rules could go wrong.
    same_term = existing and data.draw(st.booleans())
    if same_term:
        operand = data.draw(st.sampled_from([c["leftOperand"] for c in existing]))
        extra = data.draw(BY_OPERAND[operand])
    else:
        extra = data.draw(permission_constraints)
    narrower = {**spec, "permission": [dict(spec["permission"][0])]}
    narrower["permission"][0]["constraint"] = _one_row_filter([*existing, extra])
    request = _schema_known(request, [*existing, extra])
    assert no_wider(evaluate(narrower, request), evaluate(spec, request))


@SETTINGS
@given(st.sampled_from(sorted(BY_OPERAND)), requests(), st.data())
def test_two_terms_of_one_kind_are_no_wider_than_either(
    operand: str, request: Request, data: st.DataObject
) -> None:
    first, second = data.draw(BY_OPERAND[operand]), data.draw(BY_OPERAND[operand])
    if operand == "shudu:rowFilter":
        second = first  # two filters are refused when written; see the validation tests
    request = _schema_known(request, [first, second])
    both = evaluate(policy_of(first, second), request)
    assert no_wider(both, evaluate(policy_of(first), request))
    assert no_wider(both, evaluate(policy_of(second), request))


def policy_of(*constraints: dict[str, Any]) -> dict[str, Any]:
    return {"permission": [{"action": "use", "constraint": list(constraints)}]}


@SETTINGS
@given(
    policies(),
    st.builds(
        lambda a, cs: {"action": a, "constraint": cs}, actions, st.lists(conditions, max_size=2)
    ),
    requests(),
)
def test_adding_a_prohibition_never_widens_access(
    spec: dict[str, Any], prohibition: dict[str, Any], request: Request
) -> None:
    narrower = {**spec, "prohibition": [*spec.get("prohibition", []), prohibition]}
    assert no_wider(evaluate(narrower, request), evaluate(spec, request))


unknown_operands = st.text(min_size=1, max_size=20).filter(
    lambda s: s not in {o.value for o in Operand}
)
any_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


@SETTINGS
@given(
    policies(),
    unknown_operands,
    st.sampled_from([o.value for o in Operator] + ["foo"]),
    any_json,
    st.sampled_from(["permission", "prohibition", "obligation"]),
    requests(),
)
def test_an_unknown_operand_always_denies(
    spec: dict[str, Any], operand: str, op: str, right: Any, where: str, request: Request
) -> None:
    bad = {"leftOperand": operand, "operator": op, "rightOperand": right}
    rules = [dict(r) for r in spec.get(where, [])] or [
        {"action": "delete" if where == "obligation" else "download"}
    ]
    rules[0]["constraint"] = [*rules[0].get("constraint", []), bad]
    stored = {**spec, where: rules}
    decision = evaluate(stored, request)
    assert isinstance(decision, Deny)
    assert any(t.kind == "invalid" for t in decision.failed)
    # The same term in a Policy object built by hand (not through parse_policy) denies too.
    parsed = parse_policy(spec)
    hand_built = Rule(rules[0]["action"], (Constraint(operand, op, right),))
    field = getattr(parsed, where)
    built = Policy(
        permission=parsed.permission,
        prohibition=parsed.prohibition,
        obligation=parsed.obligation,
    )
    built = Policy(**{**_fields(built), where: (*field, hand_built)})
    assert isinstance(evaluate(built, request), Deny)


def _fields(p: Policy) -> dict[str, Any]:
    return {"permission": p.permission, "prohibition": p.prohibition, "obligation": p.obligation}


def _holding_conditions(request: Request) -> list[dict[str, Any]]:
    """Conditions built to hold for ``request`` (where it says enough to decide them)."""
    out: list[dict[str, Any]] = [_c("dateTime", "lteq", request.time.isoformat())]
    if request.purpose is not None:
        out.append(_c("purpose", "eq", request.purpose))
    if request.recipient is not None:
        out.append(_c("recipient", "isAnyOf", [request.recipient]))
    if request.spatial is not None:
        out.append(_c("spatial", "eq", request.spatial))
    if request.agreement_start is not None:
        out.append(_c("elapsedTime", "gteq", "PT1S") if request.time > request.agreement_start
                   else _c("elapsedTime", "lt", "PT1S"))  # fmt: skip
    return out


@SETTINGS
@given(policies(), requests(), st.data())
def test_a_prohibition_matching_the_request_always_denies(
    spec: dict[str, Any], request: Request, data: st.DataObject
) -> None:
    covering = ["use", request.action] + (["read"] if request.action == "aggregate" else [])
    action = data.draw(st.sampled_from(covering))
    holding = _holding_conditions(request)
    chosen = data.draw(st.lists(st.sampled_from(holding), unique_by=lambda c: c["leftOperand"]))
    prohibited = {
        **spec,
        "prohibition": [*spec.get("prohibition", []), {"action": action, "constraint": chosen}],
    }
    decision = evaluate(prohibited, request)
    assert isinstance(decision, Deny)
    assert any(t.kind == "prohibited" for t in decision.failed)


@SETTINGS
@given(policies(), requests())
def test_evaluation_is_deterministic(spec: dict[str, Any], request: Request) -> None:
    first = evaluate(spec, request)
    assert evaluate(spec, request) == first
    assert evaluate(parse_policy(spec), request) == first
    reordered = {k: spec[k] for k in reversed(list(spec))}
    assert evaluate(reordered, request) == first


@SETTINGS
@given(policies(), requests())
def test_allowed_fields_are_within_requested_and_permitted(
    spec: dict[str, Any], request: Request
) -> None:
    decision = evaluate(spec, request)
    if not isinstance(decision, Allow):
        return
    permitted: set[str] | None = None
    excluded: set[str] = set()
    for c in spec["permission"][0]["constraint"]:
        if c["leftOperand"] == "shudu:fields":
            if c["operator"] == "isAnyOf":
                permitted = (
                    set(c["rightOperand"])
                    if permitted is None
                    else permitted & set(c["rightOperand"])
                )
            else:
                excluded |= set(c["rightOperand"])
    if request.fields is not None:
        assert decision.fields is not None
        assert decision.fields <= request.fields | request.filter_fields
    if permitted is not None or excluded:
        assert decision.fields is not None
        assert decision.fields <= (permitted if permitted is not None else set(FIELDS)) - excluded
    if decision.fields is None:
        assert request.fields is None
        assert permitted is None
        assert not excluded


money = st.decimals(min_value=0, max_value=10**6, places=6, allow_nan=False, allow_infinity=False)
plans = st.one_of(
    st.just({"kind": "free"}),
    st.builds(lambda p: {"kind": "per_call", "unit_price": str(p)}, money),
    st.builds(lambda p: {"kind": "per_row", "unit_price": str(p)}, money),
    st.builds(
        lambda fee, ic, ir, oc, orow: {
            "kind": "subscription",
            "monthly_fee": str(fee),
            **({"included_calls": ic} if ic is not None else {}),
            **({"included_rows": ir} if ir is not None else {}),
            **({"overage_per_call": str(oc)} if oc is not None else {}),
            **({"overage_per_row": str(orow)} if orow is not None else {}),
        },
        money,
        st.one_of(st.none(), st.integers(0, 10**6)),
        st.one_of(st.none(), st.integers(0, 10**9)),
        st.one_of(st.none(), money),
        st.one_of(st.none(), money),
    ),
)
counts = st.integers(0, 10**12)


@SETTINGS
@given(plans, counts, counts, counts, counts)
def test_price_is_never_negative_and_monotone_in_usage(
    plan_json: dict[str, Any], calls: int, rows: int, more_calls: int, more_rows: int
) -> None:
    plan = parse_price_plan(plan_json)
    low = price(plan, MonthUsage(calls=calls, rows=rows))
    high = price(plan, MonthUsage(calls=calls + more_calls, rows=rows + more_rows))
    assert low.total >= 0
    assert high.total >= low.total
    assert low.total == sum((line.amount for line in low.lines), Decimal(0))
    assert low.total == low.total.quantize(Decimal("0.01"))
