"""The CKAN Action API at ``/api/3/action/NAME`` and ``/api/action/NAME``.

A surface of its own, apart from /api/v1: CKAN's envelope ``{"help", "success", "result"}``,
its error types and statuses, raw API tokens in ``Authorization`` (as ``ckanapi`` sends
them), GET for reads and POST (JSON or multipart) for everything. It never redirects: the
``ckanapi`` client POSTs with redirects off and would lose its body. Handlers parse, call
``catalog.packages.PackageService`` and render with ``catalog.formats.ckan``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.access.auth import RAW_AUTHORIZATION
from api.http import JSONResponse, read_json
from api.readcache import Built, cached_json, kept_json, not_kept
from api.registry import SCOPE_KEY, Scope
from api.runtime.search import search_runtime
from api.state import app_state, in_transaction
from api.uploads import receive_upload
from catalog.datastore.query import RecordQuery
from catalog.datastore.services import DatastoreService, decision_for
from catalog.formats.ckan import (
    ckan_field,
    group_dict,
    organization_dict,
    package_dict,
    resource_dict,
    resource_fields,
)
from catalog.licenses import OPEN_LICENSES
from catalog.models import Resource
from catalog.package_search import EngineAnswer, engine_search
from catalog.packages import (
    MAX_ROWS,
    PackageQuery,
    PackageService,
    SearchQueryError,
    rank,
    split_q,
)
from catalog.reads import DatasetRead, dataset_now, resource_now
from catalog.schemas import ResourceCreate, ResourceUpdate
from catalog.search.documents import is_public
from catalog.search.service import visibility_for
from catalog.services import DatasetService
from core import jsonutil
from core.db import transaction
from core.errors import (
    BadRequest,
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
    ShuduError,
    ValidationFailed,
)
from core.identity.models import OrgKind
from core.identity.principal import Principal
from core.identity.services import OrganizationService

log = logging.getLogger("shudu.ckan")

CKAN_VERSION = "2.10.4"  # the API generation we answer as
Params = dict[str, Any]
Runner = Callable[[Request, Params], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Action:
    run: Runner
    scope: Scope
    write: bool = False
    multipart: bool = False  # accepts a file in the form field ``upload``


ACTIONS: dict[str, Action] = {}


def action(
    name: str, scope: Scope = "catalog:read", *, write: bool = False, multipart: bool = False
) -> Callable[[Runner], Runner]:
    def register(run: Runner) -> Runner:
        ACTIONS[name] = Action(run, scope, write, multipart)
        return run

    return register


# -- envelope ---------------------------------------------------------------------------------


def _help(request: Request, name: str) -> str:
    base = app_state(request).settings.base_url
    return f"{base}/api/3/action/help_show?name={name}"


def _error(request: Request, name: str, exc: ShuduError) -> Response:
    """CKAN's error types and statuses for our errors."""
    error: dict[str, Any]
    if isinstance(exc, NotFound):
        status, error = 404, {"__type": "Not Found Error", "message": f"Not found: {exc.message}"}
    elif isinstance(exc, NotAuthenticated | PermissionDenied):
        status, error = 403, {"__type": "Authorization Error", "message": exc.message}
    elif isinstance(exc, SearchQueryError):
        status, error = 400, {"__type": "Search Query Error", "message": exc.message}
    elif isinstance(exc, ValidationFailed | Conflict):
        status, error = 409, {"__type": "Validation Error", "message": exc.message}
        details = exc.details if isinstance(exc.details, Mapping) else {}
        for field_name, messages in details.items():
            listed = messages if isinstance(messages, list) else [str(messages)]
            error.setdefault(ckan_field(str(field_name)), []).extend(str(m) for m in listed)
    elif isinstance(exc, BadRequest):
        status, error = 400, {"__type": "Bad Request", "message": f"Bad request - {exc.message}"}
    else:
        status = exc.status_code
        error = {"__type": type(exc).__name__, "message": exc.message}
    body = {"help": _help(request, name), "success": False, "error": error}
    return JSONResponse(body, status_code=status)


