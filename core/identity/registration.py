"""How organizations and people come together: an enterprise registers itself with its unified
social credit code and waits for the exchange's admins; a person asks to join an organization
and its admins choose the role; departments are made by site admins; site admins lock and
unlock accounts. See docs/architecture.md, "Organizations and consoles".

Every decision is a ledger entry. Contact details are personal data: they stay in the table
and never go into the ledger.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from core import ledger
from core.clock import utcnow
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.identity import creditcode
from core.identity.accounts import AccountService
from core.identity.models import (
    ROLES_BY_KIND,
    ApiToken,
    JoinRequest,
    JoinStatus,
    Membership,
    Organization,
    OrgKind,
    OrgStatus,
    Role,
    User,
)
from core.identity.principal import Principal
from core.identity.services import EMAIL_RE, OrganizationService, UserService, check_slug

PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{5,30}$")
MAX_NOTE = 2000
# The problem a credit code has, as the field error every caller shows (translated on pages).
CREDIT_CODE_PROBLEMS = {
    "length": "a unified social credit code has 18 characters",
    "character": "character %(position)s is not allowed (I, O, S, V and Z are never used)",
    "division": "characters 3 to 8 are the administrative division code: digits only",
    "org_check": "the organization code (characters 9 to 17) does not check: look for a typo",
    "check": "the last character does not match the others: look for a typo",
}


def approves_enterprises(principal: Principal) -> bool:
    """Site admins and the admins of the exchange approve enterprise registrations."""
    return principal.is_admin or any(
        r.kind is OrgKind.EXCHANGE and r.role is Role.ADMIN for r in principal.roles
    )


def _require_user(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise PermissionDenied("Sign in first")
    return principal.user_id


def _require_site_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise PermissionDenied("Only site administrators may do this")


def _note(value: str, field: str = "note") -> str:
    value = value.strip()
    if len(value) > MAX_NOTE:
        raise ValidationFailed("Too long", {field: [f"at most {MAX_NOTE} characters"]})
    return value


class RegistrationService:
    """Enterprises registering themselves, and the exchange deciding."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def register_enterprise(
        self,
        *,
        name: str,
        credit_code: str,
        legal_name: str,
        title_en: str = "",
        contact_name: str,
        contact_email: str,
        contact_phone: str = "",
    ) -> Organization:
        """A pending enterprise with the registrant as its admin; it acts once approved."""
        user_id = _require_user(self.principal)
        errors: dict[str, list[str]] = {}
        try:
            check_slug("name", name)
        except ValidationFailed as exc:
            errors.update(exc.details if isinstance(exc.details, dict) else {})
        code = ""
        try:
            code = creditcode.validate(credit_code)
        except creditcode.CreditCodeError as exc:
            message = CREDIT_CODE_PROBLEMS[exc.problem]
            errors["credit_code"] = [message % {"position": exc.position}]
        legal_name = legal_name.strip()
        if not legal_name:
            errors["legal_name"] = ["required"]
        elif len(legal_name) > 200:
            errors["legal_name"] = ["at most 200 characters"]
        contact_name = contact_name.strip()
        if not contact_name:
            errors["contact_name"] = ["required"]
        elif len(contact_name) > 100:
            errors["contact_name"] = ["at most 100 characters"]
        contact_email = contact_email.strip().lower()
        if not EMAIL_RE.fullmatch(contact_email) or len(contact_email) > 254:
            errors["contact_email"] = ["not an e-mail address"]
        contact_phone = contact_phone.strip()
        if contact_phone and not PHONE_RE.fullmatch(contact_phone):
            errors["contact_phone"] = ["digits, spaces, hyphens and a leading + only"]
        if len(title_en.strip()) > 200:
            errors["title_en"] = ["at most 200 characters"]
        if errors:
            raise ValidationFailed("The registration has errors", errors)
        if self.session.scalar(select(Organization.id).where(Organization.credit_code == code)):
            raise Conflict(
                "An organization with this credit code is already registered",
                {"credit_code": ["already registered: ask its admins to let you join"]},
            )
        if OrganizationService(self.session).find(name) is not None:
            raise Conflict(
                f"An organization named {name!r} already exists",
                {"name": ["taken: choose another short name"]},
            )
        org = Organization(
            name=name,
            kind=OrgKind.ENTERPRISE,
            title_zh=legal_name,
            title_en=title_en.strip() or name,
            status=OrgStatus.PENDING,
            credit_code=code,
            legal_name=legal_name,
            contact_name=contact_name,
            contact_email=contact_email,
            contact_phone=contact_phone,
            registered_by=user_id,
        )
        self.session.add(org)
        try:
            self.session.flush()
        except IntegrityError as exc:  # a concurrent registration won the race
            raise Conflict("This enterprise is already registered") from exc
        self.session.add(Membership(user_id=user_id, organization=org, role=Role.ADMIN))
        self.session.flush()
        ledger.append(
            self.session,
            "organization.registered",
            actor=user_id,
            org=org.id,
            subject=f"organization:{org.id}",
            data={"name": name, "kind": OrgKind.ENTERPRISE.value, "credit_code": code},
        )
        return org

    def mine(self) -> list[Organization]:
        """The registrations this person made, newest first, whatever their state."""
        user_id = _require_user(self.principal)
        return list(
            self.session.scalars(
                select(Organization)
                .where(Organization.registered_by == user_id)
                .order_by(Organization.created_at.desc())
            )
        )

    def pending(self) -> list[Organization]:
        if not approves_enterprises(self.principal):
            raise PermissionDenied("Only the exchange's admins review registrations")
        return list(
            self.session.scalars(
                select(Organization)
                .where(Organization.status == OrgStatus.PENDING)
                .order_by(Organization.created_at)
            )
        )

    def decide(self, org_id: uuid.UUID, *, approve: bool, note: str = "") -> Organization:
        if not approves_enterprises(self.principal):
            raise PermissionDenied("Only the exchange's admins review registrations")
        note = _note(note)
        if not approve and not note:
            raise ValidationFailed(
                "Say why", {"note": ["a refusal needs a reason the enterprise can read"]}
            )
        org = OrganizationService(self.session).get_by_id(org_id)
        if org.status is not OrgStatus.PENDING:
            raise Conflict("This registration has already been decided")
        org.status = OrgStatus.APPROVED if approve else OrgStatus.REJECTED
        org.reviewed_at = utcnow()
        org.review_note = note
        ledger.append(
            self.session,
            "organization.approved" if approve else "organization.rejected",
            actor=self.principal.user_id,
            org=org.id,
            subject=f"organization:{org.id}",
            data={"note": note} if note else {},
        )
        return org

    def create_department(self, name: str, title_zh: str, title_en: str) -> Organization:
        """Departments are made by site admins, approved as they are made."""
        _require_site_admin(self.principal)
        errors: dict[str, list[str]] = {}
        if not title_zh.strip():
            errors["title_zh"] = ["required"]
        try:
            check_slug("name", name)
        except ValidationFailed as exc:
            errors.update(exc.details if isinstance(exc.details, dict) else {})
        if errors:
            raise ValidationFailed("The department has errors", errors)
        if OrganizationService(self.session).find(name) is not None:
            raise Conflict(
                f"An organization named {name!r} already exists",
                {"name": ["taken: choose another short name"]},
            )
        return OrganizationService(self.session).create(
            name, OrgKind.DEPARTMENT, title_zh=title_zh.strip(), title_en=title_en.strip()
        )


