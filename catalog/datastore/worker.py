"""Loads uploaded tables in the background, from ``datastore.ingest`` events in the outbox.

An upload writes the event in its own transaction (``DatasetService.add_resource``), so a
committed upload is always loaded and a rolled-back one never is. Each event is loaded in a
transaction of its own; a refused file is recorded on the resource (and the event settled),
since loading it again would refuse it again.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.datastore.services import INGEST_TOPIC, DatastoreService
from catalog.filestore import FileStore
from catalog.models import Resource
from core import outbox
from core.clock import utcnow
from core.db import transaction
from core.outbox import OutboxEvent

log = logging.getLogger("shudu.datastore")


def ingest_pending(sessions: sessionmaker[Session], files: FileStore, *, limit: int = 20) -> int:
    """Load what uploads are waiting; returns how many events it settled."""
    with transaction(sessions) as session:
        events = [(e.id, e.key) for e in outbox.pending(session, INGEST_TOPIC, limit)]
    for event_id, key in events:
        with transaction(sessions, write=True) as session:
            resource = session.scalar(select(Resource).where(Resource.id == uuid.UUID(key)))
            if resource is not None:
                meta = DatastoreService(session).ingest_stored(resource, files)
                if meta is not None and meta.error:
                    log.info("resource %s not loaded: %s", key, meta.error)
            session.execute(
                update(OutboxEvent).where(OutboxEvent.id == event_id).values(processed_at=utcnow())
            )
    return len(events)