def _boolean(params: Params, key: str, default: bool = False) -> bool:
    value = params.get(key, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def _int(params: Params, key: str, default: int, *, lo: int = 0, hi: int | None = None) -> int:
    raw = params.get(key, default)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed(
            f"{key} must be a whole number", {key: ["Invalid integer"]}
        ) from None
    if value < lo:
        raise ValidationFailed(f"{key} must be at least {lo}", {key: [f"Must be at least {lo}"]})
    return value if hi is None else min(value, hi)


def _text(params: Params, key: str, *, required: bool = False) -> str:
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise ValidationFailed(f"{key} is missing", {key: ["Missing value"]})
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{key} must be text", {key: ["Must be a string"]})
    return value


def _json_list(params: Params, key: str) -> list[str]:
    """A list given as JSON (``facet.field=["tags"]``), a list, or comma-separated text."""
    value = params.get(key)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = jsonutil.loads(stripped)
            except BadRequest:
                raise SearchQueryError(f"{key} is not a JSON list: {value!r}") from None
        else:
            value = [v.strip() for v in stripped.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SearchQueryError(f"{key} must be a list of field names")
    return value


async def _params(request: Request, act: Action) -> tuple[Params, Any]:
    """The action's parameters, and the upload (multipart actions) if one came."""
    if request.method == "GET":
        params: Params = {}
        for key in request.query_params:
            values = request.query_params.getlist(key)
            params[key] = values[0] if len(values) == 1 else values
        return params, None
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        if not act.multipart:
            raise BadRequest("Only resource_create and resource_patch take multipart uploads")
        # Refuse a caller who may not write before reading a possibly large body.
        await in_transaction(request, _require_writer)
        state = app_state(request)
        upload = await receive_upload(
            request, state.files, limit=state.settings.max_upload_bytes, file_field="upload"
        )
        return dict(upload.fields), upload
    if content_type in ("", "application/x-www-form-urlencoded"):
        form = await request.form(max_files=0, max_fields=200)
        return {k: v for k, v in form.items() if isinstance(v, str)}, None
    body = await read_json(request)
    if not isinstance(body, dict):
        raise BadRequest("JSON Error: the body must be a JSON object of parameters")
    return body, None


def _require_writer(_: Session, principal: Principal) -> None:
    if not principal.is_authenticated:
        raise NotAuthenticated("Send an API token in the Authorization header to upload")
    if not principal.can_write:
        raise PermissionDenied("This API token is read-only; create one with write access")


async def endpoint(request: Request) -> Response:
    # A path converter, so that no trailing slash is ever answered with a redirect.
    name = request.path_params["action"].rstrip("/")
    request.scope[RAW_AUTHORIZATION] = True  # ckanapi sends the token raw, with no "Bearer"
    act = ACTIONS.get(name)
    if act is None:
        body = {
            "help": _help(request, name),
            "success": False,
            "error": {
                "__type": "Bad Request",
                "message": f"Bad request - Action name not known: {name}",
            },
        }
        return JSONResponse(body, status_code=400)
    request.scope[SCOPE_KEY] = act.scope
    upload = None
    try:
        if act.write and request.method != "POST":
            raise BadRequest(f"{name} changes the catalog: send it as a POST")
        params, upload = await _params(request, act)
        if upload is not None:
            params["__upload"] = upload
        result = await act.run(request, params)
    except ShuduError as exc:
        if upload is not None and upload.blob is not None:
            await _forget(request, upload.blob.sha256)
        return _error(request, name, exc)
    except Exception:  # the envelope holds even here; the cause is logged
        log.exception("CKAN action %s failed", name)
        body = {
            "help": _help(request, name),
            "success": False,
            "error": {
                "__type": "Internal Server Error",
                "message": "Internal error; it was logged",
            },
        }
        return JSONResponse(body, status_code=500)
    if isinstance(result, Response):  # a whole answer (a kept read: api.readcache)
        return result
    return JSONResponse({"help": _help(request, name), "success": True, "result": result})


async def _forget(request: Request, sha256: str) -> None:
    """Remove a just-stored file that no resource ended up referring to."""
    state = app_state(request)

    def work() -> None:
        # Not as the caller: whatever went wrong with their credentials, the file goes.
        with transaction(state.sessions) as session:
            if not DatasetService(session, Principal.anonymous()).blob_referenced(sha256):
                state.files.path(sha256).unlink(missing_ok=True)

    await run_in_threadpool(work)


async def _index(request: Request) -> Response:
    return JSONResponse({"version": 3})


def routes() -> list[Route]:
    return [
        Route("/api/3/action/{action:path}", endpoint, methods=["GET", "POST"]),
        Route("/api/action/{action:path}", endpoint, methods=["GET", "POST"]),
        Route("/api/3", _index, methods=["GET"]),
    ]


# -- rendering -------------------------------------------------------------------------------


def _packages(request: Request, datasets: Sequence[DatasetRead]) -> list[Any]:
    base_url = app_state(request).settings.base_url
    return [package_dict(d, base_url) for d in datasets]


def _resource(request: Request, service: PackageService, resource: Resource) -> dict[str, Any]:
    base_url = app_state(request).settings.base_url
    return resource_dict(resource_now(service.session, resource), base_url)


# -- read actions ----------------------------------------------------------------------------


@action("status_show")
async def status_show(request: Request, params: Params) -> Any:
    settings = app_state(request).settings
    return {
        "site_title": "Shudu 数都",
        "site_description": "Open-data portal and data exchange",
        "site_url": settings.base_url,
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "zh_Hans_CN",
        "extensions": ["shudu", "datastore", "dcat"],
    }


@action("help_show")
async def help_show(request: Request, params: Params) -> Any:
    name = _text(params, "name", required=True)
    act = ACTIONS.get(name)
    if act is None:
        raise NotFound(f"Action not found: {name}")
    return (act.run.__doc__ or f"{name}: see CKAN's Action API reference").strip()


@action("package_list")
async def package_list(request: Request, params: Params) -> Any:
    limit = _int(params, "limit", 0) or None
    offset = _int(params, "offset", 0)
    return await in_transaction(
        request, lambda s, p: PackageService(s, p).names(limit=limit, offset=offset)
    )


@action("current_package_list_with_resources")
async def current_package_list_with_resources(request: Request, params: Params) -> Any:
    limit = _int(params, "limit", 10, lo=1, hi=MAX_ROWS)
    offset = _int(params, "offset", 0)

    def work(session: Session, principal: Principal) -> list[Any]:
        service = PackageService(session, principal)
        return _packages(request, service.recent(limit=limit, offset=offset))

    return await in_transaction(request, work)


@action("package_show")
async def package_show(request: Request, params: Params) -> Any:
    # Keys such as include_password_hash or include_tracking are ignored: nothing secret here.
    reference = _text(params, "id", required=True)

    def build(session: Session, principal: Principal) -> Built:
        dataset = PackageService(session, principal).read(reference)
        result = package_dict(dataset, app_state(request).settings.base_url)
        envelope = {"help": _help(request, "package_show"), "success": True, "result": result}
        return Built(envelope, is_public(dataset))

    return await cached_json(request, ("ckan.package_show", reference), build)


@action("package_search")
async def package_search(request: Request, params: Params) -> Any:
    facet_fields = _json_list(params, "facet.field")
    if "facet" in params and not _boolean(params, "facet", True):
        facet_fields = []
    query = PackageQuery(
        q=_text(params, "q"),
        fq=_text(params, "fq"),
        sort=_text(params, "sort"),
        start=_int(params, "start", 0),
        rows=_int(params, "rows", 10, hi=MAX_ROWS),
        facet_fields=facet_fields,
        facet_limit=_int(params, "facet.limit", 50, lo=-1),
        include_private=_boolean(params, "include_private"),
        include_drafts=_boolean(params, "include_drafts"),
    )
    key = (
        "ckan.package_search",
        *(query.q, query.fq, query.sort, query.start, query.rows),
        (*query.facet_fields,),
        *(query.facet_limit, query.include_private, query.include_drafts),
    )

    async def produce() -> tuple[Built, Principal]:
        built, principal = await _package_search(request, query)
        envelope = {"help": _help(request, "package_search"), "success": True, "result": built}
        return Built(envelope, public=True), principal

    # What a caller finds depends on them only through what they may see (visibility_for).
    return await kept_json(request, key, produce, view=visibility_for)


async def _package_search(request: Request, query: PackageQuery) -> tuple[Any, Principal]:
    free_text = split_q(query.q)[1]
    answer: EngineAnswer | None = None
    if free_text:
        backend = search_runtime(request).backend
        try:
            answer = await engine_search(backend, query)
            if answer is None:
                query.ranked = await rank(backend, free_text)
        except ServiceUnavailable as exc:  # CKAN clients get answers while search is down
            log.warning("package_search falls back to the database: %s", exc.message)
            not_kept(request)  # the engine's answer, once it is back, is the one to keep

    def work(session: Session, principal: Principal) -> tuple[Any, Principal]:
        service = PackageService(session, principal)
        if answer is not None:
            page = service.listed_page(answer.count, answer.names, answer.facets)
        else:
            page = service.search(query)
        return {
            "count": page.count,
            "sort": query.sort or "score desc, metadata_modified desc",
            "results": _packages(request, page.results),
            "facets": {f: {n: c for n, _, c in items} for f, items in page.facets.items()},
            "search_facets": {
                f: {
                    "title": f,
                    "items": [{"name": n, "display_name": lbl, "count": c} for n, lbl, c in items],
                }
                for f, items in page.facets.items()
            },
        }, principal

    return await in_transaction(request, work)


@action("organization_list")
async def organization_list(request: Request, params: Params) -> Any:
    all_fields = _boolean(params, "all_fields")
    limit = _int(params, "limit", 1000, lo=1, hi=1000)
    offset = _int(params, "offset", 0)

    def work(session: Session, principal: Principal) -> Any:
        rows = PackageService(session, principal).organizations()[offset : offset + limit]
        if all_fields:
            return [organization_dict(org, n) for org, n in rows]
        return [org.name for org, _ in rows]

    return await in_transaction(request, work)


@action("organization_show")
async def organization_show(request: Request, params: Params) -> Any:
    reference = _text(params, "id", required=True)
    include_datasets = _boolean(params, "include_datasets")

    def work(session: Session, principal: Principal) -> Any:
        service = PackageService(session, principal)
        for org, count in service.organizations():
            if reference in (org.name, str(org.id)):
                shown = organization_dict(org, count)
                if include_datasets:
                    page = service.search(PackageQuery(fq=f"organization:{org.name}", rows=1000))
                    shown["packages"] = _packages(request, page.results)
                return shown
        raise NotFound(f"Organization not found: {reference}")

    return await in_transaction(request, work)


@action("group_list")
async def group_list(request: Request, params: Params) -> Any:
    all_fields = _boolean(params, "all_fields")

    def work(session: Session, principal: Principal) -> Any:
        rows = PackageService(session, principal).themes()
        if all_fields:
            return [group_dict(theme, n) for theme, n in rows]
        return [theme.code for theme, _ in rows]

    return await in_transaction(request, work)


@action("group_show")
async def group_show(request: Request, params: Params) -> Any:
    reference = _text(params, "id", required=True)
    include_datasets = _boolean(params, "include_datasets")

    def work(session: Session, principal: Principal) -> Any:
        service = PackageService(session, principal)
        for theme, count in service.themes():
            if theme.code == reference:
                shown = group_dict(theme, count)
                if include_datasets:
                    page = service.search(PackageQuery(fq=f"groups:{theme.code}", rows=1000))
                    shown["packages"] = _packages(request, page.results)
                return shown
        raise NotFound(f"Group not found: {reference}")

    return await in_transaction(request, work)


@action("tag_list")
async def tag_list(request: Request, params: Params) -> Any:
    text = _text(params, "query") or _text(params, "q")
    all_fields = _boolean(params, "all_fields")

    def work(session: Session, principal: Principal) -> Any:
        names = PackageService(session, principal).tags(text)
        if all_fields:
            return [{"name": n, "display_name": n, "vocabulary_id": None} for n in names]
        return names

    return await in_transaction(request, work)


@action("license_list")
async def license_list(request: Request, params: Params) -> Any:
    return [
        {
            "id": lic.id,
            "title": lic.title,
            "url": lic.url,
            "status": "active",
            "maintainer": "",
            "family": "",
            "domain_content": False,
            "domain_data": True,
            "domain_software": False,
            "od_conformance": "approved",
            "osd_conformance": "not reviewed",
            "is_generic": False,
            "is_okd_compliant": True,
            "is_osi_compliant": False,
        }
        for lic in OPEN_LICENSES.values()
    ]


def _uuid(params: Params, key: str) -> uuid.UUID:
    raw = _text(params, key, required=True)
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound(f"Resource was not found: {raw}") from None


@action("resource_show")
async def resource_show(request: Request, params: Params) -> Any:
    resource_id = _uuid(params, "id")

    def work(session: Session, principal: Principal) -> Any:
        service = PackageService(session, principal)
        return _resource(request, service, service.datasets.get_resource(resource_id))

    return await in_transaction(request, work)


CKAN_TYPES = {
    "integer": "int",
    "decimal": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "text": "text",
}


@action("datastore_search", "datastore:read")
async def datastore_search(request: Request, params: Params) -> Any:
    resource_id = _uuid(params, "resource_id")
    limit = _int(params, "limit", 100, lo=0, hi=32000)
    offset = _int(params, "offset", 0)
    filters = params.get("filters") or {}
    if isinstance(filters, str):
        try:
            filters = jsonutil.loads(filters)
        except BadRequest:
            raise ValidationFailed("filters is not JSON", {"filters": ["Not JSON"]}) from None
    fields = _json_list(params, "fields") if params.get("fields") else None
    sort = [s.strip() for s in _text(params, "sort").split(",") if s.strip()]
    q = params.get("q")
    if isinstance(q, dict):
        raise ValidationFailed("q by field is not supported", {"q": ["give plain text"]})
    query_fields: dict[str, Any] = {
        "fields": fields,
        "filters": filters,
        "q": q or None,
        "sort": sort,
        "limit": max(limit, 1),
        "offset": offset,
        "total": _boolean(params, "include_total", True),
    }
    try:
        query = RecordQuery.model_validate(query_fields)
    except ValueError as exc:
        raise ValidationFailed(
            "Invalid datastore_search parameters", {"query": [str(exc)]}
        ) from exc

    def work(session: Session, principal: Principal) -> Any:
        resource = DatasetService(session, principal).get_resource(resource_id)
        decision = decision_for(principal, resource.dataset)
        return DatastoreService(session).records(resource_id, query, decision)

    found = await in_transaction(request, work)
    records = found["records"] if limit else []
    path = f"/api/action/datastore_search?resource_id={resource_id}"
    return {
        "resource_id": str(resource_id),
        "fields": [
            {"id": f["id"], "type": CKAN_TYPES.get(f["type"], "text")} for f in found["fields"]
        ],
        "records": records,
        "total": found["total"],
        "limit": limit,
        "offset": offset,
        "_links": {"start": path, "next": f"{path}&offset={offset + limit}"},
        **({"filters": filters} if filters else {}),
        **({"q": q} if q else {}),
    }


# -- write actions ---------------------------------------------------------------------------


def _package(params: Params) -> dict[str, Any]:
    return {k: v for k, v in params.items() if not k.startswith("__")}


@action("package_create", "catalog:write", write=True)
async def package_create(request: Request, params: Params) -> Any:
    def work(session: Session, principal: Principal) -> Any:
        service = PackageService(session, principal)
        dataset = service.create(_package(params))
        session.flush()
        session.refresh(dataset)
        return _packages(request, [dataset_now(session, dataset)])[0]

    return await in_transaction(request, work)


def _update(partial: bool) -> Runner:
    async def run(request: Request, params: Params) -> Any:
        def work(session: Session, principal: Principal) -> Any:
            service = PackageService(session, principal)
            dataset = service.update(_package(params), partial=partial)
            session.flush()
            session.refresh(dataset)
            return _packages(request, [dataset_now(session, dataset)])[0]

        return await in_transaction(request, work)

    return run


action("package_update", "catalog:write", write=True)(_update(partial=False))
action("package_patch", "catalog:write", write=True)(_update(partial=True))


@action("resource_create", "catalog:write", write=True, multipart=True)
async def resource_create(request: Request, params: Params) -> Any:
    upload = params.get("__upload")
    reference = _text(params, "package_id", required=True)
    fields = resource_fields(params)
    if upload is not None and upload.blob is not None:
        fields.pop("url", None)
        if not fields["media_type"] and upload.content_type:
            fields["media_type"] = upload.content_type
    data = _model(ResourceCreate, fields)

    def work(session: Session, principal: Principal) -> Any:
        service = PackageService(session, principal)
        dataset = service.get(reference)
        if upload is not None and upload.blob is not None:
            resource = service.datasets.add_resource(
                dataset.name, data, blob=upload.blob, filename=upload.filename
            )
        else:
            resource = service.datasets.add_resource(dataset.name, data)
        return _resource(request, service, resource)

    return await in_transaction(request, work)


@action("resource_patch", "catalog:write", write=True, multipart=True)
async def resource_patch(request: Request, params: Params) -> Any:
    upload = params.get("__upload")
    resource_id = _uuid(params, "id")
    given = {k: v for k, v in resource_fields(params).items() if _sent(params, k)}
    data = _model(ResourceUpdate, given)

    def work(session: Session, principal: Principal) -> Any:
        service = PackageService(session, principal)
        resource = service.datasets.update_resource(resource_id, data)
        if upload is not None and upload.blob is not None:
            resource = service.datasets.replace_resource_file(
                resource_id, upload.blob, upload.filename, upload.content_type or ""
            )
        return _resource(request, service, resource)

    return await in_transaction(request, work)


def _sent(params: Params, field_name: str) -> bool:
    key = {"media_type": "mimetype"}.get(field_name, field_name)
    return key in params


def _model(model: Any, fields: dict[str, Any]) -> Any:
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        details: dict[str, list[str]] = {}
        for err in exc.errors(include_url=False):
            details.setdefault(ckan_field(str(err["loc"][0]) if err["loc"] else "body"), []).append(
                err["msg"]
            )
        raise ValidationFailed(f"Invalid fields: {', '.join(details)}", details) from exc


@action("organization_create", "admin", write=True)
async def organization_create(request: Request, params: Params) -> Any:
    name = _text(params, "name", required=True)
    title = _text(params, "title")
    description = _text(params, "description")

    def work(session: Session, principal: Principal) -> Any:
        if not principal.is_authenticated:
            raise NotAuthenticated("Send an API token in the Authorization header")
        if not (principal.is_admin and principal.can_write):
            raise PermissionDenied("Only site administrators create organizations")
        cjk = any("\u3400" <= ch <= "\u9fff" for ch in title)
        org = OrganizationService(session).create(
            name,
            OrgKind.DEPARTMENT,
            title_zh=title if cjk else "",
            title_en="" if cjk else title,
            description_zh=description if cjk else "",
            description_en="" if cjk else description,
        )
        return organization_dict(org, 0)

    return await in_transaction(request, work)
