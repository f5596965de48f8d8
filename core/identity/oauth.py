"""OAuth clients: registration, secrets, ownership; and the vocabulary of scopes.

The protocol itself (grants, tokens, endpoints) is in ``api.oauth``; this module keeps the
business rules about *who may own which client with which rights*.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.orm import Session

from core import ledger
from core.clock import utcnow
from core.db import UTCDateTime
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.identity.models import Organization, User
from core.identity.oauth_models import (
    OAuthClient,
    OAuthClientUsage,
    OAuthConsent,
    OAuthRefreshToken,
    OAuthRevokedToken,
)
from core.identity.principal import Principal

# Every API operation declares one of these (api/registry.py); the words are shown on the
# consent page, so they say what the client will be able to do, in plain language.
SCOPES: dict[str, tuple[str, str]] = {
    "catalog:read": (
        "Read the catalog: datasets, organizations and files",
        "读取目录：数据集、机构和文件",
    ),
    "catalog:write": ("Create and change datasets and their files", "创建和修改数据集及其文件"),
    "datastore:read": ("Query tabular data through the data API", "通过数据接口查询表格数据"),
    "exchange:apply": ("Apply for licensed data on your behalf", "代表您申请授权数据"),
    "exchange:manage": ("Manage products, offers and entitlements", "管理数据产品、报价和授权"),
    "audit:read": ("Read the exchange's audit log", "读取交易审计日志"),
    "admin": ("Administer the site: accounts, organizations, keys", "管理站点：账户、机构和密钥"),
}
GRANT_TYPES = ("client_credentials", "authorization_code")
AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")
CLIENT_ID_PREFIX = "sdc_"
SECRET_PREFIX = "sds_"  # noqa: S105 — a public marker that makes leaked secrets greppable


# Built once: the token endpoint and every protected request look a client up, and building
# the expression each time costs more than running it.
_BY_CLIENT_ID = select(OAuthClient).where(OAuthClient.client_id == bindparam("client_id"))
_COUNT_USE = text(
    "UPDATE oauth_clients SET usage_count = usage_count + :grants, last_used_at = :now"
    " WHERE client_id = :client_id"
).bindparams(bindparam("now", type_=UTCDateTime()))
# A client deleted since the counts were taken is skipped (the EXISTS), not an error.
# The casts: PostgreSQL cannot deduce one type for a parameter used in both places.
_ADD_USAGE = text(
    "INSERT INTO oauth_client_usage (client_id, day, calls, grants)"
    " SELECT CAST(:client_id AS VARCHAR(64)), CAST(:day AS VARCHAR(10)),"
    " CAST(:calls AS BIGINT), CAST(:grants AS BIGINT)"
    " WHERE EXISTS"
    " (SELECT 1 FROM oauth_clients WHERE client_id = CAST(:client_id AS VARCHAR(64)))"
    " ON CONFLICT (client_id, day) DO UPDATE SET"
    " calls = oauth_client_usage.calls + excluded.calls,"
    " grants = oauth_client_usage.grants + excluded.grants"
)
USAGE_DAYS = 30


def hash_secret(secret: str) -> str:
    # Not a password hash, on purpose. Slow hashes (argon2, bcrypt) exist to make guessing a
    # low-entropy password from its hash expensive; a client secret is 256 random bits we
    # generated (secrets.token_urlsafe(32)), so even a leaked hash cannot be reversed by
    # guessing, and a fast SHA-256 loses nothing. An argon2 check on every token request would
    # cost tens of milliseconds of CPU — more than everything else a grant does together.
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(client: OAuthClient | ClientRecord, presented: str) -> bool:
    if client.secret_hash is None:
        return False
    return hmac.compare_digest(client.secret_hash, hash_secret(presented))


def parse_scope(raw: str | None) -> list[str]:
    """Split and check a space-separated scope; unknown scopes are an error, not ignored."""
    scopes = sorted(set((raw or "").split()))
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationFailed(
            f"Unknown scope {' '.join(unknown)}", {"scope": [f"one of {', '.join(SCOPES)}"]}
        )
    return scopes


def _check_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if (
        parts.fragment
        or not parts.netloc
        or not (parts.scheme == "https" or (parts.scheme == "http" and loopback))
    ):
        raise ValidationFailed(
            "Invalid redirect URI",
            {"redirect_uris": ["absolute https URIs (http only on loopback), no fragment"]},
        )
    return uri


MAX_CLIENT_KEYS = 10
PUBLIC_KEY_TYPES = {"EC": ("crv", "x", "y"), "OKP": ("crv", "x"), "RSA": ("n", "e")}
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k", "oth")


def check_jwks(jwks: object) -> dict[str, Any]:
    """A client's public keys for private_key_jwt: a JWK Set of 1-10 EC, OKP or RSA public
    keys, each usable for signing, with distinct kids when there are several."""

    def bad(why: str) -> ValidationFailed:
        return ValidationFailed(f"Invalid JWK Set: {why}", {"jwks": [why]})

    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise bad('a JSON object {"keys": [...]} is required')
    keys = jwks["keys"]
    if not 1 <= len(keys) <= MAX_CLIENT_KEYS:
        raise bad(f"give 1 to {MAX_CLIENT_KEYS} keys")
    kids = []
    for i, key in enumerate(keys):
        if not isinstance(key, dict) or key.get("kty") not in PUBLIC_KEY_TYPES:
            raise bad(f"key {i}: kty must be one of {', '.join(PUBLIC_KEY_TYPES)}")
        if any(member in key for member in PRIVATE_MEMBERS):
            raise bad(f"key {i} contains private key material; register the public key only")
        missing = [m for m in PUBLIC_KEY_TYPES[key["kty"]] if not isinstance(key.get(m), str)]
        if missing:
            raise bad(f"key {i} lacks {', '.join(missing)}")
        if key.get("use", "sig") != "sig":
            raise bad(f"key {i} is not a signing key (use must be sig)")
        kids.append(key.get("kid"))
    if len(keys) > 1 and (None in kids or len(set(kids)) != len(kids)):
        raise bad("several keys need distinct kid values")
    try:
        KeySet.import_key_set({"keys": keys})  # a point off its curve, bad base64 …
    except (JoseError, ValueError, TypeError) as exc:
        raise bad(f"a key could not be read ({exc})") from exc
    return {"keys": keys}


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A client as the token endpoint and the resource protector read it: a plain snapshot,
    loaded with one Core query (building an ORM instance cost more than the query)."""

    client_id: str
    secret_hash: str | None
    name: str
    owner_user_id: uuid.UUID | None
    organization_id: uuid.UUID | None
    grant_types: list[str]
    scope: str
    redirect_uris: list[str]
    auth_method: str
    jwks: dict[str, Any] | None


