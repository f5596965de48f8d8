"""A policy's decision applied by the datastore, on the lane's real database (SQLite/PostgreSQL).

The evaluator is pure; this checks the seam the exchange relies on: ``to_access_decision``
gives the datastore exactly the projection, filter, masks and k the policy grants.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from catalog.datastore.access import MASK
from catalog.datastore.fields import Field
from catalog.datastore.query import RecordQuery
from catalog.datastore.services import DatastoreService
from catalog.filestore import FileStore
from core.errors import PermissionDenied
from core.identity.models import OrgKind, Role
from licensing import (
    Allow,
    Deny,
    PolicyInvalid,
    evaluate,
    named_fields,
    parse_policy,
    to_access_decision,
)
from tests.factories import make_dataset, make_member, make_org
from tests.factories.datastore import load, upload
from tests.unit.licensing.policy_cases import constraint, policy, request

CLINICS = (
    "区,名称,床位,评分\n"
    "浦东新区,东方医院,2000,4.5\n"
    "黄浦区,瑞金医院,3000,4.8\n"
    "徐汇区,中山医院,2500,4.1\n"
    "浦东新区,社区卫生服务中心,50,3.9\n"
    "徐汇区,街道诊所,10,1.0\n"
)


@pytest.fixture
def table(session: Session, files: FileStore) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    dataset = make_dataset(session, dept, publisher, state="draft")
    resource = upload(session, files, dataset, publisher, CLINICS.encode())
    meta = load(session, files, resource)
    schema = [Field.from_json(f) for f in meta.fields]
    return {"resource": resource, "schema": schema, "service": DatastoreService(session)}


def run(
    table: dict[str, Any], spec: dict[str, Any], query: RecordQuery, action: str = "read"
) -> Any:
    licensed = parse_policy(spec, fields=table["schema"])
    fields, filter_fields = named_fields(query)
    decision = evaluate(
        licensed,
        request(
            action=action,
            fields=fields,
            filter_fields=filter_fields,
            dataset_fields=frozenset(f.id for f in table["schema"]),
        ),
    )
    if isinstance(decision, Deny):
        return decision
    assert isinstance(decision, Allow)
    service: DatastoreService = table["service"]
    return service.records(table["resource"].id, query, to_access_decision(decision))


GRANT = policy(
    constraint("purpose", "eq", "urban_planning"),
    constraint("shudu:fields", "isAnyOf", ["区", "名称", "床位"]),
    constraint("shudu:maskedFields", "isAllOf", ["名称"]),
    constraint("shudu:rowFilter", "eq", {"区": ["浦东新区", "徐汇区"]}),
)


def test_projection_masks_and_row_filter_reach_the_sql(table: dict[str, Any]) -> None:
    page = run(table, GRANT, RecordQuery())
    assert page["total"] == 4  # 黄浦区 is outside the licensed rows
    assert {f["id"] for f in page["fields"]} == {"区", "名称", "床位"}  # 评分 is not licensed
    assert {r["名称"] for r in page["records"]} == {MASK}
    assert {r["区"] for r in page["records"]} == {"浦东新区", "徐汇区"}
    # The caller's own filter narrows further; it cannot widen the licensed rows.
    wider = run(table, GRANT, RecordQuery(filters={"区": "黄浦区"}))
    assert wider["total"] == 0
    asked = run(table, GRANT, RecordQuery(fields=["区"], filters={"床位": {"gte": 100}}))
    assert asked["total"] == 2  # 东方医院, 中山医院
    assert [f["id"] for f in asked["fields"]] == ["区"]


def test_a_field_outside_the_licence_is_refused_before_any_query(table: dict[str, Any]) -> None:
    denied = run(table, GRANT, RecordQuery(fields=["区", "评分"]))
    assert isinstance(denied, Deny)
    assert denied.failed[0].message_en == "Field(s) 评分 are not licensed to you."
    masked_filter = run(table, GRANT, RecordQuery(filters={"名称": "东方医院"}))
    assert isinstance(masked_filter, Deny)
    assert masked_filter.failed[0].left_operand == "shudu:maskedFields"


def test_aggregate_only_suppresses_small_groups(table: dict[str, Any]) -> None:
    spec = policy(constraint("shudu:aggregateOnly", "gteq", 2))
    groups = run(
        table, spec, RecordQuery(group_by=["区"], aggregates=["count", "sum:床位"]), "aggregate"
    )
    assert {r["区"]: r["count"] for r in groups["records"]} == {"浦东新区": 2, "徐汇区": 2}
    with pytest.raises(PermissionDenied, match="aggregate-only"):
        run(table, spec, RecordQuery())  # a row-level read under an aggregate-only licence


def test_the_schema_is_checked_when_the_policy_is_written(table: dict[str, Any]) -> None:
    with pytest.raises(PolicyInvalid, match="no field named"):
        parse_policy(
            policy(constraint("shudu:fields", "isAnyOf", ["电话"])), fields=table["schema"]
        )
    with pytest.raises(PolicyInvalid, match="expected a integer"):
        parse_policy(
            policy(constraint("shudu:rowFilter", "eq", {"床位": {"gt": "lots"}})),
            fields=table["schema"],
        )
