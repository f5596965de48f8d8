"""Ingest and queries through the datastore service, on the lane's real database."""

from __future__ import annotations

import dataclasses
import io
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker

from catalog.datastore.access import MASK, AccessDecision
from catalog.datastore.fields import Sensitivity
from catalog.datastore.models import BadRowPolicy, IngestState
from catalog.datastore.query import RecordQuery
from catalog.datastore.services import DatastoreService, csv_safe
from catalog.datastore.sources import RowSource
from catalog.datastore.worker import index_pending, ingest_pending
from catalog.filestore import FileStore
from catalog.services import DatasetService
from core.errors import PermissionDenied, ValidationFailed
from core.identity.models import OrgKind, Role
from core.identity.principal import Principal
from demo import build_demo_catalog
from demo.loader import load_demo
from tests.factories import make_dataset, make_member, make_org, principal_of
from tests.factories.datastore import load, upload

CLINICS = (
    "区,名称,床位,开业,三甲,评分\n"
    "浦东新区,东方医院,2000,1920-05-01,是,4.5\n"
    "黄浦区,瑞金医院,3000,1907-10-01,是,4.8\n"
    "徐汇区,中山医院,2500,1937-04-01,是,\n"
    "浦东新区,社区卫生服务中心,50,2001-01-01,否,3.9\n"
    "徐汇区,=cmd|' /C calc'!A0,10,2010-06-01,否,1.0\n"
)


@pytest.fixture
def world(session: Session, files: FileStore) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    dataset = make_dataset(session, dept, publisher, state="draft")
    resource = upload(session, files, dataset, publisher, CLINICS.encode("gbk"))
    meta = load(session, files, resource)
    return {
        "publisher": publisher,
        "dataset": dataset,
        "resource": resource,
        "meta": meta,
        "service": DatastoreService(session),
    }


def _q(world: dict[str, Any], decision: AccessDecision | None = None, **query: Any) -> Any:
    service: DatastoreService = world["service"]
    return service.records(
        world["resource"].id, RecordQuery(**query), decision or AccessDecision.full()
    )


def test_gbk_file_is_loaded_with_types(world: dict[str, Any]) -> None:
    meta = world["meta"]
    assert meta.state is IngestState.LOADED
    assert meta.row_count == 5
    assert meta.report["encoding"] == "gb18030"
    assert meta.report["delimiter"] == ","
    types = {f["id"]: f["type"] for f in meta.fields}
    assert types == {
        "区": "text",
        "名称": "text",
        "床位": "integer",
        "开业": "date",
        "三甲": "boolean",
        "评分": "decimal",
    }
    assert {f["sensitivity"] for f in meta.fields} == {"public"}
    page = _q(world, limit=2)
    assert page["total"] == 5
    assert page["records"][0] == {
        "区": "浦东新区",
        "名称": "东方医院",
        "床位": 2000,
        "开业": date(1920, 5, 1),
        "三甲": True,
        "评分": 4.5,
    }
    assert page["next_key"] == {"after": 2}


def test_filters_sort_and_paging(world: dict[str, Any]) -> None:
    names = lambda page: [r["名称"] for r in page["records"]]  # noqa: E731
    assert names(_q(world, filters={"区": "徐汇区"}, sort=["-床位"])) == [
        "中山医院",
        "=cmd|' /C calc'!A0",
    ]
    assert _q(world, filters={"区": ["黄浦区", "徐汇区"]})["total"] == 3
    assert _q(world, filters={"床位": {"gte": 100, "lt": 2500}})["total"] == 1
    assert _q(world, filters={"开业": {"lt": "1930-01-01"}})["total"] == 2
    assert _q(world, filters={"评分": {"null": True}})["total"] == 1
    assert _q(world, filters={"评分": {"null": False}, "三甲": True})["total"] == 2
    assert _q(world, filters={"名称": {"contains": "医院"}})["total"] == 3
    assert _q(world, filters={"名称": {"contains": "100%"}})["total"] == 0  # % is literal
    assert _q(world, q="社区")["total"] == 1
    assert names(_q(world, sort=["床位 desc"], limit=1, offset=1)) == ["中山医院"]
    assert _q(world, fields=["区"], distinct=True)["total"] == 3
    first = _q(world, limit=3)
    rest = world["service"].records(
        world["resource"].id, RecordQuery(limit=3), AccessDecision.full(), after_id=3
    )
    assert len(first["records"]) == 3
    assert len(rest["records"]) == 2
    assert rest["next_key"] is None


