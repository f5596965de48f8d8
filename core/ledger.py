"""The append primitive of the audit ledger and the tree it maintains.

See docs/architecture.md, "The audit ledger".

It lives in ``core`` so that every layer records its changes *in its own transaction*: an
entry commits with the change it describes, or neither does. Entries are totally ordered by
``seq`` (their leaf index, from 0). The one-row :class:`LedgerHead` is the append lock: on
PostgreSQL it is locked with ``SELECT … FOR UPDATE``; on SQLite writing transactions begin
with ``BEGIN IMMEDIATE`` (``core.db.transaction(write=True)``), which takes the database's
single write lock up front. The head keeps the tree's compact range ("frontier"), so an append
needs no reads beyond the head, and every completed perfect subtree is stored in
:class:`LedgerNode`, so any proof costs O(log n) reads (two queries).

Checkpoints, signing and the regulator's queries are built on this in ``exchange.ledger``.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    select,
    text,
    update,
)
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import TextClause

from core import merkle
from core.clock import utcnow
from core.db import Base
from core.errors import ShuduError

HEAD_ID = 1


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    time: Mapped[datetime] = mapped_column(index=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str | None] = mapped_column(String(100), index=True)
    org: Mapped[str | None] = mapped_column(String(100), index=True)
    subject: Mapped[str | None] = mapped_column(String(200), index=True)
    # The canonical JSON exactly as hashed; the columns above are copies for searching.
    entry: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerNode(Base):
    """A perfect subtree of level >= 1 (level 0 is ``LedgerEntry.leaf_hash``)."""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerHead(Base):
    """The one row (id 1, created by the migration) that every append locks and moves."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    frontier: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerCorrupt(ShuduError):
    code = "ledger_corrupt"


@dataclass(frozen=True, slots=True)
class Record:
    """What a caller records; ``seq`` and ``time`` are given by the ledger."""

    type: str
    actor: str | None = None
    org: str | None = None
    subject: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Appended:
    seq: int
    leaf_hash: bytes
    entry: str


@dataclass(frozen=True, slots=True)
class Head:
    size: int
    root: bytes


def canonical(entry: Mapping[str, Any]) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the bytes a leaf hashes."""
    return orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)


def format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ref(value: uuid.UUID | str | None) -> str | None:
    """An actor or organization as an entry names it (a string id, or None)."""
    return None if value is None else str(value)


def append(
    session: Session,
    type: str,
    *,
    actor: uuid.UUID | str | None = None,
    org: uuid.UUID | str | None = None,
    subject: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> Appended:
    """Record one event in the caller's transaction; it commits or rolls back with it."""
    record = Record(type, ref(actor), ref(org), subject, dict(data or {}))
    return append_many(session, [record])[0]


