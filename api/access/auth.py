"""Who is calling: API token, web session, or nobody — and CSRF for cookie-borne writes."""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy.orm import Session
from starlette.requests import Request

from api.access.protector import principal_from_access_token
from api.access.tokens import looks_like_jwt
from core.errors import NotAuthenticated, PermissionDenied
from core.identity.accounts import SESSION_LIFETIME, AccountService
from core.identity.models import User, WebSession
from core.identity.principal import Principal
from core.identity.services import TokenService

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_SESSION_KEY = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FORM_FIELD = "csrf_token"
SESSION_COOKIE = "shudu_session"  # the signed cookie of a browser's web session
# Set by the CKAN Action API: its clients send the token raw, with no "Bearer" scheme.
RAW_AUTHORIZATION = "shudu.raw_authorization"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


def check_csrf(request: Request, presented: str | None) -> None:
    expected = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(expected, str) or not presented:
        raise PermissionDenied("Missing CSRF token; reload the page and try again")
    if not hmac.compare_digest(expected, presented):
        raise PermissionDenied("Invalid CSRF token; reload the page and try again")


SESSION_SECRET_KEY = "sid"  # noqa: S105 — where the signed cookie keeps the session secret


def session_user(request: Request, session: Session) -> User | None:
    """The signed-in user of this browser, if its web session is live and the account active.

    The cookie carries a secret; the server keeps the session (``web_sessions``), so a session
    ended elsewhere, or an account locked, stops at the next request. A cookie that names a
    session no longer live is cleared.
    """
    found = _live_session(request, session)
    return None if found is None else found[1]


def _live_session(request: Request, session: Session) -> tuple[WebSession, User] | None:
    if "session" not in request.scope:
        return None
    secret = request.session.get(SESSION_SECRET_KEY)
    if not isinstance(secret, str):
        if request.session.get("user_id"):
            request.session.clear()  # a cookie from before server-side sessions
        return None
    found = AccountService(session).session_user(secret)
    if found is None:
        request.session.clear()
    return found


def bearer_credentials(authorization: str, request: Request) -> str | None:
    """The token of an ``Authorization`` header, or None if it is not a bearer token.

    The CKAN Action API's clients send the token raw, with no scheme (``RAW_AUTHORIZATION``).
    """
    scheme, _, credentials = authorization.strip().partition(" ")
    if not credentials and scheme and request.scope.get(RAW_AUTHORIZATION):
        scheme, credentials = "bearer", scheme
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        return None
    return credentials


def resolve_principal(request: Request, session: Session) -> Principal:
    """Fail closed: a presented but bad credential is an error, never anonymous access."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        credentials = bearer_credentials(authorization, request)
        if credentials is None:
            raise NotAuthenticated("Use 'Authorization: Bearer <API token>'")
        if looks_like_jwt(credentials):  # an OAuth access token (personal tokens are sdu_…)
            return principal_from_access_token(request, session, credentials)
        return TokenService(session).authenticate(credentials)

    found = _live_session(request, session)
    if found is None:
        return Principal.anonymous()
    if request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
        # A cookie rides along with cross-site requests; a header a page cannot forge does not.
        check_csrf(request, request.headers.get(CSRF_HEADER))
    web_session, user = found
    principal = Principal.for_user(user, can_write=True, via="session")
    return principal.until(web_session.created_at + SESSION_LIFETIME)
