"""The usage-policy model and its validation: ``parse_policy(json) -> Policy``.

See docs/architecture.md, "The policy profile".

A policy is JSON in an ODRL 2.2 profile::

    {"@type": "Offer",
     "permission": [{"action": "read", "constraint": [
         {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["urban_planning"]},
         {"leftOperand": "shudu:fields", "operator": "isAnyOf", "rightOperand": ["区", "人数"]},
         {"leftOperand": "shudu:callsPerDay", "operator": "lteq", "rightOperand": 1000}]}],
     "prohibition": [{"action": "download"}],
     "obligation": [{"action": "delete"}]}

Validation collects every problem with its path (``permission[0].constraint[1].operator:
unknown operator "foo"``) and raises :class:`PolicyInvalid`. The validity rules:

- Operators per left operand are in ``terms.OPERATORS`` (``purpose`` takes eq/neq/isAnyOf/
  isNoneOf, ``dateTime`` and ``elapsedTime`` take lt/lteq/gt/gteq, …).
- ``eq``/``neq`` take one value, ``isAnyOf``/``isAllOf``/``isNoneOf`` a non-empty list of
  distinct values. Purposes must be codes of the taxonomy (``licensing.purposes``); spatial
  values are ISO 3166 codes (``CN``, ``CN-SH``); ``dateTime`` an ISO 8601 date-time with its
  offset; ``elapsedTime``/``timeInterval`` an ISO 8601 duration.
- ``shudu:fields`` and ``shudu:maskedFields`` take lists of field ids (strings);
  ``shudu:rowFilter`` a filter in the datastore's language (``catalog.datastore.query``);
  with a schema, field ids must exist and filter values must fit their field's type.
- Quotas (``shudu:callsPerDay``, ``shudu:rowsPerMonth``) take lt/lteq and an integer;
  ``shudu:aggregateOnly`` takes gteq and the minimum group size k ≥ 1.
- Profile terms belong in permissions; prohibitions hold conditions only; obligations are
  ``shudu:reportUsage`` (optionally ``timeInterval eq P3M``), ``delete`` and ``attribute``.
- At least one permission; no two permissions cover the same action (so one permission decides
  a request and its obligations, and adding a constraint can never widen access).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from catalog.datastore.fields import Field, FieldType, parse_value
from catalog.datastore.query import FILTER_OPS
from licensing.durations import Duration, parse_duration
from licensing.errors import PolicyInvalid
from licensing.purposes import is_purpose
from licensing.terms import (
    CONSTRAINT_KEYS,
    COVERS,
    OBLIGATION_OPERANDS,
    OPERATORS,
    PERMISSION_OPERANDS,
    POLICY_KEYS,
    POLICY_TYPES,
    PROHIBITION_OPERANDS,
    REQUEST_ACTIONS,
    RULE_KEYS,
    SINGLE_PER_RULE,
    Action,
    Duty,
    Operand,
    Operator,
    known_operand,
    known_operator,
)

MAX_LIST = 1000
MAX_TEXT = 200
MAX_QUOTA = 10**12
REGION = re.compile(r"[A-Z]{2}(-[A-Z0-9]{1,3})?")


@dataclass(frozen=True, slots=True)
class Constraint:
    """``{leftOperand, operator, rightOperand}``; ``value`` is the right operand parsed
    (a datetime, a :class:`Duration`, a frozenset of strings, …), set by ``parse_policy``."""

    left_operand: str
    operator: str
    right_operand: Any
    value: Any = field(default=None, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "leftOperand": self.left_operand,
            "operator": self.operator,
            "rightOperand": self.right_operand,
        }


@dataclass(frozen=True, slots=True)
class Rule:
    action: str
    constraints: tuple[Constraint, ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action}
        if self.constraints:
            out["constraint"] = [c.as_json() for c in self.constraints]
        return out

    def covers(self, action: str) -> bool:
        try:
            return Action(action) in COVERS[Action(self.action)]
        except ValueError:
            return False


@dataclass(frozen=True, slots=True)
class Policy:
    permission: tuple[Rule, ...] = ()
    prohibition: tuple[Rule, ...] = ()
    obligation: tuple[Rule, ...] = ()
    type: str = "Offer"
    uid: str | None = None
    profile: str | None = None
    context: Any = None
    # Set by parse_policy only: the evaluator re-validates any other Policy (fail closed).
    validated: bool = field(default=False, compare=False, repr=False)

    def as_json(self) -> dict[str, Any]:
        """The policy as JSON, in a fixed shape: equal policies give equal JSON."""
        out: dict[str, Any] = {"@type": self.type}
        if self.context is not None:
            out["@context"] = self.context
        if self.uid is not None:
            out["uid"] = self.uid
        if self.profile is not None:
            out["profile"] = self.profile
        for name in ("permission", "prohibition", "obligation"):
            rules: tuple[Rule, ...] = getattr(self, name)
            if rules:
                out[name] = [r.as_json() for r in rules]
        return out


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the form policies are hashed and compared in."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


# -- parsing ---------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))


def _quote(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return repr(value)


def parse_policy(
    data: Mapping[str, Any] | str | bytes, fields: Iterable[Field] | None = None
) -> Policy:
    """Validate a policy (JSON text or decoded) into a :class:`Policy`; ``fields`` is the
    dataset's schema when known, so field ids and filter values can be checked against it."""
    problems = _Problems()
    if isinstance(data, (str, bytes)):
        try:
            data = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise PolicyInvalid([("", f"not valid JSON: {exc}")]) from None
    if not isinstance(data, Mapping):
        raise PolicyInvalid([("", "a policy is a JSON object")])
    schema = {f.id: f for f in fields} if fields is not None else None
    for key in data:
        if key not in POLICY_KEYS:
            problems.add(str(key), f"unknown term {_quote(key)}")
    policy_type = data.get("@type", "Offer")
    if policy_type not in POLICY_TYPES:
        problems.add("@type", f"must be one of {', '.join(sorted(POLICY_TYPES))}")
        policy_type = "Offer"
    uid = _optional_text(data, "uid", problems)
    profile = _optional_text(data, "profile", problems)
    permission = _rules(data, "permission", problems, schema)
    prohibition = _rules(data, "prohibition", problems, schema)
    obligation = _rules(data, "obligation", problems, schema)
    if not permission and not any(p.startswith("permission") for p, _ in problems.items):
        problems.add("permission", "at least one permission is needed (a policy grants access)")
    _no_overlap(permission, problems)
    if problems.items:
        raise PolicyInvalid(problems.items)
    return Policy(
        permission=permission,
        prohibition=prohibition,
        obligation=obligation,
        type=policy_type,
        uid=uid,
        profile=profile,
        context=data.get("@context"),
        validated=True,
    )


