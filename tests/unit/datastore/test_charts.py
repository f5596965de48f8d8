"""The dataset page's chart says something true: concentrations are averaged, counts summed,
categories counted, and coordinates or codes are never a measure."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from catalog.datastore.access import AccessDecision
from catalog.datastore.services import DatastoreService
from catalog.filestore import FileStore
from core.identity.models import OrgKind, Role
from tests.factories import make_dataset, make_member, make_org
from tests.factories.datastore import load, upload

AIR = (
    "station_code,station,date,pm25,co\n"
    "S01,Jingan,2024-01-01,30,0.8\n"
    "S02,Pudong,2024-01-01,50,1.2\n"
    "S01,Jingan,2024-01-02,10,0.4\n"
    "S02,Pudong,2024-01-02,20,0.6\n"
)
RIDERS = "date,line,passengers\n2024-01-01,1,1000\n2024-01-01,2,500\n2024-01-02,1,700\n"
TOILETS = (
    "name,district,address,lng,lat\n"
    "A,Huangpu,1 Road,121.47,31.23\n"
    "B,Huangpu,2 Road,121.48,31.22\n"
    "C,Xuhui,3 Road,121.43,31.18\n"
)


def _chart(session: Session, files: FileStore, csv: str) -> dict[str, Any] | None:
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    dataset = make_dataset(session, dept, publisher, state="draft")
    resource = upload(session, files, dataset, publisher, csv.encode())
    load(session, files, resource)
    return DatastoreService(session).chart(resource.id, AccessDecision.full())


def test_a_concentration_is_averaged_per_date_never_summed(
    session: Session, files: FileStore
) -> None:
    chart = _chart(session, files, AIR)
    assert chart is not None
    assert (chart["kind"], chart["measure"], chart["field"], chart["x"]) == (
        "date",
        "avg",
        "co",
        "date",
    )
    assert [(day, round(float(v), 2)) for day, v in chart["points"]] == [
        ("2024-01-01", 1.0),
        ("2024-01-02", 0.5),
    ]


def test_a_count_is_summed_per_date(session: Session, files: FileStore) -> None:
    chart = _chart(session, files, RIDERS)
    assert chart is not None
    assert chart["measure"] == "sum"
    assert [(day, int(v)) for day, v in chart["points"]] == [
        ("2024-01-01", 1500),
        ("2024-01-02", 700),
    ]


def test_without_dates_rows_are_counted_per_category(session: Session, files: FileStore) -> None:
    chart = _chart(session, files, TOILETS)
    assert chart is not None
    # Not the coordinates as a measure, not the unique names as categories.
    assert (chart["kind"], chart["measure"], chart["x"]) == ("category", "count", "district")
    assert chart["points"] == [("Huangpu", 2), ("Xuhui", 1)]


def test_times_with_an_offset_kept_as_text_still_order_the_chart(
    session: Session, files: FileStore
) -> None:
    # The type guess keeps "…+08:00" as text; the chart still averages per time, in order,
    # rather than counting rows per timestamp as if it were a category.
    readings = (
        "station_code,district,observed_at,co\n"
        "S01,Huangpu,2025-10-31T01:00:00+08:00,0.8\n"
        "S02,Xuhui,2025-10-31T01:00:00+08:00,1.2\n"
        "S01,Huangpu,2025-10-31T00:00:00+08:00,0.4\n"
        "S02,Xuhui,2025-10-31T00:00:00+08:00,0.6\n"
    )
    chart = _chart(session, files, readings)
    assert chart is not None
    assert (chart["kind"], chart["measure"], chart["x"]) == ("date", "avg", "observed_at")
    assert [(at, round(float(v), 2)) for at, v in chart["points"]] == [
        ("2025-10-31T00:00:00+08:00", 0.5),
        ("2025-10-31T01:00:00+08:00", 1.0),
    ]
