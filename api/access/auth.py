"""Who is calling: API token, web session, or nobody — and CSRF for cookie-borne writes."""

from __future__ import annotations

import hmac
import secrets
import uuid

from sqlalchemy.orm import Session
from starlette.requests import Request

from api.access.protector import principal_from_access_token
from api.access.tokens import looks_like_jwt
from core.errors import NotAuthenticated, PermissionDenied
from core.identity.models import User
from core.identity.principal import Principal
from core.identity.services import TokenService

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_SESSION_KEY = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FORM_FIELD = "csrf_token"
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


def resolve_principal(request: Request, session: Session) -> Principal:
    """Fail closed: a presented but bad credential is an error, never anonymous access."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.strip().partition(" ")
        if not credentials and scheme and request.scope.get(RAW_AUTHORIZATION):
            scheme, credentials = "bearer", scheme
        if scheme.lower() != "bearer" or not credentials.strip():
            raise NotAuthenticated("Use 'Authorization: Bearer <API token>'")
        credentials = credentials.strip()
        if looks_like_jwt(credentials):  # an OAuth access token (personal tokens are sdu_…)
            return principal_from_access_token(request, session, credentials)
        return TokenService(session).authenticate(credentials)

    user_id = request.session.get("user_id") if "session" in request.scope else None
    if not isinstance(user_id, str):
        return Principal.anonymous()
    try:
        user = session.get(User, uuid.UUID(user_id))
    except ValueError:
        user = None
    if user is None or not user.is_active:
        request.session.clear()
        return Principal.anonymous()
    if request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
        # A cookie rides along with cross-site requests; a header a page cannot forge does not.
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return Principal.for_user(user, can_write=True, via="session")