def _optional_text(data: Mapping[str, Any], key: str, problems: _Problems) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > 500:
        problems.add(key, "must be a non-empty string of at most 500 characters")
        return None
    return value


def _rules(
    data: Mapping[str, Any], kind: str, problems: _Problems, schema: Mapping[str, Field] | None
) -> tuple[Rule, ...]:
    raw = data.get(kind, [])
    if isinstance(raw, Mapping):
        raw = [raw]  # ODRL allows a single rule object
    if not isinstance(raw, list):
        problems.add(kind, "must be a list of rules")
        return ()
    rules: list[Rule] = []
    for i, item in enumerate(raw):
        rule = _rule(item, kind, f"{kind}[{i}]", problems, schema)
        if rule is not None:
            rules.append(rule)
    return tuple(rules)


def _rule(
    item: Any, kind: str, path: str, problems: _Problems, schema: Mapping[str, Field] | None
) -> Rule | None:
    if not isinstance(item, Mapping):
        problems.add(path, "a rule is an object with an action and constraints")
        return None
    for key in item:
        if key not in RULE_KEYS:
            problems.add(f"{path}.{key}", f"unknown term {_quote(key)}")
    action = item.get("action")
    allowed_operands: frozenset[Operand]
    if kind == "obligation":
        duties = ", ".join(d.value for d in Duty)
        if action not in {d.value for d in Duty}:
            problems.add(f"{path}.action", f"unknown duty {_quote(action)}; one of {duties}")
            return None
        allowed_operands = OBLIGATION_OPERANDS[Duty(action)]
    else:
        actions = ", ".join(a.value for a in Action)
        if action not in {a.value for a in Action}:
            problems.add(f"{path}.action", f"unknown action {_quote(action)}; one of {actions}")
            return None
        allowed_operands = PERMISSION_OPERANDS if kind == "permission" else PROHIBITION_OPERANDS
    raw = item.get("constraint", [])
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        problems.add(f"{path}.constraint", "must be a list of constraints")
        return None
    constraints: list[Constraint] = []
    seen: set[Operand] = set()
    for j, spec in enumerate(raw):
        cpath = f"{path}.constraint[{j}]"
        constraint = _constraint(spec, cpath, problems, schema)
        if constraint is None:
            continue
        operand = Operand(constraint.left_operand)
        if operand not in allowed_operands:
            problems.add(f"{cpath}.leftOperand", _misplaced(operand, kind, action))
            continue
        if operand in SINGLE_PER_RULE and operand in seen:
            problems.add(
                f"{cpath}.leftOperand",
                f"{operand.value} appears twice in this rule; write one (ANDed) filter",
            )
            continue
        seen.add(operand)
        constraints.append(constraint)
    return Rule(action=str(action), constraints=tuple(constraints))


