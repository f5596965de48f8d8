"""Field types and sensitivities of datastore columns, and type inference over text cells.

Inference is a per-column state machine that only ever widens
(integer → decimal → text, date → datetime → text, boolean → text), so one pass over a file
decides every column's type and each cell costs at most one check.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


class FieldType(enum.StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TEXT = "text"


class Sensitivity(enum.StrEnum):
    """docs/architecture.md, "Data classification": open datasets may only hold public fields."""

    PUBLIC = "public"
    PERSONAL = "personal"
    SENSITIVE_PERSONAL = "sensitive_personal"


@dataclass(frozen=True, slots=True)
class Field:
    """One column: its public id (the header), its type, sensitivity and physical column."""

    id: str
    type: FieldType
    sensitivity: Sensitivity
    column: str  # c0, c1, ...: never derived from user text
    # Every value prints in CSV as the database prints it (no quoting, no formula escape, no
    # extra float digits): the in-database export may skip its per-cell work. Set at ingest.
    csv_plain: bool = False

    def as_json(self) -> dict[str, str]:
        return {"id": self.id, "type": self.type.value, "sensitivity": self.sensitivity.value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Field:
        return cls(
            id=data["id"],
            type=FieldType(data["type"]),
            sensitivity=Sensitivity(data["sensitivity"]),
            column=data["column"],
            csv_plain=bool(data.get("csv_plain", False)),
        )

    def stored(self) -> dict[str, Any]:
        out: dict[str, Any] = {**self.as_json(), "column": self.column}
        if self.csv_plain:
            out["csv_plain"] = True
        return out


# ASCII digits only: the database parses the same text (COPY on PostgreSQL), and it reads
# neither full-width nor other scripts' digits as numbers; such columns stay text.
_INTEGER = r"[+-]?\d{1,18}"
_DECIMAL = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_DATE = r"\d{4}-\d{2}-\d{2}"
_DATETIME = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?"
INTEGER_RE = re.compile(_INTEGER, re.ASCII)
DECIMAL_RE = re.compile(_DECIMAL, re.ASCII)
DATE_RE = re.compile(_DATE, re.ASCII)
DATETIME_RE = re.compile(_DATETIME, re.ASCII)
# The same shapes for many values at once, one per line: a batch of a column in one match.
_MANY = {
    kind: re.compile(f"{one}(?:\n{one})*", re.ASCII)
    for kind, one in (
        ("integer", _INTEGER),
        ("decimal", _DECIMAL),
        ("date", _DATE),
        ("datetime", _DATETIME),
    )
}
TRUE_WORDS = frozenset({"true", "yes", "是", "t", "y"})
FALSE_WORDS = frozenset({"false", "no", "否", "f", "n"})
BOOLEAN_WORDS = TRUE_WORDS | FALSE_WORDS

# The order a column's candidate type moves through as values fail to fit.
_WIDER: dict[FieldType, FieldType] = {
    FieldType.INTEGER: FieldType.DECIMAL,
    FieldType.DECIMAL: FieldType.TEXT,
    FieldType.DATE: FieldType.DATETIME,
    FieldType.DATETIME: FieldType.TEXT,
    FieldType.BOOLEAN: FieldType.TEXT,
}


def _valid_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _valid_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def fits(kind: FieldType, value: str) -> bool:
    """Whether a non-empty, stripped text cell is a value of ``kind``."""
    if kind is FieldType.INTEGER:
        return INTEGER_RE.fullmatch(value) is not None
    if kind is FieldType.DECIMAL:
        return DECIMAL_RE.fullmatch(value) is not None
    if kind is FieldType.BOOLEAN:
        return value.lower() in BOOLEAN_WORDS
    if kind is FieldType.DATE:
        return DATE_RE.fullmatch(value) is not None and _valid_date(value)
    if kind is FieldType.DATETIME:
        return DATETIME_RE.fullmatch(value) is not None and _valid_datetime(value)
    return True


def _first_guess(value: str) -> FieldType:
    for kind in (FieldType.INTEGER, FieldType.DECIMAL, FieldType.DATE, FieldType.DATETIME):
        if fits(kind, value):
            return kind
    if value.lower() in BOOLEAN_WORDS and not value.isdigit():
        return FieldType.BOOLEAN
    return FieldType.TEXT


class TypeGuesser:
    """Watches the cells of one column and settles on the narrowest type that fits them all."""

    __slots__ = ("kind",)

    def __init__(self) -> None:
        self.kind: FieldType | None = None  # None: only empty cells so far

    def see(self, value: str) -> None:
        kind = self.kind
        if kind is FieldType.TEXT:
            return
        if kind is None:
            self.kind = _first_guess(value)
            return
        while not fits(kind, value):
            kind = _WIDER[kind]
        self.kind = kind

    def see_many(self, values: list[str]) -> None:
        """``see`` for each of ``values`` (non-empty cells), mostly in a few C-level calls."""
        if not values or self.kind is FieldType.TEXT:
            return
        if self.kind is None:
            self.see(values[0])  # the first guess, from the first value
        kind = self.result  # narrowing above does not know see() changed self.kind
        if kind is FieldType.TEXT or self._all_fit(kind, values):
            return
        for value in values:
            self.see(value)

    @staticmethod
    def _all_fit(kind: FieldType, values: list[str]) -> bool:
        if kind is FieldType.BOOLEAN:
            return {v.lower() for v in set(values)} <= BOOLEAN_WORDS
        joined = "\n".join(values)
        # A value holding a line break would fake two lines: then it is checked on its own.
        if joined.count("\n") != len(values) - 1:
            return False
        if _MANY[kind.value].fullmatch(joined) is None:
            return False
        if kind is FieldType.DATE:
            return all(_valid_date(v) for v in set(values))
        if kind is FieldType.DATETIME:
            return all(_valid_datetime(v) for v in set(values))
        return True

    @property
    def result(self) -> FieldType:
        return self.kind or FieldType.TEXT


def to_python(kind: FieldType, value: str) -> Any:
    """A text cell (already known to fit ``kind``) as the Python value to store."""
    if kind is FieldType.INTEGER:
        return int(value)
    if kind is FieldType.DECIMAL:
        return float(value)
    if kind is FieldType.BOOLEAN:
        return value.lower() in TRUE_WORDS
    if kind is FieldType.DATE:
        return date.fromisoformat(value)
    if kind is FieldType.DATETIME:
        return datetime.fromisoformat(value)
    return value


def parse_value(kind: FieldType, raw: Any) -> Any:
    """A filter value from a client as a value of ``kind``; ValueError when it is not one."""
    if raw is None:
        return None
    if kind is FieldType.TEXT:
        if isinstance(raw, (dict, list)):
            raise ValueError("expected text")
        return str(raw)
    if kind is FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip()
        if text.lower() not in BOOLEAN_WORDS:
            raise ValueError("expected true or false")
        return text.lower() in TRUE_WORDS
    if isinstance(raw, (bool, dict, list)):
        raise ValueError(f"expected a {kind.value}")
    text = str(raw).strip()
    if kind is FieldType.DATETIME and DATE_RE.fullmatch(text):
        return datetime.fromisoformat(text)
    if not fits(kind, text):
        raise ValueError(f"expected a {kind.value}")
    return to_python(kind, text)