class MembershipService:
    """Join requests, and an organization's admins managing its members."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def _require_admin_of(self, org: Organization) -> None:
        if not self.principal.admin_of(org.id):
            raise PermissionDenied("Only this organization's admins manage its members")

    def request(self, org: Organization, message: str = "") -> JoinRequest:
        user_id = _require_user(self.principal)
        message = _note(message, "message")
        if org.status is not OrgStatus.APPROVED:
            raise Conflict("This organization is not open for members yet")
        if self.session.scalar(
            select(Membership.id).where(
                Membership.user_id == user_id, Membership.organization_id == org.id
            )
        ):
            raise Conflict("You are already a member of this organization")
        pending = self.session.scalar(
            select(JoinRequest).where(
                JoinRequest.user_id == user_id,
                JoinRequest.organization_id == org.id,
                JoinRequest.status == JoinStatus.PENDING,
            )
        )
        if pending is not None:
            return pending  # asked twice (a form posted twice): one request
        join = JoinRequest(user_id=user_id, organization_id=org.id, message=message)
        self.session.add(join)
        self.session.flush()
        ledger.append(
            self.session,
            "membership.requested",
            actor=user_id,
            org=org.id,
            subject=f"user:{user_id}",
        )
        return join

    def mine(self) -> list[JoinRequest]:
        user_id = _require_user(self.principal)
        return list(
            self.session.scalars(
                select(JoinRequest)
                .where(JoinRequest.user_id == user_id)
                .order_by(JoinRequest.created_at.desc())
            )
        )

    def pending_for(self, org: Organization) -> list[JoinRequest]:
        self._require_admin_of(org)
        return list(
            self.session.scalars(
                select(JoinRequest)
                .where(
                    JoinRequest.organization_id == org.id,
                    JoinRequest.status == JoinStatus.PENDING,
                )
                .order_by(JoinRequest.created_at)
            )
        )

    def decide(
        self, request_id: uuid.UUID, *, approve: bool, role: str = "", note: str = ""
    ) -> JoinRequest:
        join = self.session.get(JoinRequest, request_id)
        if join is None:
            raise NotFound("No such join request")
        self._require_admin_of(join.organization)
        note = _note(note)
        if join.status is not JoinStatus.PENDING:
            raise Conflict("This request has already been decided")
        if approve:
            chosen = self._role(join.organization, role)
            OrganizationService(self.session).add_member(join.organization, join.user, chosen)
            join.role = chosen
        join.status = JoinStatus.APPROVED if approve else JoinStatus.REJECTED
        join.decided_at = utcnow()
        join.decided_by = self.principal.user_id
        join.note = note
        if not approve:
            ledger.append(
                self.session,
                "membership.refused",
                actor=self.principal.user_id,
                org=join.organization_id,
                subject=f"user:{join.user_id}",
            )
        return join

    def _role(self, org: Organization, raw: str) -> Role:
        allowed = ROLES_BY_KIND[org.kind]
        try:
            role = Role(raw)
        except ValueError:
            role = None
        if role is None or role not in allowed:
            raise ValidationFailed(
                "Choose a role", {"role": [f"one of {', '.join(sorted(r.value for r in allowed))}"]}
            )
        return role

    def members(self, org: Organization) -> list[Membership]:
        self._require_admin_of(org)
        return list(
            self.session.scalars(
                select(Membership)
                .options(joinedload(Membership.user))
                .where(Membership.organization_id == org.id)
                .order_by(Membership.created_at)
            )
        )

    def add(self, org: Organization, email: str, role: str) -> Membership:
        self._require_admin_of(org)
        user = UserService(self.session).find(email)
        if user is None:
            raise ValidationFailed(
                "No such account", {"email": ["no account has this e-mail address"]}
            )
        return OrganizationService(self.session).add_member(org, user, self._role(org, role))

    def remove(self, membership_id: uuid.UUID) -> None:
        membership = self.session.get(Membership, membership_id)
        if membership is None:
            raise NotFound("No such membership")
        org = membership.organization
        self._require_admin_of(org)
        if membership.role is Role.ADMIN:
            admins = self.session.scalar(
                select(func.count())
                .select_from(Membership)
                .where(Membership.organization_id == org.id, Membership.role == Role.ADMIN)
            )
            if (admins or 0) <= 1:
                raise Conflict("An organization keeps at least one admin: make another admin first")
        self.session.delete(membership)
        self.session.flush()
        ledger.append(
            self.session,
            "membership.removed",
            actor=self.principal.user_id,
            org=org.id,
            subject=f"user:{membership.user_id}",
            data={"role": membership.role.value},
        )


class UserAdminService:
    """Site admins finding, locking and unlocking accounts."""

    def __init__(self, session: Session, principal: Principal) -> None:
        _require_site_admin(principal)
        self.session = session
        self.principal = principal

    def find(self, query: str = "", *, limit: int = 50) -> tuple[list[User], int]:
        stmt = select(User)
        text = query.strip().lower()
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            stmt = stmt.where(
                or_(
                    func.lower(User.email).like(pattern, escape="\\"),
                    func.lower(User.display_name).like(pattern, escape="\\"),
                )
            )
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        users = list(self.session.scalars(stmt.order_by(User.email).limit(limit)))
        return users, total

    def get(self, user_id: uuid.UUID) -> User:
        return UserService(self.session).get(user_id)

    def active_tokens(self, user_id: uuid.UUID) -> Sequence[ApiToken]:
        return list(
            self.session.scalars(
                select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            )
        )

    def set_locked(self, user_id: uuid.UUID, *, locked: bool, note: str = "") -> User:
        """Lock: the account can no longer sign in, and every session, API token and OAuth
        token of it stops working at the next request (each checks the account is active)."""
        user = self.get(user_id)
        note = _note(note)
        if locked and user.id == self.principal.user_id:
            raise Conflict("You cannot lock your own account")
        if locked and not note:
            raise ValidationFailed("Say why", {"note": ["a lock needs a reason"]})
        if user.is_active == (not locked):
            return user  # already so (a form posted twice)
        user.is_active = not locked
        ended = AccountService(self.session).end_all_sessions(user.id) if locked else 0
        ledger.append(
            self.session,
            "user.locked" if locked else "user.unlocked",
            actor=self.principal.user_id,
            subject=f"user:{user.id}",
            data={"note": note, "sessions_ended": ended} if locked else {},
        )
        return user