def _misplaced(operand: Operand, kind: str, action: Any) -> str:
    if kind == "prohibition":
        return f"{operand.value} shapes what a permission grants; it belongs in a permission"
    if kind == "obligation":
        return f"{operand.value} does not apply to the duty {_quote(action)}"
    return f"{operand.value} applies to obligations only"


def _constraint(
    spec: Any, path: str, problems: _Problems, schema: Mapping[str, Field] | None
) -> Constraint | None:
    if not isinstance(spec, Mapping):
        problems.add(path, "a constraint is an object {leftOperand, operator, rightOperand}")
        return None
    ok = True
    for key in spec:
        if key not in CONSTRAINT_KEYS:
            problems.add(f"{path}.{key}", f"unknown term {_quote(key)}")
            ok = False
    for key in sorted(CONSTRAINT_KEYS - set(spec)):
        problems.add(f"{path}.{key}", "missing")
        ok = False
    left, op, right = spec.get("leftOperand"), spec.get("operator"), spec.get("rightOperand")
    operand = known_operand(left)
    if "leftOperand" in spec and operand is None:
        problems.add(f"{path}.leftOperand", f"unknown left operand {_quote(left)}")
        ok = False
    operator = known_operator(op)
    if "operator" in spec and operator is None:
        problems.add(f"{path}.operator", f"unknown operator {_quote(op)}")
        ok = False
    if not ok or operand is None or operator is None:
        return None
    if operator not in OPERATORS[operand]:
        usable = ", ".join(o.value for o in Operator if o in OPERATORS[operand])
        problems.add(
            f"{path}.operator",
            f'operator "{operator.value}" does not apply to {operand.value}; use {usable}',
        )
        return None
    try:
        value = operand_value(operand, operator, right, schema)
    except ValueError as exc:
        problems.add(f"{path}.rightOperand", str(exc))
        return None
    return Constraint(operand.value, operator.value, right, value)


# -- right operands --------------------------------------------------------------------------


def operand_value(
    operand: Operand,
    operator: Operator,
    right: Any,
    schema: Mapping[str, Field] | None = None,
) -> Any:
    """The right operand of a (known, applicable) constraint parsed; ValueError when bad."""
    if operand is Operand.PURPOSE:
        return _one_or_list(operator, right, _purpose)
    if operand is Operand.SPATIAL:
        return _one_or_list(operator, right, _region)
    if operand is Operand.RECIPIENT:
        return _one_or_list(operator, right, _text)
    if operand is Operand.DATE_TIME:
        return _datetime(right)
    if operand in (Operand.ELAPSED_TIME, Operand.TIME_INTERVAL):
        return parse_duration(right)
    if operand in (Operand.FIELDS, Operand.MASKED_FIELDS):
        names = _list(right, _text, "field ids")
        if schema is not None:
            missing = [n for n in names if n not in schema]
            if missing:
                raise ValueError(f"no field named {', '.join(_quote(m) for m in missing)}")
        return frozenset(names)
    if operand is Operand.ROW_FILTER:
        return validate_row_filter(right, schema)
    if operand in (Operand.CALLS_PER_DAY, Operand.ROWS_PER_MONTH):
        least = 1 if operator is Operator.LT else 0
        limit = _integer(right, least)
        return limit - 1 if operator is Operator.LT else limit  # the most allowed
    if operand is Operand.AGGREGATE_ONLY:
        return _integer(right, 1)
    raise ValueError(f"unsupported left operand {operand.value}")  # pragma: no cover


def _one_or_list(operator: Operator, right: Any, check: Any) -> Any:
    if operator in (Operator.EQ, Operator.NEQ):
        if isinstance(right, list):
            raise ValueError(f'"{operator.value}" takes one value; use isAnyOf for a list')
        return check(right)
    return frozenset(_list(right, check, "values"))


