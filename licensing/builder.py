"""Offers from choices, not JSON: ``build_policy(choices) -> dict`` and
``build_price_plan(choices) -> dict``, for people who will never write ODRL.

See docs/architecture.md, "The policy profile". The choices are what a publisher's form asks:
which fields may be read and which are masked, a row filter, calls per day, rows per month,
aggregate-only with its minimum group size k, the permitted purposes, and the two duties the
profile knows (a usage report every so many days, deletion at the end). The result is a policy
of the profile that ``parse_policy`` accepts (it is checked against the dataset's schema when
one is given) and a price plan that ``parse_price_plan`` accepts.

Bad choices raise :class:`ChoicesInvalid` (a ``ValidationFailed``, 422): ``details`` maps each
choice's name to its English messages, and every problem also carries its sentence in Chinese
and English (``messages(language)``), as ``licensing.describe`` does for policies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from catalog.datastore.fields import Field, parse_value
from core.errors import ValidationFailed
from licensing.errors import PolicyInvalid, PricePlanInvalid
from licensing.policy import MAX_LIST, MAX_QUOTA, parse_policy
from licensing.pricing import PlanKind, parse_price_plan
from licensing.purposes import is_purpose
from licensing.terms import Action, Duty, Operand, Operator

MAX_REPORT_DAYS = 3650  # a usage report at least every ten years


@dataclass(frozen=True, slots=True)
class RowCondition:
    """Rows whose ``field`` holds one of ``values`` (values as written, checked by type)."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyChoices:
    fields: tuple[str, ...] = ()  # the fields that may be read (at least one)
    masked: tuple[str, ...] = ()  # of those, the ones returned as ***
    row_filter: tuple[RowCondition, ...] = ()  # ANDed; none: every row
    calls_per_day: int | None = None  # None: no daily limit
    rows_per_month: int | None = None  # None: no monthly limit
    aggregate_only: bool = False
    min_group: int | None = None  # k, when aggregate_only
    purposes: tuple[str, ...] = ()  # purpose codes (at least one)
    report_every_days: int | None = None  # None: no usage report duty
    delete_at_end: bool = False


@dataclass(frozen=True, slots=True)
class PriceChoices:
    kind: str = PlanKind.FREE.value
    unit_price: str = ""  # per_call, per_row
    monthly_fee: str = ""  # subscription


@dataclass(frozen=True, slots=True)
class Problem:
    """One bad choice: its name and what is wrong, in Chinese and in English."""

    choice: str
    zh: str
    en: str

    def message(self, language: str) -> str:
        """The problem as a sentence to show a person."""
        return self.zh if language == "zh" else self.en[:1].upper() + self.en[1:]


class ChoicesInvalid(ValidationFailed):
    code = "choices_invalid"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        details: dict[str, list[str]] = {}
        for p in self.problems:
            details.setdefault(p.choice, []).append(p.en)
        said = "; ".join(f"{p.choice}: {p.en}" for p in self.problems)
        super().__init__(f"Invalid choices: {said}", details)

    def messages(self, language: str) -> dict[str, str]:
        """The first problem of each choice, in ``language``."""
        out: dict[str, str] = {}
        for p in self.problems:
            out.setdefault(p.choice, p.message(language))
        return out


def _quota(name: str, value: int | None, problems: list[Problem]) -> None:
    if value is not None and not 1 <= value <= MAX_QUOTA:
        problems.append(
            Problem(
                name,
                f"请填写 1 到 {MAX_QUOTA} 之间的整数，或留空表示不限",
                f"enter a whole number from 1 to {MAX_QUOTA}, or leave it empty for no limit",
            )
        )


def _unknown(names: Iterable[str], schema: dict[str, Field] | None) -> list[str]:
    return [] if schema is None else [n for n in names if n not in schema]


