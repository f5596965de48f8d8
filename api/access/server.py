"""The OAuth 2.0 authorization server: Authlib's core with our Starlette adapter.

Authlib ships Flask and Django servers only. Ours builds Authlib's request object from the
already-awaited Starlette query and form, and runs Authlib's synchronous calls in a worker
thread inside one database transaction (the session is in a context variable that
``query_client``, ``save_token`` and the grants read). Authlib defaults we override:

- PKCE is required for every authorization request, and ``S256`` is the only method
  (Authlib allows ``plain`` and skips PKCE for confidential clients);
- access tokens live 15 minutes (Authlib's default is 10 days);
- a requested scope the client was not registered for is an error (Authlib drops it quietly);
- refresh tokens rotate on every use, and a reused one revokes its whole family.
"""

from __future__ import annotations

import base64
import contextvars
import hashlib
import secrets
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import orjson
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import (
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    JsonRequest,
    OAuth2Payload,
    grants,
)
from authlib.oauth2.rfc6749.util import scope_to_list
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc.jwk import KeySet
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from starlette.datastructures import Headers

from api.access.keys import ALGORITHM, KeyRing
from api.access.tokens import (
    AccessTokenVerifier,
    ClientCache,
    DenyList,
    InvalidAccessToken,
    looks_like_jwt,
)
from api.access.usage import UsageCounter
from core import ledger, ledger_outbox
from core.clock import utcnow
from core.identity.models import User
from core.identity.oauth import (
    AUTH_METHODS,
    SCOPES,
    ClientRecord,
    OAuthClientService,
    secret_matches,
)
from core.identity.oauth_models import (
    OAuthAuthorizationCode,
    OAuthRefreshToken,
    OAuthRevokedToken,
)

ACCESS_TOKEN_SECONDS = 15 * 60
AUTHORIZATION_CODE_SECONDS = 60
REFRESH_TOKEN_DAYS = 30

_session: contextvars.ContextVar[Session] = contextvars.ContextVar("oauth_session")


def current_session() -> Session:
    return _session.get()


def bind_session(session: Session) -> contextvars.Token[Session]:
    return _session.set(session)