def _list(right: Any, check: Any, what: str) -> list[Any]:
    if not isinstance(right, list) or not right:
        raise ValueError(f"expected a non-empty list of {what}")
    if len(right) > MAX_LIST:
        raise ValueError(f"at most {MAX_LIST} {what}")
    values = [check(v) for v in right]
    if len(set(values)) != len(values):
        raise ValueError(f"{what} must be distinct")
    return values


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ValueError(f"expected a non-empty string of at most {MAX_TEXT} characters")
    return value


def _purpose(value: Any) -> str:
    if not is_purpose(value):
        raise ValueError(f"unknown purpose {_quote(value)} (see the purpose taxonomy)")
    return str(value)


def _region(value: Any) -> str:
    if not isinstance(value, str) or REGION.fullmatch(value) is None:
        raise ValueError(f"{_quote(value)} is not an ISO 3166 code such as CN or CN-SH")
    return value


def _datetime(value: Any) -> datetime:
    example = "e.g. 2027-01-01T00:00:00+08:00"
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 date-time with its offset, {example}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{_quote(value)} is not an ISO 8601 date-time, {example}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"{_quote(value)} has no offset; write it with one, {example}")
    return parsed


def _integer(value: Any, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number of at least {least}")
    if not least <= value <= MAX_QUOTA:
        raise ValueError(f"expected a whole number from {least} to {MAX_QUOTA}")
    return value


def validate_row_filter(value: Any, schema: Mapping[str, Field] | None = None) -> dict[str, Any]:
    """Check a filter in the datastore's language (see ``catalog.datastore.query``) and return
    it as given. Its shape always; with a schema, field ids and each value's type too."""
    if not isinstance(value, Mapping) or not value:
        raise ValueError("expected a non-empty filter object {field: condition}")
    for name, spec in value.items():
        if not isinstance(name, str) or not name:
            raise ValueError("filter keys are field ids")
        target = None
        if schema is not None:
            target = schema.get(name)
            if target is None:
                raise ValueError(f"no field named {_quote(name)}")
        if isinstance(spec, list):
            conditions: Mapping[str, Any] = {"in": spec}
        elif isinstance(spec, Mapping):
            conditions = spec
            if not conditions:
                raise ValueError(f"{name}: empty condition")
        else:
            conditions = {"eq": spec}
        for op, raw in conditions.items():
            _filter_condition(name, op, raw, target)
    return dict(value)


def _filter_condition(name: str, op: Any, raw: Any, target: Field | None) -> None:
    where = f"{name}.{op}"
    if op not in FILTER_OPS:
        raise ValueError(
            f"{name}: unknown filter operator {_quote(op)}; one of {', '.join(sorted(FILTER_OPS))}"
        )
    if op == "null":
        if not isinstance(raw, bool):
            raise ValueError(f"{where} takes true or false")
        return
    if op == "in":
        if not isinstance(raw, list) or len(raw) > MAX_LIST:
            raise ValueError(f"{where} takes a list of at most {MAX_LIST} values")
        values: Sequence[Any] = raw
    elif op == "contains":
        if not isinstance(raw, str):
            raise ValueError(f"{where} takes text")
        if target is not None and target.type is not FieldType.TEXT:
            raise ValueError(f"{where}: contains works on text fields only")
        return
    else:
        values = [raw]
    for v in values:
        if v is None or isinstance(v, (list, dict)):
            raise ValueError(f"{where} takes a single value (use null for empty cells)")
        if target is not None:
            try:
                parse_value(target.type, v)
            except (ValueError, OverflowError) as exc:
                raise ValueError(f"{where}: {exc}") from None


def _no_overlap(permission: tuple[Rule, ...], problems: _Problems) -> None:
    claimed: dict[Action, int] = {}
    for i, rule in enumerate(permission):
        covered = COVERS[Action(rule.action)] & REQUEST_ACTIONS
        for action in (a for a in Action if a in covered):  # in declaration order
            if action in claimed:
                problems.add(
                    f"permission[{i}].action",
                    f'"{rule.action}" overlaps permission[{claimed[action]}] on {action.value};'
                    " each action may be granted by one permission only",
                )
                break
            claimed[action] = i


__all__ = [
    "Constraint",
    "Duration",
    "Policy",
    "Rule",
    "canonical_json",
    "operand_value",
    "parse_policy",
    "validate_row_filter",
]
