"""Licensed calls to conditional datasets: the data API's and file downloads' path through the
exchange (DESIGN.md §5).

The licence is checked, the quota taken, the query run under the licence's obligations and the
rows metered in one writing transaction; a refusal commits its ledger entry and then answers
401/403/429 with the failing term. Exports stream afterwards in a reading transaction, limited
to the rows the licence granted.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api.auth import resolve_principal
from api.http import JSONResponse, encode_cursor, error_response
from api.state import app_state
from catalog.datastore.query import RecordQuery, count_of
from catalog.datastore.services import DatastoreService
from catalog.services import DatasetService
from core.db import transaction
from core.identity.principal import Principal
from exchange.enforcement import AccessGate, AccessRequest, Grant, Refusal, fingerprint
from licensing import named_fields

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ndjson": "application/x-ndjson",
    "json": "application/json",
}


def _refused(refusal: Refusal) -> Response:
    response = error_response(refusal.error)
    response.headers.update(refusal.headers)
    return response


def _request(
    request: Request,
    query: RecordQuery,
    fmt: str | None,
    body: bytes,
    dataset_fields: frozenset[str],
) -> AccessRequest:
    fields, filter_fields = named_fields(query)
    action = "aggregate" if query.group_by or query.aggregates else "read"
    if fmt:
        action = "download"  # exports, like files, are downloads to a licence
    return AccessRequest(
        action=action,
        fields=fields,
        filter_fields=filter_fields,
        dataset_fields=dataset_fields,
        rows_wanted=None if fmt else query.limit,
        fingerprint=fingerprint(request.method, request.url.path, request.url.query, body),
    )


async def licensed_records(
    request: Request,
    principal: Principal,
    resource_id: uuid.UUID,
    query: RecordQuery,
    after_id: int | None,
    fmt: str | None,
    body: bytes = b"",
) -> Response:
    state = app_state(request)

    def authorize_and_run() -> tuple[Grant | Refusal, dict[str, Any] | int | None]:
        # The principal was resolved (token verified) moments ago in this request.
        with transaction(state.sessions, write=True) as session:
            resource = DatasetService(session, principal).get_resource(resource_id)
            service = DatastoreService(session)
            _meta, table_fields = service.loaded(resource_id)
            access = _request(request, query, fmt, body, frozenset(f.id for f in table_fields))
            gate = AccessGate(session, principal)
            outcome = gate.authorize(resource.dataset, access)
            if isinstance(outcome, Refusal):
                return outcome, None
            if fmt is None:
                if outcome.rows_reserved is not None:
                    query.limit = max(1, min(query.limit, outcome.rows_reserved))
                result = service.records(resource_id, query, outcome.decision, after_id)
                gate.settle_rows(outcome, len(result["records"]))
                return outcome, result
            built = service.build(resource_id, query, outcome.decision)
            rows = int(session.scalar(count_of(built.unpaged)) or 0)
            if outcome.rows_reserved is not None:
                rows = min(rows, outcome.rows_reserved)
            gate.settle_rows(outcome, rows)
            return outcome, rows

    outcome, result = await run_in_threadpool(authorize_and_run)
    if isinstance(outcome, Refusal):
        return _refused(outcome)
    if isinstance(result, dict):
        next_key = result.pop("next_key")
        result["next_cursor"] = None if next_key is None else encode_cursor(next_key)
        return JSONResponse(result, headers=outcome.headers)
    assert fmt is not None
    assert isinstance(result, int)
    limit, decision = result, outcome.decision

    def stream() -> Iterator[bytes]:
        with transaction(state.sessions) as session:
            service = DatastoreService(session)
            built = service.build(resource_id, query, decision, raw_values=fmt == "csv")
            # Never more rows than the licence granted (and metered) above. The in-database CSV
            # writer pages by row-id ranges and knows no row limit, so a licensed export goes
            # row by row through the limited query (plan=None).
            built = dataclasses.replace(built, unpaged=built.unpaged.limit(limit), plan=None)
            yield from service.stream(built, fmt)

    headers = {
        **outcome.headers,
        "content-disposition": f'attachment; filename="{resource_id}.{fmt}"',
    }
    return StreamingResponse(stream(), media_type=EXPORT_TYPES[fmt], headers=headers)


async def licensed_download(request: Request, resource_id: uuid.UUID) -> Refusal | Grant:
    """Check and meter a licensed file download; the caller serves the file on a Grant."""
    state = app_state(request)
    access = AccessRequest(
        action="download",
        fields=None,
        filter_fields=frozenset(),
        dataset_fields=None,
        rows_wanted=None,
        fingerprint=fingerprint(request.method, request.url.path, request.url.query),
    )

    def authorize() -> Refusal | Grant:
        with transaction(state.sessions, write=True) as session:
            principal = resolve_principal(request, session)
            resource = DatasetService(session, principal).get_resource(resource_id)
            return AccessGate(session, principal).authorize(resource.dataset, access)

    return await run_in_threadpool(authorize)


def refusal_response(refusal: Refusal) -> Response:
    return _refused(refusal)
