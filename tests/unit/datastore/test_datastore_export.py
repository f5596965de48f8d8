"""CSV exports written by the database are byte for byte the row-by-row export, on both lanes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from catalog.datastore import export
from catalog.datastore.access import MASK, AccessDecision
from catalog.datastore.query import RecordQuery
from catalog.datastore.services import DatastoreService
from catalog.filestore import FileStore
from core.identity.models import OrgKind, Role
from tests.factories import make_dataset, make_member, make_org
from tests.factories.datastore import load, upload

TRICKY = (
    "名称,数量,金额,日期,时间,是否,备注\n"
    '"say ""hi""",1,0.1,2024-01-02,2024-01-02 03:04:05,是,"a,b"\n'
    '"line one\nline two",-2,5,1999-12-31,2024-01-02T03:04:05.5,否,=1+2\n'
    "东方医院,,0.30000000000000004,,2024-02-29,,+86 21 6321\n"
    "@SUM(A1),4,1e-05,2000-02-29,,true,-5 apples\n"
    ",5,0.7999999999999999,2024-03-01,2024-03-01 00:00:00.000001,false,\n"
    '\'quoted,6,1.5e20,2024-03-02,2024-03-02 23:59:59,no,"tab\there"\n'
    '普通,7,12345.67,2024-03-03,2024-03-03 12:00,yes,"cr\rlf"\n'
    '减,8,-3.25,2024-03-04,2024-03-04 12:00:00,y,"""=quoted formula"""\n'
)


@pytest.fixture
def tricky(session: Session, files: FileStore) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    dataset = make_dataset(session, dept, publisher, state="draft")
    resource = upload(session, files, dataset, publisher, TRICKY.encode("utf-8"))
    meta = load(session, files, resource)
    assert meta.row_count == 8, meta.report
    types = {f["id"]: f["type"] for f in meta.fields}
    assert types == {
        "名称": "text",
        "数量": "integer",
        "金额": "decimal",
        "日期": "date",
        "时间": "datetime",
        "是否": "boolean",
        "备注": "text",
    }
    return {"resource": resource, "service": DatastoreService(session)}


def _both(tricky: dict[str, Any], decision: AccessDecision, **query: Any) -> tuple[bytes, bytes]:
    service: DatastoreService = tricky["service"]
    rid = tricky["resource"].id
    built = service.build(rid, RecordQuery(**query), decision, raw_values=True)
    assert built.plan is not None
    fast = b"".join(service.stream(built, "csv"))
    slow = b"".join(service.stream(built, "csv", in_database=False))
    return fast, slow


QUERIES: list[tuple[AccessDecision, dict[str, Any]]] = [
    (AccessDecision.full(), {}),
    (AccessDecision.full(), {"sort": ["-金额"]}),
    (AccessDecision.full(), {"filters": {"数量": {"gte": 2}}, "q": "医院"}),
    (AccessDecision.full(), {"filters": {"日期": {"lt": "2024-03-02"}}, "sort": ["时间"]}),
    (AccessDecision.full(), {"fields": ["备注"]}),  # one column, with empty cells
    (AccessDecision.full(), {"fields": ["金额"], "sort": ["金额"]}),
    (AccessDecision.full(), {"fields": ["数量"], "sort": ["-数量"]}),
    (AccessDecision.full(), {"fields": ["时间", "是否", "日期"], "sort": ["-时间"]}),
    (AccessDecision(masked=frozenset({"名称"}), fields=frozenset({"名称", "金额"})), {}),
    (AccessDecision(row_filter={"是否": True}), {}),
    (AccessDecision(row_filter={"备注": {"null": False}}), {"filters": {"名称": ["普通", "减"]}}),
]


@pytest.mark.parametrize(("decision", "query"), QUERIES)
def test_database_csv_is_byte_identical(
    tricky: dict[str, Any], decision: AccessDecision, query: dict[str, Any]
) -> None:
    fast, slow = _both(tricky, decision, **query)
    assert fast == slow