def _check(choices: PolicyChoices, schema: dict[str, Field] | None) -> list[Problem]:
    problems: list[Problem] = []
    if not choices.fields:
        problems.append(
            Problem("fields", "请至少选择一个可以读取的字段", "choose at least one field to read")
        )
    elif missing := _unknown(choices.fields, schema):
        problems.append(
            Problem(
                "fields",
                f"数据中没有这些字段：{'、'.join(missing)}",
                f"the data has no field {', '.join(missing)}",
            )
        )
    elif len(set(choices.fields)) != len(choices.fields) or len(choices.fields) > MAX_LIST:
        problems.append(Problem("fields", "字段重复或过多", "fields repeat or are too many"))
    outside = [f for f in choices.masked if f not in choices.fields]
    if outside:
        problems.append(
            Problem(
                "masked",
                f"脱敏的字段必须也是可以读取的字段：{'、'.join(outside)}",
                f"a masked field must also be one that may be read: {', '.join(outside)}",
            )
        )
    elif len(set(choices.masked)) != len(choices.masked):
        problems.append(Problem("masked", "字段重复", "a field repeats"))
    seen: set[str] = set()
    for i, condition in enumerate(choices.row_filter, start=1):
        name = f"row_filter_{i}"
        target = schema.get(condition.field) if schema is not None else None
        if schema is not None and target is None:
            problems.append(
                Problem(
                    name,
                    f"数据中没有字段“{condition.field}”",
                    f"the data has no field “{condition.field}”",
                )
            )
            continue
        if condition.field in seen:
            problems.append(
                Problem(
                    name,
                    "同一个字段只能有一个条件：请把允许的值写在一起",
                    "one condition per field: write all its allowed values together",
                )
            )
            continue
        seen.add(condition.field)
        values = [v.strip() for v in condition.values if v.strip()]
        if not values:
            problems.append(
                Problem(
                    name,
                    "请填写至少一个允许的值",
                    "enter at least one allowed value",
                )
            )
            continue
        if len(values) > MAX_LIST or len(set(values)) != len(values):
            problems.append(
                Problem(name, "允许的值重复或过多", "the allowed values repeat or are too many")
            )
            continue
        if target is not None:
            bad = []
            for v in values:
                try:
                    parse_value(target.type, v)
                except (ValueError, OverflowError):
                    bad.append(v)
            if bad:
                problems.append(
                    Problem(
                        name,
                        f"这些值不符合字段的类型：{'、'.join(bad)}",
                        f"these values do not fit the field's type: {', '.join(bad)}",
                    )
                )
    _quota("calls_per_day", choices.calls_per_day, problems)
    _quota("rows_per_month", choices.rows_per_month, problems)
    if choices.aggregate_only and (
        choices.min_group is None or not 1 <= choices.min_group <= MAX_QUOTA
    ):
        problems.append(
            Problem(
                "min_group",
                "只提供聚合结果时，请填写每组最少行数（不小于 1 的整数）",
                "for aggregate results only, enter the smallest group size (a whole number from 1)",
            )
        )
    if not choices.purposes:
        problems.append(
            Problem(
                "purposes",
                "请至少选择一个允许的用途；任何用途都可以时全部勾选",
                "choose at least one permitted purpose; tick them all if any purpose will do",
            )
        )
    elif unknown := [p for p in choices.purposes if not is_purpose(p)]:
        problems.append(
            Problem(
                "purposes",
                f"不是用途目录中的用途：{'、'.join(unknown)}",
                f"not a purpose of the taxonomy: {', '.join(unknown)}",
            )
        )
    if choices.report_every_days is not None and not (
        1 <= choices.report_every_days <= MAX_REPORT_DAYS
    ):
        problems.append(
            Problem(
                "report_every_days",
                f"请填写 1 到 {MAX_REPORT_DAYS} 之间的天数",
                f"enter a number of days from 1 to {MAX_REPORT_DAYS}",
            )
        )
    return problems


def _constraint(operand: Operand, operator: Operator, right: Any) -> dict[str, Any]:
    return {"leftOperand": operand.value, "operator": operator.value, "rightOperand": right}


