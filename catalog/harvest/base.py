"""The harvest run, shared by every kind of source (template method).

``Harvester.harvest()`` runs the whole job; a backend says only how to read its source:
``fetch()`` yields pages of raw remote records, ``parse()`` turns one into a
:class:`RemoteDataset`, ``listing()`` names every dataset the source still has (for
deletions). Everything else — writing through the catalog's services, the run report,
resuming, politeness — lives here once.

Failure is contained at two levels. A dataset that cannot be parsed or fails our validation is
reported with its reason and the run goes on. A source that stops answering properly
(timeout, malformed JSON, an HTML error page, a redirect loop) ends the run as ``failed``
with the reason; each dataset is committed in its own transaction as it is harvested, so
nothing already harvested is lost, and the next run resumes where this one stopped.
"""

from __future__ import annotations

import hashlib
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.formats.dcat import slug
from catalog.harvest.models import HarvestRecord, HarvestRun, HarvestSource
from catalog.models import Dataset, DatasetState, Theme
from catalog.packages import PackageService
from core.clock import utcnow
from core.db import transaction
from core.errors import ShuduError
from core.identity.models import OrgKind, Role
from core.identity.principal import OrgRole, Principal

log = logging.getLogger("shudu.harvest")

MAX_FAILURES_KEPT = 1000  # per run; beyond this only the count grows


class FetchError(Exception):
    """The source did not answer usefully; the run stops here (what it took is kept)."""


class RecordError(Exception):
    """One remote record cannot be read; it is reported and the run goes on."""


@dataclass(frozen=True, slots=True)
class RemoteDataset:
    remote_id: str  # stable id at the source (CKAN id, DCAT subject URI)
    name: str  # the local dataset name it becomes
    modified: str | None  # the source's own modification time, ISO 8601
    package: dict[str, Any]  # a CKAN-like package dict (catalog.formats.ckan reads it)
    remote_name: str = ""  # the name at the source, where it has one (CKAN's package_list)


@dataclass(frozen=True, slots=True)
class SourceConfig:
    id: Any
    name: str
    kind: str
    url: str
    organization: str
    organization_id: Any
    delay_ms: int
    max_datasets: int
    harvested_until: str | None


@dataclass(slots=True)
class RunReport:
    source: str
    status: str = "running"
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    message: str = ""

    def fail(self, dataset: str, reason: str) -> None:
        self.failed += 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append({"dataset": dataset, "reason": reason[:500]})

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "failures": self.failures,
            "message": self.message,
        }


def content_hash(package: Mapping[str, Any]) -> str:
    return hashlib.sha256(orjson.dumps(package, option=orjson.OPT_SORT_KEYS)).hexdigest()


def harvester_principal(source: SourceConfig) -> Principal:
    """Least privilege: the harvester publishes into its source's organization and nowhere else.

    It is a machine identity (``client_id``), not a person; it never holds admin rights.
    """
    role = OrgRole(source.organization_id, source.organization, OrgKind.DEPARTMENT, Role.PUBLISHER)
    return Principal(
        roles=(role,), can_write=True, via="harvest", client_id=f"harvest:{source.name}"
    )


