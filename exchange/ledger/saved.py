"""A regulator's saved ledger searches: named, at most :data:`MAX_SAVED` each, theirs alone.

A filter is stored as the query parameters of the ledger search, checked by the same parser
the API and the console use, so a saved filter always opens as a valid search.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Mapping
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import Conflict, NotFound, ValidationFailed
from core.identity.principal import Principal
from exchange.ledger.models import SavedFilter
from exchange.ledger.services import FILTER_PARAMS, AuditService, parse_filter

MAX_SAVED = 20
MAX_NAME = 80


def check_name(raw: str) -> str:
    """The name trimmed; ValidationFailed (``empty``, ``too_long``, ``control``) if unusable."""
    name = " ".join(raw.split())
    if not name:
        raise ValidationFailed("Give the filter a name", {"name": ["empty"]})
    if len(name) > MAX_NAME:
        raise ValidationFailed(f"A name has at most {MAX_NAME} characters", {"name": ["too_long"]})
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ValidationFailed("A name holds no control characters", {"name": ["control"]})
    return name


class SavedFilterService:
    """Saved filters of the signed-in regulator (or site admin)."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def _user(self) -> uuid.UUID:
        AuditService(self.session, self.principal).require_regulator()
        if self.principal.user_id is None:
            raise ValidationFailed("Only a person saves filters", {"name": ["no_user"]})
        return self.principal.user_id

    def mine(self) -> list[SavedFilter]:
        user = self._user()
        query = select(SavedFilter).where(SavedFilter.user_id == user)
        return list(self.session.scalars(query.order_by(SavedFilter.name)))

    def save(self, name: str, params: Mapping[str, str]) -> SavedFilter:
        user = self._user()
        name = check_name(name)
        parse_filter(params)  # a filter that would not search is not saved
        kept = [(k, params[k]) for k in FILTER_PARAMS if params.get(k)]
        if not kept:
            raise ValidationFailed("Choose at least one condition first", {"name": ["no_filter"]})
        count = self.session.scalar(
            select(func.count()).select_from(SavedFilter).where(SavedFilter.user_id == user)
        )
        if (count or 0) >= MAX_SAVED:
            raise ValidationFailed(
                f"At most {MAX_SAVED} saved filters; delete one first", {"name": ["limit"]}
            )
        taken = self.session.scalar(
            select(SavedFilter.id).where(SavedFilter.user_id == user, SavedFilter.name == name)
        )
        if taken is not None:
            raise Conflict("You already have a filter of that name", {"name": ["taken"]})
        saved = SavedFilter(user_id=user, name=name, query=urlencode(kept))
        self.session.add(saved)
        self.session.flush()
        return saved

    def delete(self, filter_id: uuid.UUID) -> None:
        user = self._user()
        saved = self.session.get(SavedFilter, filter_id)
        if saved is None or saved.user_id != user:
            raise NotFound("No such saved filter")
        self.session.delete(saved)
        self.session.flush()
