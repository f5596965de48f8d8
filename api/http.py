"""HTTP helpers for the JSON API: responses, body parsing, paging cursors."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from starlette.requests import Request
from starlette.responses import Response

from core import jsonutil
from core.errors import (
    BadRequest,
    PayloadTooLarge,
    ShuduError,
    UnsupportedMediaType,
    ValidationFailed,
)

M = TypeVar("M", bound=BaseModel)

MAX_JSON_BYTES = 1024 * 1024  # metadata documents are small; uploads go through multipart


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return jsonutil.dumps(content)


def error_body(exc: ShuduError) -> dict[str, Any]:
    return {"error": {"code": exc.code, "message": exc.message, "details": exc.details or {}}}


REALM = "shudu"


def _quoted(text: str) -> str:
    # RFC 6750 §3: error_description and scope are limited to %x20-21 / %x23-5B / %x5D-7E.
    return "".join(ch if 0x20 <= ord(ch) <= 0x7E and ch not in '"\\' else "?" for ch in text)


def bearer_challenge(exc: ShuduError, *, credentials_presented: bool) -> str | None:
    """The RFC 6750 ``WWW-Authenticate`` value for an authentication or scope error.

    401 without credentials: the realm alone (§3.1: no error code when none was presented);
    401 with a bad, expired or revoked token: ``error="invalid_token"``; 403 for a missing
    scope: ``error="insufficient_scope"`` and the ``scope`` the route needs.
    """
    if exc.status_code == 401:
        if not credentials_presented and exc.code != "invalid_token":
            return f'Bearer realm="{REALM}"'
        return (
            f'Bearer realm="{REALM}", error="invalid_token",'
            f' error_description="{_quoted(exc.message)}"'
        )
    if exc.status_code == 403 and exc.code == "insufficient_scope":
        value = (
            f'Bearer realm="{REALM}", error="insufficient_scope",'
            f' error_description="{_quoted(exc.message)}"'
        )
        required = (
            (exc.details or {}).get("required_scope") if isinstance(exc.details, Mapping) else None
        )
        if required:
            value += f', scope="{_quoted(str(required))}"'
        return value
    return None


def error_response(exc: ShuduError, *, credentials_presented: bool = False) -> JSONResponse:
    challenge = bearer_challenge(exc, credentials_presented=credentials_presented)
    headers = None if challenge is None else {"WWW-Authenticate": challenge}
    return JSONResponse(error_body(exc), status_code=exc.status_code, headers=headers)


def validation_details(exc: PydanticValidationError) -> dict[str, list[str]]:
    details: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False):
        path = ".".join(str(p) for p in err["loc"]) or "body"
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        details.setdefault(path, []).append(message)
    return details


def parse_model(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        details = validation_details(exc)
        fields = ", ".join(details)
        raise ValidationFailed(f"Invalid fields: {fields}", details) from exc


async def read_json(request: Request) -> Any:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaType("Send the body as application/json")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"JSON bodies are limited to {MAX_JSON_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BYTES:
            raise PayloadTooLarge(f"JSON bodies are limited to {MAX_JSON_BYTES} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw:
        raise BadRequest("The request body is empty; send a JSON object")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("The request body must be UTF-8 encoded JSON") from exc
    return jsonutil.loads(raw)


async def read_model(request: Request, model: type[M]) -> M:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ValidationFailed("Expected a JSON object", {"body": ["expected a JSON object"]})
    return parse_model(model, data)


def encode_cursor(key: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise BadRequest("The cursor is not one this API gave out; start again without it") from exc


def query_int(params: Mapping[str, str], name: str, default: int, *, lo: int, hi: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a whole number", {name: ["not a number"]}) from None
    if not lo <= value <= hi:
        raise ValidationFailed(f"{name} must be between {lo} and {hi}", {name: ["out of range"]})
    return value


def page(items: list[Any], total: int, next_key: Any | None) -> dict[str, Any]:
    return {
        "items": items,
        "total": total,
        "next_cursor": None if next_key is None else encode_cursor(next_key),
    }
