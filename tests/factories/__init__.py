"""Factories for test data, built through the real services (so the rules apply)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from catalog.models import Dataset
from catalog.schemas import DatasetCreate
from catalog.services import DatasetService, ThemeService
from core.identity.models import Organization, OrgKind, Role, User
from core.identity.principal import Principal
from core.identity.services import OrganizationService, TokenService, UserService

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(session: Session, *, admin: bool = False, email: str | None = None) -> User:
    return UserService(session).create(
        email or f"user{next(_seq)}@example.org", PASSWORD, is_admin=admin
    )


def make_org(
    session: Session, kind: OrgKind = OrgKind.DEPARTMENT, name: str | None = None
) -> Organization:
    return OrganizationService(session).create(
        name or f"org-{next(_seq)}", kind, title_zh="测试机构", title_en="Test organization"
    )


def make_member(session: Session, org: Organization, role: Role) -> User:
    user = make_user(session)
    OrganizationService(session).add_member(org, user, role)
    session.flush()
    session.refresh(user)
    return user


def principal_of(user: User, *, write: bool = True) -> Principal:
    return Principal.for_user(user, can_write=write, via="token")


def token_for(session: Session, user: User, *, write: bool = True) -> str:
    return TokenService(session).create(user, can_write=write).secret


def make_theme(session: Session, code: str = "transport") -> None:
    ThemeService(session).ensure(code, "交通", "Transport")


def make_dataset(session: Session, org: Organization, publisher: User, **overrides: Any) -> Dataset:
    n = next(_seq)
    fields: dict[str, Any] = {
        "name": f"dataset-{n}",
        "title": {"zh": f"公交线路数据{n}", "en": f"Bus routes {n}"},
        "organization": org.name,
        "open_level": "open",
        "license": "CC-BY-4.0",
        "state": "published",
    }
    fields.update(overrides)
    if fields["open_level"] != "open" and "license" not in overrides:
        fields["license"] = None
    data = DatasetCreate.model_validate(fields, strict=False)
    return DatasetService(session, principal_of(publisher)).create(data)
