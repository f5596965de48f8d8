"""Harvesting DCAT catalogs (JSON-LD, Turtle, RDF/XML, Hydra paging) from fixture files,
the network replaced by an httpx transport; and the scheduler choosing due sources."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.harvest.services import HarvestSourceService, claim, run_due, run_source
from catalog.models import Dataset, DatasetState
from core.clock import utcnow
from core.db import transaction
from core.identity.principal import Principal
from tests.harvest_fakes import dcat_transport, fixture

pytestmark = pytest.mark.database

CC_BY = "https://creativecommons.org/licenses/by/4.0/"
HYDRA_NEXT = "http://www.w3.org/ns/hydra/core#next"

FIRST = "https://regional.example.eu/catalog.jsonld"
SECOND = "https://regional.example.eu/catalog.ttl?page=2"
PAGES = {
    FIRST: (fixture("dcat_page1.jsonld"), "application/ld+json"),
    SECOND: (fixture("dcat_page2.ttl"), "text/turtle"),
}


def add_source(
    sessions: sessionmaker[Session], url: str = FIRST, name: str = "regional", **options: Any
) -> None:
    with transaction(sessions, write=True) as session:
        HarvestSourceService(session, Principal.operator()).add(
            name, "dcat", url, delay_ms=0, **options
        )


def run(
    sessions: sessionmaker[Session], transport: httpx.BaseTransport, name: str = "regional"
) -> Any:
    return run_source(sessions, name, transport=transport, timeout=5)


def datasets(session: Session) -> dict[str, Dataset]:
    session.expire_all()
    return {d.name: d for d in session.scalars(select(Dataset))}


def test_paged_catalog_in_two_formats(sessions: sessionmaker[Session], session: Session) -> None:
    add_source(sessions)
    report = run(sessions, dcat_transport(PAGES))
    assert report.status == "finished"
    assert (report.created, report.failed) == (3, 1), report.failures
    assert report.failures[0]["dataset"] == "secret-sauce"
    assert "license" in report.failures[0]["reason"].lower()

    found = datasets(session)
    bikes = found["bike-counters"]
    assert (bikes.title_en, bikes.title_zh) == ("Bike counters", "自行车计数器")
    assert bikes.contact_email == "mobility@regional.example.eu"
    assert bikes.license_id == "CC-BY-4.0"
    assert bikes.temporal_start is not None
    assert bikes.temporal_start.isoformat() == "2020-01-01"
    assert [(r.format, r.url) for r in bikes.resources] == [
        ("CSV", "https://regional.example.eu/files/bikes.csv")
    ]
    assert found["parking-spaces"].license_id == "ODbL-1.0"
    tram = found["tram-stops"]  # from the Turtle page the JSON-LD page pointed to
    assert tram.spatial == "Old Town"
    assert tram.license_id == "CC0-1.0"

    # Unchanged on the second run; a dataset gone from the catalog is withdrawn.
    again = run(sessions, dcat_transport(PAGES))
    assert (again.created, again.updated, again.unchanged, again.deleted) == (0, 0, 3, 0)
    shorter = dict(PAGES)
    shorter[SECOND] = (
        fixture("dcat_page2.ttl").replace(b"tram-stops", b"tram-halts"),
        "text/turtle",
    )
    third = run(sessions, dcat_transport(shorter))
    assert (third.created, third.deleted) == (1, 1)
    assert datasets(session)["tram-stops"].state is DatasetState.WITHDRAWN


def test_rdf_xml_catalog(sessions: sessionmaker[Session], session: Session) -> None:
    url = "https://national.example.eu/catalog.rdf"
    add_source(sessions, url, name="national")
    transport = dcat_transport({url: (fixture("dcat_catalog.rdf"), "application/rdf+xml")})
    report = run(sessions, transport, "national")
    assert (report.status, report.created, report.failed) == ("finished", 1, 0)
    population = datasets(session)["population-by-district"]
    assert population.update_frequency is not None
    assert population.update_frequency.value == "annual"
    assert population.contact_name == "Statistics office"


def _answer(status: int, content: bytes, kind: str) -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: httpx.Response(status, content=content, headers={"content-type": kind})
    )


def _timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def _loop(request: httpx.Request) -> httpx.Response:
    return httpx.Response(302, headers={"location": str(request.url)})


@pytest.mark.parametrize(
    ("transport", "reason"),
    [
        (_answer(200, b'{"@context": {"dcat": ', "application/ld+json"), "not readable RDF"),
        (_answer(200, b"<html><h1>Oops</h1></html>", "text/html"), "not readable RDF"),
        (_answer(503, b"<html>down</html>", "text/html"), "answered HTTP 503"),
        (httpx.MockTransport(_timeout), "timed out"),
        (httpx.MockTransport(_loop), "too many redirects"),
    ],
    ids=["malformed-json", "html-page", "error-status", "timeout", "redirect-loop"],
)
def test_bad_sources(
    sessions: sessionmaker[Session], session: Session, transport: httpx.BaseTransport, reason: str
) -> None:
    add_source(sessions)
    report = run(sessions, transport)
    assert report.status == "failed"
    assert reason in report.message
    assert datasets(session) == {}


def test_a_failing_later_page_keeps_the_earlier_pages(
    sessions: sessionmaker[Session], session: Session
) -> None:
    add_source(sessions)
    broken = {FIRST: PAGES[FIRST], SECOND: (b"<html>502</html>", "text/html")}
    report = run(sessions, dcat_transport(broken))
    assert report.status == "failed"
    assert report.created == 2
    assert report.deleted == 0  # an incomplete reading withdraws nothing
    assert set(datasets(session)) == {"bike-counters", "parking-spaces"}


def test_paging_that_loops_back_is_stopped(sessions: sessionmaker[Session]) -> None:
    add_source(sessions)
    looping = fixture("dcat_page1.jsonld").replace(SECOND.encode(), FIRST.encode())
    report = run(sessions, dcat_transport({FIRST: (looping, "application/ld+json")}))
    assert report.status == "failed"
    assert "loops back" in report.message
    assert report.created == 2


def test_ten_thousand_datasets_over_a_hundred_pages(
    sessions: sessionmaker[Session], session: Session
) -> None:
    add_source(sessions, url="https://big.example.eu/catalog.ttl?page=1", max_datasets=40)

    def page(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        lines = [
            "@prefix dcat: <http://www.w3.org/ns/dcat#> .",
            "@prefix dct: <http://purl.org/dc/terms/> .",
        ]
        for n in range((number - 1) * 100, number * 100):
            lines.append(
                f'<https://big.example.eu/d/{n}> a dcat:Dataset ; dct:identifier "ds-{n:05d}" ;'
                f' dct:title "Dataset {n}"@en ; dct:license <{CC_BY}> .'
            )
        if number < 100:
            lines.append(
                f"<https://big.example.eu/catalog.ttl?page={number}>"
                f" <{HYDRA_NEXT}> <https://big.example.eu/catalog.ttl?page={number + 1}> ."
            )
        return httpx.Response(200, text="\n".join(lines), headers={"content-type": "text/turtle"})

    report = run(sessions, httpx.MockTransport(page))
    assert report.status == "finished"
    assert report.created == 40
    assert "the next run continues" in report.message
    second = run(sessions, httpx.MockTransport(page))
    assert (second.created, second.unchanged) == (40, 40)
    assert len(datasets(session)) == 80


def test_scheduler_runs_due_sources_only(sessions: sessionmaker[Session]) -> None:
    add_source(sessions, interval_minutes=60)
    add_source(sessions, name="manual", interval_minutes=0)
    transport = dcat_transport(PAGES)
    reports = run_due(sessions, utcnow(), transport=transport, timeout=5)
    assert [r.source for r in reports] == ["regional"]  # never run before: due
    assert run_due(sessions, utcnow(), transport=transport) == []  # just ran
    later = run_due(sessions, utcnow() + timedelta(minutes=61), transport=transport, timeout=5)
    assert [r.source for r in later] == ["regional"]


def test_a_due_source_is_claimed_by_one_worker_only(sessions: sessionmaker[Session]) -> None:
    add_source(sessions, interval_minutes=60)
    now = utcnow()
    assert claim(sessions, "regional", now) is True
    assert claim(sessions, "regional", now) is False  # the second worker finds it taken
    assert claim(sessions, "regional", now + timedelta(minutes=61)) is True
