"""JWT access tokens (RFC 9068): verification, and the jti deny-list of revoked ones.

Verification is stricter than Authlib's ``JWTBearerTokenValidator``: the header must say
``typ: at+jwt`` (Authlib accepts a missing ``typ``), the algorithm must be on our allow-list
(so never ``none``, and never HS256 keyed with a public key), and ``iss``, ``aud``, ``exp``,
``iat``, ``sub``, ``client_id`` and ``jti`` are all required.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access.keys import ALGORITHM, KeyRing
from core.clock import utcnow
from core.errors import NotAuthenticated
from core.identity.oauth import ClientRecord, OAuthClientService
from core.identity.oauth_models import OAuthRevokedToken

ALLOWED_ALGORITHMS = (ALGORITHM,)
# Verified tokens by their exact text: a client presents the same token for up to 15 minutes,
# and the signature check is most of the cost of a protected request. Expiry is re-checked on
# every use; revocation is checked by the caller on every use.
VERIFIED_CACHE_SIZE = 10_000
ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
LEEWAY_SECONDS = 30
# How stale the in-process copy of the deny-list may be: a revoked token is refused by every
# worker within this many seconds (the token endpoint's own process at once).
DENYLIST_REFRESH_SECONDS = 1.0


class InvalidAccessToken(NotAuthenticated):
    code = "invalid_token"


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("ey")


class AccessTokenVerifier:
    def __init__(self, keys: KeyRing, *, issuer: str, audience: str) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self._verified: dict[str, dict[str, Any]] = {}
        self._claims = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            client_id={"essential": True},
            jti={"essential": True},
        )

    def verify(self, token: str, *, check_audience: bool = True) -> dict[str, Any]:
        """The token's claims, or InvalidAccessToken saying what is wrong."""
        if check_audience:
            cached = self._verified.get(token)
            if cached is not None:
                if int(cached["exp"]) + LEEWAY_SECONDS > time.time():
                    return cached
                self._verified.pop(token, None)
        claims = self._verify(token, check_audience=check_audience)
        if check_audience:
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        return claims

    def _verify(self, token: str, *, check_audience: bool) -> dict[str, Any]:
        try:
            header = jws.extract_compact(token.encode()).headers()
        except (JoseError, ValueError) as exc:
            raise InvalidAccessToken("The access token is not a well-formed JWT") from exc
        typ = str(header.get("typ", "")).lower()
        if typ not in ACCESS_TOKEN_TYPES:
            raise InvalidAccessToken("The access token is not typed at+jwt (RFC 9068)")
        if header.get("alg") not in ALLOWED_ALGORITHMS:
            raise InvalidAccessToken(f"Access tokens must be signed with {ALGORITHM}")
        try:
            decoded = jwt.decode(token, self.keys.verification_keys(), ALLOWED_ALGORITHMS)
        except JoseError as exc:
            raise InvalidAccessToken("The access token's signature does not verify") from exc
        claims = dict(decoded.claims)
        try:
            if check_audience:
                self._claims.validate(claims)
            else:
                registry = jwt.JWTClaimsRegistry(
                    leeway=LEEWAY_SECONDS,
                    iss={"essential": True, "value": self.issuer},
                    exp={"essential": True},
                    jti={"essential": True},
                    client_id={"essential": True},
                )
                registry.validate(claims)
        except JoseError as exc:
            claim = getattr(exc, "claim", None)
            what = f" ({claim})" if claim else ""
            raise InvalidAccessToken(
                f"The access token is expired or not for this API{what}"
            ) from exc
        return claims


class DenyList:
    """The revoked jtis, cached per process and re-read at most once a second."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded_at = -1e9
        self._jtis: frozenset[str] = frozenset()

    def is_revoked(self, session: Session, jti: str) -> bool:
        if time.monotonic() - self._loaded_at > DENYLIST_REFRESH_SECONDS:
            self.reload(session)
        return jti in self._jtis

    def reload(self, session: Session) -> None:
        jtis = frozenset(
            session.scalars(
                select(OAuthRevokedToken.jti).where(OAuthRevokedToken.expires_at > utcnow())
            )
        )
        with self._lock:
            self._jtis = jtis
            self._loaded_at = time.monotonic()

    def add(self, session: Session, claims: dict[str, Any]) -> bool:
        """Deny a token from now on; False if it was already denied."""
        return self.deny(
            session,
            str(claims["jti"]),
            client_id=str(claims.get("client_id", "")),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )

    def deny(self, session: Session, jti: str, *, client_id: str, expires_at: datetime) -> bool:
        """Deny the token with this jti until it expires; False if it was already denied."""
        if session.get(OAuthRevokedToken, jti) is not None:
            return False
        session.add(OAuthRevokedToken(jti=jti, client_id=client_id, expires_at=expires_at))
        session.flush()
        with self._lock:
            self._jtis = self._jtis | {jti}
        return True


CLIENT_CACHE_SECONDS = 1.0
CLIENT_CACHE_SIZE = 10_000


class ClientCache:
    """Clients as the resource protector last read them, for at most a second.

    On PostgreSQL the client's row was one network round trip on every protected request
    (about half of what protection added). A deleted client's tokens are therefore refused
    by every worker within CLIENT_CACHE_SECONDS, as a revoked token is (DENYLIST_REFRESH_SECONDS).
    The token endpoint never uses this: a rotated secret or a deleted client counts at once there.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, ClientRecord]] = {}

    def forget(self, client_id: str) -> None:
        """This process stops at once (a deleted client); the others within the second."""
        self._entries.pop(client_id, None)

    def get(self, session: Session, client_id: str) -> ClientRecord | None:
        now = time.monotonic()
        cached = self._entries.get(client_id)
        if cached is not None and now - cached[0] < CLIENT_CACHE_SECONDS:
            return cached[1]
        record = OAuthClientService(session).lookup(client_id)
        if record is None:
            self._entries.pop(client_id, None)
            return None
        if len(self._entries) >= CLIENT_CACHE_SIZE:
            self._entries.clear()
        self._entries[client_id] = (now, record)
        return record
