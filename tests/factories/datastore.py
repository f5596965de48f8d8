"""Tabular resources for datastore tests: uploaded through the catalog, loaded by the service."""

from __future__ import annotations

from sqlalchemy.orm import Session

from catalog.datastore.models import BadRowPolicy, DatastoreTable
from catalog.datastore.services import DatastoreService
from catalog.filestore import FileStore
from catalog.models import Dataset, Resource
from catalog.schemas import ResourceCreate
from catalog.services import DatasetService
from core.identity.models import User
from tests.factories import principal_of


def upload(
    session: Session,
    files: FileStore,
    dataset: Dataset,
    publisher: User,
    content: bytes,
    filename: str = "table.csv",
) -> Resource:
    blob = files.put_bytes(content)
    service = DatasetService(session, principal_of(publisher))
    return service.add_resource(dataset.name, ResourceCreate(), blob=blob, filename=filename)


def load(
    session: Session,
    files: FileStore,
    resource: Resource,
    *,
    policy: BadRowPolicy | None = None,
    sheet: str | None = None,
) -> DatastoreTable:
    assert resource.sha256 is not None
    path = files.existing_path(resource.sha256)
    return DatastoreService(session).ingest(resource, path, policy=policy, sheet=sheet)
