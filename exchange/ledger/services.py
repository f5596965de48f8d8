"""Reading the ledger: public proofs for anyone, full entries for regulators and parties."""

from __future__ import annotations

import base64
import contextlib
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from sqlalchemy import ColumnElement, String, func, or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Dataset
from core import ledger, merkle
from core.db import transaction
from core.errors import BadRequest, NotAuthenticated, NotFound, PermissionDenied
from core.identity.models import Organization, User
from core.identity.principal import Principal
from core.ledger import LedgerEntry
from exchange.ledger.checkpoints import CheckpointService
from exchange.ledger.models import Checkpoint
from exchange.ledger.notes import Signer

MAX_LEAVES = 1000
EXPORT_FORMAT = "shudu-audit-export/1"
# A filtered export: the matching entries, each with its leaf hash, and the latest signed
# checkpoint they can be proven against (``/audit/proofs/inclusion``); not a whole tree.
EXTRACT_FORMAT = "shudu-audit-extract/1"
FILTER_PARAMS = (
    "type",
    "organization",
    "actor",
    "dataset",
    "agreement",
    "subject",
    "since",
    "until",
)
Bucket = Literal["hour", "day", "month"]
_SQLITE_BUCKETS = {"hour": "%Y-%m-%dT%H:00:00Z", "day": "%Y-%m-%d", "month": "%Y-%m"}
_PG_BUCKETS = {"hour": 'YYYY-MM-DD"T"HH24":00:00Z"', "day": "YYYY-MM-DD", "month": "YYYY-MM"}


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


class PublicLog:
    """What anyone may read: checkpoints, leaf hashes and proofs (no business details)."""

    def __init__(self, session: Session, signer: Signer) -> None:
        self.session = session
        self.signer = signer

    def checkpoint(self) -> str:
        latest = CheckpointService(self.session, self.signer).latest()
        if latest is None:
            raise NotFound("No checkpoint has been signed yet; try again in a few seconds")
        return latest.note

    def _size(self) -> int:
        return ledger.head(self.session).size

    def leaves(self, start: int, end: int) -> list[bytes]:
        size = self._size()
        if not 0 <= start < end:
            raise BadRequest(f"start must be at least 0 and below end (got {start} and {end})")
        if end > size:
            raise BadRequest(f"end {end} is beyond the tree of size {size}")
        return ledger.leaf_hashes(self.session, start, min(end, start + MAX_LEAVES))

    def inclusion(self, index: int, size: int) -> tuple[bytes, list[bytes]]:
        current = self._size()
        if size > current:
            raise BadRequest(f"size {size} is beyond the tree of size {current}")
        if not 0 <= index < size:
            raise BadRequest(f"index must be at least 0 and below size {size} (got {index})")
        return ledger.inclusion_proof(self.session, index, size)

    def consistency(self, old: int, new: int) -> list[bytes]:
        current = self._size()
        if new > current:
            raise BadRequest(f"to {new} is beyond the tree of size {current}")
        if old < 1:
            raise BadRequest("from must be at least 1: every tree extends the empty one")
        if old > new:
            raise BadRequest(f"from {old} is larger than to {new}")
        return ledger.consistency_proof(self.session, old, new)


