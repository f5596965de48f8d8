"""Organizations and people coming together, on the real databases: an enterprise waits for
the exchange's admins before its members act for it; join requests are decided by the
organization's admins with the role they choose; locking an account ends its sessions and
stops its tokens; every decision is in the ledger and no contact detail is."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import jsonutil
from core.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed
from core.identity.accounts import AccountService
from core.identity.models import Organization, OrgKind, OrgStatus, Role
from core.identity.principal import Principal
from core.identity.registration import MembershipService, RegistrationService, UserAdminService
from core.identity.services import OrganizationService, TokenService
from core.ledger import LedgerEntry
from tests.factories import make_member, make_org, make_user, principal_of

CODE = "91350100M000100Y43"


def _register(session: Session, who: Principal, **overrides: str) -> Organization:
    values = {
        "name": "acme-data",
        "credit_code": CODE,
        "legal_name": "福州示例数据有限公司",
        "title_en": "Acme Data",
        "contact_name": "王芳",
        "contact_email": "wang.fang@acme.example",
        "contact_phone": "+86 591 1234 5678",
        **overrides,
    }
    return RegistrationService(session, who).register_enterprise(**values)


def _entries(session: Session, kind: str) -> list[dict[str, Any]]:
    """The data of each ledger entry of ``kind``, as hashed."""
    rows = session.scalars(select(LedgerEntry.entry).where(LedgerEntry.type == kind))
    return [jsonutil.loads(row)["data"] for row in rows]


def test_an_enterprise_acts_only_once_approved(session: Session) -> None:
    person = make_user(session)
    org = _register(session, principal_of(person))
    session.refresh(person)
    assert org.status is OrgStatus.PENDING
    # Its registrant is its admin, but a pending organization gives no role at all.
    assert principal_of(person).roles == ()
    assert OrganizationService(session).find("acme-data") is not None
    listed, _ = OrganizationService(session).page(kind=OrgKind.ENTERPRISE)
    assert "acme-data" not in [o.name for o in listed]

    # Only the exchange's admins (or site admins) decide; a refusal needs a reason.
    with pytest.raises(PermissionDenied):
        RegistrationService(session, principal_of(person)).pending()
    exchange = make_org(session, OrgKind.EXCHANGE)
    exchange_admin = make_member(session, exchange, Role.ADMIN)
    reviewer = make_member(session, exchange, Role.REVIEWER)
    with pytest.raises(PermissionDenied):
        RegistrationService(session, principal_of(reviewer)).decide(org.id, approve=True)
    deciding = RegistrationService(session, principal_of(exchange_admin))
    assert [o.name for o in deciding.pending()] == ["acme-data"]
    with pytest.raises(ValidationFailed):
        deciding.decide(org.id, approve=False)
    deciding.decide(org.id, approve=True)
    with pytest.raises(Conflict):
        deciding.decide(org.id, approve=False, note="twice")
    session.refresh(person)
    [role] = principal_of(person).roles
    assert (role.organization_name, role.kind, role.role) == (
        "acme-data",
        OrgKind.ENTERPRISE,
        Role.ADMIN,
    )
    [registered] = _entries(session, "organization.registered")
    assert registered["credit_code"] == CODE
    assert "wang.fang" not in str(registered)
    assert "1234" not in str(registered)
    assert len(_entries(session, "organization.approved")) == 1


def test_registration_refuses_bad_input_and_changes_nothing(session: Session) -> None:
    who = principal_of(make_user(session))
    with pytest.raises(ValidationFailed) as bad:
        _register(session, who, credit_code="91350100M000100Y44", contact_email="nope", name="A")
    assert set(bad.value.details) == {"credit_code", "contact_email", "name"}  # type: ignore[arg-type]
    assert OrganizationService(session).find("acme-data") is None
    _register(session, who)
    with pytest.raises(Conflict) as again:
        _register(session, who, name="acme-two")
    assert "credit_code" in again.value.details  # type: ignore[operator]
    with pytest.raises(PermissionDenied):
        _register(
            session, Principal.anonymous(), name="acme-three", credit_code="9144030071526726XG"
        )


def test_join_requests_are_decided_by_the_organizations_admins(session: Session) -> None:
    department = make_org(session, OrgKind.DEPARTMENT)
    admin = make_member(session, department, Role.ADMIN)
    person = make_user(session)
    asking = MembershipService(session, principal_of(person))
    join = asking.request(department, "交通委数据科")
    assert asking.request(department) is join  # asked twice: one request
    with pytest.raises(PermissionDenied):
        MembershipService(session, principal_of(person)).decide(
            join.id, approve=True, role="publisher"
        )
    deciding = MembershipService(session, principal_of(admin))
    with pytest.raises(ValidationFailed):  # a department has no "member" role
        deciding.decide(join.id, approve=True, role="member")
    deciding.decide(join.id, approve=True, role="publisher")
    session.refresh(person)
    assert principal_of(person).publisher_org_ids == {department.id}
    with pytest.raises(Conflict):
        asking.request(department)  # already a member
    # The last admin stays.
    [admin_membership] = [m for m in deciding.members(department) if m.role is Role.ADMIN]
    with pytest.raises(Conflict):
        deciding.remove(admin_membership.id)


def test_a_lock_ends_sessions_and_stops_tokens_at_once(session: Session) -> None:
    site_admin = make_user(session, admin=True)
    person = make_user(session)
    secret = TokenService(session).create(person, can_write=False).secret
    accounts = AccountService(session)
    cookie = accounts.open_session(person, "browser")
    assert accounts.session_user(cookie) is not None

    with pytest.raises(PermissionDenied):
        UserAdminService(session, principal_of(person))
    admin = UserAdminService(session, principal_of(site_admin))
    with pytest.raises(ValidationFailed):
        admin.set_locked(person.id, locked=True)  # a lock needs a reason
    with pytest.raises(Conflict):
        admin.set_locked(site_admin.id, locked=True, note="mistake")
    admin.set_locked(person.id, locked=True, note="账户疑似被盗用")
    assert accounts.session_user(cookie) is None
    with pytest.raises(NotAuthenticated):
        TokenService(session).authenticate(secret)
    [entry] = _entries(session, "user.locked")
    assert entry == {"note": "账户疑似被盗用", "sessions_ended": 1}

    admin.set_locked(person.id, locked=False)
    assert TokenService(session).authenticate(secret).user_id == person.id