def unbind_session(token: contextvars.Token[Session]) -> None:
    _session.reset(token)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT we have just signed ourselves (so no verification is needed)."""
    payload = token.split(".")[1]
    claims: dict[str, Any] = orjson.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


# -- the Starlette adapter -------------------------------------------------------------------


class StarlettePayload(OAuth2Payload):  # type: ignore[misc]
    def __init__(self, query: Mapping[str, list[str]], form: Mapping[str, list[str]]) -> None:
        merged: dict[str, list[str]] = defaultdict(list)
        for source in (query, form):
            for key, values in source.items():
                merged[key].extend(values)
        self._datalist = merged
        self._data = {key: values[0] for key, values in merged.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist  # type: ignore[return-value]


class StarletteOAuth2Request(OAuth2Request):  # type: ignore[misc]
    """Authlib's request, built from values the async handler already awaited."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Headers,
        query: Mapping[str, list[str]],
        form: Mapping[str, list[str]],
    ) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self._args = {k: v[0] for k, v in query.items()}
        self._form = {k: v[0] for k, v in form.items()}
        self.payload = StarlettePayload(query, form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


@dataclass(frozen=True)
class HttpInput:
    """What the handler read from the Starlette request before going to the threadpool."""

    method: str
    uri: str
    headers: Headers
    query: dict[str, list[str]] = field(default_factory=dict)
    form: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class OAuthResponse:
    status: int
    body: Any
    headers: list[tuple[str, str]]


# -- Authlib's model mixins, over our rows ---------------------------------------------------


class Client:
    """Authlib's ClientMixin over a client's :class:`ClientRecord`."""

    def __init__(self, row: ClientRecord) -> None:
        self.row = row

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        uris = self.row.redirect_uris
        return str(uris[0]) if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = set(self.row.scope.split())
        if not scope:
            return self.row.scope
        requested = scope_to_list(scope)
        if not set(requested) <= allowed:
            raise InvalidScopeError(
                f"The client is not registered for scope {' '.join(set(requested) - allowed)}"
            )
        return " ".join(sorted(set(requested)))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string match (RFC 9700 §4.1.3): no prefixes, no patterns, no normalising.
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secret_matches(self.row, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.row.auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.row.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        if grant_type == "refresh_token":
            return "authorization_code" in self.row.grant_types
        return grant_type in self.row.grant_types


class AuthorizationCode:
    def __init__(self, row: OAuthAuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class RefreshToken:
    def __init__(self, row: OAuthRefreshToken) -> None:
        self.row = row

    def check_client(self, client: Client) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return int((self.row.expires_at - self.row.created_at).total_seconds())

    def is_expired(self) -> bool:
        return self.row.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None or self.row.used_at is not None

    def get_user(self) -> User | None:
        return current_session().get(User, self.row.user_id)


class AccessToken:
    """A verified JWT access token, as revocation and introspection see it."""

    def __init__(self, claims: dict[str, Any]) -> None:
        self.claims = claims

    def check_client(self, client: Client) -> bool:
        return bool(self.claims.get("client_id") == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def is_expired(self) -> bool:
        return int(self.claims["exp"]) <= time.time()

    def is_revoked(self) -> bool:
        return False  # the introspection endpoint consults the deny-list itself


# -- grants -----------------------------------------------------------------------------------


def _scope_for(grant: grants.BaseGrant) -> None:
    """Requested scopes must be ones the client registered for (no silent narrowing)."""
    client = grant.request.client
    grant.request.scope = client.get_allowed_scope(grant.request.payload.scope)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)

    def validate_requested_scope(self) -> None:
        _scope_for(self)

    def create_token_response(self) -> tuple[int, Any, Any]:
        token = self.generate_token(scope=self.request.scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE for every client, S256 only (Authlib's default also allows ``plain``)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]  # noqa: RUF012 — Authlib reads this attribute
    CODE_CHALLENGE_METHODS = {"S256": CodeChallenge.CODE_CHALLENGE_METHODS["S256"]}  # noqa: RUF012

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        payload = grant.request.payload
        if not payload.data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (S256)")
        method = payload.data.get("code_challenge_method")
        if method != "S256":
            raise InvalidRequestError("code_challenge_method must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier' (PKCE is required)")
        super().validate_code_verifier(grant, result)

    def get_authorization_code_challenge(self, authorization_code: AuthorizationCode) -> str:
        return authorization_code.code_challenge

    def get_authorization_code_challenge_method(self, authorization_code: AuthorizationCode) -> str:
        return authorization_code.code_challenge_method


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)

    def validate_requested_scope(self) -> None:
        _scope_for(self)

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        current_session().add(
            OAuthAuthorizationCode(
                code_hash=_sha256(code),
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                redirect_uri=data.get("redirect_uri") or request.client.get_default_redirect_uri(),
                scope=request.scope,
                code_challenge=data["code_challenge"],
                code_challenge_method=data.get("code_challenge_method", "S256"),
                expires_at=utcnow() + timedelta(seconds=AUTHORIZATION_CODE_SECONDS),
            )
        )

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        session = current_session()
        row = session.get(OAuthAuthorizationCode, _sha256(code), with_for_update=True)
        if row is None or row.client_id != client.get_client_id():
            return None
        if row.used_at is not None:
            # A replayed code: someone else may hold it. Revoke what it was exchanged for.
            if row.family_id is not None:
                self.server.revoke_family(row.family_id, reason="authorization_code_reuse")
            return None
        if row.expires_at <= utcnow():
            return None
        return AuthorizationCode(row)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Kept, marked used, so that a replay is recognised (and its tokens revoked).
        authorization_code.row.used_at = utcnow()

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User | None:
        return current_session().get(User, authorization_code.row.user_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        session = current_session()
        row = session.get(OAuthRefreshToken, _sha256(refresh_token), with_for_update=True)
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            return None
        if row.used_at is not None:
            # Rotation means a used refresh token is never presented again by its holder:
            # this is a copy. Revoke the family, so neither copy works any more.
            self.server.revoke_family(row.family_id, reason="refresh_token_reuse")
            return None
        return RefreshToken(row)

    def authenticate_user(self, refresh_token: RefreshToken) -> User | None:
        user = refresh_token.get_user()
        return user if user is not None and user.is_active else None

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        refresh_token.row.used_at = utcnow()


class PrivateKeyJWT(JWTBearerClientAssertion):  # type: ignore[misc]
    """RFC 7523 client authentication with the keys the client registered."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, issuer: str) -> None:
        super().__init__(validate_jti=True, leeway=30)
        self.issuer = issuer

    def get_audiences(self) -> list[str]:
        return [self.issuer + "/oauth/token", self.issuer]

    def resolve_client_public_key(self, client: Client) -> Any:
        if not client.row.jwks:
            raise InvalidClientError(description="The client registered no keys")
        keys = KeySet.import_key_set(client.row.jwks)  # type: ignore[arg-type]
        # One key needs no kid in the assertion's header; several are picked by kid.
        return keys.keys[0] if len(keys.keys) == 1 else keys

    def validate_jti(self, claims: Mapping[str, Any], jti: str) -> bool:
        # An assertion is good once: its jti joins the deny-list until it expires.
        session = current_session()
        key = "assertion:" + _sha256(f"{claims['iss']}:{jti}")[:50]
        if session.get(OAuthRevokedToken, key) is not None:
            return False
        session.add(
            OAuthRevokedToken(
                jti=key,
                client_id=str(claims["iss"]),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        )
        return True


# -- tokens -----------------------------------------------------------------------------------


class TokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    """RFC 9068 access tokens signed by the key ring's current key, 15 minutes by default."""

    def __init__(self, issuer: str, audience: str, keys: KeyRing, lifetime: int) -> None:
        super().__init__(
            issuer,
            alg=ALGORITHM,
            refresh_token_generator=lambda **_: secrets.token_urlsafe(32),
            expires_generator=lifetime,
        )
        self.audience = audience
        self.keys = keys

    def access_token_generator(
        self, client: Client, grant_type: str, user: User | None, scope: str
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user.id) if user is not None else client.get_client_id(),
            "client_id": client.get_client_id(),
            "scope": scope,
            "iat": now,
            "exp": now + self._get_expires_in(client, grant_type),
            "jti": secrets.token_urlsafe(16),
        }
        if client.row.organization_id is not None:
            claims["org"] = str(client.row.organization_id)
        signing = self.keys.current
        return signing.sign_jwt({"alg": ALGORITHM, "typ": "at+jwt", "kid": signing.kid}, claims)


class Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)

    def query_token(
        self, token_string: str, token_type_hint: str | None
    ) -> AccessToken | RefreshToken | None:
        found: AccessToken | RefreshToken | None = self.server.find_token(token_string)
        return found

    def revoke_token(self, token: AccessToken | RefreshToken, request: OAuth2Request) -> None:
        if isinstance(token, RefreshToken):
            self.server.revoke_family(token.row.family_id, reason="revoked")
        else:
            self.server.deny_list.add(current_session(), token.claims)


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(AUTH_METHODS)

    def query_token(
        self, token_string: str, token_type_hint: str | None
    ) -> AccessToken | RefreshToken | None:
        found: AccessToken | RefreshToken | None = self.server.find_token(token_string)
        return found

    def check_permission(self, token: Any, client: Client, request: OAuth2Request) -> bool:
        # A client may introspect its own tokens (resource servers are ours, in-process).
        return bool(token.check_client(client))

    def introspect_token(self, token: AccessToken | RefreshToken) -> dict[str, Any]:
        if isinstance(token, RefreshToken):
            if token.is_revoked() or token.is_expired():
                return {"active": False}
            return {
                "active": True,
                "token_type": "refresh_token",
                "client_id": token.row.client_id,
                "scope": token.row.scope,
                "sub": str(token.row.user_id),
                "exp": int(token.row.expires_at.timestamp()),
            }
        claims = token.claims
        if self.server.deny_list.is_revoked(current_session(), str(claims["jti"])):
            return {"active": False}
        return {"active": True, "token_type": "Bearer", **claims}


# -- the server -------------------------------------------------------------------------------


class ShuduAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, *, issuer: str, audience: str, keys: KeyRing, lifetime: int) -> None:
        super().__init__(scopes_supported=list(SCOPES))
        self.issuer = issuer
        self.audience = audience
        self.keys = keys
        self.lifetime = lifetime
        self.verifier = AccessTokenVerifier(keys, issuer=issuer, audience=audience)
        self.deny_list = DenyList()
        self.clients = ClientCache()
        self.usage = UsageCounter()
        self.register_token_generator(
            "default", TokenGenerator(issuer, audience, keys, lifetime).generate
        )
        self.register_client_auth_method("private_key_jwt", PrivateKeyJWT(issuer))
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(AuthorizationCodeGrant, [S256Only(required=True)])
        self.register_grant(RefreshTokenGrant)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)

    # The six framework hooks Authlib asks an integration for.

    def query_client(self, client_id: str) -> Client | None:
        row = OAuthClientService(current_session()).lookup(client_id)
        return None if row is None else Client(row)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        session = current_session()
        client: Client = request.client
        if "refresh_token" in token:
            previous = request.refresh_token
            if previous is not None:
                family = previous.row.family_id
            else:
                family = uuid.uuid4()
                request.authorization_code.row.family_id = family
            now = utcnow()
            access = _unverified_claims(token["access_token"])
            session.add(
                OAuthRefreshToken(
                    token_hash=_sha256(token["refresh_token"]),
                    family_id=family,
                    client_id=client.get_client_id(),
                    user_id=request.user.id,
                    scope=token.get("scope", ""),
                    created_at=now,
                    expires_at=now + timedelta(days=REFRESH_TOKEN_DAYS),
                    access_jti=str(access["jti"]),
                    access_expires_at=datetime.fromtimestamp(int(access["exp"]), UTC),
                )
            )
        self.usage.count_grant(client.get_client_id())
        self.send_signal("token_granted", client=client, token=token, request=request)

    def create_oauth2_request(self, request: HttpInput | OAuth2Request) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return StarletteOAuth2Request(
            request.method, request.uri, request.headers, request.query, request.form
        )

    def create_json_request(self, request: HttpInput) -> JsonRequest:
        return JsonRequest(request.method, request.uri, request.headers)

    def handle_response(self, status: int, body: Any, headers: Any) -> OAuthResponse:
        return OAuthResponse(status, body, list(headers or []))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Authlib's signals (and ours) become audit-ledger entries, in the same transaction."""
        session = current_session()
        client: Client | None = kwargs.get("client")
        org = None if client is None else client.row.organization_id
        subject = None if client is None else f"oauth_client:{client.get_client_id()}"
        if name == "token_granted":
            token = kwargs["token"]
            request = kwargs["request"]
            user = request.user
            # Queued in this transaction, appended to the ledger in batches a moment later
            # (core.ledger_outbox): the ledger's append lock was half the cost of a grant.
            ledger_outbox.record_later(
                session,
                "oauth.token_granted",
                actor=None if user is None else user.id,
                org=org,
                subject=subject,
                data={
                    "grant_type": request.payload.grant_type,
                    "scope": token.get("scope", ""),
                    "refresh_token": "refresh_token" in token,
                    # Which token: a revocation or a reuse names the same jti.
                    "jti": _unverified_claims(token["access_token"])["jti"],
                },
            )
        elif name == "after_revoke_token":
            token = kwargs["token"]
            kind = "refresh_token" if isinstance(token, RefreshToken) else "access_token"
            data: dict[str, Any] = {"token_type": kind}
            if isinstance(token, AccessToken):
                data["jti"] = token.claims.get("jti")
            ledger.append(session, "oauth.token_revoked", org=org, subject=subject, data=data)
        elif name == "family_revoked":
            ledger.append(
                session,
                "oauth.refresh_token_reuse"
                if kwargs["reason"] != "revoked"
                else "oauth.refresh_family_revoked",
                subject=f"oauth_client:{kwargs['client_id']}",
                data={"family": str(kwargs["family_id"]), "reason": kwargs["reason"]},
            )
        # "after_authenticate_client" needs no record: the grant that follows is recorded.

    # Shared by the grants and endpoints.

    def find_token(self, token_string: str) -> AccessToken | RefreshToken | None:
        session = current_session()
        if looks_like_jwt(token_string):
            try:
                return AccessToken(self.verifier.verify(token_string, check_audience=False))
            except InvalidAccessToken:
                return None
        row = session.get(OAuthRefreshToken, _sha256(token_string))
        return None if row is None else RefreshToken(row)

    def revoke_family(self, family_id: uuid.UUID, *, reason: str) -> None:
        session = current_session()
        rows = list(
            session.scalars(
                select(OAuthRefreshToken).where(OAuthRefreshToken.family_id == family_id)
            )
        )
        if not rows or all(r.revoked_at is not None for r in rows):
            return
        now = utcnow()
        session.execute(
            update(OAuthRefreshToken)
            .where(OAuthRefreshToken.family_id == family_id, OAuthRefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        # The access tokens issued with the family die with it (their jtis are denied).
        for row in rows:
            expires = row.access_expires_at
            if row.access_jti is not None and expires is not None and expires > now:
                self.deny_list.deny(
                    session, row.access_jti, client_id=row.client_id, expires_at=expires
                )
        self.send_signal(
            "family_revoked", family_id=family_id, client_id=rows[0].client_id, reason=reason
        )

    def metadata(self) -> dict[str, Any]:
        """RFC 8414 authorization server metadata."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": base + "/oauth/authorize",
            "token_endpoint": base + "/oauth/token",
            "introspection_endpoint": base + "/oauth/introspect",
            "revocation_endpoint": base + "/oauth/revoke",
            "jwks_uri": base + "/.well-known/jwks.json",
            "scopes_supported": list(SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "token_endpoint_auth_signing_alg_values_supported": ["ES256", "EdDSA", "RS256"],
            "introspection_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "code_challenge_methods_supported": ["S256"],
            "authorization_response_iss_parameter_supported": False,
        }
