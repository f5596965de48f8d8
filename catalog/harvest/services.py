"""Harvest sources: adding them, running them, and which are due for a scheduled run.

Who manages a source (docs/architecture.md, "Organizations and consoles"): a site admin
manages every source; a department's publishers manage the sources that publish into their
department. The command line and the worker act as the operator, a site admin.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.harvest.base import Harvester, RunReport, SourceConfig
from catalog.harvest.ckan import CkanHarvester
from catalog.harvest.dcat import DcatHarvester
from catalog.harvest.models import SOURCE_KINDS, HarvestRun, HarvestSource
from core.db import transaction
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.identity.models import Organization, OrgKind
from core.identity.principal import Principal
from core.identity.services import OrganizationService, check_slug


class HarvestSourceService:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    @property
    def _site_admin(self) -> bool:
        return self.principal.is_admin and self.principal.can_write

    def _manages(self, organization_id: uuid.UUID) -> bool:
        """The one rule: site admins manage every source, publishers their departments'."""
        if self._site_admin:
            return True
        return self.principal.can_write and organization_id in self.principal.publisher_org_ids

    def require_manager(self, source: HarvestSource) -> None:
        if not self._manages(source.organization_id):
            raise PermissionDenied(
                f"Only site administrators and the publishers of {source.organization.name!r} "
                f"manage the harvest source {source.name!r}"
            )

    def _publishing_org(self, organization: str | None) -> Organization:
        """The department a publisher (not a site admin) adds a source for: one of theirs,
        named; never one made for them."""
        if not (self.principal.can_write and self.principal.publisher_org_ids):
            raise PermissionDenied(
                "Only site administrators and department publishers manage harvest sources"
            )
        if not organization:
            raise ValidationFailed(
                "Name the department the harvested datasets are published by",
                {"organization": ["required"]},
            )
        org = OrganizationService(self.session).find(organization)
        if org is None or org.id not in self.principal.publisher_org_ids:
            raise PermissionDenied(f"You do not publish for {organization!r}")
        return org

    def add(
        self,
        name: str,
        kind: str,
        url: str,
        *,
        organization: str | None = None,
        interval_minutes: int = 1440,
        delay_ms: int = 500,
        max_datasets: int = 1000,
    ) -> HarvestSource:
        """A new source. A site admin may leave ``organization`` out (a department named after
        the source is made); a publisher names one of their own departments."""
        org = None if self._site_admin else self._publishing_org(organization)
        check_slug("name", name)
        if kind not in SOURCE_KINDS:
            raise ValidationFailed(f"Unknown source type {kind!r}", {"type": list(SOURCE_KINDS)})
        if not url.startswith(("http://", "https://")) or len(url) > 2000:
            raise ValidationFailed("The URL must be http(s)", {"url": ["an http(s) URL"]})
        if interval_minutes < 0 or delay_ms < 0 or not 1 <= max_datasets <= 100_000:
            raise ValidationFailed(
                "Intervals and delays are not negative; 1 to 100000 datasets a run",
                {"limits": ["out of range"]},
            )
        if self.session.scalar(select(HarvestSource.id).where(HarvestSource.name == name)):
            raise Conflict(f"A harvest source named {name!r} already exists", {"name": ["taken"]})
        if org is None:
            orgs = OrganizationService(self.session)
            org = orgs.find(organization or name)
            if org is None:
                if organization is not None:
                    raise NotFound(f"No organization named {organization!r}")
                org = orgs.create(name, OrgKind.DEPARTMENT, title_en=f"Harvested from {url}"[:200])
        if org.kind is not OrgKind.DEPARTMENT:
            raise ValidationFailed(
                "Harvested datasets are published by a department",
                {"organization": [f"{org.name!r} is a {org.kind.value}"]},
            )
        source = HarvestSource(
            name=name,
            kind=kind,
            url=url.rstrip("/") if kind == "ckan" else url,
            organization_id=org.id,
            organization=org,
            interval_minutes=interval_minutes,
            delay_ms=delay_ms,
            max_datasets=max_datasets,
        )
        self.session.add(source)
        self.session.flush()
        return source

    def all(self) -> list[HarvestSource]:
        return list(self.session.scalars(select(HarvestSource).order_by(HarvestSource.name)))

    def manageable(self) -> list[HarvestSource]:
        """The sources this principal manages, by name."""
        if self._site_admin:
            return self.all()
        if not self.principal.can_write or not self.principal.publisher_org_ids:
            return []
        return list(
            self.session.scalars(
                select(HarvestSource)
                .where(HarvestSource.organization_id.in_(self.principal.publisher_org_ids))
                .order_by(HarvestSource.name)
            )
        )

    def get(self, name: str) -> HarvestSource:
        source = self.session.scalar(select(HarvestSource).where(HarvestSource.name == name))
        if source is None:
            raise NotFound(f"No harvest source named {name!r}")
        return source

    def check_run(self, name: str) -> HarvestSource:
        """The source ``name``, once this principal may run it now (the run itself is
        :func:`run_source`, as the operator, in the background)."""
        source = self.get(name)
        self.require_manager(source)
        return source

    def runs(self, name: str, limit: int = 10) -> list[HarvestRun]:
        """The reports of the source's latest runs, newest first, for whoever manages it."""
        source = self.get(name)
        self.require_manager(source)
        return list(
            self.session.scalars(
                select(HarvestRun)
                .where(HarvestRun.source_id == source.id)
                .order_by(HarvestRun.started_at.desc())
                .limit(limit)
            )
        )

    def due(self, now: datetime) -> list[str]:
        """Names of the sources whose scheduled run is due at ``now``."""
        out = []
        for source in self.all():
            if source.interval_minutes <= 0:
                continue
            last = source.last_run_at
            if last is None or last + timedelta(minutes=source.interval_minutes) <= now:
                out.append(source.name)
        return out


