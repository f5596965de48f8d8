"""Datasets as read (catalog.reads): a few Core statements whatever the resources, and the same
answer the ORM graph gave."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from api.representations.catalog import dataset_json
from catalog.datastore.models import DatastoreTable
from catalog.datastore.services import status_json
from catalog.filestore import FileStore
from catalog.formats.ckan import package_dict
from catalog.models import Dataset
from catalog.packages import PackageService
from catalog.reads import dataset_now, read_datasets
from catalog.schemas import ResourceCreate
from catalog.services import DatasetService
from core.errors import NotFound
from core.identity.models import OrgKind, Role
from core.identity.principal import Principal
from tests.factories import make_dataset, make_member, make_org, make_theme, principal_of
from tests.factories.datastore import load, upload


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements ``session``'s connection runs meanwhile."""
    seen: list[str] = []
    engine = session.get_bind()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # not the tests' savepoints
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def world(session: Session, files: FileStore) -> dict[str, Any]:
    make_theme(session, "transport")
    make_theme(session, "environment")
    dept = make_org(session, OrgKind.DEPARTMENT, name="transport-commission")
    publisher = make_member(session, dept, Role.PUBLISHER)
    dataset = make_dataset(
        session,
        dept,
        publisher,
        name="bus-routes",
        themes=["transport", "environment"],
        keywords=["公交", "bus", "线路"],
    )
    tables = [
        upload(session, files, dataset, publisher, f"a,b\n{i},2\n".encode(), f"t{i}.csv")
        for i in range(4)
    ]
    load(session, files, tables[0])
    load(session, files, tables[2])
    service = DatasetService(session, principal_of(publisher))
    service.add_resource("bus-routes", ResourceCreate(url="https://example.org/x", name="link"))
    make_dataset(session, dept, publisher, name="secret", open_level="closed")
    session.commit()
    return {"publisher": publisher}


def test_a_dataset_is_read_in_three_statements_whatever_its_resources(
    session: Session, world: Any
) -> None:
    with statements(session) as seen:
        dataset = DatasetService(session, Principal.anonymous()).read("bus-routes")
    assert len(seen) == 3, seen
    assert len(dataset.resources) == 5
    assert [r.datastore_active for r in dataset.resources] == [True, False, True, False, False]
    assert [t.code for t in dataset.themes] == ["environment", "transport"]
    assert [t.name for t in dataset.tags] == sorted(["公交", "bus", "线路"])
    with statements(session) as seen:
        many = read_datasets(session, Dataset.name.in_(["bus-routes", "secret"]))
    assert len(seen) == 3
    assert sorted(d.name for d in many) == ["bus-routes", "secret"]


def test_the_read_shows_what_the_orm_graph_shows(session: Session, world: Any) -> None:
    orm = session.query(Dataset).filter_by(name="bus-routes").one()
    read = dataset_now(session, orm)
    assert read.organization.name == orm.organization.name
    assert [r.id for r in read.resources] == [r.id for r in orm.resources]
    for model, resource in zip(orm.resources, read.resources, strict=True):
        assert resource.name == model.name
        assert resource.sha256 == model.sha256
        assert status_json(resource.table) == status_json(session.get(DatastoreTable, model.id))
    body = dataset_json(read, "http://shudu.test")
    assert body["keywords"] == sorted(t.name for t in orm.tags)
    assert [t["code"] for t in body["themes"]] == sorted(t.code for t in orm.themes)
    package = package_dict(read, "http://shudu.test")
    assert [r["datastore_active"] for r in package["resources"]] == [
        True,
        False,
        True,
        False,
        False,
    ]
    assert package["num_resources"] == 5


def test_visibility_holds_for_reads(session: Session, world: Any) -> None:
    anonymous = Principal.anonymous()
    with pytest.raises(NotFound):
        DatasetService(session, anonymous).read("secret")
    with pytest.raises(NotFound):
        PackageService(session, anonymous).read("secret")
    own = principal_of(world["publisher"])
    assert DatasetService(session, own).read("secret").name == "secret"
    secret = PackageService(session, own).read("secret")
    assert PackageService(session, own).read(str(secret.id)).name == "secret"


def test_a_dataset_read_over_http_runs_a_few_statements(
    client: TestClient, session: Session, world: Any
) -> None:
    with statements(session) as seen:
        answer = client.get("/api/v1/datasets/bus-routes")
    assert answer.status_code == 200
    assert len(answer.json()["resources"]) == 5
    # The generation (on PostgreSQL through the pool), then the three statements of the read.
    assert len(seen) <= 4, seen
