"""Every table of every package, imported so that one metadata knows them all (for Alembic)."""

from __future__ import annotations

import catalog.datastore.models
import catalog.harvest.models
import catalog.models
import core.identity.models
import core.identity.oauth_models
import core.ledger
import core.outbox
import exchange.ledger.models
import exchange.models
from core.db import Base

metadata = Base.metadata

__all__ = ["catalog", "core", "exchange", "metadata"]
