"""Licensed reads: the one service the edge calls for a call to conditional data
(docs/architecture.md, "One licensed call, end to end").

A records call reads as an open one does: in the request's reading transaction the licence is
checked (``AccessGate.check``) and the query runs under its obligations
(:meth:`LicensedReads.read`). Then the call is metered (:meth:`LicensedReads.meter`): the call
and the rows off the quotas, the access queued for the ledger — in the same transaction where
the database lets a reading transaction write (``core.db.write_in_place``), else in a short
writing one right after. When fewer of the month's rows were left than the page held, the page
is read again at what the call got. A refusal is recorded there too, and handed back for the
edge to answer 401/403/429 with the failing term. Exports count their rows while reading and
stream afterwards (:func:`stream_export`) in a reading transaction of their own, limited to the
rows the licence metered.

The edge parses the request (the query, the cursor, the format and the request's fingerprint)
and renders the outcome; every step between is here.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from catalog.datastore.query import RecordQuery, count_of
from catalog.datastore.services import DatastoreService
from catalog.models import Dataset
from catalog.services import DatasetService
from core.db import transaction, write_in_place
from core.identity.principal import Principal
from exchange.enforcement import AccessGate, AccessRequest, Denial, Grant, Licence, Refusal
from licensing import named_fields


@dataclass(slots=True)
class RecordsCall:
    """A records call to a table, as the edge parsed it."""

    resource_id: uuid.UUID
    query: RecordQuery
    after_id: int | None = None  # the row id a keyset cursor continues after
    fmt: str | None = None  # an export's format (csv, ndjson, json), or None for a page
    fingerprint: str = ""  # exchange.enforcement.fingerprint of the request, for the ledger


@dataclass(slots=True)
class LicensedRead:
    """The reading phase of a licensed records call: what to meter, and what it read."""

    principal: Principal
    dataset_id: uuid.UUID
    access: AccessRequest
    outcome: Licence | Denial
    result: dict[str, Any] | None = None  # a page of records (None: an export, or refused)
    rows: int = 0  # rows the call returns (a page's records, or the rows an export will stream)


@dataclass(frozen=True, slots=True)
class Metered:
    """A licensed records call after metering: the grant (or the recorded refusal) and the page
    of records to answer with (None for an export, which streams afterwards)."""

    outcome: Grant | Refusal
    result: dict[str, Any] | None


def _access(call: RecordsCall, dataset_fields: frozenset[str]) -> AccessRequest:
    fields, filter_fields = named_fields(call.query)
    action = "aggregate" if call.query.group_by or call.query.aggregates else "read"
    if call.fmt:
        action = "download"  # exports, like files, are downloads to a licence
    return AccessRequest(
        action=action,
        fields=fields,
        filter_fields=filter_fields,
        dataset_fields=dataset_fields,
        fingerprint=call.fingerprint,
    )


class LicensedReads:
    """Calls to conditional data by someone who needs a licence for it
    (``exchange.enforcement.needs_licence``).

    ``session`` is the request's reading transaction, ``sessions`` the factory a short writing
    transaction comes from where that one cannot write. Runs in the worker thread that read.
    """

    def __init__(
        self, session: Session, principal: Principal, sessions: sessionmaker[Session]
    ) -> None:
        self.session = session
        self.principal = principal
        self.sessions = sessions

    def records(self, dataset: Dataset, call: RecordsCall) -> Metered:
        """The whole records call: read under the licence, then meter (or record the refusal)."""
        return self.meter(self.read(dataset, call), call)

    def read(self, dataset: Dataset, call: RecordsCall) -> LicensedRead:
        """Check the licence and run the query under it, in the reading transaction."""
        service = DatastoreService(self.session)
        _meta, table_fields = service.loaded(call.resource_id)
        access = _access(call, frozenset(f.id for f in table_fields))
        outcome = AccessGate(self.session, self.principal).check(dataset, access)
        read = LicensedRead(self.principal, dataset.id, access, outcome)
        if isinstance(outcome, Denial):
            return read
        if call.fmt is None:
            read.result = service.records(
                call.resource_id, call.query, outcome.decision, call.after_id
            )
            read.rows = len(read.result["records"])
        else:
            built = service.build(call.resource_id, call.query, outcome.decision)
            read.rows = int(self.session.scalar(count_of(built.unpaged)) or 0)
        return read

    def meter(self, read: LicensedRead, call: RecordsCall) -> Metered:
        """Meter the call (or record its refusal): in the reading transaction where the database
        allows it, else in a short writing transaction of its own right after."""

        def meter(writing: Session) -> Metered:
            return _meter(writing, read, call)

        metered = write_in_place(self.session, meter)
        if metered is not None:
            return metered
        if self.session.in_transaction():  # end the reading snapshot before writing anew
            self.session.commit()
        with transaction(self.sessions, write=True) as writing:
            return meter(writing)

    def download(self, resource_id: uuid.UUID, fingerprint: str) -> Grant | Refusal:
        """Check and meter a licensed file download (the caller serves the file on a Grant).
        Runs in a writing transaction: the check and the metering are one short step."""
        dataset = DatasetService(self.session, self.principal).get_resource(resource_id).dataset
        access = AccessRequest(
            action="download",
            fields=None,
            filter_fields=frozenset(),
            dataset_fields=None,
            fingerprint=fingerprint,
        )
        gate = AccessGate(self.session, self.principal)
        return gate.admit(dataset.id, access, gate.check(dataset, access), 0)


def _meter(session: Session, read: LicensedRead, call: RecordsCall) -> Metered:
    gate = AccessGate(session, read.principal)
    outcome = gate.admit(read.dataset_id, read.access, read.outcome, read.rows)
    if isinstance(outcome, Refusal):
        return Metered(outcome, None)
    result = read.result
    if result is not None and outcome.rows < read.rows:
        # Fewer of the month's rows were left than the page held (the quota ran low, or racing
        # calls took them): read the page again at what this call got.
        call.query.limit = outcome.rows
        result = DatastoreService(session).records(
            call.resource_id, call.query, outcome.decision, call.after_id
        )
    return Metered(outcome, result)


def stream_export(
    sessions: sessionmaker[Session], grant: Grant, call: RecordsCall
) -> Iterator[bytes]:
    """A metered export's bytes, read in a reading transaction of their own: never more rows
    than the licence metered."""
    assert call.fmt is not None
    with transaction(sessions) as session:
        service = DatastoreService(session)
        built = service.build(
            call.resource_id, call.query, grant.decision, raw_values=call.fmt == "csv"
        )
        # The in-database CSV writer pages by row-id ranges and knows no row limit, so a
        # licensed export goes row by row through the limited query (plan=None).
        built = dataclasses.replace(built, unpaged=built.unpaged.limit(grant.rows), plan=None)
        yield from service.stream(built, call.fmt)
