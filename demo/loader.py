"""Load the generated demo catalog (``demo``) into an empty database.

Everything goes through the same services the API uses, so the demo obeys every rule a
real publisher does (licenses, classification, history, search outbox).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.datastore.services import DatastoreService
from catalog.filestore import FileStore
from catalog.models import Dataset, DatasetState
from catalog.schemas import (
    ContactPoint,
    DatasetCreate,
    ResourceCreate,
    Temporal,
    Text2,
    Title2,
)
from catalog.services import DatasetService, ThemeService
from core.identity.models import OrgKind, Role
from core.identity.principal import Principal
from core.identity.services import OrganizationService, UserService
from demo import DemoCatalog, DemoDataset, build_demo_catalog

DEMO_PASSWORD = "shudu-demo"  # noqa: S105 — demo accounts only; printed by `shudu demo`


@dataclass(frozen=True, slots=True)
class DemoAccount:
    email: str
    role: str
    organization: str | None


def catalog_is_empty(session: Session) -> bool:
    return (session.scalar(select(func.count(Dataset.id))) or 0) == 0


def _create_input(d: DemoDataset) -> DatasetCreate:
    return DatasetCreate.model_validate(
        {
            "name": d.name,
            "title": Title2(zh=d.title_zh, en=d.title_en),
            "description": Text2(zh=d.description_zh, en=d.description_en),
            "organization": d.organization,
            "open_level": d.open_level,
            "grade": d.grade,
            "license": d.license,
            "contact_point": ContactPoint(name=d.contact_name, email=d.contact_email),
            "keywords": [*d.keywords_zh, *d.keywords_en],
            "themes": list(d.themes),
            "update_frequency": d.update_frequency,
            "temporal": Temporal(start=d.temporal_start, end=d.temporal_end),
            "spatial": d.spatial,
            "version": d.version,
        },
        strict=False,
    )


def load_demo(
    session: Session, files: FileStore, catalog: DemoCatalog | None = None
) -> list[DemoAccount]:
    """Create the demo organizations, accounts and datasets; return the accounts made."""
    catalog = catalog or build_demo_catalog()
    users, orgs = UserService(session), OrganizationService(session)
    themes = ThemeService(session)
    for theme in catalog.themes:
        themes.ensure(theme.code, theme.title_zh, theme.title_en)

    accounts: list[DemoAccount] = []
    admin = users.create(
        "admin@demo.shudu.example", DEMO_PASSWORD, display_name="站点管理员", is_admin=True
    )
    accounts.append(DemoAccount(admin.email, "admin", None))
    role_for = {
        OrgKind.DEPARTMENT: Role.PUBLISHER,
        OrgKind.ENTERPRISE: Role.MEMBER,
        OrgKind.EXCHANGE: Role.REVIEWER,
        OrgKind.REGULATOR: Role.REGULATOR,
    }
    for demo_org in catalog.organizations:
        org = orgs.create(
            demo_org.name,
            demo_org.kind,
            title_zh=demo_org.title_zh,
            title_en=demo_org.title_en,
            description_zh=demo_org.description_zh,
            description_en=demo_org.description_en,
        )
        role = role_for[org.kind]
        user = users.create(f"{role.value}@{org.name}.demo.shudu.example", DEMO_PASSWORD)
        orgs.add_member(org, user, role)
        accounts.append(DemoAccount(user.email, role.value, org.name))

    principal = Principal.for_user(admin, can_write=True, via="demo")
    service = DatasetService(session, principal)
    datastore = DatastoreService(session)
    for demo in catalog.datasets:
        dataset = service.create(_create_input(demo))
        for res in demo.resources:
            data = ResourceCreate(
                name=res.name_zh if not res.name_en else f"{res.name_zh} / {res.name_en}",
                description=res.description,
                format=res.format,
                media_type=res.media_type,
                url=res.url,
            )
            if res.content is not None:
                blob = files.put_bytes(res.content)
                suffix = res.format.lower() if res.format else "bin"
                resource = service.add_resource(
                    dataset.name, data, blob=blob, filename=f"{dataset.name}.{suffix}"
                )
                # Load the tables now, so the demo's data API answers from the first request
                # (and its publication is checked for personal data like any other).
                datastore.ingest_stored(resource, files)
            else:
                service.add_resource(dataset.name, data)
        service.publish(dataset.name)
        # The demo has a history of its own: keep its publication dates, not today's.
        dataset.issued, dataset.modified = demo.issued, demo.modified
        for resource in dataset.resources:
            resource.created_at = resource.modified = demo.modified
        assert dataset.state is DatasetState.PUBLISHED
    session.flush()
    return accounts
