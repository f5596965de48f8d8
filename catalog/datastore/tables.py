"""Physical data tables: their names (from the resource id, never from user text) and columns."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from catalog.datastore.fields import Field, FieldType

ROW_ID = "_id"  # the row number: default order and keyset cursor

TYPES: dict[FieldType, type[TypeEngine[Any]]] = {
    FieldType.INTEGER: BigInteger,
    FieldType.DECIMAL: Float,
    FieldType.BOOLEAN: Boolean,
    FieldType.DATE: Date,
    FieldType.DATETIME: DateTime,
    FieldType.TEXT: Text,
}


def table_name(resource_id: uuid.UUID, generation: int) -> str:
    return f"ds_{resource_id.hex}_{generation}"


def data_table(name: str, fields: Sequence[Field]) -> Table:
    """A Core ``Table`` for one data table, in a metadata of its own (never Alembic's)."""
    columns = [
        Column(ROW_ID, BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
        *(Column(f.column, TYPES[f.type](), nullable=True) for f in fields),
    ]
    return Table(name, MetaData(), *columns)