@dataclass(frozen=True, slots=True)
class EntryFilter:
    type: list[str] | None = None
    org: str | None = None
    actor: str | None = None
    dataset: str | None = None
    agreement: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def parse_time(params: Mapping[str, str], name: str) -> datetime | None:
    """An ISO 8601 time (UTC when it names no offset); BadRequest naming ``name`` if not."""
    raw = params.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequest(
            f"{name} must be an ISO 8601 time such as 2025-01-31T08:00:00Z", {name: ["time"]}
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def parse_filter(params: Mapping[str, str]) -> EntryFilter:
    """The ledger filter from query parameters (the API's and the regulator console's)."""
    since, until = parse_time(params, "since"), parse_time(params, "until")
    if since and until and since > until:
        raise BadRequest("since is later than until", {"since": ["after_until"]})
    types = [t for t in params.get("type", "").split(",") if t]
    return EntryFilter(
        type=types or None,
        org=params.get("organization") or None,
        actor=params.get("actor") or None,
        dataset=params.get("dataset") or None,
        agreement=params.get("agreement") or None,
        subject=params.get("subject") or None,
        since=since,
        until=until,
    )


def filter_json(f: EntryFilter) -> dict[str, Any]:
    """The filter's set parameters, under their query names (an extract's header says it)."""
    values: dict[str, Any] = {
        "type": ",".join(f.type) if f.type else None,
        "organization": f.org,
        "actor": f.actor,
        "dataset": f.dataset,
        "agreement": f.agreement,
        "subject": f.subject,
        "since": None if f.since is None else f.since.isoformat(),
        "until": None if f.until is None else f.until.isoformat(),
    }
    return {k: v for k, v in values.items() if v is not None}


def entry_json(row: LedgerEntry) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(row.entry)
    body["leaf_hash"] = b64(row.leaf_hash)
    return body


class AuditService:
    """The regulator's queries. Regulators and admins see everything; others their own."""

    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    @property
    def sees_all(self) -> bool:
        return self.principal.is_regulator or self.principal.is_admin

    def require_regulator(self) -> None:
        if not self.principal.is_authenticated:
            raise NotAuthenticated("Log in or send an API token")
        if not self.sees_all:
            raise PermissionDenied("Only regulators and administrators read the whole ledger")

    def _party(self) -> ColumnElement[bool]:
        if not self.principal.is_authenticated:
            raise NotAuthenticated("Log in or send an API token")
        if self.sees_all:
            return true()
        orgs = [str(r.organization_id) for r in self.principal.roles]
        return or_(LedgerEntry.actor == str(self.principal.user_id), LedgerEntry.org.in_(orgs))

    def _org_id(self, ref: str) -> str:
        org = self.session.scalar(
            select(Organization.id).where(
                or_(Organization.name == ref, Organization.id.cast(String) == ref)
            )
        )
        return ref if org is None else str(org)

    def _actor_id(self, ref: str) -> str:
        if "@" in ref:
            user = self.session.scalar(select(User.id).where(User.email == ref.lower()))
            return ref if user is None else str(user)
        return ref

    def _dataset_id(self, ref: str) -> str:
        try:
            return str(uuid.UUID(ref))
        except ValueError:
            found = self.session.scalar(select(Dataset.id).where(Dataset.name == ref))
            return ref if found is None else str(found)

    def _conditions(self, f: EntryFilter) -> list[ColumnElement[bool]]:
        conditions = [self._party()]
        if f.type:
            conditions.append(LedgerEntry.type.in_(f.type))
        if f.org:
            conditions.append(LedgerEntry.org == self._org_id(f.org))
        if f.actor:
            conditions.append(LedgerEntry.actor == self._actor_id(f.actor))
        if f.dataset:
            conditions.append(LedgerEntry.subject == f"dataset:{self._dataset_id(f.dataset)}")
        if f.agreement:
            conditions.append(LedgerEntry.subject == f"agreement:{f.agreement}")
        if f.subject:
            conditions.append(LedgerEntry.subject == f.subject)
        if f.since:
            conditions.append(LedgerEntry.time >= f.since)
        if f.until:
            conditions.append(LedgerEntry.time < f.until)
        return conditions

    def search(
        self, f: EntryFilter, *, after: int | None = None, limit: int = 50
    ) -> tuple[list[dict[str, Any]], int, int | None]:
        """Entries in seq order, keyset-paged after ``after``; the total; the next key."""
        conditions = self._conditions(f)
        total = self.session.scalar(select(func.count(LedgerEntry.seq)).where(*conditions)) or 0
        query = select(LedgerEntry).where(*conditions)
        if after is not None:
            query = query.where(LedgerEntry.seq > after)
        rows = list(self.session.scalars(query.order_by(LedgerEntry.seq).limit(limit + 1)))
        next_key = rows[limit - 1].seq if len(rows) > limit else None
        return [entry_json(r) for r in rows[:limit]], total, next_key

    def entries_after(
        self, f: EntryFilter, after: int, limit: int, *, below: int
    ) -> list[LedgerEntry]:
        """Up to ``limit`` matching entries with ``after < seq < below``, in seq order."""
        query = select(LedgerEntry).where(
            *self._conditions(f), LedgerEntry.seq > after, LedgerEntry.seq < below
        )
        return list(self.session.scalars(query.order_by(LedgerEntry.seq).limit(limit)))

    def types(self) -> list[str]:
        """The entry types the ledger holds, for a regulator's choice of filter."""
        self.require_regulator()
        return list(self.session.scalars(select(LedgerEntry.type).distinct().order_by("type")))

    def organizations(self) -> list[Organization]:
        """Every organization, by name: the parties a regulator may filter by."""
        self.require_regulator()
        return list(self.session.scalars(select(Organization).order_by(Organization.name)))

    def names(
        self, entries: list[dict[str, Any]]
    ) -> tuple[dict[str, Organization], dict[str, str]]:
        """The organizations (by id) and the users' e-mail addresses (by id) ``entries`` name."""
        org_ids: set[uuid.UUID] = set()
        user_ids: set[uuid.UUID] = set()
        for entry in entries:
            for key, found in (("org", org_ids), ("actor", user_ids)):
                with contextlib.suppress(ValueError):
                    found.add(uuid.UUID(str(entry.get(key))))
        orgs = self.session.scalars(select(Organization).where(Organization.id.in_(org_ids)))
        users = self.session.execute(select(User.id, User.email).where(User.id.in_(user_ids)))
        return {str(o.id): o for o in orgs}, {str(i): e for i, e in users}

    def unknown(self, f: EntryFilter) -> dict[str, str]:
        """The filter's organization or e-mail address that names no one: field -> value."""
        self.require_regulator()
        problems: dict[str, str] = {}
        if f.org and self._org_id(f.org) == f.org:
            try:
                known = self.session.get(Organization, uuid.UUID(f.org)) is not None
            except ValueError:
                known = False
            if not known:
                problems["organization"] = f.org
        if f.actor and "@" in f.actor and self._actor_id(f.actor) == f.actor:
            problems["actor"] = f.actor
        return problems

    def get(self, seq: int) -> dict[str, Any]:
        if not self.principal.is_authenticated:
            raise NotAuthenticated("Log in or send an API token")
        row = self.session.get(LedgerEntry, seq)
        if row is None:
            raise NotFound(f"No ledger entry {seq}")
        if not self.sees_all and str(self.principal.user_id) != row.actor:
            orgs = {str(r.organization_id) for r in self.principal.roles}
            if row.org not in orgs:
                raise PermissionDenied("You are not a party to this entry")
        return entry_json(row)

    def counts(
        self, bucket: Bucket, *, since: datetime | None, until: datetime | None
    ) -> list[dict[str, Any]]:
        """Entries per type per bucket, for charts: [{type, points: [{t, count}]}]."""
        self.require_regulator()
        dialect = self.session.get_bind().dialect.name
        if dialect == "sqlite":
            key = func.strftime(_SQLITE_BUCKETS[bucket], LedgerEntry.time)
        else:
            key = func.to_char(func.timezone("UTC", LedgerEntry.time), _PG_BUCKETS[bucket])
        conditions = self._conditions(EntryFilter(since=since, until=until))
        rows = self.session.execute(
            select(LedgerEntry.type, key.label("t"), func.count())
            .where(*conditions)
            .group_by(LedgerEntry.type, key)
            .order_by(LedgerEntry.type, key)
        )
        series: dict[str, list[dict[str, Any]]] = {}
        for type_, t, count in rows:
            series.setdefault(type_, []).append({"t": t, "count": int(count)})
        return [{"type": k, "points": v} for k, v in series.items()]


def export_records(
    sessions: sessionmaker[Session], signer: Signer, *, page: int = 1000
) -> Iterator[dict[str, Any]]:
    """The whole ledger with every checkpoint, interleaved in order, at constant memory.

    Each page is its own short read transaction (entries and checkpoints never change), so a
    long export holds no lock and no snapshot.
    """
    with transaction(sessions) as session:
        size = ledger.head(session).size
        latest = CheckpointService(session, signer).latest()
    yield {
        "kind": "header",
        "format": EXPORT_FORMAT,
        "origin": signer.name,
        "vkey": signer.verifier.vkey,
        "size": size,
        "checkpoint_size": None if latest is None else latest.size,
    }
    position, cp_after = 0, -1
    counts = {"entries": 0, "checkpoints": 0}
    while True:
        with transaction(sessions) as session:
            entries = list(
                session.execute(
                    select(LedgerEntry.seq, LedgerEntry.entry, LedgerEntry.leaf_hash)
                    .where(LedgerEntry.seq >= position, LedgerEntry.seq < size)
                    .order_by(LedgerEntry.seq)
                    .limit(page)
                )
            )
            upto = entries[-1].seq + 1 if entries else size
            checkpoints = list(
                session.scalars(
                    select(Checkpoint)
                    .where(Checkpoint.size > cp_after, Checkpoint.size <= upto)
                    .order_by(Checkpoint.size)
                )
            )
        pending = iter(checkpoints)
        cp = next(pending, None)
        for seq, text, leaf in entries:
            while cp is not None and cp.size <= seq:
                yield _checkpoint_record(cp)
                counts["checkpoints"] += 1
                cp_after = cp.size
                cp = next(pending, None)
            yield {"kind": "entry", "entry": orjson.loads(text), "leaf_hash": b64(leaf)}
            counts["entries"] += 1
            position = seq + 1
        while cp is not None:
            yield _checkpoint_record(cp)
            counts["checkpoints"] += 1
            cp_after = cp.size
            cp = next(pending, None)
        if not entries:
            break
    yield {"kind": "end", **counts}


def extract_records(
    sessions: sessionmaker[Session],
    signer: Signer,
    principal: Principal,
    f: EntryFilter,
    *,
    page: int = 1000,
) -> Iterator[dict[str, Any]]:
    """The entries ``f`` matches, with the latest signed checkpoint and the key, streamed.

    Regulators only. The checkpoint comes first: every entry below its size can be proven in
    it with ``/audit/proofs/inclusion``; entries newer than it await the next one. Like
    :func:`export_records`, each page is its own short read transaction.
    """
    with transaction(sessions) as session:
        service = AuditService(session, principal)
        service.require_regulator()
        size = ledger.head(session).size
        latest = CheckpointService(session, signer).latest()
        total = service.session.scalar(
            select(func.count(LedgerEntry.seq)).where(
                *service._conditions(f), LedgerEntry.seq < size
            )
        )
    yield {
        "kind": "header",
        "format": EXTRACT_FORMAT,
        "origin": signer.name,
        "vkey": signer.verifier.vkey,
        "size": size,
        "checkpoint_size": None if latest is None else latest.size,
        "filter": filter_json(f),
        "matching": total or 0,
    }
    counts = {"entries": 0, "checkpoints": 0}
    if latest is not None:
        yield _checkpoint_record(latest)
        counts["checkpoints"] = 1
    after = -1
    while True:
        with transaction(sessions) as session:
            rows = AuditService(session, principal).entries_after(f, after, page, below=size)
            records = [
                {"kind": "entry", "entry": orjson.loads(r.entry), "leaf_hash": b64(r.leaf_hash)}
                for r in rows
            ]
            last = rows[-1].seq if rows else None
        if last is None:
            break
        yield from records
        counts["entries"] += len(records)
        after = last
    yield {"kind": "end", **counts}


def _checkpoint_record(cp: Checkpoint) -> dict[str, Any]:
    return {"kind": "checkpoint", "size": cp.size, "root": b64(cp.root), "note": cp.note}


def leaf_of(entry: dict[str, Any]) -> bytes:
    return merkle.leaf_hash(ledger.canonical(entry))
