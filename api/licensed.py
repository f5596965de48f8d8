"""Licensed calls to conditional datasets: the data API's and file downloads' path through the
exchange (DESIGN.md §5).

A records call reads as an open one does: in the request's reading transaction the licence is
checked (``AccessGate.check``) and the query runs under its obligations (:func:`read_licensed`).
Then the call is metered (:func:`meter_licensed`): the call and the rows off the quotas, the
access queued for the ledger — in the same transaction where the database lets a reading
transaction write, else in a short writing one right after. A refusal is recorded there too,
then answered 401/403/429 with the failing term. Exports count their rows while
reading and stream afterwards in a reading transaction, limited to the rows the licence metered.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api.auth import resolve_principal
from api.http import JSONResponse, encode_cursor, error_response
from api.state import app_state
from catalog.datastore.query import RecordQuery, count_of
from catalog.datastore.services import DatastoreService
from catalog.models import Dataset
from catalog.services import DatasetService
from core.db import transaction, write_in_place
from core.identity.principal import Principal
from exchange.enforcement import (
    AccessGate,
    AccessRequest,
    Denial,
    Grant,
    Licence,
    Refusal,
    fingerprint,
)
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
        fingerprint=fingerprint(request.method, request.url.path, request.url.query, body),
    )


@dataclass(slots=True)
class LicensedRead:
    """The reading phase of a licensed records call: what to meter, and what it read."""

    principal: Principal
    dataset_id: uuid.UUID
    access: AccessRequest
    outcome: Licence | Denial
    result: dict[str, Any] | None = None  # a page of records (None: an export, or refused)
    rows: int = 0  # rows the call returns (a page's records, or the rows an export will stream)


def read_licensed(
    request: Request,
    session: Session,
    principal: Principal,
    dataset: Dataset,
    resource_id: uuid.UUID,
    query: RecordQuery,
    after_id: int | None,
    fmt: str | None,
    body: bytes = b"",
) -> LicensedRead:
    """Check the licence and run the query under it, in the request's reading transaction."""
    service = DatastoreService(session)
    _meta, table_fields = service.loaded(resource_id)
    access = _request(request, query, fmt, body, frozenset(f.id for f in table_fields))
    outcome = AccessGate(session, principal).check(dataset, access)
    read = LicensedRead(principal, dataset.id, access, outcome)
    if isinstance(outcome, Denial):
        return read
    if fmt is None:
        read.result = service.records(resource_id, query, outcome.decision, after_id)
        read.rows = len(read.result["records"])
    else:
        built = service.build(resource_id, query, outcome.decision)
        read.rows = int(session.scalar(count_of(built.unpaged)) or 0)
    return read


@dataclass(frozen=True, slots=True)
class Metered:
    """A licensed records call after metering: the grant (or the recorded refusal) and the page
    of records to answer with (None for an export, which streams afterwards)."""

    outcome: Grant | Refusal
    result: dict[str, Any] | None


def _meter(
    session: Session,
    read: LicensedRead,
    resource_id: uuid.UUID,
    query: RecordQuery,
    after_id: int | None,
) -> Metered:
    gate = AccessGate(session, read.principal)
    outcome = gate.admit(read.dataset_id, read.access, read.outcome, read.rows)
    if isinstance(outcome, Refusal):
        return Metered(outcome, None)
    result = read.result
    if result is not None and outcome.rows < read.rows:
        # Fewer of the month's rows were left than the page held (the quota ran low, or racing
        # calls took them): read the page again at what this call got.
        query.limit = outcome.rows
        result = DatastoreService(session).records(resource_id, query, outcome.decision, after_id)
    return Metered(outcome, result)


def meter_licensed(
    session: Session,
    sessions: sessionmaker[Session],
    read: LicensedRead,
    resource_id: uuid.UUID,
    query: RecordQuery,
    after_id: int | None,
) -> Metered:
    """Meter the call (or record its refusal): in the reading transaction ``session`` where the
    database allows it (core.db.write_in_place), else in a short writing transaction of its own
    right after. Called in the worker thread that read."""

    def meter(writing: Session) -> Metered:
        return _meter(writing, read, resource_id, query, after_id)

    metered = write_in_place(session, meter)
    if metered is not None:
        return metered
    if session.in_transaction():  # end the reading snapshot before writing in a new one
        session.commit()
    with transaction(sessions, write=True) as writing:
        return meter(writing)


def licensed_response(
    sessions: sessionmaker[Session],
    metered: Metered,
    resource_id: uuid.UUID,
    query: RecordQuery,
    fmt: str | None,
) -> Response:
    outcome, result = metered.outcome, metered.result
    if isinstance(outcome, Refusal):
        return _refused(outcome)
    if result is not None:
        next_key = result.pop("next_key")
        result["next_cursor"] = None if next_key is None else encode_cursor(next_key)
        return JSONResponse(result, headers=outcome.headers)
    assert fmt is not None
    limit, decision = outcome.rows, outcome.decision

    def stream() -> Iterator[bytes]:
        with transaction(sessions) as session:
            service = DatastoreService(session)
            built = service.build(resource_id, query, decision, raw_values=fmt == "csv")
            # Never more rows than the licence metered above. The in-database CSV writer pages
            # by row-id ranges and knows no row limit, so a licensed export goes row by row
            # through the limited query (plan=None).
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
        fingerprint=fingerprint(request.method, request.url.path, request.url.query),
    )

    def authorize() -> Refusal | Grant:
        with transaction(state.sessions, write=True) as session:
            principal = resolve_principal(request, session)
            dataset = DatasetService(session, principal).get_resource(resource_id).dataset
            gate = AccessGate(session, principal)
            return gate.admit(dataset.id, access, gate.check(dataset, access), 0)

    return await run_in_threadpool(authorize)


def refusal_response(refusal: Refusal) -> Response:
    return _refused(refusal)