def build_policy(choices: PolicyChoices, schema: Sequence[Field] | None = None) -> dict[str, Any]:
    """The usage policy the choices describe, in the profile's fixed JSON shape.

    One permission: ``aggregate`` when only aggregate results are given (with
    ``shudu:aggregateOnly gteq k``), else ``read``. ``schema``: the dataset's fields, so field
    ids and filter values are checked against them.
    """
    fields = {f.id: f for f in schema} if schema is not None else None
    problems = _check(choices, fields)
    if problems:
        raise ChoicesInvalid(problems)
    constraints = [
        _constraint(Operand.PURPOSE, Operator.IS_ANY_OF, list(choices.purposes)),
        _constraint(Operand.FIELDS, Operator.IS_ANY_OF, list(choices.fields)),
    ]
    if choices.masked:
        constraints.append(
            _constraint(Operand.MASKED_FIELDS, Operator.IS_ALL_OF, list(choices.masked))
        )
    if choices.row_filter:
        row_filter = {
            c.field: [v.strip() for v in c.values if v.strip()] for c in choices.row_filter
        }
        constraints.append(_constraint(Operand.ROW_FILTER, Operator.EQ, row_filter))
    if choices.calls_per_day is not None:
        constraints.append(_constraint(Operand.CALLS_PER_DAY, Operator.LTEQ, choices.calls_per_day))
    if choices.rows_per_month is not None:
        constraints.append(
            _constraint(Operand.ROWS_PER_MONTH, Operator.LTEQ, choices.rows_per_month)
        )
    action = Action.READ
    if choices.aggregate_only and choices.min_group is not None:
        action = Action.AGGREGATE
        constraints.append(_constraint(Operand.AGGREGATE_ONLY, Operator.GTEQ, choices.min_group))
    obligations: list[dict[str, Any]] = []
    if choices.report_every_days is not None:
        every = _constraint(Operand.TIME_INTERVAL, Operator.EQ, f"P{choices.report_every_days}D")
        obligations.append({"action": Duty.REPORT_USAGE.value, "constraint": [every]})
    if choices.delete_at_end:
        obligations.append({"action": Duty.DELETE.value})
    built: dict[str, Any] = {
        "@type": "Offer",
        "permission": [{"action": action.value, "constraint": constraints}],
    }
    if obligations:
        built["obligation"] = obligations
    try:
        return parse_policy(built, schema).as_json()
    except PolicyInvalid as exc:  # a choice the checks above let through: say so, never 500
        said = "; ".join(f"{path}: {message}" for path, message in exc.problems)
        problem = Problem("policy", f"策略无效：{said}", f"invalid policy: {said}")
        raise ChoicesInvalid([problem]) from exc


def build_price_plan(choices: PriceChoices) -> dict[str, Any]:
    """The price plan the choices describe: free, per call or per row (a unit price), or a
    monthly subscription (a fee); amounts in CNY as written, at most 6 decimal places."""
    try:
        kind = PlanKind(choices.kind)
    except ValueError:
        raise ChoicesInvalid(
            [Problem("price_kind", "请选择一种收费方式", "choose how the licence is charged")]
        ) from None
    plan: dict[str, Any] = {"kind": kind.value}
    amount = ""
    if kind in (PlanKind.PER_CALL, PlanKind.PER_ROW):
        amount = "unit_price"
    elif kind is PlanKind.SUBSCRIPTION:
        amount = "monthly_fee"
    if amount:
        written = getattr(choices, amount).strip()
        if not written:
            raise ChoicesInvalid([Problem(amount, "请填写金额（元）", "enter the amount (CNY)")])
        plan[amount] = written
    try:
        return parse_price_plan(plan).as_json()
    except PricePlanInvalid:
        raise ChoicesInvalid(
            [
                Problem(
                    amount or "price_kind",
                    "金额要写成不小于 0 的数字，最多 6 位小数，例如 0.05",
                    "write the amount as a number, 0 or more, with at most 6 decimals, e.g. 0.05",
                )
            ]
        ) from None


__all__ = [
    "ChoicesInvalid",
    "PolicyChoices",
    "PriceChoices",
    "Problem",
    "RowCondition",
    "build_policy",
    "build_price_plan",
]