class Harvester(ABC):
    def __init__(
        self,
        source: SourceConfig,
        sessions: sessionmaker[Session],
        *,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.sessions = sessions
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._last_request: float | None = None
        self.principal = harvester_principal(source)
        self.report = RunReport(source.name)
        self._themes: set[str] | None = None

    # -- what backends implement -----------------------------------------------------------

    @abstractmethod
    def fetch(self) -> Iterator[list[Any]]:
        """Pages of raw remote records, oldest change first where the source can sort."""

    @abstractmethod
    def parse(self, raw: Any) -> RemoteDataset:
        """One raw record as a remote dataset; raise RecordError if it cannot be read."""

    def listing(self) -> set[str] | None:
        """The remote ids the source still has, or None if it cannot say (no deletions)."""
        return None

    def advance(self, session: Session, remote: RemoteDataset) -> None:  # noqa: B027 (a hook)
        """Called as each remote dataset is settled, in the transaction that settles it (or its
        own, when the dataset failed): a backend may move its resume point."""

    # -- politeness ------------------------------------------------------------------------

    def polite(self) -> None:
        """Wait so that requests to the source are at least ``delay_ms`` apart."""
        if self._last_request is not None:
            gap = self.source.delay_ms / 1000 - (self._clock() - self._last_request)
            if gap > 0:
                self._sleep(gap)
        self._last_request = self._clock()

    # -- the template ------------------------------------------------------------------------

    def harvest(self) -> RunReport:
        run_id = self._start()
        seen: set[str] = set()
        complete = False
        try:
            complete = self._take_all(run_id, seen)
            if complete:
                listing = self.listing()
                if listing is not None:
                    self._delete_missing(run_id, listing)
                elif self.deletes_by_seen:
                    self._delete_missing(run_id, seen)
            self.report.status = "finished"
        except FetchError as exc:
            self.report.status = "failed"
            self.report.message = f"The source stopped answering usefully: {exc}"
            log.warning("harvest %s failed: %s", self.source.name, exc)
        except Exception as exc:  # a bug must not leave the run "running" forever
            log.exception("harvest %s stopped on an unexpected error", self.source.name)
            self.report.status = "failed"
            self.report.message = f"Stopped on an unexpected error ({type(exc).__name__}); logged"
        self._finish(run_id)
        return self.report

    # True for sources that list every dataset on every run (DCAT): what was not seen is gone.
    deletes_by_seen = False

    def _take_all(self, run_id: Any, seen: set[str]) -> bool:
        """Harvest page by page; False when the per-run limit stopped it early."""
        written = 0
        for page in self.fetch():
            for raw in page:
                if written >= self.source.max_datasets:
                    self.report.message = (
                        f"Stopped after {written} datasets (the per-run limit);"
                        " the next run continues from here"
                    )
                    return False
                try:
                    remote = self.parse(raw)
                except RecordError as exc:
                    self.report.fail(_label(raw), str(exc))
                    continue
                seen.add(remote.remote_id)
                outcome = self._take(run_id, remote)
                if outcome in ("created", "updated"):
                    written += 1
                elif outcome == "failed":
                    with transaction(self.sessions, write=True) as session:
                        self.advance(session, remote)
        return True

    def _take(self, run_id: Any, remote: RemoteDataset) -> str:
        try:
            with transaction(self.sessions, write=True) as session:
                outcome = self._write(session, remote)
                run = session.get(HarvestRun, run_id)
                assert run is not None
                setattr(run, outcome, getattr(run, outcome) + 1)
                self.advance(session, remote)
        except ShuduError as exc:
            reason = exc.message
            if isinstance(exc.details, Mapping) and exc.details:
                first = next(iter(exc.details.items()))
                reason = f"{exc.message} ({first[0]}: {first[1]})"
            self.report.fail(remote.name or remote.remote_id, reason)
            return "failed"
        except Exception as exc:  # one odd dataset must not stop the others
            log.exception("harvest %s: dataset %s", self.source.name, remote.remote_id)
            self.report.fail(remote.name or remote.remote_id, f"unexpected {type(exc).__name__}")
            return "failed"
        setattr(self.report, outcome, getattr(self.report, outcome) + 1)
        return outcome

    def _write(self, session: Session, remote: RemoteDataset) -> str:
        packages = PackageService(session, self.principal)
        record = session.scalar(
            select(HarvestRecord).where(
                HarvestRecord.source_id == self.source.id,
                HarvestRecord.remote_id == remote.remote_id,
            )
        )
        package = self._local_package(session, remote)
        digest = content_hash(package)
        dataset = session.get(Dataset, record.dataset_id) if record and record.dataset_id else None
        if record is not None and dataset is not None:
            if record.content_hash == digest and not record.deleted:
                return "unchanged"
            packages.update({**package, "id": dataset.name}, partial=False)
            outcome = "updated"
        else:
            taken = session.scalar(select(Dataset.id).where(Dataset.name == remote.name))
            if taken is not None:
                raise ShuduError(
                    f"A dataset named {remote.name!r} exists here and was not harvested from"
                    " this source; it is left alone"
                )
            dataset = packages.create(package, organization=self.source.organization)
            outcome = "created"
        if record is None:
            record = HarvestRecord(source_id=self.source.id, remote_id=remote.remote_id)
            session.add(record)
        record.remote_name = (remote.remote_name or remote.name)[:200]
        record.dataset_id = dataset.id
        record.remote_modified = remote.modified
        record.content_hash = digest
        record.deleted = False
        record.updated_at = utcnow()
        return outcome

    def _local_package(self, session: Session, remote: RemoteDataset) -> dict[str, Any]:
        """The remote package as we store it: our name, our organization, known themes only."""
        package = dict(remote.package)
        package["name"] = remote.name
        package["state"] = "active"
        package.pop("id", None)
        package.pop("owner_org", None)
        package.pop("organization", None)
        package.pop("private", None)
        if self._themes is None:  # read once a run
            self._themes = set(session.scalars(select(Theme.code)))
        themes = self._themes
        package["groups"] = [
            g
            for g in package.get("groups") or []
            if isinstance(g, Mapping) and g.get("name") in themes
        ]
        package["resources"] = [
            {k: r.get(k) for k in ("name", "description", "format", "mimetype", "url")}
            for r in package.get("resources") or []
            if isinstance(r, Mapping)
            and str(r.get("url") or "").startswith(("http://", "https://"))
        ]
        return package

    def _delete_missing(self, run_id: Any, present: set[str]) -> None:
        """Withdraw the datasets whose remote original is gone (never delete: withdrawal)."""
        with transaction(self.sessions) as session:
            records = list(
                session.scalars(
                    select(HarvestRecord).where(
                        HarvestRecord.source_id == self.source.id,
                        HarvestRecord.deleted.is_(False),
                    )
                )
            )
        for record in records:
            if record.remote_id in present or record.remote_name in present:
                continue
            try:
                with transaction(self.sessions, write=True) as session:
                    fresh = session.get(HarvestRecord, record.id)
                    assert fresh is not None
                    dataset = session.get(Dataset, fresh.dataset_id) if fresh.dataset_id else None
                    if dataset is not None and dataset.state is DatasetState.PUBLISHED:
                        PackageService(session, self.principal).withdraw(dataset.name)
                    fresh.deleted = True
                    fresh.updated_at = utcnow()
                    run = session.get(HarvestRun, run_id)
                    assert run is not None
                    run.deleted += 1
            except ShuduError as exc:
                self.report.fail(record.remote_name or record.remote_id, exc.message)
                continue
            self.report.deleted += 1

    def _start(self) -> Any:
        with transaction(self.sessions, write=True) as session:
            run = HarvestRun(source_id=self.source.id)
            session.add(run)
            source = session.get(HarvestSource, self.source.id)
            assert source is not None
            source.last_run_at = utcnow()
            session.flush()
            return run.id

    def _finish(self, run_id: Any) -> None:
        with transaction(self.sessions, write=True) as session:
            run = session.get(HarvestRun, run_id)
            assert run is not None
            run.status = self.report.status
            run.finished_at = utcnow()
            run.failed = self.report.failed
            run.failures = self.report.failures
            run.message = self.report.message


def _label(raw: Any) -> str:
    if isinstance(raw, Mapping):
        for key in ("name", "id", "identifier"):
            if isinstance(raw.get(key), str):
                return str(raw[key])
    return "(unreadable record)"


def local_name(*candidates: Any) -> str:
    """The first candidate that makes a valid dataset name (CKAN allows '_', we do not)."""
    for candidate in candidates:
        if isinstance(candidate, str):
            name = slug(candidate)
            if len(name) >= 3:
                return name
    return ""
