"""Errors of the exchange, on the one tree of ``core.errors``::

Conflict (409)
└── IllegalTransition      an application or entitlement cannot take this step now
PermissionDenied (403)
└── LicenceDenied          a licensed call refused; ``term`` names the failing term
    └── QuotaExceeded (429) a quota (calls per day, rows per month) is used up
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.errors import Conflict, PermissionDenied


class IllegalTransition(Conflict):
    code = "illegal_transition"


class LicenceDenied(PermissionDenied):
    code = "licence_denied"

    def __init__(self, message: str, term: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message, {"term": term, **(details or {})})
        self.term = term


class QuotaExceeded(LicenceDenied):
    status_code = 429
    code = "quota_exceeded"
