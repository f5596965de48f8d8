"""Who manages a harvest source (docs/architecture.md, "Organizations and consoles"): a site
admin every source, a department's publishers the sources that publish into their department;
the operator (the command line, the worker) as a site admin."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.harvest.models import HarvestSource
from catalog.harvest.services import HarvestSourceService
from core.errors import PermissionDenied, ValidationFailed
from core.identity.models import Organization, OrgKind, Role
from core.identity.principal import Principal
from tests.factories import make_member, make_org, make_user, principal_of

pytestmark = pytest.mark.database

URL = "https://upstream.example.org"


@pytest.fixture
def depts(session: Session) -> dict[str, Any]:
    own = make_org(session, OrgKind.DEPARTMENT, name="water-dept")
    other = make_org(session, OrgKind.DEPARTMENT, name="roads-dept")
    return {
        "own": own,
        "other": other,
        "publisher": make_member(session, own, Role.PUBLISHER),
        "dept_admin": make_member(session, own, Role.ADMIN),
        "stranger": make_member(session, other, Role.PUBLISHER),
    }


def service(session: Session, principal: Principal) -> HarvestSourceService:
    return HarvestSourceService(session, principal)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(HarvestSource)) or 0


def test_a_publisher_adds_and_runs_sources_of_their_department(
    session: Session, depts: dict[str, Any]
) -> None:
    for n, who in enumerate(("publisher", "dept_admin")):
        mine = service(session, principal_of(depts[who]))
        source = mine.add(f"water-{n}", "ckan", URL, organization="water-dept")
        assert source.organization_id == depts["own"].id
        assert mine.check_run(source.name) is source
        assert mine.runs(source.name) == []
    theirs = service(session, Principal.operator()).add(
        "roads-feed", "dcat", URL, organization="roads-dept"
    )
    publisher = service(session, principal_of(depts["publisher"]))
    assert [s.name for s in publisher.manageable()] == ["water-0", "water-1"]
    assert [s.name for s in service(session, principal_of(depts["stranger"])).manageable()] == [
        "roads-feed"
    ]
    with pytest.raises(PermissionDenied):
        publisher.check_run(theirs.name)
    with pytest.raises(PermissionDenied):
        publisher.runs(theirs.name)


def test_a_publisher_is_refused_another_department_or_none(
    session: Session, depts: dict[str, Any]
) -> None:
    publisher = service(session, principal_of(depts["publisher"]))
    with pytest.raises(PermissionDenied):
        publisher.add("roads-feed", "ckan", URL, organization="roads-dept")
    with pytest.raises(PermissionDenied):
        publisher.add("nowhere-feed", "ckan", URL, organization="no-such-dept")
    with pytest.raises(ValidationFailed) as refused:
        publisher.add("water-feed", "ckan", URL)
    assert refused.value.details == {"organization": ["required"]}
    # Never an organization made for them, as the site admin's add without one makes.
    assert session.scalar(select(Organization.id).where(Organization.name == "water-feed")) is None
    assert count(session) == 0


def test_a_read_only_token_and_non_publishers_manage_nothing(
    session: Session, depts: dict[str, Any]
) -> None:
    source = service(session, Principal.operator()).add(
        "water-feed", "ckan", URL, organization="water-dept"
    )
    reader = service(session, principal_of(depts["publisher"], write=False))
    citizen = service(session, principal_of(make_user(session)))
    reviewer = service(
        session,
        principal_of(make_member(session, make_org(session, OrgKind.EXCHANGE), Role.REVIEWER)),
    )
    for nobody in (reader, citizen, reviewer):
        assert nobody.manageable() == []
        with pytest.raises(PermissionDenied):
            nobody.check_run(source.name)
        with pytest.raises(PermissionDenied):
            nobody.add("water-two", "ckan", URL, organization="water-dept")
    assert count(session) == 1


def test_site_admins_and_the_operator_are_unchanged(
    session: Session, depts: dict[str, Any]
) -> None:
    admin = service(session, principal_of(make_user(session, admin=True)))
    made = admin.add("city-ckan", "ckan", URL + "/")  # no organization: one is made, as before
    assert made.organization.name == "city-ckan"
    assert made.organization.kind is OrgKind.DEPARTMENT
    assert made.url == URL
    into = admin.add("roads-feed", "dcat", URL, organization="roads-dept")
    operator = service(session, Principal.operator())
    mine = service(session, principal_of(depts["publisher"])).add(
        "water-feed", "ckan", URL, organization="water-dept"
    )
    for anyone in (admin, operator):
        assert [s.name for s in anyone.manageable()] == ["city-ckan", "roads-feed", "water-feed"]
        assert anyone.check_run(mine.name) is mine
        assert anyone.check_run(into.name) is into
    read_only_admin = service(session, principal_of(make_user(session, admin=True), write=False))
    with pytest.raises(PermissionDenied):
        read_only_admin.check_run(into.name)
    assert read_only_admin.manageable() == []
