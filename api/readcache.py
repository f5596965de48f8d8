"""Reads answered from memory while nothing they show has changed.

See docs/architecture.md, "Read caching". A cacheable read is built once per read generation
(``core.generation``) and kept as the bytes sent. The generation is read before building, so
what is kept is never older than the generation it is kept under; any committed change that a
read may show (in any process), and the search indexer's catching up, move the generation on,
and the next read builds afresh.

- **One dataset** (API v1, CKAN's ``package_show``) is kept only when anyone may see it.
- **A search** (API v1, CKAN's ``package_search``) is kept under what its caller may find (the
  ``view``): callers who may find the same datasets share it.
- **A page** (home, search, dataset, departments, themes) is kept per language, elder mode,
  whether its visitor is signed in and what they may see, with marks where each visitor's own
  CSRF token and e-mail go.

A kept answer is served to an anonymous caller, or to a caller whose personal API token this
process checked in the same generation, less than a minute ago, and that has not expired since.
A kept page is served to a visitor who is not signed in, or whose web session this process
checked in the same generation, less than a minute ago. Any other caller (OAuth, a session or
token not seen yet) takes the full path, which resolves and checks them as every request does,
and may then be kept for the next. An answer that recorded something (a search
that found nothing is counted) is not kept. JSON answers carry an ``ETag``; ``If-None-Match``
gets 304.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from markupsafe import escape
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from api.access.auth import SESSION_COOKIE, SESSION_SECRET_KEY, bearer_credentials, csrf_token
from api.access.tokens import looks_like_jwt
from api.html import CSRF_MARK, CSRF_MARKING, EMAIL_MARK, elder_mode, page_language
from api.state import app_state, in_transaction, resolved_principal
from catalog.search.service import visibility_for
from core import generation, jsonutil
from core.identity.principal import Principal

MAX_READS = 4096  # kept answers per process (LRU)
MAX_CALLERS = 10_000  # checked tokens per process (LRU)
RECHECK_SECONDS = 60.0  # a token takes the full path again (which records its use) this often
PAGE_SECONDS = 60.0  # a page says "today" and shows ledger figures: built again this often

Key = tuple[Hashable, ...]
View = Callable[[Principal], Hashable]
ANONYMOUS = Principal.anonymous()
_NOT_KEPT = "shudu.not_kept"


@dataclass(frozen=True, slots=True)
class Kept:
    generation: int
    body: bytes
    etag: str
    stale_at: float = math.inf  # monotonic
    headers: tuple[tuple[bytes, bytes], ...] = ()  # a page's own (its content type)


@dataclass(frozen=True, slots=True)
class Checked:
    generation: int
    expires_at: float  # the credential's own expiry (epoch seconds)
    recheck_at: float  # monotonic
    principal: Principal


@dataclass(frozen=True, slots=True)
class Built:
    """What a read built: its JSON, and whether it may be kept (for a read without a view:
    whether anyone may see it)."""

    payload: Any
    public: bool


def not_kept(request: Request) -> None:
    """This answer recorded something on the way: build it again for the next caller."""
    request.scope[_NOT_KEPT] = True


def _keepable(request: Request) -> bool:
    return not request.scope.get(_NOT_KEPT, False)


class ReadCache:
    """One process's kept reads and checked tokens; used from the event loop only."""

    def __init__(self) -> None:
        self.reads: OrderedDict[Key, Kept] = OrderedDict()
        self.callers: OrderedDict[bytes, Checked] = OrderedDict()

    def read(self, key: Key, current: int) -> Kept | None:
        kept = self.reads.get(key)
        if kept is None or kept.generation != current or kept.stale_at <= time.monotonic():
            return None
        self.reads.move_to_end(key)
        return kept

    def keep(self, key: Key, kept: Kept) -> None:
        self.reads[key] = kept
        self.reads.move_to_end(key)
        while len(self.reads) > MAX_READS:
            self.reads.popitem(last=False)

    def caller(self, digest: bytes, current: int) -> Principal | None:
        """The principal of a token checked in this generation, if it needs no check now."""
        checked = self.callers.get(digest)
        if checked is None:
            return None
        if (
            checked.generation != current
            or checked.expires_at <= time.time()
            or checked.recheck_at <= time.monotonic()
        ):
            del self.callers[digest]
            return None
        return checked.principal

    def remember_caller(self, digest: bytes, current: int, principal: Principal) -> None:
        if principal.expires_at is None:
            return
        self.callers[digest] = Checked(
            current,
            principal.expires_at.timestamp(),
            time.monotonic() + RECHECK_SECONDS,
            principal,
        )
        self.callers.move_to_end(digest)
        while len(self.callers) > MAX_CALLERS:
            self.callers.popitem(last=False)


def read_cache(request: Request) -> ReadCache:
    cache: ReadCache = request.app.state.read_cache
    return cache


def _current(request: Request) -> int | None:
    return generation.current(app_state(request).sessions.kw["bind"])


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


