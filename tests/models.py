"""Every table of every package on one metadata, for the tests that compare it with migrations.

The migrations (core/migrations) need no models to run; only a comparison needs them all.
"""

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
