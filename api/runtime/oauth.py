"""The authorization server built once per process in the lifespan (keys from the data dir),
and its background task: flushing per-client usage counts to the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from api.access.keys import KeyRing
from api.access.server import ShuduAuthorizationServer
from api.access.usage import flush_forever
from api.state import app_state
from core.settings import Settings

log = logging.getLogger("shudu.oauth")

API_AUDIENCE_PATH = "/api"


@dataclass(slots=True)
class OAuthRuntime:
    server: ShuduAuthorizationServer
    task: asyncio.Task[None] | None = None

    def start(self, sessions: sessionmaker[Session]) -> None:
        """Flush usage counts every second (apps that own their engine; tests flush)."""
        self.task = asyncio.create_task(flush_forever(self.server.usage, sessions))

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


def audience(settings: Settings) -> str:
    """The ``aud`` of our access tokens: the JSON APIs of this deployment."""
    return settings.base_url + API_AUDIENCE_PATH


def start_oauth(settings: Settings) -> OAuthRuntime:
    keys = KeyRing(settings.data_dir / "oauth_keys", settings.access_token_seconds)
    server = ShuduAuthorizationServer(
        issuer=settings.base_url,
        audience=audience(settings),
        keys=keys,
        lifetime=settings.access_token_seconds,
    )
    return OAuthRuntime(server)


async def flush_usage(request: Request) -> None:
    """This process's uncounted calls first, so that a listing includes them. A failure
    only makes the listing a second behind: the counts are kept for the next flush."""
    usage = request.app.state.oauth.server.usage
    try:
        await run_in_threadpool(usage.flush, app_state(request).sessions)
    except Exception:
        log.exception("flushing OAuth client usage before a listing failed")
