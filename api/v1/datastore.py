"""The data API: ``/api/v1/resources/{id}/records`` (queries, aggregates, exports) and the
publisher's controls over a loaded table (load again with a policy or sheet, field sensitivity).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api.access.auth import resolve_principal
from api.http import JSONResponse, decode_cursor, encode_cursor, parse_model, read_json, read_model
from api.registry import Param, Registry
from api.runtime.datastore import link_fetcher
from api.state import app_state, in_transaction
from api.v1.licensed import EXPORT_TYPES, export_headers, licensed_response, request_fingerprint
from api.v1.params import RESOURCE_ID, uuid_from_path
from catalog.datastore.access import AccessDecision
from catalog.datastore.fields import Sensitivity
from catalog.datastore.models import BadRowPolicy
from catalog.datastore.query import RecordQuery
from catalog.datastore.services import DatastoreService, decision_for, status_json
from catalog.datastore.sources import IngestRefused
from catalog.filestore import StoredBlob
from catalog.services import DatasetService
from core import jsonutil
from core.db import transaction
from core.errors import BadRequest, ValidationFailed
from core.identity.principal import Principal
from exchange.enforcement import needs_licence
from exchange.reads import LicensedReads, Metered, RecordsCall

datastore_api = Registry(prefix="/api/v1")

LIST_PARAMS = ("fields", "sort", "group_by", "aggregates")
BOOL_PARAMS = ("distinct", "total")
KNOWN_PARAMS = {*LIST_PARAMS, *BOOL_PARAMS, "filters", "q", "limit", "offset", "cursor", "format"}


def _query_from_params(params: Any) -> dict[str, Any]:
    unknown = sorted(set(params.keys()) - KNOWN_PARAMS)
    if unknown:
        raise BadRequest(
            f"Unknown parameter(s): {', '.join(unknown)}", {"allowed": sorted(KNOWN_PARAMS)}
        )
    data: dict[str, Any] = {}
    for name in LIST_PARAMS:
        if params.get(name):
            data[name] = [p.strip() for p in params[name].split(",") if p.strip()]
    for name in BOOL_PARAMS:
        raw = params.get(name)
        if raw:
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValidationFailed(f"{name} is true or false", {name: ["not a boolean"]})
            data[name] = raw.lower() in ("true", "1")
    for name in ("limit", "offset"):
        raw = params.get(name)
        if raw:
            if not raw.isdigit():
                raise ValidationFailed(f"{name} must be a whole number", {name: ["not a number"]})
            data[name] = int(raw[:12])
    if params.get("filters"):
        data["filters"] = jsonutil.loads(params["filters"])
    for name in ("q", "cursor"):
        if params.get(name):
            data[name] = params[name]
    return data


def _format(raw: str | None) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in EXPORT_TYPES:
        raise ValidationFailed("Unknown format", {"format": ["csv, ndjson or json"]})
    return raw


def _cursor(query: RecordQuery) -> int | None:
    """The row id to continue after, or None; an offset cursor sets the query's offset."""
    if not query.cursor:
        return None
    key = decode_cursor(query.cursor)
    if isinstance(key, dict) and isinstance(key.get("after"), int):
        return int(key["after"])
    if isinstance(key, dict) and isinstance(key.get("offset"), int) and key["offset"] >= 0:
        query.offset = min(int(key["offset"]), 10_000_000)
        return None
    raise BadRequest("The cursor is not one this API gave out; start again without it")


