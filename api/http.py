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


def error_response(exc: ShuduError) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="shudu"'} if exc.status_code == 401 else None
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
