"""Harvesting a CKAN source through ckanapi, with the network replaced by a transport adapter.

The real database of the lane; a fake CKAN site that answers as CKAN does, or misbehaves.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.harvest.models import HarvestRecord, HarvestRun
from catalog.harvest.services import HarvestSourceService, run_source
from catalog.models import Dataset, DatasetState
from core.db import transaction
from core.identity.principal import Principal
from tests.factories import make_theme
from tests.harvest_fakes import FakeCkan, ckan_packages, ckan_session

pytestmark = pytest.mark.database

START = datetime(2024, 1, 1)


def add_source(sessions: sessionmaker[Session], name: str = "upstream", **options: Any) -> None:
    with transaction(sessions, write=True) as session:
        make_theme(session, "environment")
        HarvestSourceService(session, Principal.operator()).add(
            name, "ckan", "https://upstream.example.org", **options
        )


def run(sessions: sessionmaker[Session], fake: FakeCkan, sleeps: list[float] | None = None) -> Any:
    waited = sleeps if sleeps is not None else []
    return run_source(sessions, "upstream", http=ckan_session(fake), sleep=waited.append, timeout=5)


def datasets(session: Session) -> dict[str, Dataset]:
    return {d.name: d for d in session.scalars(select(Dataset))}


def test_first_run_creates_and_reports_each_failure(
    sessions: sessionmaker[Session], session: Session
) -> None:
    add_source(sessions)
    unreadable = {"title": "no id, no name", "metadata_modified": "2024-03-05T00:00:00"}
    report = run(sessions, FakeCkan([*ckan_packages(), unreadable]))
    assert report.status == "finished"
    assert (report.created, report.updated, report.deleted, report.failed) == (2, 0, 0, 3)
    reasons = {f["dataset"]: f["reason"] for f in report.failures}
    assert "neither id nor name" in reasons["(unreadable record)"]
    assert "license" in reasons["water-levels"].lower()
    assert "email" in reasons["broken-contact"].lower()

    found = datasets(session)
    air = found["air-quality-daily"]  # CKAN's underscores made a valid name
    assert air.organization.name == "upstream"
    assert air.state is DatasetState.PUBLISHED
    assert air.license_id == "CC-BY-4.0"
    assert air.title_en == "Air quality, daily means"
    assert [t.code for t in air.themes] == ["environment"]
    assert air.update_frequency is not None
    assert air.update_frequency.value == "daily"
    # Only the http(s) link was kept; an ftp:// link is not a resource we can serve.
    assert [r.url for r in air.resources] == ["https://upstream.example.org/download/air-daily.csv"]
    assert found["noise-complaints"].title_zh == "噪声投诉"
    run_row = session.scalars(select(HarvestRun)).one()
    assert (run_row.status, run_row.created, run_row.failed) == ("finished", 2, 3)
    assert len(run_row.failures) == 3


def test_incremental_updates_and_deletions(
    sessions: sessionmaker[Session], session: Session
) -> None:
    add_source(sessions)
    packages = ckan_packages()
    fake = FakeCkan(packages)
    run(sessions, fake)

    # Nothing changed: the next run asks only for what changed since, and writes nothing.
    fake.calls.clear()
    quiet = run(sessions, fake)
    assert (quiet.created, quiet.updated, quiet.deleted) == (0, 0, 0)
    search = next(p for a, p in fake.calls if a == "package_search")
    assert search["fq"].startswith("metadata_modified:[2024-03-04T12:00:00")
    assert search["sort"] == "metadata_modified asc"

    changed = copy.deepcopy(packages)
    changed[1]["notes"] = "按街道和月份统计的噪声投诉"
    changed[1]["metadata_modified"] = "2024-04-01T00:00:00.000000"
    del changed[0]  # gone upstream
    report = run(sessions, FakeCkan(changed))
    assert (report.created, report.updated, report.deleted) == (0, 1, 1)
    session.expire_all()
    found = datasets(session)
    assert found["noise-complaints"].description_zh == "按街道和月份统计的噪声投诉"
    assert found["air-quality-daily"].state is DatasetState.WITHDRAWN  # withdrawn, not erased


def test_requests_are_spaced_out(sessions: sessionmaker[Session]) -> None:
    add_source(sessions, delay_ms=250)
    now = [0.0]  # a clock that moves only when the harvester waits
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    fake = FakeCkan(ckan_packages())
    run_source(sessions, "upstream", http=ckan_session(fake), sleep=sleep, clock=lambda: now[0])
    assert len(fake.calls) >= 3
    assert sleeps == [0.25] * (len(fake.calls) - 1)  # every request after the first waited


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("malformed", "did not answer as the CKAN API does"),
        ("html", "did not answer as the CKAN API does"),
        ("timeout", "timed out"),
        ("redirect", "did not answer as the CKAN API does"),
    ],
)
def test_bad_sources_fail_the_run_not_the_harvester(
    sessions: sessionmaker[Session], session: Session, mode: str, reason: str
) -> None:
    add_source(sessions)
    report = run(sessions, FakeCkan(ckan_packages(), mode=mode))
    assert report.status == "failed"
    assert reason in report.message
    assert report.created == 0
    run_row = session.scalars(select(HarvestRun)).one()
    assert run_row.status == "failed"
    assert reason in run_row.message


def test_an_interrupted_run_keeps_its_work_and_the_next_resumes(
    sessions: sessionmaker[Session], session: Session
) -> None:
    add_source(sessions)
    many = [
        {
            "id": f"id-{n:05d}",
            "name": f"table-{n:05d}",
            "title": f"Table {n}",
            "license_id": "cc-by",
            "metadata_modified": f"2024-01-01T00:{n // 60:02d}:{n % 60:02d}.000000",
        }
        for n in range(250)
    ]
    first = run(sessions, FakeCkan(many, mode="fail_after:2"))  # two pages of 100, then a timeout
    assert first.status == "failed"
    assert first.created == 200
    assert len(datasets(session)) == 200  # what was harvested stays
    second = run(sessions, FakeCkan(many))
    assert second.status == "finished"
    assert second.created == 50
    assert second.unchanged == 1  # the resume point itself is asked for again, and skipped
    assert session.scalar(select(HarvestRecord).where(HarvestRecord.remote_id == "id-00249"))


def test_ten_thousand_datasets_are_taken_a_bounded_run_at_a_time(
    sessions: sessionmaker[Session], session: Session
) -> None:
    add_source(sessions, max_datasets=30)
    many = [
        {
            "id": f"id-{n:05d}",
            "name": f"series-{n:05d}",
            "title": f"Series {n}",
            "license_id": "cc-zero",
            "metadata_modified": (START + timedelta(minutes=n)).isoformat(),
        }
        for n in range(10_000)
    ]
    fake = FakeCkan(many)
    report = run(sessions, fake)
    assert report.status == "finished"
    assert report.created == 30
    assert "the next run continues" in report.message
    assert report.deleted == 0  # an incomplete run never concludes anything is gone
    again = run(sessions, fake)
    assert again.created == 30
    assert len(datasets(session)) == 60
