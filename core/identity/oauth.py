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
from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.orm import Session

from core import ledger
from core.clock import utcnow
from core.db import UTCDateTime
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.identity.models import Organization, User
from core.identity.oauth_models import OAuthClient
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
    "UPDATE oauth_clients SET usage_count = usage_count + 1, last_used_at = :now"
    " WHERE client_id = :client_id"
).bindparams(bindparam("now", type_=UTCDateTime()))


def hash_secret(secret: str) -> str:
    # Secrets carry 256 bits of randomness, so a plain SHA-256 is enough (no slow hash needed).
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(client: OAuthClient, presented: str) -> bool:
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

    def count_use(self, client_id: str) -> None:
        """One more token granted to the client (its usage count)."""
        self.session.execute(_COUNT_USE, {"client_id": client_id, "now": utcnow()})

    def owner_user(self, client: OAuthClient) -> User | None:
        return (
            None if client.owner_user_id is None else self.session.get(User, client.owner_user_id)
        )
