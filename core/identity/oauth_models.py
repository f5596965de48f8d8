"""OAuth 2.0 tables: registered clients, authorization codes, refresh tokens, revoked JWTs.

Access tokens are self-contained JWTs and are not stored; only the ``jti`` of a revoked one is
(the deny-list), until the token would have expired anyway.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base, new_id


class OAuthClient(Base):
    """A registered client, owned by one person or by one organization (never both).

    Only a SHA-256 of the secret is kept (it carries 256 bits of randomness); the secret is
    shown once, at creation and at rotation.
    """

    __tablename__ = "oauth_clients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    name: Mapped[str] = mapped_column(String(100))
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, default=None
    )
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True, default=None
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    grant_types: Mapped[list[Any]] = mapped_column(default=list)
    scope: Mapped[str] = mapped_column(Text, default="")
    redirect_uris: Mapped[list[Any]] = mapped_column(default=list)
    # client_secret_basic, client_secret_post or private_key_jwt (then ``jwks`` holds its keys)
    auth_method: Mapped[str] = mapped_column(String(40), default="client_secret_basic")
    jwks: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    usage_count: Mapped[int] = mapped_column(BigInteger, default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(default=None)


class OAuthAuthorizationCode(Base):
    """A one-time code (its SHA-256) with the PKCE challenge it was issued against."""

    __tablename__ = "oauth_authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(10))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    # The refresh-token family the code's exchange started: a replayed code revokes it.
    family_id: Mapped[uuid.UUID | None] = mapped_column(default=None)


class OAuthRefreshToken(Base):
    """A refresh token (its SHA-256). Each use rotates it: the old one is marked used and a new
    one of the same family is issued; presenting a used one again revokes the whole family."""

    __tablename__ = "oauth_refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # The access token issued with this refresh token: when the family is revoked, its jti
    # joins the deny-list (until it would have expired), so no copy of it works either.
    access_jti: Mapped[str | None] = mapped_column(String(64), default=None)
    access_expires_at: Mapped[datetime | None] = mapped_column(default=None)


class OAuthRevokedToken(Base):
    """The jti deny-list: a revoked access token is refused until it would have expired."""

    __tablename__ = "oauth_revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RateLimitWindow(Base):
    """Requests counted per caller key and fixed window, shared by every worker process."""

    __tablename__ = "rate_limit_windows"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)


class OAuthClientUsage(Base):
    """API calls made with, and tokens granted to, one client on one UTC day.

    Counted in memory by each process and added here in batches (api.access.usage), so the
    counts are shared by every worker and cost a request no database write.
    """

    __tablename__ = "oauth_client_usage"

    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD (UTC)
    calls: Mapped[int] = mapped_column(BigInteger, default=0)
    grants: Mapped[int] = mapped_column(BigInteger, default=0)


class OAuthConsent(Base):
    """The scopes a person allowed a client: a later request for no more skips the page."""

    __tablename__ = "oauth_consents"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), primary_key=True, index=True
    )
    scope: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
