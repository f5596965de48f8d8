"""The datastore's own metadata: which physical table holds a resource's rows, and its schema.

The data tables themselves (``ds_<resource hex>_<generation>``) are not mapped here: they are
created at ingest from the inferred schema and dropped when replaced.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import utcnow
from core.db import Base


class BadRowPolicy(enum.StrEnum):
    REJECT = "reject"  # one bad row refuses the whole file
    SKIP = "skip"  # bad rows are left out and reported


class IngestState(enum.StrEnum):
    LOADED = "loaded"
    FAILED = "failed"


class DatastoreTable(Base):
    __tablename__ = "datastore_tables"

    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    # The physical table now serving queries; None until a load has succeeded.
    table_name: Mapped[str | None] = mapped_column(String(80), default=None)
    generation: Mapped[int] = mapped_column(default=0)
    state: Mapped[IngestState] = mapped_column(
        Enum(
            IngestState,
            name="ingest_state",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    policy: Mapped[BadRowPolicy] = mapped_column(
        Enum(
            BadRowPolicy,
            name="bad_row_policy",
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=BadRowPolicy.SKIP,
    )
    fields: Mapped[list[Any]] = mapped_column(
        default=list
    )  # [{"id","type","sensitivity","column"}]
    row_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # {"encoding", "delimiter", "bad_rows": [{"line", "message"}], "bad_row_count", ...}
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Personal data the detectors found: [{"field", "line", "kind"}] (first hit per field).
    findings: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
