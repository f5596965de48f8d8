"""Reads answered from memory while nothing they show has changed.

See docs/architecture.md, "Read caching". A cacheable read (one dataset, by the API v1 or
CKAN's ``package_show``) is built once per read generation (``core.generation``) and kept as
the bytes sent. The generation is read before building, so what is kept is never older than the
generation it is kept under; any committed change that a read may show (in any process) moves
the generation on, and the next read builds afresh.

Only what anyone may see is kept (a published open or conditional dataset). It is served from
memory to an anonymous caller, or to a caller whose personal API token this process checked in
the same generation, less than a minute ago, and that has not expired since. Any other caller
(OAuth, a web session, a token not seen yet) takes the full path, which resolves and checks
them as every request does. Answers carry an ``ETag``; ``If-None-Match`` gets 304.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from api.access.auth import SESSION_COOKIE, bearer_credentials
from api.access.tokens import looks_like_jwt
from api.state import app_state, in_transaction
from core import generation, jsonutil
from core.identity.principal import Principal

MAX_READS = 4096  # kept answers per process (LRU)
MAX_CALLERS = 10_000  # checked tokens per process (LRU)
RECHECK_SECONDS = 60.0  # a token takes the full path again (which records its use) this often

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Kept:
    generation: int
    body: bytes
    etag: str


@dataclass(frozen=True, slots=True)
class Checked:
    generation: int
    expires_at: float  # the credential's own expiry (epoch seconds)
    recheck_at: float  # monotonic


@dataclass(frozen=True, slots=True)
class Built:
    """What a read built: its JSON, and whether anyone may see it (then it may be kept)."""

    payload: Any
    public: bool


class ReadCache:
    """One process's kept reads and checked tokens; used from the event loop only."""

    def __init__(self) -> None:
        self.reads: OrderedDict[Key, Kept] = OrderedDict()
        self.callers: OrderedDict[bytes, Checked] = OrderedDict()

    def read(self, key: Key, current: int) -> Kept | None:
        kept = self.reads.get(key)
        if kept is None or kept.generation != current:
            return None
        self.reads.move_to_end(key)
        return kept

    def keep(self, key: Key, kept: Kept) -> None:
        self.reads[key] = kept
        self.reads.move_to_end(key)
        while len(self.reads) > MAX_READS:
            self.reads.popitem(last=False)

    def caller_checked(self, digest: bytes, current: int) -> bool:
        checked = self.callers.get(digest)
        if checked is None:
            return False
        if (
            checked.generation != current
            or checked.expires_at <= time.time()
            or checked.recheck_at <= time.monotonic()
        ):
            del self.callers[digest]
            return False
        return True

    def remember_caller(self, digest: bytes, current: int, expires_at: datetime) -> None:
        self.callers[digest] = Checked(
            current, expires_at.timestamp(), time.monotonic() + RECHECK_SECONDS
        )
        self.callers.move_to_end(digest)
        while len(self.callers) > MAX_CALLERS:
            self.callers.popitem(last=False)


def read_cache(request: Request) -> ReadCache:
    cache: ReadCache = request.app.state.read_cache
    return cache


def _caller(request: Request) -> tuple[bool, bytes | None]:
    """(whether kept reads may be served, the digest of a personal API token if one came).

    Anonymous callers and personal tokens may; OAuth tokens and web sessions take the full path.
    """
    headers = request.headers
    cookie = headers.get("cookie")
    if cookie is not None and f"{SESSION_COOKIE}=" in cookie:
        return False, None
    authorization = headers.get("authorization")
    if authorization is None:
        return True, None
    credentials = bearer_credentials(authorization, request)
    if credentials is None or looks_like_jwt(credentials):
        return False, None
    return True, hashlib.sha256(credentials.encode()).digest()


def _etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _answer(request: Request, body: bytes, etag: str, *, public: bool, anonymous: bool) -> Response:
    headers = {
        "etag": etag,
        # Revalidate every time (an edit shows at once); shared caches only when anonymous.
        "cache-control": ("no-cache" if anonymous else "private, no-cache")
        if public
        else "private, no-store",
        "vary": "Authorization, Cookie",
    }
    wanted = request.headers.get("if-none-match")
    if public and wanted is not None and etag in (t.strip() for t in wanted.split(",")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def cached_json(
    request: Request, key: Key, build: Callable[[Session, Principal], Built]
) -> Response:
    """The read of ``key``: kept bytes if still current and the caller may have them, else
    ``build`` in a transaction as the request's principal (which may keep what it built)."""
    cache = read_cache(request)
    servable, token = _caller(request)
    current = None
    if servable:
        current = generation.current(app_state(request).sessions.kw["bind"])
    if current is not None and (token is None or cache.caller_checked(token, current)):
        kept = cache.read(key, current)
        if kept is not None:
            return _answer(request, kept.body, kept.etag, public=True, anonymous=token is None)

    def work(session: Session, principal: Principal) -> tuple[Built, Principal]:
        return build(session, principal), principal

    built, principal = await in_transaction(request, work)
    body = jsonutil.dumps(built.payload)
    etag = _etag(body)
    if current is not None:
        if built.public:
            cache.keep(key, Kept(current, body, etag))
        if token is not None and principal.expires_at is not None:
            cache.remember_caller(token, current, principal.expires_at)
    anonymous = principal.user_id is None and principal.client_id is None
    return _answer(request, body, etag, public=built.public, anonymous=anonymous)