def source_config(source: HarvestSource) -> SourceConfig:
    return SourceConfig(
        id=source.id,
        name=source.name,
        kind=source.kind,
        url=source.url,
        organization=source.organization.name,
        organization_id=source.organization_id,
        delay_ms=source.delay_ms,
        max_datasets=source.max_datasets,
        harvested_until=source.harvested_until,
    )


def make_harvester(
    config: SourceConfig, sessions: sessionmaker[Session], **network: Any
) -> Harvester:
    """The harvester for a source's kind. ``network``: ``http`` (CKAN, a requests session)
    or ``transport`` (DCAT, an httpx transport), ``timeout``, ``sleep``."""
    if config.kind == "ckan":
        network.pop("transport", None)
        return CkanHarvester(config, sessions, **network)
    network.pop("http", None)
    return DcatHarvester(config, sessions, **network)


def run_source(sessions: sessionmaker[Session], name: str, **network: Any) -> RunReport:
    """Run one source now (the CLI, the scheduler)."""
    with transaction(sessions) as session:
        config = source_config(HarvestSourceService(session, Principal.operator()).get(name))
    return make_harvester(config, sessions, **network).harvest()


def claim(sessions: sessionmaker[Session], name: str, now: datetime) -> bool:
    """Take a due source for this worker: a compare-and-set on ``last_run_at``, so that two
    workers polling at once never run the same source twice."""
    with transaction(sessions, write=True) as session:
        service = HarvestSourceService(session, Principal.operator())
        if name not in service.due(now):
            return False  # another worker ran it since we looked
        seen = service.get(name).last_run_at
        taken = session.execute(
            update(HarvestSource)
            .where(
                HarvestSource.name == name,
                HarvestSource.last_run_at.is_(None)
                if seen is None
                else HarvestSource.last_run_at == seen,
            )
            .values(last_run_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(taken, "rowcount", 0) == 1)


def run_due(sessions: sessionmaker[Session], now: datetime, **network: Any) -> list[RunReport]:
    """Run every source that is due and not taken by another worker, one after another."""
    with transaction(sessions) as session:
        names = HarvestSourceService(session, Principal.operator()).due(now)
    return [run_source(sessions, name, **network) for name in names if claim(sessions, name, now)]
