"""Rate limits on the data APIs, per OAuth client and per anonymous IP address.

Fixed one-minute windows counted in the database (``rate_limit_windows``), so that every
worker process sees the same count: one upsert per request, ``INSERT … ON CONFLICT DO UPDATE
… RETURNING`` on SQLite and PostgreSQL alike. Answers carry ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset``; a refused request gets 429 with
``Retry-After``. People with a session or a personal API token are not limited here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access.auth import SESSION_COOKIE
from api.access.tokens import InvalidAccessToken, looks_like_jwt
from api.http import JSONResponse
from core.db import transaction

WINDOW_SECONDS = 60
LIMITED_PREFIX = "/api/"

_HIT = text(
    "INSERT INTO rate_limit_windows (key, window_start, count) VALUES (:key, :window, 1)"
    " ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limit_windows.count + 1"
    " RETURNING count"
)
_FORGET = text("DELETE FROM rate_limit_windows WHERE key = :key AND window_start < :window")


@dataclass(frozen=True, slots=True)
class Verdict:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    @property
    def allowed(self) -> bool:
        return self.remaining >= 0

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(max(self.remaining, 0)).encode()),
            (b"ratelimit-reset", str(self.reset).encode()),
            (b"ratelimit-policy", f"{self.limit};w={WINDOW_SECONDS}".encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", str(self.reset).encode()))
        return headers


def hit(sessions: sessionmaker[Session], key: str, limit: int, now: float) -> Verdict:
    """Count one request for ``key`` in the current window, in its own short transaction."""
    window = int(now) - int(now) % WINDOW_SECONDS
    with transaction(sessions, write=True) as session:
        count = int(session.execute(_HIT, {"key": key, "window": window}).scalar_one())
        if count == 1:  # a new window: the key's older ones are of no further use
            session.execute(_FORGET, {"key": key, "window": window})
    return Verdict(limit, limit - count, window + WINDOW_SECONDS - int(now))


def _caller_key(scope: Scope) -> tuple[str, str] | None:
    """("client", id) for a valid OAuth token, ("ip", address) for anonymous, else None."""
    authorization = None
    cookie = False
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"cookie" and SESSION_COOKIE.encode() + b"=" in value:
            cookie = True
    if authorization is not None:
        _, _, credentials = authorization.partition(" ")
        credentials = credentials.strip()
        if not looks_like_jwt(credentials):
            return None  # a personal API token: a person or their script
        server = scope["app"].state.oauth.server
        try:
            claims = server.verifier.verify(credentials)
        except InvalidAccessToken:
            return None  # refused later, with the reason, by the protector
        return ("client", str(claims["client_id"]))
    if cookie:
        return None
    client = scope.get("client")
    return ("ip", client[0] if client else "unknown")


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LIMITED_PREFIX):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        settings = state.shudu.settings
        caller = _caller_key(scope)
        limit = 0
        if caller is not None:
            kind, who = caller
            limit = (
                settings.rate_limit_client if kind == "client" else settings.rate_limit_anonymous
            )
        if caller is None or limit <= 0:
            await self.app(scope, receive, send)
            return
        key = f"{caller[0]}:{caller[1]}"[:100]
        verdict = await run_in_threadpool(hit, state.shudu.sessions, key, limit, time.time())
        if not verdict.allowed:
            who = "this client" if caller[0] == "client" else "anonymous callers from this address"
            body = {
                "error": {
                    "code": "rate_limited",
                    "message": f"Too many requests for {who}: {limit} a minute;"
                    f" try again in {verdict.reset} s",
                    "details": {"limit": limit, "retry_after": verdict.reset},
                }
            }
            response = JSONResponse(body, status_code=429)
            response.raw_headers.extend(verdict.headers())
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *verdict.headers()]
            await send(message)

        await self.app(scope, receive, send_with_headers)
