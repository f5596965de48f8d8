"""Shared builders for the licensing tests: policies as JSON, requests, a small schema."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from catalog.datastore.fields import Field, FieldType, Sensitivity
from licensing import Request, Usage

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
START = datetime(2026, 1, 31, 0, 0, tzinfo=UTC)

SCHEMA = [
    Field("区", FieldType.TEXT, Sensitivity.PUBLIC, "c0"),
    Field("人数", FieldType.INTEGER, Sensitivity.PUBLIC, "c1"),
    Field("姓名", FieldType.TEXT, Sensitivity.PERSONAL, "c2"),
    Field("日期", FieldType.DATE, Sensitivity.PUBLIC, "c3"),
    Field("开放", FieldType.BOOLEAN, Sensitivity.PUBLIC, "c4"),
]

# A valid right operand for every (left operand, operator) our profile admits.
VALID: dict[tuple[str, str], Any] = {
    ("purpose", "eq"): "urban_planning",
    ("purpose", "neq"): "market_analysis",
    ("purpose", "isAnyOf"): ["urban_planning", "transport_research"],
    ("purpose", "isNoneOf"): ["market_analysis"],
    ("dateTime", "lt"): "2027-01-01T00:00:00+08:00",
    ("dateTime", "lteq"): "2027-01-01T00:00:00+08:00",
    ("dateTime", "gt"): "2026-01-01T00:00:00Z",
    ("dateTime", "gteq"): "2026-01-01T00:00:00+00:00",
    ("elapsedTime", "lt"): "P1Y",
    ("elapsedTime", "lteq"): "P6M",
    ("elapsedTime", "gt"): "P30D",
    ("elapsedTime", "gteq"): "PT12H",
    ("spatial", "eq"): "CN",
    ("spatial", "neq"): "US",
    ("spatial", "isAnyOf"): ["CN-SH", "CN-BJ"],
    ("spatial", "isNoneOf"): ["CN-XZ"],
    ("recipient", "eq"): "acme",
    ("recipient", "neq"): "rival",
    ("recipient", "isAnyOf"): ["acme", "beta"],
    ("recipient", "isNoneOf"): ["rival"],
    ("shudu:fields", "isAnyOf"): ["区", "人数"],
    ("shudu:fields", "isNoneOf"): ["姓名"],
    ("shudu:rowFilter", "eq"): {"区": "浦东新区", "人数": {"gte": 10}},
    ("shudu:maskedFields", "eq"): ["姓名"],
    ("shudu:maskedFields", "isAllOf"): ["姓名"],
    ("shudu:callsPerDay", "lt"): 1000,
    ("shudu:callsPerDay", "lteq"): 1000,
    ("shudu:rowsPerMonth", "lt"): 100000,
    ("shudu:rowsPerMonth", "lteq"): 100000,
    ("shudu:aggregateOnly", "gteq"): 10,
}
OPERANDS = sorted({operand for operand, _ in VALID})
OPERATORS = ["eq", "neq", "lt", "lteq", "gt", "gteq", "isAnyOf", "isAllOf", "isNoneOf"]


def constraint(left: str, op: str, right: Any) -> dict[str, Any]:
    return {"leftOperand": left, "operator": op, "rightOperand": right}


def policy(
    *constraints: dict[str, Any],
    action: str = "use",
    prohibition: list[dict[str, Any]] | None = None,
    obligation: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@type": "Offer",
        "permission": [{"action": action, "constraint": list(constraints)}],
    }
    if prohibition is not None:
        out["prohibition"] = prohibition
    if obligation is not None:
        out["obligation"] = obligation
    return out


def request(**changes: Any) -> Request:
    base: dict[str, Any] = {
        "action": "read",
        "time": NOW,
        "purpose": "urban_planning",
        "agreement_start": START,
        "recipient": "acme",
        "spatial": "CN-SH",
        "usage": Usage(),
    }
    base.update(changes)
    return Request(**base)
