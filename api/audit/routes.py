"""The audit ledger over HTTP.

Public, no login (``/audit/…``): the signed checkpoint, the verifier key, leaf hashes and
proofs — enough to check that nothing was rewritten, without business details. The
regulator's API (``/api/v1/audit/…``): full entries, counts for charts, streamed exports.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from api.http import JSONResponse, decode_cursor, error_response, page, query_int
from api.registry import Param, Registry
from api.runtime.audit import audit_runtime
from api.state import app_state, in_transaction
from core.errors import BadRequest, ShuduError
from core.identity.principal import Principal
from exchange.ledger.services import (
    AuditService,
    Bucket,
    EntryFilter,
    PublicLog,
    export_records,
    extract_records,
    filter_json,
    parse_filter,
)
from exchange.ledger.verify import as_csv, as_jsonl

audit_api = Registry(prefix="/api/v1")

MAX_INDEX = 2**62


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _whole(params: Mapping[str, str], name: str) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        raise BadRequest(f"{name} is required")
    if not raw.isdigit() or int(raw) > MAX_INDEX:
        raise BadRequest(f"{name} must be a whole number of at least 0, got {raw!r}")
    return int(raw)


def _public(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    # These paths are outside /api/, whose errors are JSON; proof clients want JSON errors too.
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ShuduError as exc:
            return error_response(exc)

    endpoint.__name__ = handler.__name__
    return endpoint


@_public
async def checkpoint(request: Request) -> Response:
    signer = audit_runtime(request).signer
    note = await in_transaction(request, lambda s, _: PublicLog(s, signer).checkpoint())
    return PlainTextResponse(note, headers={"Cache-Control": "no-cache"})


@_public
async def vkey(request: Request) -> Response:
    return PlainTextResponse(audit_runtime(request).signer.verifier.vkey + "\n")


@_public
async def leaves(request: Request) -> Response:
    start, end = _whole(request.query_params, "start"), _whole(request.query_params, "end")
    signer = audit_runtime(request).signer
    hashes = await in_transaction(request, lambda s, _: PublicLog(s, signer).leaves(start, end))
    return JSONResponse({"leaf_hashes": [_b64(h) for h in hashes]})


@_public
async def inclusion(request: Request) -> Response:
    index, size = _whole(request.query_params, "index"), _whole(request.query_params, "size")
    signer = audit_runtime(request).signer

    def work(session: Session, _: Principal) -> tuple[bytes, list[bytes]]:
        return PublicLog(session, signer).inclusion(index, size)

    leaf, proof = await in_transaction(request, work)
    return JSONResponse({"leaf_hash": _b64(leaf), "proof": [_b64(p) for p in proof]})


@_public
async def consistency(request: Request) -> Response:
    old, new = _whole(request.query_params, "from"), _whole(request.query_params, "to")
    signer = audit_runtime(request).signer
    proof = await in_transaction(request, lambda s, _: PublicLog(s, signer).consistency(old, new))
    return JSONResponse({"proof": [_b64(p) for p in proof]})


def public_routes() -> list[Route]:
    return [
        Route("/audit/checkpoint", checkpoint, methods=["GET"]),
        Route("/audit/vkey", vkey, methods=["GET"]),
        Route("/audit/leaves", leaves, methods=["GET"]),
        Route("/audit/proofs/inclusion", inclusion, methods=["GET"]),
        Route("/audit/proofs/consistency", consistency, methods=["GET"]),
    ]


# -- the regulator's API -------------------------------------------------------------------


def _filter(params: Mapping[str, str]) -> EntryFilter:
    return parse_filter(params)


SINCE = Param("since", "query", "Entries at or after this time (ISO 8601)")
UNTIL = Param("until", "query", "Entries before this time (ISO 8601)")
FILTERS = (
    Param("type", "query", "Entry types, comma-separated (e.g. dataset.published)"),
    Param("organization", "query", "Organization name or id"),
    Param("actor", "query", "Acting user's id or e-mail"),
    Param("dataset", "query", "Dataset name or id"),
    Param("agreement", "query", "Agreement id"),
    Param("subject", "query", "Exact subject, e.g. api_token:<id>"),
    SINCE,
    UNTIL,
    Param("limit", "query", "Page size (1-1000, default 100)", {"type": "integer"}),
    Param("cursor", "query", "Opaque cursor from a previous page's next_cursor"),
)


@audit_api.op(
    "GET",
    "/audit/entries",
    summary="Search ledger entries (regulators see all; others the entries they are party to)",
    tag="audit",
    access="read",
    scope="audit:read",
    params=FILTERS,
    response="AuditEntryPage",
    errors=(400, 401, 422),
)
async def search_entries(request: Request) -> Response:
    params = request.query_params
    f = _filter(params)
    limit = query_int(params, "limit", 100, lo=1, hi=1000)
    cursor = params.get("cursor")
    after = decode_cursor(cursor) if cursor else None
    if after is not None and not isinstance(after, int):
        raise BadRequest("The cursor is not one this API gave out; start again without it")

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        items, total, next_key = AuditService(session, principal).search(
            f, after=after, limit=limit
        )
        return page(items, total, next_key)

    return JSONResponse(await in_transaction(request, work))


@audit_api.op(
    "GET",
    "/audit/entries/{seq}",
    summary="One ledger entry, for regulators and the parties named in it",
    tag="audit",
    access="read",
    scope="audit:read",
    params=(Param("seq", "path", "Entry position", {"type": "integer"}, True),),
    response="AuditEntry",
    errors=(400, 401, 403, 404),
)
async def get_entry(request: Request) -> Response:
    seq = _whole(request.path_params, "seq")
    return JSONResponse(await in_transaction(request, lambda s, p: AuditService(s, p).get(seq)))


@audit_api.op(
    "GET",
    "/audit/counts",
    summary="Entries per type per hour, day or month (for charts); regulators only",
    tag="audit",
    access="read",
    scope="audit:read",
    params=(Param("bucket", "query", "hour, day (default) or month"), SINCE, UNTIL),
    response="AuditCounts",
    errors=(400, 401, 403),
)
async def entry_counts(request: Request) -> Response:
    params = request.query_params
    bucket = params.get("bucket") or "day"
    if bucket not in ("hour", "day", "month"):
        raise BadRequest("bucket must be hour, day or month")
    f = _filter(params)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        series = AuditService(session, principal).counts(
            cast(Bucket, bucket), since=f.since, until=f.until
        )
        return {"bucket": bucket, "series": series}

    return JSONResponse(await in_transaction(request, work))


@audit_api.op(
    "GET",
    "/audit/export",
    summary=(
        "The whole ledger with its signed checkpoints and key, streamed; with filters, the "
        "matching entries and the latest checkpoint; regulators only"
    ),
    tag="audit",
    access="read",
    scope="audit:read",
    params=(Param("format", "query", "jsonl (default) or csv"), *FILTERS[:8]),
    raw_response="application/x-ndjson",
    errors=(400, 401, 403),
)
async def export(request: Request) -> Response:
    kind = request.query_params.get("format") or "jsonl"
    if kind not in ("jsonl", "csv"):
        raise BadRequest("format must be jsonl or csv")
    f = _filter(request.query_params)

    def check(session: Session, principal: Principal) -> Principal:
        AuditService(session, principal).require_regulator()
        return principal

    principal = await in_transaction(request, check)
    sessions, signer = app_state(request).sessions, audit_runtime(request).signer
    if filter_json(f):
        records = extract_records(sessions, signer, principal, f)
    else:
        records = export_records(sessions, signer)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {"Content-Disposition": f'attachment; filename="shudu-audit-{stamp}.{kind}"'}
    if kind == "csv":
        return StreamingResponse(as_csv(records), media_type="text/csv", headers=headers)
    return StreamingResponse(as_jsonl(records), media_type="application/x-ndjson", headers=headers)


_HASH = {"type": "string", "contentEncoding": "base64"}
AUDIT_SCHEMAS: dict[str, dict[str, Any]] = {
    "AuditEntry": {
        "type": "object",
        "properties": {
            "seq": {"type": "integer"},
            "time": {"type": "string"},
            "type": {"type": "string"},
            "actor": {"type": ["string", "null"]},
            "org": {"type": ["string", "null"]},
            "subject": {"type": ["string", "null"]},
            "data": {"type": "object"},
            "leaf_hash": _HASH,
        },
    },
    "AuditEntryPage": {
        "type": "object",
        "required": ["items", "total", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
            "total": {"type": "integer"},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
    "AuditCounts": {
        "type": "object",
        "properties": {
            "bucket": {"enum": ["hour", "day", "month"]},
            "series": {"type": "array", "items": {"type": "object"}},
        },
    },
}
