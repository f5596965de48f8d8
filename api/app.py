"""The Starlette application factory and its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from api.access.auth import SESSION_COOKIE
from api.access.ratelimit import RateLimitMiddleware
from api.audit import routes as audit_routes
from api.audit.routes import AUDIT_SCHEMAS, audit_api
from api.ckan import routes as ckan_routes
from api.dcat import routes as dcat_routes
from api.html import error_page
from api.http import JSONResponse, error_body, error_response
from api.oauth import routes as oauth_routes
from api.openapi import openapi_document
from api.readcache import ReadCache
from api.registry import Registry
from api.runtime.audit import start_audit
from api.runtime.datastore import link_fetcher, start_datastore
from api.runtime.oauth import start_oauth
from api.runtime.search import start_search
from api.state import AppState
from api.v1.accounts import accounts_api
from api.v1.clients import CLIENT_SCHEMAS, clients_api
from api.v1.datasets import datasets_api
from api.v1.datastore import DATASTORE_SCHEMAS, datastore_api
from api.v1.exchange import EXCHANGE_SCHEMAS, exchange_api
from api.v1.organizations import organizations_api
from api.v1.resources import resources_api
from api.v1.search import SEARCH_SCHEMAS, search_api
from api.v1.vocabularies import vocabularies_api
from api.web import accounts as account_pages
from api.web import admin as admin_pages
from api.web import audit_console as audit_console_pages
from api.web import catalog as catalog_pages
from api.web import console as console_pages
from api.web import developers as developer_pages
from api.web import exchange as exchange_pages
from api.web import products as products_pages
from api.web import publish as publish_pages
from api.web import site as site_pages
from api.web import transparency as transparency_pages
from catalog.filestore import FileStore
from catalog.search.interfaces import SearchBackend
from core.db import make_engine, make_session_factory
from core.errors import ShuduError
from core.mail import make_mailer
from core.settings import Settings

log = logging.getLogger("shudu")

HERE = Path(__file__).parent


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _shudu_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ShuduError)
    if _is_api(request):
        presented = "authorization" in request.headers
        return error_response(exc, credentials_presented=presented)
    return error_page(request, exc.status_code, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "No such page or API route", 405: "Method not allowed here"}
    message = messages.get(exc.status_code, str(exc.detail))
    if _is_api(request):
        body = {"error": {"code": f"http_{exc.status_code}", "message": message, "details": {}}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
    return error_page(request, exc.status_code, message, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    error = ShuduError("Internal error; it has been logged")
    if _is_api(request):
        return JSONResponse(error_body(error), status_code=500)
    try:
        return error_page(request, 500, error.message)
    except Exception:  # the page itself failed: say so plainly rather than not at all
        log.exception("the error page failed too")
        return HTMLResponse("Internal error", status_code=500)


# Every registry of API operations: routing and the OpenAPI document both come from these.
REGISTRIES = (
    accounts_api,
    vocabularies_api,
    organizations_api,
    datasets_api,
    resources_api,
    search_api,
    audit_api,
    clients_api,
    datastore_api,
    exchange_api,
)
API_PREFIX = "/api/v1"
EXTRA_SCHEMAS = {
    **AUDIT_SCHEMAS,
    **CLIENT_SCHEMAS,
    **SEARCH_SCHEMAS,
    **DATASTORE_SCHEMAS,
    **EXCHANGE_SCHEMAS,
}


@cache
def api_document(base_url: str) -> dict[str, Any]:
    """The OpenAPI document of every registry, built once per base URL (pages only read it)."""
    registry = Registry(API_PREFIX, [op for r in REGISTRIES for op in r.operations])
    document = openapi_document(registry, base_url)
    document["components"]["schemas"].update(EXTRA_SCHEMAS)
    return document


async def _openapi(request: Request) -> Response:
    return JSONResponse(api_document(request.app.state.shudu.settings.base_url))


def create_app(
    settings: Settings,
    *,
    sessions: sessionmaker[Session] | None = None,
    search_backend: SearchBackend | None = None,
) -> Starlette:
    """Build the app; the database schema must already be current (``shudu db upgrade``).

    ``sessions`` lets tests hand in a factory bound to a connection they roll back (the app
    then runs no background tasks: tests drain the search outbox and checkpoint explicitly);
    ``search_backend`` lets them choose the search engine.
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = None
        factory = sessions
        if factory is None:
            engine = make_engine(settings.database_url)
            factory = make_session_factory(engine)
        app.state.shudu = AppState(
            settings=settings,
            sessions=factory,
            files=FileStore(settings.files_dir),
            mailer=make_mailer(settings),
        )
        # The audit ledger's signing key and checkpointer. Only an app that owns its engine
        # checkpoints in the background; tests hand in sessions and checkpoint explicitly.
        app.state.audit = start_audit(settings, factory, background=sessions is None)
        # The OAuth authorization server and its signing keys (kept in the data dir).
        app.state.oauth = start_oauth(settings)
        if sessions is None:
            app.state.oauth.start(factory)
        # Each web process drains the search outbox unless `shudu worker` does (settings).
        app.state.search = await start_search(
            settings,
            factory,
            background=sessions is None and settings.search_worker == "inprocess",
            backend=search_backend,
        )
        # Uploaded tables are loaded from the outbox; tests load them explicitly.
        app.state.datastore = start_datastore(
            factory,
            app.state.shudu.files,
            background=sessions is None,
            fetcher=link_fetcher(settings, app.state.shudu.files),
        )
        try:
            yield
        finally:
            await app.state.datastore.stop()
            await app.state.search.stop()
            await app.state.audit.stop()
            await app.state.oauth.stop()
            if engine is not None:
                engine.dispose()

    routes = [
        Route("/api/v1/openapi.json", _openapi, methods=["GET"]),
        *(route for registry in REGISTRIES for route in registry.routes()),
        *audit_routes.public_routes(),
        *ckan_routes.routes(),
        *dcat_routes.routes(),
        *oauth_routes.routes(),
        *catalog_pages.routes(),
        *account_pages.routes(),
        *site_pages.routes(),
        *transparency_pages.routes(),
        *developer_pages.routes(),
        *products_pages.routes(),
        *exchange_pages.routes(),
        *publish_pages.routes(),
        *console_pages.routes(),
        *admin_pages.routes(),
        *audit_console_pages.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(RateLimitMiddleware),
        Middleware(
            SessionMiddleware,
            secret_key=str(settings.secret_key),
            session_cookie=SESSION_COOKIE,
            https_only=settings.base_url.startswith("https://"),
            same_site="lax",
            max_age=14 * 24 * 3600,
        ),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            ShuduError: _shudu_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
    # The developer pages render this document; they may not import the API families.
    app.state.api_document = api_document
    app.state.read_cache = ReadCache()
    return app
