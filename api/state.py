"""Shared clients created in the lifespan and handed to every request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.access.auth import SAFE_METHODS, SESSION_SECRET_KEY, resolve_principal
from catalog.filestore import FileStore
from core.db import transaction
from core.identity.principal import Principal
from core.mail import Mailer
from core.settings import Settings

T = TypeVar("T")


@dataclass(slots=True)
class AppState:
    settings: Settings
    sessions: sessionmaker[Session]
    files: FileStore
    mailer: Mailer  # SMTP, or .eml files in the data dir (core.mail)


_PRINCIPAL = "shudu.principal"  # in a request's scope: (what it was resolved from, principal)


def _principal(request: Request, session: Session) -> Principal:
    """The request's principal, resolved once per request that only reads (a page runs several
    transactions: its searches, its figures). Resolved again if the credentials changed on the
    way, and in every transaction of a request that may write."""
    if request.method not in SAFE_METHODS:
        return resolve_principal(request, session)
    signed = request.session.get(SESSION_SECRET_KEY) if "session" in request.scope else None
    credentials = (request.headers.get("authorization"), signed)
    kept = request.scope.get(_PRINCIPAL)
    if kept is not None and kept[0] == credentials:
        principal: Principal = kept[1]
        return principal
    principal = resolve_principal(request, session)
    request.scope[_PRINCIPAL] = (credentials, principal)
    return principal


def resolved_principal(request: Request) -> Principal | None:
    """The principal this reading request was last resolved as, if it ran a transaction."""
    kept = request.scope.get(_PRINCIPAL)
    if kept is None:
        return None
    principal: Principal = kept[1]
    return principal


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.shudu
    return state


async def in_transaction(
    request: Request, work: Callable[[Session, Principal], T], *, write: bool | None = None
) -> T:
    """Run ``work`` in a worker thread, in one transaction, as the request's principal.

    SQLAlchemy is synchronous; running the whole unit of work in one thread keeps the event
    loop free and costs a single thread hop per request. The principal is resolved inside the
    same transaction (tokens record their last use there), once per reading request.
    """
    state = app_state(request)

    # ``write`` for a GET that writes too (a download counter): on SQLite a read transaction
    # that later writes cannot wait for the lock and fails with "database is locked".
    if write is None:
        write = request.method not in ("GET", "HEAD")

    def run() -> T:
        with transaction(state.sessions, write=write) as session:
            return work(session, _principal(request, session))

    return await run_in_threadpool(run)