async def _records(
    request: Request, data: dict[str, Any], fmt: str | None, raw_body: bytes = b""
) -> Response:
    resource_id = uuid_from_path(request.path_params["id"])
    query = parse_model(RecordQuery, data)
    after_id = _cursor(query)
    call = RecordsCall(resource_id, query, after_id, fmt, request_fingerprint(request, raw_body))

    sessions = app_state(request).sessions

    def work(
        session: Session, principal: Principal
    ) -> tuple[dict[str, Any], AccessDecision] | Metered:
        resource = DatasetService(session, principal).get_resource(resource_id)
        if needs_licence(principal, resource.dataset):
            # The exchange's path: the licence checked and the query run under it here, then
            # the call metered — in this transaction where the database allows.
            return LicensedReads(session, principal, sessions).records(resource.dataset, call)
        decision = decision_for(principal, resource.dataset)
        service = DatastoreService(session)
        if fmt is not None:
            service.build(resource_id, query, decision)  # refuse a bad query before streaming
            return {}, decision
        return service.records(resource_id, query, decision, after_id), decision

    # Reading, also for POST (a query in a body).
    done = await in_transaction(request, work, write=False)
    if isinstance(done, Metered):
        return licensed_response(sessions, done, call)
    body, decision = done
    if fmt is None:
        next_key = body.pop("next_key")
        body["next_cursor"] = None if next_key is None else encode_cursor(next_key)
        return JSONResponse(body)

    def stream() -> Iterator[bytes]:
        with transaction(sessions) as session:
            resolve_principal(request, session)
            service = DatastoreService(session)
            built = service.build(resource_id, query, decision, raw_values=fmt == "csv")
            yield from service.stream(built, fmt)

    return StreamingResponse(stream(), media_type=EXPORT_TYPES[fmt], headers=export_headers(call))


QUERY_PARAMS = (
    RESOURCE_ID,
    Param("fields", "query", "Comma-separated field ids to return (default: all)"),
    Param(
        "filters",
        "query",
        'JSON: {"f": v} equality, {"f": [v, w]} any of, {"f": {"gte": 1, "lt": 9}} ranges, '
        '{"f": {"null": true}}, {"f": {"contains": "text"}}',
    ),
    Param("q", "query", "Text anywhere in the text fields"),
    Param("sort", "query", "Comma-separated field ids; prefix - for descending"),
    Param("limit", "query", "Records per page (1-10000, default 100)", {"type": "integer"}),
    Param("offset", "query", "Records to skip", {"type": "integer"}),
    Param("cursor", "query", "next_cursor of the previous page"),
    Param("distinct", "query", "Only distinct records", {"type": "boolean"}),
    Param("total", "query", "Count the matching records (default true)", {"type": "boolean"}),
    Param("group_by", "query", "Comma-separated field ids to group on"),
    Param("aggregates", "query", "count, sum:FIELD, avg:FIELD, min:FIELD, max:FIELD"),
    Param("format", "query", "csv, ndjson or json: stream the whole result as a file"),
)


@datastore_api.op(
    "GET",
    "/resources/{id}/records",
    summary="Query a tabular resource's records: filters, text, sort, paging, aggregates, export",
    tag="data",
    access="public",
    params=QUERY_PARAMS,
    response="Records",
    errors=(400, 401, 403, 404, 422),
    scope="datastore:read",
)
async def records_get(request: Request) -> Response:
    params = request.query_params
    return await _records(request, _query_from_params(params), _format(params.get("format")))


@datastore_api.op(
    "POST",
    "/resources/{id}/records",
    summary="The same query as a JSON body (for long filters); format in the query string",
    tag="data",
    access="public",
    params=(RESOURCE_ID, Param("format", "query", "csv, ndjson or json: stream the result")),
    body=RecordQuery,
    response="Records",
    errors=(400, 401, 403, 404, 415, 422),
    scope="datastore:read",
)
async def records_post(request: Request) -> Response:
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ValidationFailed("Expected a JSON object", {"body": ["expected a JSON object"]})
    fmt = _format(request.query_params.get("format"))
    return await _records(request, data, fmt, jsonutil.dumps(data))


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: BadRowPolicy | None = None
    sheet: Annotated[str, StringConstraints(max_length=100)] | None = None


class SchemaUpdate(BaseModel):
    """Field id → sensitivity, for the fields that change."""

    model_config = ConfigDict(extra="forbid")

    sensitivity: dict[Annotated[str, StringConstraints(max_length=200)], Sensitivity]


