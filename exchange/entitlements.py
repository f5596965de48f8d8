"""Entitlements: the licence an accepted agreement grants, bound to designated OAuth clients.

Suspend, resume and revoke take effect on the next call: enforcement reads the entitlement's
state in every licensed request's transaction (no cache), so "within seconds" is "at once".
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from core import ledger
from core.clock import utcnow
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.identity.oauth_models import OAuthClient
from core.identity.principal import Principal
from exchange import roles, terms
from exchange.models import (
    Agreement,
    Entitlement,
    EntitlementClient,
    EntitlementState,
    Offer,
    Product,
)
from exchange.states import EntitlementAction, next_entitlement_state


class EntitlementService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def _visible(self) -> ColumnElement[bool]:
        if roles.reads_everything(self.principal):
            return Entitlement.id.is_not(None)
        return or_(
            Entitlement.organization_id.in_(roles.enterprise_org_ids(self.principal)),
            Entitlement.provider_org_id.in_(self.principal.publisher_org_ids),
        )

    def get(self, entitlement_id: uuid.UUID) -> Entitlement:
        found = self.session.scalar(
            select(Entitlement).where(Entitlement.id == entitlement_id, self._visible())
        )
        if found is None:
            raise NotFound("No such entitlement")
        return found

    def visible(self) -> list[Entitlement]:
        query = select(Entitlement).where(self._visible())
        return list(self.session.scalars(query.order_by(Entitlement.starts_at.desc())))

    def _record(self, entitlement: Entitlement, what: str, data: dict[str, Any]) -> None:
        ledger.append(
            self.session,
            f"exchange.entitlement.{what}",
            actor=self.principal.user_id or self.principal.client_id,
            org=entitlement.organization_id,
            subject=f"entitlement:{entitlement.id}",
            data={"state": entitlement.state.value, **data},
        )

    def grant(self, agreement: Agreement) -> Entitlement:
        """Called once both parties accepted ``agreement`` (ApplicationService.accept)."""
        application = agreement.application
        offer = self.session.get(Offer, application.offer_id)
        assert offer is not None
        now = utcnow()
        entitlement = Entitlement(
            agreement_id=agreement.id,
            offer_id=offer.id,
            dataset_id=offer.product.dataset_id,
            organization_id=application.organization_id,
            provider_org_id=offer.product.organization_id,
            purpose_code=application.purpose_code,
            policy=agreement.policy,
            price_plan=agreement.price_plan,
            starts_at=now,
            expires_at=now + timedelta(days=offer.duration_days),
            updated_at=now,
            clients=[EntitlementClient(client_id=c) for c in application.client_ids],
        )
        interval = terms.report_interval_days(agreement.policy, now)
        if interval is not None:
            entitlement.report_every_days = interval
        self.session.add(entitlement)
        self.session.flush()
        self._record(
            entitlement,
            "granted",
            {
                "agreement": str(agreement.id),
                "hash": agreement.hash,
                "dataset": str(entitlement.dataset_id),
                "clients": list(application.client_ids),
                "expires_at": ledger.format_time(entitlement.expires_at),
            },
        )
        return entitlement

    def _require_overseer(self, entitlement: Entitlement, action: EntitlementAction) -> None:
        provider = roles.is_provider_of(self.principal, entitlement.provider_org_id)
        reviewer = roles.is_compliance_reviewer(self.principal)
        allowed = provider if action is EntitlementAction.RENEW else (provider or reviewer)
        if not allowed:
            who = "provider" if action is EntitlementAction.RENEW else "provider or reviewer"
            raise PermissionDenied(f"Only the {who} may {action.value} an entitlement")

    def change(
        self, entitlement_id: uuid.UUID, action: EntitlementAction, reason: str
    ) -> Entitlement:
        """Suspend, resume or revoke, with a reason (provider or exchange reviewer)."""
        roles.require_writer(self.principal)
        if action in (EntitlementAction.RENEW, EntitlementAction.EXPIRE):
            raise ValidationFailed("Use renew() or the expiry sweep", {"action": [action.value]})
        if not reason.strip():
            raise ValidationFailed("Give a reason", {"reason": ["required"]})
        entitlement = self.get(entitlement_id)
        self._require_overseer(entitlement, action)
        before = entitlement.state
        entitlement.state = next_entitlement_state(entitlement.state, action)
        entitlement.reason = reason
        entitlement.updated_at = utcnow()
        self.session.flush()
        self._record(entitlement, action.value, {"from": before.value, "reason": reason})
        return entitlement

    def renew(self, entitlement_id: uuid.UUID, days: int) -> Entitlement:
        roles.require_writer(self.principal)
        entitlement = self.get(entitlement_id)
        self._require_overseer(entitlement, EntitlementAction.RENEW)
        before = entitlement.state
        entitlement.state = next_entitlement_state(entitlement.state, EntitlementAction.RENEW)
        now = utcnow()
        base = max(now, entitlement.expires_at)
        entitlement.expires_at = base + timedelta(days=days)
        entitlement.updated_at = now
        answered = entitlement.renewal_requested_at is not None
        self._clear_request(entitlement)
        self.session.flush()
        self._record(
            entitlement,
            "renewed",
            {
                "from": before.value,
                "days": days,
                "expires_at": ledger.format_time(entitlement.expires_at),
                "requested": answered,
            },
        )
        return entitlement

    @staticmethod
    def _clear_request(entitlement: Entitlement) -> None:
        entitlement.renewal_days = None
        entitlement.renewal_note = ""
        entitlement.renewal_requested_at = None

    def request_renewal(self, entitlement_id: uuid.UUID, days: int, note: str) -> Entitlement:
        """The licensed enterprise asks its provider to renew (one request open at a time)."""
        roles.require_writer(self.principal)
        entitlement = self.get(entitlement_id)
        if entitlement.organization_id not in roles.enterprise_org_ids(self.principal):
            raise PermissionDenied("Only the licensed enterprise asks to renew its licence")
        # The same table decides whether a renewal could be granted: ask only for what can be.
        next_entitlement_state(entitlement.state, EntitlementAction.RENEW)
        if entitlement.renewal_requested_at is not None:
            raise Conflict(
                "A renewal request is already waiting for the provider",
                {"renewal": ["already requested"]},
            )
        if not 1 <= days <= 3650:
            raise ValidationFailed("Renew by 1 to 3650 days", {"days": ["1 to 3650"]})
        now = utcnow()
        entitlement.renewal_days = days
        entitlement.renewal_note = note.strip()
        entitlement.renewal_requested_at = now
        entitlement.updated_at = now
        self.session.flush()
        self._record(entitlement, "renewal_requested", {"days": days, "note": note.strip()})
        return entitlement

    def grant_renewal(self, entitlement_id: uuid.UUID) -> Entitlement:
        """The provider renews by the days the open request asked for."""
        entitlement = self.get(entitlement_id)
        if entitlement.renewal_days is None:
            raise Conflict("There is no renewal request to grant", {"renewal": ["none open"]})
        return self.renew(entitlement_id, entitlement.renewal_days)

    def decline_renewal(self, entitlement_id: uuid.UUID, reason: str) -> Entitlement:
        """The provider declines the open renewal request, with a reason the enterprise reads."""
        roles.require_writer(self.principal)
        entitlement = self.get(entitlement_id)
        self._require_overseer(entitlement, EntitlementAction.RENEW)
        if entitlement.renewal_requested_at is None:
            raise Conflict("There is no renewal request to decline", {"renewal": ["none open"]})
        if not reason.strip():
            raise ValidationFailed("Give a reason", {"reason": ["required"]})
        days = entitlement.renewal_days
        self._clear_request(entitlement)
        entitlement.reason = reason.strip()
        entitlement.updated_at = utcnow()
        self.session.flush()
        self._record(entitlement, "renewal_declined", {"days": days, "reason": reason.strip()})
        return entitlement

    def renewal_requests(self) -> list[Entitlement]:
        """Open renewal requests on the licences this principal provides (oldest first)."""
        query = select(Entitlement).where(
            Entitlement.renewal_requested_at.is_not(None),
            Entitlement.provider_org_id.in_(self.principal.publisher_org_ids),
        )
        return list(self.session.scalars(query.order_by(Entitlement.renewal_requested_at)))

    def set_clients(self, entitlement_id: uuid.UUID, client_ids: list[str]) -> Entitlement:
        """The enterprise changes which of its OAuth clients call under the entitlement."""
        roles.require_writer(self.principal)
        entitlement = self.get(entitlement_id)
        if entitlement.organization_id not in roles.enterprise_org_ids(self.principal):
            raise PermissionDenied("Only the licensed enterprise designates its clients")
        wanted = sorted(set(client_ids))
        if not wanted:
            raise ValidationFailed("Designate at least one client", {"client_ids": ["one or more"]})
        owned = set(
            self.session.scalars(
                select(OAuthClient.client_id).where(
                    OAuthClient.client_id.in_(wanted),
                    OAuthClient.organization_id == entitlement.organization_id,
                )
            )
        )
        missing = [c for c in wanted if c not in owned]
        if missing:
            raise ValidationFailed(
                "Designate your organization's own OAuth clients",
                {"client_ids": [f"{c} is not a client of this organization" for c in missing]},
            )
        # Change only what changes: re-adding a kept row would collide with its own delete.
        entitlement.clients = [c for c in entitlement.clients if c.client_id in wanted]
        kept = {c.client_id for c in entitlement.clients}
        entitlement.clients += [EntitlementClient(client_id=c) for c in wanted if c not in kept]
        entitlement.updated_at = utcnow()
        self.session.flush()
        self._record(entitlement, "clients", {"clients": wanted})
        return entitlement

    def expire(self, entitlement: Entitlement, now: datetime) -> None:
        """Mark a lapsed entitlement expired (the sweep, or the first call after expiry)."""
        before = entitlement.state
        entitlement.state = next_entitlement_state(entitlement.state, EntitlementAction.EXPIRE)
        entitlement.updated_at = now
        self.session.flush()
        self._record(entitlement, "expired", {"from": before.value})

    def expire_due(self) -> int:
        now = utcnow()
        due = self.session.scalars(
            select(Entitlement).where(
                Entitlement.state.in_((EntitlementState.ACTIVE, EntitlementState.SUSPENDED)),
                Entitlement.expires_at <= now,
            )
        ).all()
        for entitlement in due:
            self.expire(entitlement, now)
        return len(due)

    def product_of(self, entitlement: Entitlement) -> Product:
        offer = self.session.get(Offer, entitlement.offer_id)
        assert offer is not None
        return offer.product
