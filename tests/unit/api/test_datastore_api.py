"""The data API through the ASGI app: upload, load, query, aggregate, export, bad input."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from openapi_spec_validator import validate
from sqlalchemy import inspect
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from catalog.datastore.worker import ingest_pending
from catalog.filestore import FileStore
from core.identity.models import OrgKind, Role
from tests.factories import make_dataset, make_member, make_org, token_for

STATIONS = (
    "站点,区,客流,日期,备注\n"
    "人民广场,黄浦区,12000,2024-01-01,换乘站\n"
    "徐家汇,徐汇区,9000,2024-01-01,\n"
    "人民广场,黄浦区,13000,2024-01-02,换乘站\n"
    '徐家汇,徐汇区,9500,2024-01-02,=HYPERLINK("http://x")\n'
    "世纪大道,浦东新区,11000,2024-01-02,换乘站\n"
)


@pytest.fixture
def world(
    session: Session, client: TestClient, sessions: sessionmaker[Session], files: FileStore
) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    draft = make_dataset(session, dept, publisher, state="draft")
    public = make_dataset(session, dept, publisher)
    conditional = make_dataset(session, dept, publisher, open_level="conditional")
    session.commit()
    writer = {"Authorization": f"Bearer {token_for(session, publisher)}"}
    session.commit()

    def add(name: str, content: bytes, filename: str = "stations.csv") -> str:
        response = client.post(
            f"/api/v1/datasets/{name}/resources",
            files={"file": (filename, content, "text/csv")},
            headers=writer,
        )
        assert response.status_code == 201, response.text
        assert ingest_pending(sessions, files) == 1
        return str(response.json()["id"])

    return {
        "dataset": draft.name,
        "public": public.name,
        "writer": writer,
        "add": add,
        "resource": add(public.name, STATIONS.encode("gbk")),
        "conditional": add(conditional.name, STATIONS.encode()),
        "conditional_name": conditional.name,
    }


def _records(client: TestClient, rid: str, **params: Any) -> Any:
    return client.get(f"/api/v1/resources/{rid}/records", params=params)


def test_resource_json_carries_the_schema(client: TestClient, world: dict[str, Any]) -> None:
    body = client.get(f"/api/v1/resources/{world['resource']}").json()
    assert body["schema"]["fields"][:3] == [
        {"id": "站点", "type": "text", "sensitivity": "public"},
        {"id": "区", "type": "text", "sensitivity": "public"},
        {"id": "客流", "type": "integer", "sensitivity": "public"},
    ]
    assert body["datastore"]["state"] == "loaded"
    assert body["datastore"]["rows"] == 5
    assert body["datastore"]["report"]["encoding"] == "gb18030"


def test_query_with_filters_sort_and_cursor(client: TestClient, world: dict[str, Any]) -> None:
    rid = world["resource"]
    response = _records(
        client, rid, filters=json.dumps({"客流": {"gte": 10000}}), sort="-客流", fields="站点,客流"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["fields"] == [{"id": "站点", "type": "text"}, {"id": "客流", "type": "integer"}]
    assert body["records"] == [
        {"站点": "人民广场", "客流": 13000},
        {"站点": "人民广场", "客流": 12000},
        {"站点": "世纪大道", "客流": 11000},
    ]
    assert body["total"] == 3
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = _records(client, rid, **params).json()
        seen += [r["日期"] for r in page["records"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert seen[0] == "2024-01-01"
    sorted_page = _records(client, rid, sort="客流", limit=2).json()
    second = _records(client, rid, sort="客流", limit=2, cursor=sorted_page["next_cursor"]).json()
    assert [r["客流"] for r in second["records"]] == [11000, 12000]


def test_post_body_query_and_aggregates(client: TestClient, world: dict[str, Any]) -> None:
    body = {
        "filters": {"区": ["黄浦区", "徐汇区"]},
        "group_by": ["区"],
        "aggregates": ["count", "sum:客流", "avg:客流", "max:日期"],
        "sort": ["-sum(客流)"],
    }
    response = client.post(f"/api/v1/resources/{world['resource']}/records", json=body)
    assert response.status_code == 200, response.text
    records = response.json()["records"]
    assert records[0] == {
        "区": "黄浦区",
        "count": 2,
        "sum(客流)": 25000,
        "avg(客流)": 12500,
        "max(日期)": "2024-01-02",
    }
    distinct = _records(client, world["resource"], fields="区", distinct="true").json()
    assert distinct["total"] == 3
    assert _records(client, world["resource"], q="换乘").json()["total"] == 3


def test_exports_stream_every_row(client: TestClient, world: dict[str, Any]) -> None:
    rid = world["resource"]
    response = _records(client, rid, format="csv", sort="客流")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["站点", "区", "客流", "日期", "备注"]
    assert len(rows) == 6
    assert rows[2][4] == '\'=HYPERLINK("http://x")'  # a formula cell is defused
    lines = _records(client, rid, format="ndjson").content.splitlines()
    assert json.loads(lines[0])["站点"] == "人民广场"
    assert len(lines) == 5
    whole = _records(client, rid, format="json", filters='{"区": "黄浦区"}').json()
    assert len(whole["records"]) == 2
    assert whole["fields"][2] == {"id": "客流", "type": "integer"}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"fields": "nope"}, 422),
        ({"fields": 'x" FROM resources; --'}, 422),
        ({"sort": "客流; DROP TABLE datasets"}, 422),
        ({"sort": "1"}, 422),
        ({"filters": "{not json"}, 400),
        ({"filters": "[1, 2]"}, 422),
        ({"filters": '{"客流": {"gte": "1 OR 1=1"}}'}, 422),
        ({"filters": '{"区\\u0000": 1}'}, 422),
        ({"group_by": "区", "aggregates": "sum:区"}, 422),
        ({"limit": "0"}, 422),
        ({"limit": "-1"}, 422),
        ({"limit": "99999999999999999999"}, 422),
        ({"offset": "abc"}, 422),
        ({"cursor": "!!!"}, 400),
        ({"cursor": "eyJ4IjoxfQ"}, 400),
        ({"format": "xml"}, 422),
        ({"distinct": "maybe"}, 422),
        ({"select": "*"}, 400),
    ],
)
def test_bad_queries_get_clear_errors(
    client: TestClient, world: dict[str, Any], params: dict[str, str], status: int
) -> None:
    response = _records(client, world["resource"], **params)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


def test_bad_post_bodies(client: TestClient, world: dict[str, Any]) -> None:
    url = f"/api/v1/resources/{world['resource']}/records"
    assert (
        client.post(url, content=b"{", headers={"content-type": "application/json"}).status_code
        == 400
    )
    assert client.post(url, json=[1]).status_code == 422
    assert client.post(url, json={"fields": "站点"}).status_code == 422
    assert client.post(url, json={"where": "1=1"}).status_code == 422
    assert client.post(url, content=b"x", headers={"content-type": "text/plain"}).status_code == 415


def test_missing_and_unloaded_resources(client: TestClient, world: dict[str, Any]) -> None:
    assert _records(client, "not-a-uuid").status_code == 404
    assert _records(client, "00000000-0000-0000-0000-000000000000").status_code == 404


def test_conditional_data_is_for_its_publisher(client: TestClient, world: dict[str, Any]) -> None:
    rid = world["conditional"]
    # Anonymous: 401 (licensed data needs a licensed client's token; see tests/unit/exchange).
    assert _records(client, rid).status_code == 401
    assert (
        client.get(f"/api/v1/resources/{rid}/records", headers=world["writer"]).status_code == 200
    )


def test_bad_files_are_reported_not_500(client: TestClient, world: dict[str, Any]) -> None:
    add = world["add"]
    for content in (b"", b"\x00\x01binary\x00" * 50, "名稱,數量\n甲,1\n乙\n".encode("big5")):
        rid = add(world["public"], content)
        body = client.get(f"/api/v1/resources/{rid}").json()
        assert body["datastore"]["state"] in ("failed", "loaded")
    ragged = add(world["public"], b"a,b\n1,2\n3\n")
    status = client.get(f"/api/v1/resources/{ragged}").json()["datastore"]
    assert status["state"] == "loaded"
    assert status["report"]["bad_rows"] == [
        {"line": 3, "message": "1 cells where the header has 2"}
    ]
    rejected = client.post(
        f"/api/v1/resources/{ragged}/ingest", json={"policy": "reject"}, headers=world["writer"]
    )
    assert rejected.status_code == 422
    assert rejected.json()["error"]["details"]["bad_rows"][0]["line"] == 3
    assert _records(client, ragged).status_code == 200  # the old table still serves


def test_publisher_marks_sensitivity_and_publication_is_blocked(
    client: TestClient, world: dict[str, Any]
) -> None:
    rid = world["add"](world["dataset"], STATIONS.encode())
    url = f"/api/v1/resources/{rid}/schema"
    anonymous = client.patch(url, json={"sensitivity": {"站点": "personal"}})
    assert anonymous.status_code == 404  # a draft is invisible to the public
    bad = client.patch(url, json={"sensitivity": {"nope": "personal"}}, headers=world["writer"])
    assert bad.status_code == 422
    bad = client.patch(url, json={"sensitivity": {"站点": "secret"}}, headers=world["writer"])
    assert bad.status_code == 422
    ok = client.patch(url, json={"sensitivity": {"站点": "personal"}}, headers=world["writer"])
    assert ok.status_code == 200
    assert ok.json()["schema"]["fields"][0]["sensitivity"] == "personal"
    blocked = client.post(f"/api/v1/datasets/{world['dataset']}/publish", headers=world["writer"])
    assert blocked.status_code == 422
    assert "站点" in blocked.json()["error"]["message"]


def test_detected_personal_data_blocks_publication(
    client: TestClient, world: dict[str, Any]
) -> None:
    world["add"](world["dataset"], "姓名,邮箱\n张三,\n李四,lisi@example.com\n".encode())
    blocked = client.post(f"/api/v1/datasets/{world['dataset']}/publish", headers=world["writer"])
    assert blocked.status_code == 422
    message = blocked.json()["error"]["message"]
    assert "邮箱" in message
    assert "row 3" in message


def test_publisher_dismisses_a_false_positive_and_publication_proceeds(
    client: TestClient, world: dict[str, Any]
) -> None:
    # An 11-digit product code that looks like a mobile number.
    rid = world["add"](world["dataset"], "名称,编码\n螺丝,13800000000\n螺母,21\n".encode())
    url = f"/api/v1/resources/{rid}/findings/dismiss"
    publish = f"/api/v1/datasets/{world['dataset']}/publish"
    assert client.post(publish, headers=world["writer"]).status_code == 422
    dismissal = {
        "field": "编码",
        "kind": "mobile",
        "reason": "产品编码，不是手机号 / a product code",
    }
    assert client.post(url, json=dismissal).status_code in (401, 403, 404)
    for bad in (
        {**dismissal, "field": "名称"},  # no finding there
        {**dismissal, "kind": "email"},
        {**dismissal, "reason": ""},
        {**dismissal, "kind": "anything"},
    ):
        assert client.post(url, json=bad, headers=world["writer"]).status_code == 422, bad
    ok = client.post(url, json=dismissal, headers=world["writer"])
    assert ok.status_code == 200
    (finding,) = ok.json()["datastore"]["findings"]
    assert finding["line"] == 2
    assert finding["dismissed"]["reason"] == dismissal["reason"]
    assert finding["dismissed"]["by"]
    assert finding["dismissed"]["at"]
    # A reload of the same file keeps the review.
    again = client.post(f"/api/v1/resources/{rid}/ingest", json={}, headers=world["writer"])
    assert again.json()["datastore"]["findings"][0]["dismissed"] == finding["dismissed"]
    assert client.post(publish, headers=world["writer"]).status_code == 200


def test_a_link_to_the_servers_own_network_is_refused_clearly(
    client: TestClient, world: dict[str, Any], sessions: sessionmaker[Session], files: FileStore
) -> None:
    """Fail closed: by default a link may not point at loopback or private addresses."""
    created = client.post(
        f"/api/v1/datasets/{world['dataset']}/resources",
        json={"url": "http://127.0.0.1:9/table.csv", "format": "CSV"},
        headers=world["writer"],
    )
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    refused = client.post(f"/api/v1/resources/{rid}/ingest", json={}, headers=world["writer"])
    assert refused.status_code == 422
    assert "127.0.0.1 is not a public address" in refused.json()["error"]["message"]


def test_openapi_documents_the_data_api(client: TestClient, world: dict[str, Any]) -> None:
    document = client.get("/api/v1/openapi.json").json()
    validate(document)
    assert "/api/v1/resources/{id}/records" in document["paths"]


def test_dataset_page_previews_and_charts_the_data(
    client: TestClient, world: dict[str, Any]
) -> None:
    page = client.get(f"/dataset/{world['public']}")
    assert page.status_code == 200
    html = page.text
    assert "数据预览" in html
    assert "人民广场" in html
    assert "<svg" in html
    assert "<title>2024-01-02: 33500</title>" in html  # 13000 + 9500 + 11000, summed by day
    assert "=HYPERLINK" in html  # shown as text, escaped by the template
    assert '<a href="http://x"' not in html


def test_dataset_page_of_licensed_data_shows_no_records(
    client: TestClient, world: dict[str, Any]
) -> None:
    response = client.get(f"/dataset/{world['conditional_name']}")
    assert response.status_code == 200
    assert "人民广场" not in response.text
    assert "授权" in response.text


def test_deleting_a_resource_drops_its_table(
    client: TestClient, world: dict[str, Any], session: Session
) -> None:
    rid = world["resource"]
    table = f"ds_{rid.replace('-', '')}_1"
    assert table in inspect(session.connection()).get_table_names()
    assert client.delete(f"/api/v1/resources/{rid}", headers=world["writer"]).status_code == 204
    assert table not in inspect(session.connection()).get_table_names()
    assert _records(client, rid).status_code == 404
