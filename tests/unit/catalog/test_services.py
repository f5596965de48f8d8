from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from catalog.models import DatasetState, OpenLevel
from catalog.schemas import DatasetUpdate
from catalog.services import DatasetService
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.identity.models import OrgKind, Role
from core.identity.principal import Principal
from tests.factories import make_dataset, make_member, make_org, make_theme, principal_of


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    dept = make_org(session, OrgKind.DEPARTMENT)
    other = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    make_theme(session)
    return {
        "dept": dept,
        "publisher": publisher,
        "outsider": make_member(session, other, Role.PUBLISHER),
        "reviewer": make_member(session, make_org(session, OrgKind.EXCHANGE), Role.REVIEWER),
        "regulator": make_member(session, make_org(session, OrgKind.REGULATOR), Role.REGULATOR),
        "enterprise": make_member(session, make_org(session, OrgKind.ENTERPRISE), Role.MEMBER),
        "open": make_dataset(session, dept, publisher).name,
        "conditional": make_dataset(session, dept, publisher, open_level="conditional").name,
        "closed": make_dataset(session, dept, publisher, open_level="closed").name,
        "draft": make_dataset(session, dept, publisher, state="draft").name,
    }


def _service(
    session: Session, world: dict[str, Any], who: str, write: bool = True
) -> DatasetService:
    return DatasetService(session, principal_of(world[who], write=write))


def _visible(service: DatasetService) -> set[str]:
    rows, total = service.page(limit=1000)
    assert total == len(rows)
    return {d.name for d in rows}


def test_visibility_per_role(session: Session, world: dict[str, Any]) -> None:
    public = {world["open"], world["conditional"]}
    everything = public | {world["closed"], world["draft"]}
    assert _visible(DatasetService(session, Principal.anonymous())) == public
    for who in ("enterprise", "outsider"):
        assert _visible(_service(session, world, who)) == public, who
    for who in ("publisher", "reviewer", "regulator"):
        assert _visible(_service(session, world, who)) == everything, who
    with pytest.raises(NotFound):
        DatasetService(session, Principal.anonymous()).get(world["closed"])
    with pytest.raises(NotFound):
        _service(session, world, "enterprise").get(world["draft"])


def test_only_the_owning_publisher_edits(session: Session, world: dict[str, Any]) -> None:
    change = DatasetUpdate(version="9")
    with pytest.raises(PermissionDenied):
        _service(session, world, "outsider").update(world["open"], change)
    with pytest.raises(PermissionDenied):  # reviewers see everything but publish nothing
        _service(session, world, "reviewer").update(world["open"], change)
    with pytest.raises(PermissionDenied, match="read-only"):
        _service(session, world, "publisher", write=False).update(world["open"], change)
    assert _service(session, world, "publisher").update(world["open"], change).version == "9"


def test_history_records_each_change(session: Session, world: dict[str, Any]) -> None:
    service = _service(session, world, "publisher")
    name = world["draft"]
    service.update(
        name, DatasetUpdate.model_validate({"version": "2.0", "keywords": ["公交", "bus"]})
    )
    service.update(name, DatasetUpdate.model_validate({"version": "2.0"}))  # no change, no entry
    service.publish(name)
    service.withdraw(name)
    history = service.history(name)
    assert [r.action for r in history] == ["created", "updated", "published", "withdrawn"]
    assert history[1].changes["version"] == ["1.0", "2.0"]
    assert history[1].changes["keywords"] == [[], ["bus", "公交"]]
    assert history[2].changes == {"state": ["draft", "published"]}
    dataset = service.get(name)
    assert dataset.state is DatasetState.WITHDRAWN
    assert dataset.issued is not None


def test_state_machine_refuses_illegal_moves(session: Session, world: dict[str, Any]) -> None:
    service = _service(session, world, "publisher")
    with pytest.raises(Conflict):
        service.publish(world["open"])  # already published
    with pytest.raises(Conflict):
        service.withdraw(world["draft"])  # a draft was never published


def test_classification_red_lines(session: Session, world: dict[str, Any]) -> None:
    service = _service(session, world, "publisher")
    name = world["closed"]
    with pytest.raises(ValidationFailed, match="Core data"):
        service.update(name, DatasetUpdate.model_validate({"grade": "core", "open_level": "open"}))
    service.update(name, DatasetUpdate.model_validate({"grade": "core"}))
    assert service.get(name).open_level is OpenLevel.CLOSED
    with pytest.raises(ValidationFailed, match="open license"):
        service.update(
            name, DatasetUpdate.model_validate({"grade": "general", "open_level": "open"})
        )
