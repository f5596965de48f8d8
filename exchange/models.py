"""Exchange tables: products, offers, applications, agreements, entitlements, usage, statements.

A *product* is a conditional dataset listed by its publisher; an *offer* is one set of terms
for it (a usage policy and a price plan). An enterprise *applies* to an offer; an approved
application gets an *agreement* that both parties accept, which creates the *entitlement*
the enterprise's designated OAuth clients call the data API under. Usage is counted per
entitlement per day (and per month, for the rows quota) and priced into monthly *statements*.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Dataset
from core.clock import utcnow
from core.db import Base, new_id


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda e: [m.value for m in e],
    )


class ApplicationState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PROVIDER_REVIEW = "provider_review"
    COMPLIANCE_REVIEW = "compliance_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    AGREEMENT_PENDING = "agreement_pending"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class EntitlementState(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"


class Product(Base):
    __tablename__ = "exchange_products"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # One product per dataset: its offers are the alternatives.
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="RESTRICT"), unique=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    # Compliance review is always required for important data; per product otherwise.
    compliance_review: Mapped[bool] = mapped_column(default=False)
    listed: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    dataset: Mapped[Dataset] = relationship(lazy="joined")
    offers: Mapped[list[Offer]] = relationship(
        back_populates="product", lazy="selectin", order_by="Offer.created_at"
    )


class Offer(Base):
    __tablename__ = "exchange_offers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exchange_products.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    policy: Mapped[dict[str, Any]] = mapped_column()
    price_plan: Mapped[dict[str, Any]] = mapped_column()
    duration_days: Mapped[int] = mapped_column(default=365)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    product: Mapped[Product] = relationship(back_populates="offers", lazy="joined")


class Application(Base):
    __tablename__ = "exchange_applications"
    __table_args__ = (Index("ix_exchange_applications_state", "state"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    offer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exchange_offers.id", ondelete="RESTRICT"), index=True
    )
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    applicant_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    purpose_code: Mapped[str] = mapped_column(String(50))
    purpose_text: Mapped[str] = mapped_column(Text, default="")
    usage_scenario: Mapped[str] = mapped_column(Text, default="")
    security_measures: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    # The OAuth client_ids (of the applicant's organization) the entitlement will bind.
    client_ids: Mapped[list[Any]] = mapped_column(default=list)
    state: Mapped[ApplicationState] = mapped_column(
        _enum(ApplicationState, "application_state"), default=ApplicationState.DRAFT
    )
    compliance_required: Mapped[bool] = mapped_column(default=False)
    reason_codes: Mapped[list[Any]] = mapped_column(default=list)
    reason_text: Mapped[str] = mapped_column(Text, default="")
    # Clauses a review added when it approved; they become part of the agreement's text.
    conditions: Mapped[list[Any]] = mapped_column(default=list)
    # When the current stage should be decided by (shown to everyone involved).
    deadline: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    offer: Mapped[Offer] = relationship(lazy="joined")


class Agreement(Base):
    __tablename__ = "exchange_agreements"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exchange_applications.id", ondelete="RESTRICT"), unique=True
    )
    language: Mapped[str] = mapped_column(String(5), default="zh")
    text: Mapped[str] = mapped_column(Text)
    policy: Mapped[dict[str, Any]] = mapped_column()
    price_plan: Mapped[dict[str, Any]] = mapped_column()
    # SHA-256 (hex) over the exact text and the canonical policy: what both parties accept.
    hash: Mapped[str] = mapped_column(String(64))
    # The agreement template (and version) the text was rendered from.
    template: Mapped[str] = mapped_column(String(80))
    provider_accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    provider_accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    provider_accepted_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    enterprise_accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    enterprise_accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    enterprise_accepted_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(lazy="joined")


class Entitlement(Base):
    __tablename__ = "exchange_entitlements"
    __table_args__ = (Index("ix_exchange_entitlements_lookup", "dataset_id", "organization_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    agreement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exchange_agreements.id", ondelete="RESTRICT"), unique=True
    )
    offer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exchange_offers.id", ondelete="RESTRICT"), index=True
    )
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="RESTRICT"))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    provider_org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    purpose_code: Mapped[str] = mapped_column(String(50))
    policy: Mapped[dict[str, Any]] = mapped_column()
    price_plan: Mapped[dict[str, Any]] = mapped_column()
    state: Mapped[EntitlementState] = mapped_column(
        _enum(EntitlementState, "entitlement_state"), default=EntitlementState.ACTIVE
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    # Usage reports are due every this many days while the entitlement lasts.
    report_every_days: Mapped[int] = mapped_column(default=30)
    last_report_at: Mapped[datetime | None] = mapped_column(default=None)
    # The enterprise's pending request to renew (the provider renews or declines it).
    renewal_days: Mapped[int | None] = mapped_column(default=None)
    renewal_note: Mapped[str] = mapped_column(Text, default="")
    renewal_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    clients: Mapped[list[EntitlementClient]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )


class EntitlementClient(Base):
    """An OAuth client the enterprise designated to call under an entitlement."""

    __tablename__ = "exchange_entitlement_clients"

    entitlement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exchange_entitlements.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), primary_key=True, index=True
    )


class UsageCounter(Base):
    """Calls, rows and denials of one entitlement in one period.

    ``period`` is ``YYYY-MM-DD`` (a day: metering and the calls quota) or ``YYYY-MM`` (a month:
    the rows quota). Quotas are enforced by conditional ``UPDATE … WHERE n < limit``, so
    concurrent requests can never together pass a limit.
    """

    __tablename__ = "exchange_usage"

    entitlement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exchange_entitlements.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    calls: Mapped[int] = mapped_column(BigInteger, default=0)
    rows: Mapped[int] = mapped_column(BigInteger, default=0)
    denials: Mapped[int] = mapped_column(BigInteger, default=0)


class Statement(Base):
    """A monthly statement of one enterprise: usage per entitlement priced by its plan."""

    __tablename__ = "exchange_statements"
    __table_args__ = (UniqueConstraint("organization_id", "month"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    month: Mapped[str] = mapped_column(String(7))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    lines: Mapped[list[Any]] = mapped_column(default=list)
    total: Mapped[str] = mapped_column(String(40))  # a decimal, exact, as text
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageReport(Base):
    """The enterprise's periodic report of use, results and benefit (an agreement obligation)."""

    __tablename__ = "exchange_usage_reports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    entitlement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exchange_entitlements.id", ondelete="CASCADE"), index=True
    )
    period_start: Mapped[date]
    period_end: Mapped[date]
    use: Mapped[str] = mapped_column(Text)
    results: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeletionCertificate(Base):
    """The enterprise's certificate that it deleted the data when the agreement ended."""

    __tablename__ = "exchange_deletion_certificates"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    entitlement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("exchange_entitlements.id", ondelete="CASCADE"), unique=True
    )
    statement: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    deleted_at: Mapped[datetime]
    hash: Mapped[str] = mapped_column(String(64))
    signed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
