"""Record queries: a validated request, checked against the schema, built into one SELECT.

Every column name a client sends is looked up among the resource's fields (unknown → 422) and
turned into our own physical column; every value is a bound parameter. The access decision is
applied here, inside the statement: projection, row filter, masks and aggregate-only.

Filters are JSON, ANDed across fields::

    {"区": "浦东新区"}                        equality
    {"区": ["浦东新区", "黄浦区"]}             any of
    {"人数": {"gte": 10, "lt": 100}}          ranges (gt, gte, lt, lte), also eq, ne, in
    {"备注": {"null": true}}                  null or not null
    {"名称": {"contains": "医院"}}            substring (text fields)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints
from pydantic import Field as PydanticField
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.types import NullType

from catalog.datastore.access import MASK, AccessDecision
from catalog.datastore.fields import Field, FieldType, parse_value
from catalog.datastore.tables import ROW_ID
from catalog.datastore.tables import TYPES as _TYPES
from core.errors import PermissionDenied, ValidationFailed

# A cell a spreadsheet would run as a formula (OWASP: CSV injection) is prefixed with '.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
AGGREGATES = ("count", "sum", "avg", "min", "max")
RANGE_OPS = {"gt", "gte", "lt", "lte"}
FILTER_OPS = {"eq", "ne", "in", "null", "contains", *RANGE_OPS}

FieldName = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class RecordQuery(BaseModel):
    """A query as a client sends it (the POST body, or GET parameters turned into one)."""

    model_config = ConfigDict(extra="forbid")

    fields: Annotated[list[FieldName], PydanticField(max_length=500)] | None = None
    filters: dict[str, Any] = PydanticField(default_factory=dict)
    q: Annotated[str, StringConstraints(max_length=200)] | None = None
    sort: Annotated[list[FieldName], PydanticField(max_length=10)] = PydanticField(
        default_factory=list
    )
    limit: Annotated[int, PydanticField(ge=1, le=MAX_LIMIT)] = 100
    offset: Annotated[int, PydanticField(ge=0, le=MAX_OFFSET)] = 0
    cursor: Annotated[str, StringConstraints(max_length=500)] | None = None
    distinct: bool = False
    total: bool = True
    group_by: Annotated[list[FieldName], PydanticField(max_length=10)] = PydanticField(
        default_factory=list
    )
    aggregates: Annotated[list[FieldName], PydanticField(max_length=20)] = PydanticField(
        default_factory=list
    )


@dataclass(frozen=True, slots=True)
class OutputField:
    id: str
    type: FieldType

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "type": self.type.value}


@dataclass(frozen=True, slots=True)
class RowPlan:
    """A row query's checked parts, for exporters that write their own SELECT around them.

    ``where`` already holds the access decision's row filter; ``masked`` the fields whose
    values must never be selected; ``fields`` only fields the decision lets the caller read.
    """

    table: Table
    fields: list[Field]
    masked: frozenset[str]
    where: list[ColumnElement[bool]]
    order_by: list[Any]
    default_order: bool  # ordered by the row id alone


@dataclass(frozen=True, slots=True)
class BuiltQuery:
    select: Select[Any]  # with the page's limit and offset
    unpaged: Select[Any]  # the whole result (exports, total)
    fields: list[OutputField]
    keyset: bool  # paged by row id (default order): the cursor is the last row id
    labels: list[str]  # the result's column labels, in the order of ``fields``
    raw_values: bool = False  # CSV-ready cells (see QueryBuilder)
    plan: RowPlan | None = None  # None for aggregates and distinct queries


def _values_of(spec: Any) -> list[Any] | None:
    """The values a filter picks, if it only picks values (a list, one value, ``in`` or
    ``eq``), none of them null; else None."""
    if isinstance(spec, dict):
        if len(spec) != 1:
            return None
        ((op, raw),) = spec.items()
        spec = raw if op == "in" else [raw] if op == "eq" else None
    elif not isinstance(spec, list):
        spec = [spec]
    if not isinstance(spec, list) or any(v is None or isinstance(v, (dict, list)) for v in spec):
        return None
    return spec


def _unknown(name: str, where: str) -> ValidationFailed:
    return ValidationFailed(
        f"Unknown field {name!r} in {where}", {where: [f"no field named {name!r}"]}
    )


class QueryBuilder:
    def __init__(
        self,
        table: Table,
        fields: Sequence[Field],
        decision: AccessDecision,
        *,
        raw_values: bool = False,
    ) -> None:
        # raw_values: select values as the driver returns them, without SQLAlchemy's result
        # processing (CSV export formats them itself, several times faster).
        self.raw_values = raw_values
        self.table = table
        self.fields = {f.id: f for f in fields}
        self.order = list(fields)
        self.decision = decision

    # -- names ------------------------------------------------------------------------------

    def _field(self, name: str, where: str, *, for_value: bool = True) -> Field:
        found = self.fields.get(name)
        if found is None:
            raise _unknown(name, where)
        allowed = self.decision.fields
        if allowed is not None and name not in allowed:
            raise PermissionDenied(
                f"Field {name!r} is not part of your access", {where: [f"{name!r} not licensed"]}
            )
        if for_value and name in self.decision.masked:
            raise PermissionDenied(
                f"Field {name!r} is masked for you; it cannot be used in {where}",
                {where: [f"{name!r} is masked"]},
            )
        return found

    def _column(self, f: Field) -> Any:
        return self.table.c[f.column]

    # -- filters ----------------------------------------------------------------------------

    def _value(self, f: Field, raw: Any, where: str) -> Any:
        try:
            return parse_value(f.type, raw)
        except (ValueError, OverflowError) as exc:
            raise ValidationFailed(
                f"Bad value for {f.id!r}: {exc}", {where: [f"{f.id!r}: {exc}"]}
            ) from None

    def conditions(
        self, filters: Mapping[str, Any], where: str, *, trusted: bool = False
    ) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if not isinstance(filters, Mapping):
            raise ValidationFailed("filters must be a JSON object", {where: ["not an object"]})
        for name, spec in filters.items():
            f = self.fields.get(name) if trusted else self._field(name, where)
            if f is None:
                raise _unknown(name, where)
            column = self._column(f)
            if isinstance(spec, list):
                spec = {"in": spec}
            elif not isinstance(spec, dict):
                spec = {"eq": spec}
            if not spec:
                raise ValidationFailed(f"Empty condition on {name!r}", {where: ["empty"]})
            for op, raw in spec.items():
                if op not in FILTER_OPS:
                    raise ValidationFailed(
                        f"Unknown operator {op!r}",
                        {where: [f"operators: {', '.join(sorted(FILTER_OPS))}"]},
                    )
                out.append(self._condition(f, column, op, raw, where))
        return out

    def _narrowed(
        self, row_filter: Mapping[str, Any], filters: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        """Where the row filter and the caller both pick values of one field (``{"f": [a, b]}``
        and ``{"f": [b, c]}``), one condition with the caller's values the row filter allows
        (``{"f": {"in": [b]}}``): the same rows, but the database looks them up by one list
        instead of scanning the rows of one list to test them against the other.

        Only plain value lists and single values merge, compared as the field's typed values;
        anything else (ranges, nulls, a field the caller may not filter on, a value that does
        not parse) stays as it was, to be applied or refused as usual."""
        kept, narrowed = dict(row_filter), dict(filters)
        for name, spec in row_filter.items():
            allowed, asked = _values_of(spec), _values_of(filters.get(name))
            f = self.fields.get(name)
            usable = (
                f is not None
                and (self.decision.fields is None or name in self.decision.fields)
                and name not in self.decision.masked
            )
            if allowed is None or asked is None or not usable or len(asked) > 1000:
                continue
            assert f is not None
            try:
                licensed = [parse_value(f.type, v) for v in allowed]
                chosen = [v for v in asked if parse_value(f.type, v) in licensed]
            except (ValueError, OverflowError):
                continue
            narrowed[name] = {"in": chosen}
            del kept[name]
        return kept, narrowed

    def _condition(
        self, f: Field, column: Any, op: str, raw: Any, where: str
    ) -> ColumnElement[bool]:
        if op == "null":
            if not isinstance(raw, bool):
                raise ValidationFailed("null takes true or false", {where: [f"{f.id!r}.null"]})
            return column.is_(None) if raw else column.is_not(None)  # type: ignore[no-any-return]
        if op == "in":
            if not isinstance(raw, list) or len(raw) > 1000:
                raise ValidationFailed(
                    "in takes a list of at most 1000 values", {where: [f"{f.id!r}.in"]}
                )
            values = [self._value(f, v, where) for v in raw]
            return column.in_(values) if values else false()
        if op == "contains":
            if f.type is not FieldType.TEXT or not isinstance(raw, str):
                raise ValidationFailed(
                    "contains takes text and works on text fields", {where: [f"{f.id!r}.contains"]}
                )
            return column.icontains(raw, autoescape=True)  # type: ignore[no-any-return]
        value = self._value(f, raw, where)
        if value is None:
            raise ValidationFailed(
                f"Use {{'null': true}} to find empty {f.id!r}", {where: [f"{f.id!r}.{op}"]}
            )
        result: ColumnElement[bool] = {
            "eq": column.__eq__,
            "ne": column.__ne__,
            "gt": column.__gt__,
            "gte": column.__ge__,
            "lt": column.__lt__,
            "lte": column.__le__,
        }[op](value)
        return result

    def _text_search(self, text: str) -> ColumnElement[bool]:
        searchable = [
            self._column(f)
            for f in self.order
            if f.type is FieldType.TEXT
            and f.id not in self.decision.masked
            and (self.decision.fields is None or f.id in self.decision.fields)
        ]
        if not searchable:
            return false()
        return or_(*(c.icontains(text, autoescape=True) for c in searchable))

    # -- the statement ----------------------------------------------------------------------

    def _output(self, f: Field) -> Any:
        column = self._column(f)
        if f.id in self.decision.masked:
            return case((column.is_(None), None), else_=literal(MASK)).label(f.column)
        if self.raw_values:
            # CSV cells made by the database: formula cells defused, booleans spelled out.
            if f.type is FieldType.TEXT:
                text = type_coerce(column, String())
                risky = func.substr(text, 1, 1).in_(FORMULA_START)
                return case((risky, literal("'", String()) + text), else_=text).label(f.column)
            if f.type is FieldType.BOOLEAN:
                return case(
                    (column.is_(None), None), (column == true(), "true"), else_="false"
                ).label(f.column)
            return type_coerce(column, NullType()).label(f.column)
        return column.label(f.column)

    def build(self, query: RecordQuery, after_id: int | None = None) -> BuiltQuery:
        decision = self.decision
        where: list[ColumnElement[bool]] = []
        row_filter, filters = self._narrowed(decision.row_filter, query.filters)
        where += self.conditions(row_filter, "row_filter", trusted=True)
        where += self.conditions(filters, "filters")
        if query.q:
            where.append(self._text_search(query.q))
        if query.group_by or query.aggregates:
            return self._aggregate(query, where)
        if decision.aggregate_min_group is not None:
            raise PermissionDenied(
                "Your access to this data is aggregate-only: query with group_by and aggregates",
                {"group_by": [f"groups of at least {decision.aggregate_min_group} rows"]},
            )
        if query.fields is not None:
            chosen = [self._field(n, "fields", for_value=False) for n in query.fields]
        else:
            chosen = [f for f in self.order if decision.fields is None or f.id in decision.fields]
        if not chosen:
            raise ValidationFailed("Choose at least one field", {"fields": ["empty"]})
        order_by: list[Any] = []
        for item in query.sort:
            name, descending = _sort_item(item)
            column = self._column(self._field(name, "sort"))
            order_by.append(column.desc() if descending else column.asc())
        statement = select(*(self._output(f) for f in chosen)).where(*where)
        keyset = not order_by and not query.distinct
        if query.distinct:
            statement = statement.distinct()
            order_by = order_by or [self._column(f) for f in chosen]
        else:
            order_by.append(self.table.c[ROW_ID])
        unpaged = statement.order_by(*order_by)
        if keyset:
            # Keyset paging on the row id: the cursor's page costs the same at any depth.
            statement = statement.add_columns(self.table.c[ROW_ID].label(ROW_ID))
            if after_id is not None:
                statement = statement.where(self.table.c[ROW_ID] > after_id)
            paged = statement.order_by(*order_by).limit(query.limit)
            if after_id is None:
                paged = paged.offset(query.offset)
        else:
            paged = unpaged.limit(query.limit).offset(query.offset)
        plan = None
        if not query.distinct:
            plan = RowPlan(
                table=self.table,
                fields=chosen,
                masked=frozenset(f.id for f in chosen if f.id in decision.masked),
                where=where,
                order_by=order_by,
                default_order=keyset,
            )
        return BuiltQuery(
            select=paged,
            unpaged=unpaged,
            fields=[OutputField(f.id, f.type) for f in chosen],
            keyset=keyset,
            labels=[f.column for f in chosen],
            raw_values=self.raw_values,
            plan=plan,
        )

    def _aggregate(self, query: RecordQuery, where: list[ColumnElement[bool]]) -> BuiltQuery:
        if query.fields is not None or query.distinct:
            raise ValidationFailed(
                "fields and distinct do not combine with group_by; the groups are the fields",
                {"fields": ["leave out with group_by"]},
            )
        groups = [self._field(n, "group_by") for n in query.group_by]
        outputs: list[Any] = []
        fields: list[OutputField] = []
        labels: list[str] = []
        for f in groups:
            outputs.append(self._column(f).label(f.column))
            fields.append(OutputField(f.id, f.type))
            labels.append(f.column)
        for i, spec in enumerate(query.aggregates or ["count"]):
            name, _, target = spec.partition(":")
            if name not in AGGREGATES:
                raise ValidationFailed(
                    f"Unknown aggregate {name!r}",
                    {"aggregates": ["count, or sum:FIELD, avg:FIELD, min:FIELD, max:FIELD"]},
                )
            label = f"a{i}"
            if name == "count" and not target:
                outputs.append(func.count().label(label))
                fields.append(OutputField("count", FieldType.INTEGER))
                labels.append(label)
                continue
            if not target:
                raise ValidationFailed(
                    f"{name} needs a field: {name}:FIELD", {"aggregates": [spec]}
                )
            f = self._field(target, "aggregates")
            column = self._column(f)
            numeric = f.type in (FieldType.INTEGER, FieldType.DECIMAL)
            if name in ("sum", "avg") and not numeric:
                raise ValidationFailed(
                    f"{name} needs a number field; {target!r} is {f.type.value}",
                    {"aggregates": [spec]},
                )
            kind = {
                "count": FieldType.INTEGER,
                "sum": f.type,
                "avg": FieldType.DECIMAL,
                "min": f.type,
                "max": f.type,
            }[name]
            expression = func.count(column) if name == "count" else getattr(func, name)(column)
            if name in ("sum", "avg"):
                # PostgreSQL answers NUMERIC for these; both databases answer the field's kind.
                expression = cast(expression, _TYPES[kind]())
            outputs.append(expression.label(label))
            fields.append(OutputField(f"{name}({f.id})", kind))
            labels.append(label)
        statement = select(*outputs).where(*where)
        if groups:
            statement = statement.group_by(*(self._column(f) for f in groups))
        k = self.decision.aggregate_min_group
        if k is not None:
            statement = statement.having(func.count() >= k)
        order_by: list[Any] = []
        for item in query.sort:
            name, descending = _sort_item(item)
            if name in labels_by_id(fields, labels):
                target_label = labels_by_id(fields, labels)[name]
                column = next(o for o in outputs if o.name == target_label)
                order_by.append(column.desc() if descending else column.asc())
            else:
                raise _unknown(name, "sort")
        order_by += [self._column(f) for f in groups]
        unpaged = statement.order_by(*order_by)
        return BuiltQuery(
            select=unpaged.limit(query.limit).offset(query.offset),
            unpaged=unpaged,
            fields=fields,
            keyset=False,
            labels=labels,
            raw_values=self.raw_values,
        )


def labels_by_id(fields: list[OutputField], labels: list[str]) -> dict[str, str]:
    return {f.id: label for f, label in zip(fields, labels, strict=True)}


def _sort_item(item: str) -> tuple[str, bool]:
    """``field``, ``-field`` or ``field desc`` / ``field asc``."""
    if item.startswith("-"):
        return item[1:], True
    name, _, direction = item.rpartition(" ")
    if name and direction.lower() in ("asc", "desc"):
        return name, direction.lower() == "desc"
    return item, False


def count_of(statement: Select[Any]) -> Select[Any]:
    return select(func.count()).select_from(statement.order_by(None).subquery())


def conjunction(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(*conditions)
