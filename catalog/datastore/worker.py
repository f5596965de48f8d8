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

from catalog.datastore.fetch import LinkFetcher
from catalog.datastore.services import INDEX_TOPIC, INGEST_TOPIC, DatastoreService
from catalog.datastore.sources import IngestRefused
from catalog.filestore import FileStore, StoredBlob
from catalog.models import Resource
from core import outbox
from core.clock import utcnow
from core.db import transaction
from core.errors import ShuduError
from core.outbox import OutboxEvent

log = logging.getLogger("shudu.datastore")


def ingest_pending(
    sessions: sessionmaker[Session],
    files: FileStore,
    *,
    limit: int = 20,
    fetcher: LinkFetcher | None = None,
) -> int:
    """Load what uploads (and, given a fetcher, links) are waiting; how many events settled.

    A link is fetched between transactions: the network never holds a database lock.
    """
    with transaction(sessions) as session:
        events = [(e.id, e.key) for e in outbox.pending(session, INGEST_TOPIC, limit)]
    for event_id, key in events:
        fetched: StoredBlob | IngestRefused | None = None
        if fetcher is not None:
            with transaction(sessions) as session:
                resource = session.scalar(select(Resource).where(Resource.id == uuid.UUID(key)))
                url = None if resource is None or resource.is_upload else resource.url
            if url is not None:
                try:
                    fetched = fetcher.fetch(url)
                except IngestRefused as exc:
                    fetched = exc
        with transaction(sessions, write=True) as session:
            resource = session.scalar(select(Resource).where(Resource.id == uuid.UUID(key)))
            if resource is not None:
                service = DatastoreService(session)
                if fetched is not None and not resource.is_upload:
                    try:
                        service.ingest_link(resource, files, fetched)
                    except ShuduError as exc:
                        log.info("link of resource %s not loaded: %s", key, exc.message)
                else:
                    meta = service.ingest_stored(resource, files)
                    if meta is not None and meta.error:
                        log.info("resource %s not loaded: %s", key, meta.error)
            session.execute(
                update(OutboxEvent).where(OutboxEvent.id == event_id).values(processed_at=utcnow())
            )
    return len(events)


def index_pending(sessions: sessionmaker[Session], *, limit: int = 20) -> int:
    """Build the indexes of tables loaded since; each table in a transaction of its own."""
    with transaction(sessions) as session:
        events = [(e.id, e.key, e.payload) for e in outbox.pending(session, INDEX_TOPIC, limit)]
    for event_id, key, payload in events:
        with transaction(sessions, write=True) as session:
            DatastoreService(session).build_indexes(
                uuid.UUID(key), str(payload["table"]), list(payload["columns"])
            )
            session.execute(
                update(OutboxEvent).where(OutboxEvent.id == event_id).values(processed_at=utcnow())
            )
    return len(events)
