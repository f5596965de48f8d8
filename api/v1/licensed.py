"""Rendering a licensed call's outcome (the exchange decides it: ``exchange.reads``): a page of
records or an export stream with the quota headers, or the refusal with the failing term."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api.http import JSONResponse, encode_cursor, error_response
from exchange.enforcement import Refusal, fingerprint
from exchange.reads import Metered, RecordsCall, stream_export

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "json": "application/json",
}


def request_fingerprint(request: Request, body: bytes = b"") -> str:
    """What the ledger records of the request: a hash of its method, path, query and body."""
    return fingerprint(request.method, request.url.path, request.url.query, body)


def refusal_response(refusal: Refusal) -> Response:
    response = error_response(refusal.error)
    response.headers.update(refusal.headers)
    return response


def export_headers(call: RecordsCall) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{call.resource_id}.{call.fmt}"'}


def licensed_response(
    sessions: sessionmaker[Session], metered: Metered, call: RecordsCall
) -> Response:
    outcome, result = metered.outcome, metered.result
    if isinstance(outcome, Refusal):
        return refusal_response(outcome)
    if result is not None:
        next_key = result.pop("next_key")
        result["next_cursor"] = None if next_key is None else encode_cursor(next_key)
        return JSONResponse(result, headers=outcome.headers)
    assert call.fmt is not None
    return StreamingResponse(
        stream_export(sessions, outcome, call),
        media_type=EXPORT_TYPES[call.fmt],
        headers={**outcome.headers, **export_headers(call)},
    )