def append_many(session: Session, records: Sequence[Record]) -> list[Appended]:
    """Append several records under one lock, in order (the batched path)."""
    if not records:
        return []
    row = session.execute(
        select(LedgerHead.size, LedgerHead.frontier)
        .where(LedgerHead.id == HEAD_ID)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise LedgerCorrupt("The ledger head row is missing; run `shudu db upgrade`")
    size, raw_frontier = int(row.size), bytes(row.frontier)
    frontier = merkle.decode_frontier(size, raw_frontier)
    now = utcnow()
    entries: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    appended: list[Appended] = []
    for seq, record in enumerate(records, start=size):
        body = {
            "seq": seq,
            "time": format_time(now),
            "type": record.type,
            "actor": record.actor,
            "org": record.org,
            "subject": record.subject,
            "data": dict(record.data),
        }
        text = canonical(body)
        leaf = merkle.leaf_hash(text)
        entry = text.decode()
        entries.append(
            {
                "seq": seq,
                "time": now,
                "type": record.type,
                "actor": record.actor,
                "org": record.org,
                "subject": record.subject,
                "entry": entry,
                "leaf_hash": leaf,
            }
        )
        for level, h in merkle.push_nodes(frontier, leaf):
            nodes.append({"level": level, "idx": ((seq + 1) >> level) - 1, "hash": h})
        appended.append(Appended(seq, leaf, entry))
    session.execute(sa_insert(LedgerEntry), entries)
    if nodes:
        session.execute(sa_insert(LedgerNode), nodes)
    session.execute(
        update(LedgerHead)
        .where(LedgerHead.id == HEAD_ID)
        .values(
            size=size + len(records),
            root=merkle.frontier_root(frontier),
            frontier=merkle.encode_frontier(frontier),
        )
    )
    return appended


# -- reading the tree -----------------------------------------------------------------------------


def head(session: Session) -> Head:
    row = session.execute(
        select(LedgerHead.size, LedgerHead.root).where(LedgerHead.id == HEAD_ID)
    ).one_or_none()
    if row is None:
        raise LedgerCorrupt("The ledger head row is missing; run `shudu db upgrade`")
    return Head(int(row.size), bytes(row.root))


@functools.lru_cache(maxsize=256)
def _leaves_query(count: int) -> TextClause:
    marks = ", ".join(f":s{i}" for i in range(count))
    return text(f"SELECT seq, leaf_hash FROM ledger_entries WHERE seq IN ({marks})")  # noqa: S608


@functools.lru_cache(maxsize=256)
def _nodes_query(count: int) -> TextClause:
    # OR of equalities, not a row-value IN: SQLite only uses the primary key for the former.
    match = " OR ".join(f"(level = :l{i} AND idx = :i{i})" for i in range(count))
    return text(f"SELECT level, idx, hash FROM ledger_nodes WHERE {match}")  # noqa: S608


def fetch_nodes(session: Session, wanted: set[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Stored perfect subtrees, in at most two queries; a missing one is corruption.

    The statements are plain text cached per size: building them as SQLAlchemy expressions
    cost more than running them (proofs are on the public, hot path).
    """
    found: dict[merkle.Node, bytes] = {}
    leaves = [idx for level, idx in wanted if level == 0]
    inner = [(level, idx) for level, idx in wanted if level > 0]
    connection = session.connection()
    if leaves:
        params = {f"s{i}": seq for i, seq in enumerate(leaves)}
        for seq, h in connection.execute(_leaves_query(len(leaves)), params):
            found[(0, int(seq))] = bytes(h)
    if inner:
        params = {}
        for i, (level, idx) in enumerate(inner):
            params[f"l{i}"], params[f"i{i}"] = level, idx
        for level, idx, h in connection.execute(_nodes_query(len(inner)), params):
            found[(int(level), int(idx))] = bytes(h)
    missing = wanted - found.keys()
    if missing:
        raise LedgerCorrupt(f"The ledger is missing stored subtrees {sorted(missing)[:3]}")
    return found


def root_at(session: Session, size: int) -> bytes:
    if size == 0:
        return merkle.EMPTY_ROOT
    return merkle.range_hash(0, size, fetch_nodes(session, set(merkle.subtrees(0, size))))


def inclusion_proof(session: Session, index: int, size: int) -> tuple[bytes, list[bytes]]:
    """(leaf hash, proof); the caller has checked 0 <= index < size <= head size."""
    ranges = merkle.inclusion_ranges(index, size)
    lookup = fetch_nodes(session, merkle.nodes_for(ranges) | {(0, index)})
    return lookup[(0, index)], [merkle.range_hash(s, e, lookup) for s, e in ranges]


def consistency_proof(session: Session, old: int, new: int) -> list[bytes]:
    if old == new:
        return []
    return merkle.prove(merkle.consistency_ranges(old, new), lambda w: fetch_nodes(session, w))


def leaf_hashes(session: Session, start: int, end: int) -> list[bytes]:
    rows = session.scalars(
        select(LedgerEntry.leaf_hash)
        .where(LedgerEntry.seq >= start, LedgerEntry.seq < end)
        .order_by(LedgerEntry.seq)
    )
    return [bytes(h) for h in rows]
