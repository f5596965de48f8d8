"""Who may do what in the exchange, read off a :class:`Principal`.

See docs/architecture.md, "What it does, for whom".
"""

from __future__ import annotations

import uuid

from core.errors import NotAuthenticated, PermissionDenied
from core.identity.models import OrgKind, Role
from core.identity.principal import Principal


def enterprise_org_ids(principal: Principal) -> frozenset[uuid.UUID]:
    """Enterprises the caller acts for (members and admins; an org's own OAuth client too)."""
    return frozenset(
        r.organization_id
        for r in principal.roles
        if r.kind is OrgKind.ENTERPRISE and r.role in (Role.MEMBER, Role.ADMIN)
    )


def is_provider_of(principal: Principal, organization_id: uuid.UUID) -> bool:
    return principal.is_admin or organization_id in principal.publisher_org_ids


def is_compliance_reviewer(principal: Principal) -> bool:
    return principal.is_admin or principal.is_reviewer


def reads_everything(principal: Principal) -> bool:
    """Reviewers, regulators and admins read every application, entitlement and statement."""
    return principal.sees_everything


def require_writer(principal: Principal) -> None:
    if not principal.is_authenticated:
        raise NotAuthenticated("Log in or present a token to use the exchange")
    if not principal.can_write:
        raise PermissionDenied("This credential is read-only; use one that may write")