_RECORD_BY_CLIENT_ID = select(
    OAuthClient.client_id,
    OAuthClient.secret_hash,
    OAuthClient.name,
    OAuthClient.owner_user_id,
    OAuthClient.organization_id,
    OAuthClient.grant_types,
    OAuthClient.scope,
    OAuthClient.redirect_uris,
    OAuthClient.auth_method,
    OAuthClient.jwks,
).where(OAuthClient.client_id == bindparam("client_id"))


@dataclass(frozen=True, slots=True)
class UsageDelta:
    client_id: str
    day: str  # YYYY-MM-DD, UTC
    calls: int
    grants: int


@dataclass(frozen=True, slots=True)
class Usage:
    calls_total: int
    calls_today: int
    daily: list[dict[str, object]]  # the last USAGE_DAYS days with any use, newest first


@dataclass(frozen=True, slots=True)
class IssuedClient:
    client: OAuthClient
    secret: str | None  # shown once; None for private_key_jwt clients


class OAuthClientService:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(
        self,
        principal: Principal,
        *,
        name: str,
        grant_types: list[str],
        scope: str,
        organization: Organization | None = None,
        redirect_uris: list[str] | None = None,
        auth_method: str = "client_secret_basic",
        jwks: dict[str, object] | None = None,
    ) -> IssuedClient:
        """Register a client for the caller, or for an organization the caller administers."""
        if principal.user_id is None and not principal.is_admin:
            raise PermissionDenied("Log in to register OAuth clients")
        if organization is not None and not self._may_manage_org(principal, organization.id):
            raise PermissionDenied(
                f"Only admins and members of {organization.name} register its clients"
            )
        name = name.strip()
        if not 1 <= len(name) <= 100:
            raise ValidationFailed("Invalid client name", {"name": ["1-100 characters"]})
        bad = [g for g in grant_types if g not in GRANT_TYPES] or ([] if grant_types else ["-"])
        if bad:
            raise ValidationFailed(
                "Unknown grant type", {"grant_types": [f"one or more of {', '.join(GRANT_TYPES)}"]}
            )
        scopes = parse_scope(scope)
        if not scopes:
            raise ValidationFailed("A client needs at least one scope", {"scope": ["required"]})
        if "admin" in scopes and not principal.is_admin:
            raise PermissionDenied("Only site administrators register clients with 'admin'")
        uris = [_check_redirect_uri(u) for u in redirect_uris or []]
        if "authorization_code" in grant_types and not uris:
            raise ValidationFailed(
                "authorization_code needs a redirect URI", {"redirect_uris": ["at least one"]}
            )
        if auth_method not in AUTH_METHODS:
            raise ValidationFailed(
                "Unknown client authentication method",
                {"auth_method": [f"one of {', '.join(AUTH_METHODS)}"]},
            )
        if (auth_method == "private_key_jwt") != (jwks is not None):
            raise ValidationFailed(
                "private_key_jwt clients, and only they, register their public keys (jwks)",
                {"jwks": ["a JWK Set with the client's public keys for private_key_jwt"]},
            )
        if jwks is not None:
            jwks = check_jwks(jwks)
        secret = (
            None if auth_method == "private_key_jwt" else SECRET_PREFIX + secrets.token_urlsafe(32)
        )
        client = OAuthClient(
            client_id=CLIENT_ID_PREFIX + secrets.token_urlsafe(18),
            secret_hash=None if secret is None else hash_secret(secret),
            name=name,
            owner_user_id=None if organization is not None else principal.user_id,
            organization_id=None if organization is None else organization.id,
            created_by=principal.user_id,
            grant_types=sorted(set(grant_types)),
            scope=" ".join(scopes),
            redirect_uris=uris,
            auth_method=auth_method,
            jwks=jwks,
        )
        self.session.add(client)
        self.session.flush()
        ledger.append(
            self.session,
            "oauth_client.created",
            actor=principal.user_id,
            org=client.organization_id,
            subject=f"oauth_client:{client.client_id}",
            data={"grant_types": client.grant_types, "scope": client.scope},
        )
        return IssuedClient(client, secret)

    @staticmethod
    def _may_manage_org(principal: Principal, organization_id: uuid.UUID) -> bool:
        return principal.is_admin or any(
            r.organization_id == organization_id for r in principal.roles
        )

    def may_manage(self, principal: Principal, client: OAuthClient) -> bool:
        if principal.user_id is None and not principal.is_admin:
            return False
        if client.organization_id is not None:
            return self._may_manage_org(principal, client.organization_id)
        return principal.is_admin or client.owner_user_id == principal.user_id

    def find(self, client_id: str) -> OAuthClient | None:
        return self.session.scalar(_BY_CLIENT_ID, {"client_id": client_id})

    def lookup(self, client_id: str) -> ClientRecord | None:
        """The client as a read-only snapshot (the hot paths: token endpoint, protector)."""
        row = self.session.connection().execute(_RECORD_BY_CLIENT_ID, {"client_id": client_id})
        found = row.first()
        return None if found is None else ClientRecord(*found)

    def get_managed(self, principal: Principal, client_id: str) -> OAuthClient:
        client = self.find(client_id)
        if client is None or not self.may_manage(principal, client):
            raise NotFound("No such OAuth client")
        return client

    def list_for(self, principal: Principal) -> list[OAuthClient]:
        if principal.user_id is None:
            return []
        org_ids = [r.organization_id for r in principal.roles]
        query = select(OAuthClient).where(
            (OAuthClient.owner_user_id == principal.user_id)
            | OAuthClient.organization_id.in_(org_ids)
        )
        return list(self.session.scalars(query.order_by(OAuthClient.created_at)))

    def every(self, principal: Principal) -> list[OAuthClient]:
        """Every client of the site, newest first: site admins only (the admin console)."""
        if not principal.is_admin:
            raise PermissionDenied("Only site administrators see every OAuth client")
        return list(
            self.session.scalars(select(OAuthClient).order_by(OAuthClient.created_at.desc()))
        )

    def rotate_secret(self, principal: Principal, client_id: str) -> IssuedClient:
        client = self.get_managed(principal, client_id)
        if client.auth_method == "private_key_jwt":
            raise ValidationFailed(
                "This client authenticates with its own keys; it has no secret",
                {"auth_method": ["private_key_jwt"]},
            )
        secret = SECRET_PREFIX + secrets.token_urlsafe(32)
        client.secret_hash = hash_secret(secret)
        client.secret_rotated_at = utcnow()
        ledger.append(
            self.session,
            "oauth_client.secret_rotated",
            actor=principal.user_id,
            org=client.organization_id,
            subject=f"oauth_client:{client.client_id}",
        )
        return IssuedClient(client, secret)

    def delete(self, principal: Principal, client_id: str) -> None:
        client = self.get_managed(principal, client_id)
        ledger.append(
            self.session,
            "oauth_client.deleted",
            actor=principal.user_id,
            org=client.organization_id,
            subject=f"oauth_client:{client.client_id}",
        )
        self.session.execute(delete(OAuthClient).where(OAuthClient.id == client.id))

    # -- consent: what a person allowed a client, remembered --------------------------------

    def has_consent(self, user_id: uuid.UUID, client_id: str, scope: str) -> bool:
        """Whether the person already allowed this client every scope in ``scope``."""
        allowed = self.session.scalar(
            select(OAuthConsent.scope).where(
                OAuthConsent.user_id == user_id, OAuthConsent.client_id == client_id
            )
        )
        return allowed is not None and set(scope.split()) <= set(allowed.split())

    def remember_consent(self, user_id: uuid.UUID, client_id: str, scope: str) -> None:
        consent = self.session.get(OAuthConsent, (user_id, client_id))
        if consent is None:
            self.session.add(OAuthConsent(user_id=user_id, client_id=client_id, scope=scope))
        else:
            consent.scope = " ".join(sorted(set(consent.scope.split()) | set(scope.split())))
            consent.granted_at = utcnow()
        ledger.append(
            self.session,
            "oauth.consent_granted",
            actor=user_id,
            subject=f"oauth_client:{client_id}",
            data={"scope": scope},
        )

    def consents_of(self, user_id: uuid.UUID) -> list[tuple[OAuthConsent, OAuthClient]]:
        rows = self.session.execute(
            select(OAuthConsent, OAuthClient)
            .join(OAuthClient, OAuthClient.client_id == OAuthConsent.client_id)
            .where(OAuthConsent.user_id == user_id)
            .order_by(OAuthConsent.granted_at)
        )
        return [(consent, client) for consent, client in rows]

    def withdraw_consent(self, user_id: uuid.UUID, client_id: str) -> None:
        """Forget the consent and revoke the tokens it led to: refresh tokens at once, their
        access tokens through the jti deny-list (every process re-reads it within a second).
        The next authorization asks again."""
        consent = self.session.get(OAuthConsent, (user_id, client_id))
        if consent is None:
            raise NotFound("You have not authorized this application")
        self.session.delete(consent)
        now = utcnow()
        live = self.session.scalars(
            select(OAuthRefreshToken).where(
                OAuthRefreshToken.user_id == user_id,
                OAuthRefreshToken.client_id == client_id,
                OAuthRefreshToken.revoked_at.is_(None),
            )
        )
        for token in live:
            token.revoked_at = now
            jti, expires = token.access_jti, token.access_expires_at
            if jti and expires and expires > now and not self.session.get(OAuthRevokedToken, jti):
                self.session.add(
                    OAuthRevokedToken(jti=jti, client_id=client_id, expires_at=expires)
                )
        ledger.append(
            self.session,
            "oauth.consent_withdrawn",
            actor=user_id,
            subject=f"oauth_client:{client_id}",
        )

    # -- usage -------------------------------------------------------------------------------

    def add_usage(self, deltas: list[UsageDelta]) -> None:
        """Add counted calls and grants (api.access.usage flushes them here in batches)."""
        now = utcnow()
        connection = self.session.connection()
        for d in sorted(deltas, key=lambda d: (d.client_id, d.day)):  # one lock order
            connection.execute(
                _ADD_USAGE,
                {"client_id": d.client_id, "day": d.day, "calls": d.calls, "grants": d.grants},
            )
            connection.execute(
                _COUNT_USE, {"client_id": d.client_id, "grants": d.grants, "now": now}
            )

    def usage(self, client_ids: list[str]) -> dict[str, Usage]:
        """Calls per client: in total, today, and per day for the last USAGE_DAYS days."""
        today = utcnow().date()
        since = (today - timedelta(days=USAGE_DAYS - 1)).isoformat()
        rows = self.session.execute(
            select(
                OAuthClientUsage.client_id,
                OAuthClientUsage.day,
                OAuthClientUsage.calls,
                OAuthClientUsage.grants,
            )
            .where(OAuthClientUsage.client_id.in_(client_ids))
            .order_by(OAuthClientUsage.day.desc())
        ).all()
        found: dict[str, Usage] = {cid: Usage(0, 0, []) for cid in client_ids}
        for row in rows:
            u = found[row.client_id]
            daily = u.daily
            if row.day >= since:
                daily.append({"day": row.day, "calls": row.calls, "grants": row.grants})
            found[row.client_id] = Usage(
                u.calls_total + row.calls,
                u.calls_today + (row.calls if row.day == today.isoformat() else 0),
                daily,
            )
        return found

    def owner_user(self, client: OAuthClient) -> User | None:
        return (
            None if client.owner_user_id is None else self.session.get(User, client.owner_user_id)
        )
