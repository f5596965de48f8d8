"""Shared clients created in the lifespan and handed to every request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.access.auth import resolve_principal
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


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.shudu
    return state


async def in_transaction(
    request: Request, work: Callable[[Session, Principal], T], *, write: bool | None = None
) -> T:
    """Run ``work`` in a worker thread, in one transaction, as the request's principal.

    SQLAlchemy is synchronous; running the whole unit of work in one thread keeps the event
    loop free and costs a single thread hop per request. The principal is resolved inside the
    same transaction (tokens record their last use there).
    """
    state = app_state(request)

    # ``write`` for a GET that writes too (a download counter): on SQLite a read transaction
    # that later writes cannot wait for the lock and fails with "database is locked".
    if write is None:
        write = request.method not in ("GET", "HEAD")

    def run() -> T:
        with transaction(state.sessions, write=write) as session:
            principal = resolve_principal(request, session)
            return work(session, principal)

    return await run_in_threadpool(run)