def test_identical_across_chunk_boundaries(
    tricky: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "CHUNK_ROWS", 3)
    for decision, query in QUERIES[:4]:
        fast, slow = _both(tricky, decision, **query)
        assert fast == slow


def test_database_csv_content(tricky: dict[str, Any]) -> None:
    fast, _ = _both(tricky, AccessDecision.full())
    text = fast.decode("utf-8")
    assert text.startswith("\ufeff名称,数量,金额,日期,时间,是否,备注\r\n")
    assert '"say ""hi""",1,0.1,2024-01-02,2024-01-02T03:04:05,true,"a,b"\r\n' in text
    assert '"line one\nline two",-2,5.0,1999-12-31,2024-01-02T03:04:05.500000,false,\'=1+2' in text
    assert "'@SUM(A1)" in text
    assert "0.30000000000000004" in text
    assert "1e-05" in text
    assert "1.5e+20" in text
    assert text.count("\r\n") == 9


def test_masked_and_filtered_rows_never_leave_the_database(tricky: dict[str, Any]) -> None:
    decision = AccessDecision(masked=frozenset({"名称"}), row_filter={"是否": False})
    fast, _ = _both(tricky, decision)
    text = fast.decode("utf-8")
    assert MASK in text
    assert "line one" not in text  # masked
    assert "普通" not in text  # its row is filtered out (是否 = yes)
    assert text.count("\r\n") == 1 + 3


CLEAN = (
    "区,名称,床位,评分,开业\n"
    "浦东新区,东方医院,2000,4.5,1920-05-01\n"
    "黄浦区,瑞金医院,3000,12345.67,1907-10-01\n"
    "徐汇区,中山医院,,100,\n"
    "徐汇区,,10,0.0001,2010-06-01\n"
)


def test_plain_columns_skip_the_cell_work_and_stay_identical(
    session: Session, files: FileStore, tricky: dict[str, Any], db_url: str
) -> None:
    """Columns that need no quoting, escaping or extra digits are marked at ingest (SQLite)."""
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    dataset = make_dataset(session, dept, publisher, state="draft")
    resource = upload(session, files, dataset, publisher, CLEAN.encode("utf-8"))
    meta = load(session, files, resource)
    plain = {f["id"] for f in meta.fields if f.get("csv_plain")}
    tricky_plain = {f.id for f in tricky["service"].loaded(tricky["resource"].id)[1] if f.csv_plain}
    # PostgreSQL's decimals always take their CASE; text is checked on both.
    assert plain == ({"区", "名称", "评分"} if db_url.startswith("sqlite") else {"区", "名称"})
    assert tricky_plain == set()  # quotes, formulas and 17-digit decimals in every one
    service = DatastoreService(session)
    for query in ({}, {"sort": ["-评分"]}, {"fields": ["名称"]}):
        built = service.build(
            resource.id, RecordQuery(**query), AccessDecision.full(), raw_values=True
        )
        fast = b"".join(service.stream(built, "csv"))
        assert fast == b"".join(service.stream(built, "csv", in_database=False))
    assert fast.decode("utf-8") == '\ufeff名称\r\n东方医院\r\n瑞金医院\r\n中山医院\r\n""\r\n'


def test_control_characters_survive_the_block_quoting(session: Session, files: FileStore) -> None:
    """PostgreSQL's blocks are quoted with \\x01 (doubled inside): cells holding it come back."""
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    dataset = make_dataset(session, dept, publisher, state="draft")
    data = "名称,备注\n甲\x01乙,\x01\x01\n丙,\x02,\n"
    resource = upload(session, files, dataset, publisher, data.encode("utf-8"))
    load(session, files, resource)
    service = DatastoreService(session)
    built = service.build(resource.id, RecordQuery(), AccessDecision.full(), raw_values=True)
    fast = b"".join(service.stream(built, "csv"))
    assert fast == b"".join(service.stream(built, "csv", in_database=False))
    assert "甲\x01乙,\x01\x01\r\n".encode() in fast