@pytest.mark.parametrize(
    "query",
    [
        {"fields": ["nope"]},
        {"sort": ["nope"]},
        {"filters": {"x; DROP TABLE resources": 1}},
        {"filters": {"床位": {"gte": "many"}}},
        {"filters": {"床位": {"regex": "1"}}},
        {"filters": {"床位": {"contains": "1"}}},
        {"filters": {"区": {"null": "yes"}}},
        {"filters": {"区": {}}},
        {"filters": {"区": {"eq": None}}},
        {"group_by": ["区"], "aggregates": ["sum:区"]},
        {"group_by": ["区"], "aggregates": ["median:床位"]},
        {"group_by": ["区"], "aggregates": ["sum"]},
        {"group_by": ["区"], "fields": ["区"]},
    ],
)
def test_bad_queries_are_refused_by_name(world: dict[str, Any], query: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        _q(world, **query)


def test_injection_in_values_is_just_a_value(world: dict[str, Any]) -> None:
    assert _q(world, filters={"区": "x' OR '1'='1"})["total"] == 0
    assert _q(world, q="'; DROP TABLE resources; --")["total"] == 0


def test_aggregates(world: dict[str, Any]) -> None:
    page = _q(
        world,
        group_by=["区"],
        aggregates=["count", "sum:床位", "avg:床位", "min:开业", "max:评分"],
        sort=["-count"],
    )
    assert [f["id"] for f in page["fields"]] == [
        "区",
        "count",
        "sum(床位)",
        "avg(床位)",
        "min(开业)",
        "max(评分)",
    ]
    first = page["records"][0]
    assert first["count"] == 2
    assert first["sum(床位)"] in (2050, 2510)
    assert page["total"] == 3


def test_access_decision_is_applied_in_sql(world: dict[str, Any]) -> None:
    projected = AccessDecision(fields=frozenset({"区", "床位"}))
    assert set(_q(world, projected)["records"][0]) == {"区", "床位"}
    with pytest.raises(PermissionDenied):
        _q(world, projected, fields=["名称"])
    with pytest.raises(PermissionDenied):
        _q(world, projected, filters={"名称": "东方医院"})

    rows = AccessDecision(row_filter={"区": "浦东新区"})
    assert _q(world, rows)["total"] == 2
    assert _q(world, rows, filters={"区": "黄浦区"})["total"] == 0
    assert _q(world, rows, filters={"区": {"ne": "浦东新区"}})["total"] == 0

    masked = AccessDecision(masked=frozenset({"名称"}))
    assert {r["名称"] for r in _q(world, masked)["records"]} == {MASK}
    for query in ({"filters": {"名称": "东方医院"}}, {"sort": ["名称"]}, {"q": "x", "fields": []}):
        with pytest.raises((PermissionDenied, ValidationFailed)):
            _q(world, masked, **query)
    assert _q(world, masked, q="东方")["total"] == 0  # masked text is not searched

    aggregate = AccessDecision(aggregate_min_group=2)
    with pytest.raises(PermissionDenied, match="aggregate-only"):
        _q(world, aggregate)
    groups = _q(world, aggregate, group_by=["区"], aggregates=["count"])
    assert {r["区"] for r in groups["records"]} == {"浦东新区", "徐汇区"}  # 黄浦区 has one row

    # The statement itself carries the decision: no value of a masked field is selected.
    service: DatastoreService = world["service"]
    built = service.build(world["resource"].id, RecordQuery(), masked)
    assert "CASE WHEN" in str(built.select)


@pytest.mark.parametrize(
    ("row_filter", "filters", "total", "lists"),
    [
        ({"区": ["浦东新区", "徐汇区"]}, {"区": ["徐汇区", "黄浦区"]}, 2, 1),
        ({"区": ["浦东新区", "徐汇区"]}, {"区": "黄浦区"}, 0, 0),  # none allowed: false
        ({"区": {"in": ["浦东新区", "徐汇区"]}}, {"区": {"eq": "浦东新区"}}, 2, 1),
        ({"床位": [50, 2000]}, {"床位": ["2000", 3000]}, 1, 1),  # compared as numbers
        ({"区": ["浦东新区"]}, {"区": {"null": False}}, 2, 1),  # not a value list: both apply
        ({"区": ["浦东新区"]}, {"床位": [50, 10]}, 1, 2),  # other fields: both apply
    ],
)
def test_a_filter_within_the_row_filter_narrows_it(
    world: dict[str, Any],
    row_filter: dict[str, Any],
    filters: dict[str, Any],
    total: int,
    lists: int,
) -> None:
    """The caller's values that the row filter allows, as one condition: the same rows."""
    decision = AccessDecision(row_filter=row_filter)
    assert _q(world, decision, filters=filters)["total"] == total
    service: DatastoreService = world["service"]
    built = service.build(world["resource"].id, RecordQuery(filters=filters), decision)
    assert str(built.select).count(" IN (") == lists


def test_narrowing_never_lets_a_caller_filter_on_a_field_it_may_not_use(
    world: dict[str, Any],
) -> None:
    masked = AccessDecision(row_filter={"名称": ["东方医院"]}, masked=frozenset({"名称"}))
    with pytest.raises(PermissionDenied, match="masked"):
        _q(world, masked, filters={"名称": ["东方医院"]})
    projected = AccessDecision(row_filter={"名称": ["东方医院"]}, fields=frozenset({"区"}))
    with pytest.raises(PermissionDenied, match="not part of your access"):
        _q(world, projected, filters={"名称": ["东方医院"]})


def test_export_streams_with_formula_cells_escaped(world: dict[str, Any]) -> None:
    service: DatastoreService = world["service"]
    built = service.build(world["resource"].id, RecordQuery(), AccessDecision.full())
    body = b"".join(service.stream(built, "csv")).decode("utf-8-sig")
    assert body.splitlines()[0] == "区,名称,床位,开业,三甲,评分"
    assert "\"'=cmd|' /C calc'!A0\"" in body or "'=cmd|' /C calc'!A0" in body
    assert "1920-05-01" in body
    assert "true" in body
    ndjson = b"".join(service.stream(built, "ndjson")).splitlines()
    assert len(ndjson) == 5
    assert b'"data' not in ndjson[0]
    json_doc = b"".join(service.stream(built, "json"))
    assert json_doc.startswith(b'{"fields":[')
    assert json_doc.endswith(b"]}")
    assert csv_safe("@SUM(1)") == "'@SUM(1)"
    assert csv_safe(-3) == -3


def test_reload_swaps_tables_and_keeps_sensitivity(
    session: Session, files: FileStore, world: dict[str, Any]
) -> None:
    service: DatastoreService = world["service"]
    resource = world["resource"]
    service.set_sensitivity(resource.id, {"名称": Sensitivity.PERSONAL})
    old = world["meta"].table_name
    meta = load(session, files, resource)
    assert meta.table_name != old
    assert meta.generation == 2
    tables = inspect(session.connection()).get_table_names()
    assert meta.table_name in tables
    assert old not in tables
    assert {f["id"]: f["sensitivity"] for f in meta.fields}["名称"] == "personal"
    with pytest.raises(ValidationFailed):
        service.set_sensitivity(resource.id, {"nope": Sensitivity.PERSONAL})


def test_bad_rows_reject_or_skip(session: Session, files: FileStore, world: dict[str, Any]) -> None:
    resource = upload(
        session, files, world["dataset"], world["publisher"], b"a,b\n1,2\n3\n4,5\n6,7,8\n"
    )
    with pytest.raises(ValidationFailed, match="line 3") as refused:
        load(session, files, resource, policy=BadRowPolicy.REJECT)
    assert refused.value.details is not None
    meta = DatastoreService(session).table_of(resource.id)
    assert meta is not None
    assert meta.state is IngestState.FAILED
    assert meta.table_name is None
    assert [b["line"] for b in meta.report["bad_rows"]] == [3, 5]
    meta = load(session, files, resource, policy=BadRowPolicy.SKIP)
    assert meta.state is IngestState.LOADED
    assert meta.row_count == 2
    assert meta.report["bad_row_count"] == 2


def test_a_refused_reload_keeps_the_old_table(
    session: Session, files: FileStore, world: dict[str, Any]
) -> None:
    resource = world["resource"]
    old = world["meta"].table_name
    junk = files.put_bytes(b"\x00junk\x00" * 10)
    resource.sha256 = junk.sha256
    with pytest.raises(ValidationFailed):
        load(session, files, resource)
    meta = DatastoreService(session).table_of(resource.id)
    assert meta is not None
    assert meta.table_name == old
    assert _q(world)["total"] == 5


def test_personal_data_blocks_publication_naming_column_and_row(
    session: Session, files: FileStore, world: dict[str, Any]
) -> None:
    dataset, publisher = world["dataset"], world["publisher"]
    people = "姓名,手机,备注\n张三,021-63210000,\n李四,13812345678,无\n"
    resource = upload(session, files, dataset, publisher, people.encode())
    meta = load(session, files, resource)
    assert meta.findings == [
        {"field": "手机", "line": 3, "kind": "mobile", "label": "手机号码 / mobile number"}
    ]
    service = DatasetService(session, principal_of(publisher))
    with pytest.raises(ValidationFailed, match="手机") as blocked:
        service.publish(dataset.name)
    assert "row 3" in str(blocked.value.details)


def test_marked_personal_field_blocks_open_publication(
    session: Session, world: dict[str, Any]
) -> None:
    service: DatastoreService = world["service"]
    service.set_sensitivity(world["resource"].id, {"名称": Sensitivity.SENSITIVE_PERSONAL})
    with pytest.raises(ValidationFailed, match="sensitive_personal"):
        DatasetService(session, principal_of(world["publisher"])).publish(world["dataset"].name)


def test_clean_open_dataset_publishes(session: Session, world: dict[str, Any]) -> None:
    dataset = DatasetService(session, principal_of(world["publisher"])).publish(
        world["dataset"].name
    )
    assert dataset.state.value == "published"


def test_large_ingest_in_bounded_memory(
    session: Session, files: FileStore, world: dict[str, Any], tmp_path: Path
) -> None:
    """A file several times larger than the memory bound asserted for its whole ingest."""
    path = tmp_path / "big.csv"
    with path.open("w", encoding="gb18030", newline="") as f:
        f.write("编号,区,名称,数量,日期\n")
        block = io.StringIO()
        for i in range(60_000):
            name = f"第{i}号站点的一个相当长的名字用来占地方"
            block.write(f"{i},浦东新区,{name},{i * 7},2024-01-{i % 28 + 1:02d}\n")
        f.write(block.getvalue())
    size = path.stat().st_size
    bound = 1024 * 1024
    assert size > 4 * bound
    resource = world["resource"]
    tracemalloc.start()
    try:
        meta = DatastoreService(session).ingest(resource, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert meta.row_count == 60_000
    assert peak < bound, f"peak {peak} bytes for a {size}-byte file"


def test_sources_reopen_for_both_passes(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(CLINICS.encode())
    source = RowSource(path, "csv")
    assert len(list(source.open()[1])) == len(list(source.open()[1])) == 5


def test_demo_tables_are_loaded_and_the_outbox_does_not_reload_them(
    session: Session, sessions: sessionmaker[Session], files: FileStore
) -> None:
    catalog = build_demo_catalog()
    tabular = [d for d in catalog.datasets if any(r.format == "CSV" for r in d.resources)]
    load_demo(session, files, dataclasses.replace(catalog, datasets=tuple(tabular[:4])))
    session.commit()
    service = DatastoreService(session)
    loaded = [
        service.table_of(r.id)
        for d in tabular[:4]
        for r in DatasetService(session, Principal.anonymous()).get(d.name).resources
        if r.format == "CSV"
    ]
    assert len(loaded) == 4
    assert all(m is not None and m.state is IngestState.LOADED and m.row_count > 0 for m in loaded)
    assert ingest_pending(sessions, files) >= 4  # the upload events settle without a reload
    assert all(m is not None and m.generation == 1 for m in loaded)


def test_values_the_database_reads_differently_still_load(
    session: Session, files: FileStore, world: dict[str, Any]
) -> None:
    """PostgreSQL refuses 1e400 as a float8 literal (Python reads infinity): the COPY of text
    cells falls back to Python values, in the same load."""
    data = "名称,数值,是否\n甲,1e400,是\n乙,2.5,否\n"
    resource = upload(session, files, world["dataset"], world["publisher"], data.encode())
    meta = load(session, files, resource)
    assert meta.state is IngestState.LOADED
    assert meta.row_count == 2
    records = DatastoreService(session).records(
        resource.id, RecordQuery(sort=["数值"]), AccessDecision.full()
    )["records"]
    assert [(r["名称"], r["数值"], r["是否"]) for r in records] == [
        ("乙", 2.5, False),
        ("甲", float("inf"), True),
    ]


def test_filterable_columns_are_indexed_after_the_load(
    session: Session, sessions: sessionmaker[Session], world: dict[str, Any]
) -> None:
    meta = world["meta"]
    session.commit()

    def indexed() -> set[tuple[str, ...]]:
        indexes = inspect(session.connection()).get_indexes(meta.table_name)
        return {tuple(i["column_names"]) for i in indexes}

    assert indexed() == set()  # queryable at once; the indexes follow from the outbox
    assert index_pending(sessions) >= 1
    columns = {f["id"]: f["column"] for f in meta.fields}
    # Every column but the boolean (三甲): text, integer, date and decimal alike.
    assert indexed() == {(columns[n],) for n in ("区", "名称", "床位", "开业", "评分")}
    assert index_pending(sessions) == 0


def test_indexes_of_a_replaced_table_are_not_built(
    session: Session, sessions: sessionmaker[Session], files: FileStore, world: dict[str, Any]
) -> None:
    old = world["meta"].table_name
    meta = load(session, files, world["resource"])  # reloaded before the worker came by
    session.commit()
    assert index_pending(sessions) == 2
    assert old not in inspect(session.connection()).get_table_names()
    assert len(inspect(session.connection()).get_indexes(meta.table_name)) == 5
