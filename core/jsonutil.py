"""orjson helpers: one place that decides how Shudu writes JSON."""

from __future__ import annotations

from typing import Any

import orjson

from core.errors import BadRequest


def dumps(value: Any) -> bytes:
    # Non-str keys appear in facet counts; UUIDs, datetimes and dataclasses are native to orjson.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def loads(raw: bytes | str) -> Any:
    """Parse JSON from a client; malformed input is the client's mistake (400)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}") from exc
