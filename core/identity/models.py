"""Identity tables."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import utcnow
from core.db import Base, new_id


class OrgKind(enum.StrEnum):
    DEPARTMENT = "department"  # publishes datasets
    ENTERPRISE = "enterprise"  # licenses data
    EXCHANGE = "exchange"  # runs the exchange; its reviewers do compliance review
    REGULATOR = "regulator"  # supervises; reads the whole transaction log


class OrgStatus(enum.StrEnum):
    """An enterprise that registered itself waits for the exchange's admins; organizations
    made by site admins (departments, the exchange, the regulator) are approved when made."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Role(enum.StrEnum):
    ADMIN = "admin"  # manages the organization's members and everything the org may do
    PUBLISHER = "publisher"  # department staff: create and publish datasets
    MEMBER = "member"  # enterprise staff: apply for licensed data, manage clients
    REVIEWER = "reviewer"  # exchange compliance staff
    REGULATOR = "regulator"  # supervising authority staff


# Which roles make sense in which kind of organization (least privilege: nothing else).
ROLES_BY_KIND: dict[OrgKind, frozenset[Role]] = {
    OrgKind.DEPARTMENT: frozenset({Role.ADMIN, Role.PUBLISHER}),
    OrgKind.ENTERPRISE: frozenset({Role.ADMIN, Role.MEMBER}),
    OrgKind.EXCHANGE: frozenset({Role.ADMIN, Role.REVIEWER}),
    OrgKind.REGULATOR: frozenset({Role.ADMIN, Role.REGULATOR}),
}


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: portable, and readable in SQL.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(Text)
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Self sign-up: the address is proved by a link before the account may sign in.
    email_verified_at: Mapped[datetime | None] = mapped_column(default=None)
    # TOTP (RFC 6238): the base32 secret; enabled once a first code confirmed it. The last
    # accepted time step is kept so that a code is good once only.
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(default=None)
    totp_last_step: Mapped[int | None] = mapped_column(default=None)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind, "org_kind"))
    title_zh: Mapped[str] = mapped_column(String(200), default="")
    title_en: Mapped[str] = mapped_column(String(200), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Only members of an approved organization act for it (see Principal.for_user).
    status: Mapped[OrgStatus] = mapped_column(
        _enum(OrgStatus, "org_status"), default=OrgStatus.APPROVED
    )
    # An enterprise's registration: its unified social credit code (GB 32100), legal name and
    # contact, who registered it, and the exchange's decision.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True, default=None)
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    registered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    review_note: Mapped[str] = mapped_column(Text, default="")

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", "role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role, "member_role"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organization: Mapped[Organization] = relationship(back_populates="memberships", lazy="joined")


class ApiToken(Base):
    """A personal API token. Only a SHA-256 of the secret is kept; the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(
        String(16)
    )  # shown in lists so people can tell tokens apart
    can_write: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(lazy="joined")


class LinkPurpose(enum.StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 — a purpose, not a password


class AccountLink(Base):
    """A single-use link sent by mail. Only a SHA-256 of its secret is kept."""

    __tablename__ = "account_links"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[LinkPurpose] = mapped_column(_enum(LinkPurpose, "link_purpose"))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class WebSession(Base):
    """A signed-in browser. The cookie carries the secret; only its SHA-256 is kept, so a
    session can be listed and ended from the server (and ends when the account is locked)."""

    __tablename__ = "web_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class JoinStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class JoinRequest(Base):
    """A person asks to join an organization; its admins approve (choosing the role) or refuse."""

    __tablename__ = "join_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[JoinStatus] = mapped_column(
        _enum(JoinStatus, "join_status"), default=JoinStatus.PENDING
    )
    role: Mapped[Role | None] = mapped_column(_enum(Role, "join_role"), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    organization: Mapped[Organization] = relationship(lazy="joined")
