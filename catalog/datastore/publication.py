"""The datastore's say in catalog changes: personal data in an open dataset blocks its
publication (§2), and a deleted resource takes its data table with it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.datastore.fields import Sensitivity
from catalog.datastore.models import DatastoreTable
from catalog.datastore.tables import data_table
from catalog.models import Resource


def personal_data_problems(session: Session, dataset_id: uuid.UUID) -> list[str]:
    """Why the dataset's tabular data may not be open: one message per column, naming the row."""
    problems: list[str] = []
    rows = session.execute(
        select(Resource.name, DatastoreTable.fields, DatastoreTable.findings)
        .join(DatastoreTable, DatastoreTable.resource_id == Resource.id)
        .where(Resource.dataset_id == dataset_id)
        .order_by(Resource.position)
    )
    for name, fields, findings in rows:
        for f in fields:
            if f["sensitivity"] != Sensitivity.PUBLIC.value:
                problems.append(
                    f"资源 {name!r} 的列 {f['id']!r} 标为 {f['sensitivity']} / "
                    f"resource {name!r}: column {f['id']!r} is marked {f['sensitivity']}"
                )
        for hit in findings:
            if "dismissed" in hit:
                continue  # reviewed by the publisher: not personal data
            problems.append(
                f"资源 {name!r} 第 {hit['line']} 行的列 {hit['field']!r} 含{hit['label']} / "
                f"resource {name!r}: column {hit['field']!r}, row {hit['line']} "
                f"holds a {hit['kind'].replace('_', ' ')}"
            )
    return problems


def drop_data_of(session: Session, resource_id: uuid.UUID) -> None:
    """Drop a resource's data table and its metadata (in the caller's transaction)."""
    meta = session.get(DatastoreTable, resource_id)
    if meta is None:
        return
    if meta.table_name is not None:
        data_table(meta.table_name, []).drop(session.connection(), checkfirst=True)
    session.delete(meta)