@datastore_api.op(
    "POST",
    "/resources/{id}/ingest",
    summary="Load (again) a table, uploaded or fetched from its link: bad-row policy, XLSX sheet",
    tag="data",
    access="write",
    params=(RESOURCE_ID,),
    body=IngestRequest,
    response="DatastoreStatus",
    errors=(400, 401, 403, 404, 415, 422),
    scope="catalog:write",
)
async def ingest(request: Request) -> Response:
    resource_id = uuid_from_path(request.path_params["id"])
    data = await read_model(request, IngestRequest)
    state = app_state(request)

    def check(session: Session, principal: Principal) -> str | None:
        resource = DatasetService(session, principal).editable_resource(resource_id)
        return None if resource.is_upload else resource.url

    url = await in_transaction(request, check)
    # A link is fetched before the loading transaction: the network holds no database lock.
    fetched: StoredBlob | IngestRefused | None = None
    if url is not None:
        fetcher = link_fetcher(state.settings, state.files)
        try:
            fetched = await run_in_threadpool(fetcher.fetch, url)
        except IngestRefused as exc:
            fetched = exc

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        resource = DatasetService(session, principal).editable_resource(resource_id)
        service = DatastoreService(session)
        if resource.is_upload:
            assert resource.sha256 is not None
            path = state.files.existing_path(resource.sha256)
            meta = service.ingest(resource, path, policy=data.policy, sheet=data.sheet)
        elif fetched is None:
            raise ValidationFailed("This link has no url to load", {"url": ["missing"]})
        else:
            meta = service.ingest_link(
                resource, state.files, fetched, policy=data.policy, sheet=data.sheet
            )
        return status_json(meta)

    return JSONResponse(await in_transaction(request, work))


@datastore_api.op(
    "PATCH",
    "/resources/{id}/schema",
    summary="Set the sensitivity of fields (public, personal, sensitive_personal)",
    tag="data",
    access="write",
    params=(RESOURCE_ID,),
    body=SchemaUpdate,
    response="DatastoreStatus",
    errors=(400, 401, 403, 404, 415, 422),
    scope="catalog:write",
)
async def update_schema(request: Request) -> Response:
    resource_id = uuid_from_path(request.path_params["id"])
    data = await read_model(request, SchemaUpdate)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        DatasetService(session, principal).editable_resource(resource_id)  # may edit, or refused
        service = DatastoreService(session)
        service.set_sensitivity(resource_id, data.sensitivity)
        meta = service.table_of(resource_id)
        assert meta is not None
        return status_json(meta)

    return JSONResponse(await in_transaction(request, work))


class FindingDismissal(BaseModel):
    """A detector's finding the publisher reviewed and found not to be personal data."""

    model_config = ConfigDict(extra="forbid")

    field: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    kind: Literal["resident_id", "mobile", "email", "bank_card"]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


@datastore_api.op(
    "POST",
    "/resources/{id}/findings/dismiss",
    summary="Dismiss a personal-data finding as a reviewed false positive (who, when, why)",
    tag="data",
    access="write",
    params=(RESOURCE_ID,),
    body=FindingDismissal,
    response="DatastoreStatus",
    errors=(400, 401, 403, 404, 415, 422),
    scope="catalog:write",
)
async def dismiss_finding(request: Request) -> Response:
    resource_id = uuid_from_path(request.path_params["id"])
    data = await read_model(request, FindingDismissal)

    def work(session: Session, principal: Principal) -> dict[str, Any]:
        DatasetService(session, principal).editable_resource(resource_id)  # may edit, or refused
        meta = DatastoreService(session).dismiss_finding(
            resource_id, data.field, data.kind, data.reason, principal
        )
        return status_json(meta)

    return JSONResponse(await in_transaction(request, work))


DATASTORE_SCHEMAS: dict[str, dict[str, Any]] = {
    "DatastoreStatus": {
        "type": "object",
        "required": ["datastore", "schema"],
        "properties": {
            "datastore": {
                "type": "object",
                "properties": {
                    "state": {"enum": ["loaded", "failed"]},
                    "rows": {"type": "integer"},
                    "policy": {"enum": ["reject", "skip"]},
                    "error": {"type": ["string", "null"]},
                    "report": {"type": "object"},
                    "findings": {"type": "array", "items": {"type": "object"}},
                },
            },
            "schema": {
                "type": "object",
                "properties": {"fields": {"type": "array", "items": {"type": "object"}}},
            },
        },
    },
    "Records": {
        "type": "object",
        "required": ["fields", "records", "total", "next_cursor"],
        "properties": {
            "fields": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "type": {
                            "enum": ["integer", "decimal", "boolean", "date", "datetime", "text"]
                        },
                    },
                },
            },
            "records": {"type": "array", "items": {"type": "object"}},
            "total": {"type": ["integer", "null"]},
            "next_cursor": {"type": ["string", "null"]},
        },
    },
}