async def kept_json(
    request: Request,
    key: Key,
    produce: Callable[[], Awaitable[tuple[Built, Principal]]],
    *,
    view: View | None = None,
) -> Response:
    """The read of ``key``: kept bytes if still current and the caller may have them, else
    what ``produce`` builds as the request's principal (which may be kept).

    Without ``view`` only what anyone may see is kept, under ``key``; with it, everything is
    kept under ``key`` and ``view(principal)``, and served to callers of the same view: the
    answer must depend on its caller through ``view`` alone.
    """
    cache = read_cache(request)
    servable, token = _caller(request)
    current = _current(request) if servable else None
    if current is not None:
        caller = ANONYMOUS if token is None else cache.caller(token, current)
        if caller is not None:
            kept = cache.read(key if view is None else (*key, view(caller)), current)
            if kept is not None:
                return _answer(request, kept.body, kept.etag, public=True, anonymous=token is None)

    built, principal = await produce()
    body = jsonutil.dumps(built.payload)
    etag = _etag(body)
    if current is not None and _keepable(request):
        if view is not None:
            cache.keep((*key, view(principal)), Kept(current, body, etag))
        elif built.public:
            cache.keep(key, Kept(current, body, etag))
        if token is not None:
            cache.remember_caller(token, current, principal)
    anonymous = principal.user_id is None and principal.client_id is None
    public = built.public or view is not None
    return _answer(request, body, etag, public=public, anonymous=anonymous)


async def cached_json(
    request: Request, key: Key, build: Callable[[Session, Principal], Built]
) -> Response:
    """``kept_json`` of a read built in one transaction."""

    def work(session: Session, principal: Principal) -> tuple[Built, Principal]:
        return build(session, principal), principal

    return await kept_json(request, key, lambda: in_transaction(request, work))


def _session_digest(request: Request) -> bytes | None:
    secret = request.session.get(SESSION_SECRET_KEY)
    if not isinstance(secret, str):
        return None
    return hashlib.sha256(b"session:" + secret.encode()).digest()


def _page_key(request: Request, lang: str, signed_in: bool, principal: Principal) -> Key:
    url = request.url
    return ("page", url.path, url.query, lang, elder_mode(request), signed_in, page_view(principal))


def page_view(principal: Principal) -> Hashable:
    """What a kept page may depend on of its visitor: what they may see (the datasets, their
    previews and products follow ``visibility_for``; their department's closed ones too)."""
    return visibility_for(principal)


async def kept_page(request: Request, produce: Callable[[], Awaitable[Response]]) -> Response:
    """A page kept per address, language, elder mode, whether its visitor is signed in and what
    they may see (``page_view``), with this visitor's CSRF token and e-mail put where the marks
    are. A signed-in visitor's web session is checked once per generation in this process (as
    a personal token is), and remembered for a minute at most.
    """
    if request.method != "GET" or "authorization" in request.headers:
        return await produce()
    digest = _session_digest(request)
    if digest is None and (request.session.get("user_id") or request.session.get("email")):
        return await produce()  # a cookie from before server-side sessions: cleared there
    lang = page_language(request)  # a ?lang= choice is remembered on a kept page too
    cache = read_cache(request)
    current = _current(request)
    caller = None
    if current is not None:
        caller = ANONYMOUS if digest is None else cache.caller(digest, current)
        if caller is None and digest is not None:  # check the session (one query), keep it
            checked = await in_transaction(request, lambda _, principal: principal)
            if checked.via == "session":
                cache.remember_caller(digest, current, checked)
                caller = checked
            else:  # ended or expired: the session was cleared, the page is anonymous
                caller, digest = ANONYMOUS, None
    kept = None
    if caller is not None and current is not None:
        kept = cache.read(_page_key(request, lang, digest is not None, caller), current)
    if kept is not None:
        body, status, headers = kept.body, 200, list(kept.headers)
    else:
        request.scope[CSRF_MARKING] = True
        try:
            response = await produce()
        finally:
            request.scope.pop(CSRF_MARKING, None)
        if isinstance(response, StreamingResponse):  # not a rendered page: nothing to keep
            return response
        body, status = bytes(response.body), response.status_code
        headers = [(k, v) for k, v in response.raw_headers if k != b"content-length"]
        principal = resolved_principal(request)
        # As it was rendered: a session found ended on the way was cleared, the page anonymous.
        signed_in = _session_digest(request) is not None
        if status == 200 and current is not None and principal is not None and _keepable(request):
            shared = tuple((k, v) for k, v in headers if k != b"set-cookie")
            key = _page_key(request, lang, signed_in, principal)
            cache.keep(key, Kept(current, body, "", time.monotonic() + PAGE_SECONDS, shared))
    body = body.replace(CSRF_MARK.encode(), csrf_token(request).encode())
    email = request.session.get("email")
    if isinstance(email, str):
        body = body.replace(EMAIL_MARK.encode(), str(escape(email)).encode())
    page = Response(body, status_code=status)
    page.raw_headers.extend(headers)
    return page
