"""The datastore's say in publication: personal data in an open dataset blocks it (§2)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.datastore.fields import Sensitivity
from catalog.datastore.models import DatastoreTable
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
            problems.append(
                f"资源 {name!r} 第 {hit['line']} 行的列 {hit['field']!r} 含{hit['label']} / "
                f"resource {name!r}: column {hit['field']!r}, row {hit['line']} "
                f"holds a {hit['kind'].replace('_', ' ')}"
            )
    return problems
