"""Who is calling, and what that lets them do. Built once per request, then read-only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from core.identity.models import OrgKind, OrgStatus, Role, User


@dataclass(frozen=True, slots=True)
class OrgRole:
    organization_id: uuid.UUID
    organization_name: str
    kind: OrgKind
    role: Role


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller. ``user_id`` is None for anonymous callers."""

    user_id: uuid.UUID | None = None
    email: str | None = None
    is_admin: bool = False
    roles: tuple[OrgRole, ...] = ()
    # A read-only token keeps a person from writing even where their roles would allow it.
    can_write: bool = False
    via: str = "anonymous"  # "session", "token", "oauth", "cli", "anonymous"
    # Set for OAuth access tokens: the client acting, and the scopes its token carries.
    client_id: str | None = None
    scopes: frozenset[str] | None = None
    # When the credential presented stops working by itself (an API token's expiry).
    expires_at: datetime | None = None

    def until(self, expires_at: datetime) -> Principal:
        return replace(self, expires_at=expires_at)

    @classmethod
    def operator(cls) -> Principal:
        """Whoever runs the ``shudu`` command on the server: a site administrator."""
        return cls(is_admin=True, can_write=True, via="cli")

    @classmethod
    def anonymous(cls) -> Principal:
        return cls()

    @classmethod
    def for_user(cls, user: User, *, can_write: bool, via: str) -> Principal:
        # Fail closed: a registration still waiting for approval (or refused) gives no role.
        roles = tuple(
            OrgRole(m.organization_id, m.organization.name, m.organization.kind, m.role)
            for m in user.memberships
            if m.organization.status is OrgStatus.APPROVED
        )
        return cls(
            user_id=user.id,
            email=user.email,
            is_admin=user.is_admin,
            roles=roles,
            can_write=can_write,
            via=via,
        )

    @property
    def is_authenticated(self) -> bool:
        # The operator at the server's command line is known without a credential.
        return self.user_id is not None or self.client_id is not None or self.via == "cli"

    def _has(self, kind: OrgKind, role: Role) -> bool:
        return any(r.kind is kind and r.role in (role, Role.ADMIN) for r in self.roles)

    @property
    def is_reviewer(self) -> bool:
        return self._has(OrgKind.EXCHANGE, Role.REVIEWER)

    @property
    def is_regulator(self) -> bool:
        return self._has(OrgKind.REGULATOR, Role.REGULATOR)

    @property
    def sees_everything(self) -> bool:
        """Reviewers, regulators and admins see closed datasets and drafts.

        See docs/architecture.md, "Data classification".
        """
        return self.is_admin or self.is_reviewer or self.is_regulator

    @property
    def publisher_org_ids(self) -> frozenset[uuid.UUID]:
        """Departments whose datasets this caller may create and edit."""
        return frozenset(
            r.organization_id
            for r in self.roles
            if r.kind is OrgKind.DEPARTMENT and r.role in (Role.PUBLISHER, Role.ADMIN)
        )

    def admin_of(self, organization_id: uuid.UUID) -> bool:
        return self.is_admin or any(
            r.organization_id == organization_id and r.role is Role.ADMIN for r in self.roles
        )
