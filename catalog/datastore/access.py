"""The access decision a datastore query runs under.

See docs/architecture.md, "One licensed call, end to end".

The exchange evaluates a licence into one of these; the datastore applies it inside the SQL it
builds (projection, row filter, masking, aggregate-only with a minimum group size), so rows a
caller may not see are never fetched at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AccessDecision:
    # Field ids the caller may read; None means every field.
    fields: frozenset[str] | None = None
    # A filter in the query language (see ``catalog.datastore.query``), ANDed to the caller's.
    row_filter: Mapping[str, Any] = field(default_factory=dict)
    # Fields returned as a mask, never as their value; they cannot be filtered, sorted or
    # grouped on (that would leak them), nor aggregated over.
    masked: frozenset[str] = frozenset()
    # Aggregate-only access: only ``group_by`` queries, and only groups of at least k rows.
    aggregate_min_group: int | None = None

    @classmethod
    def full(cls) -> AccessDecision:
        return cls()


MASK = "***"
