"""Database plumbing shared by every domain package.

One ``DeclarativeBase`` whose type map gives every package the same UUID and
timezone-aware datetime columns on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from sqlalchemy import JSON, DateTime, Dialect, MetaData, Uuid, create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")

# Stable constraint names, so Alembic migrations are the same on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored as UTC.

    SQLite keeps no offset, so values come back naive; we re-attach UTC on the way out and
    refuse naive values on the way in, which catches a forgotten ``tzinfo`` at the first write.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        uuid.UUID: Uuid(),
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def new_id() -> uuid.UUID:
    """Client-side ids: rows can be referenced before they are flushed."""
    return uuid.uuid4()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens transactions on its own terms, which breaks SAVEPOINT; hand transaction
    # control to SQLAlchemy instead (the documented recipe; see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


WRITE_OPTION = "shudu_write"


def _sqlite_begin(connection: Connection) -> None:
    # In WAL mode a deferred transaction that reads and then writes fails with
    # SQLITE_BUSY_SNAPSHOT if another writer committed in between; a transaction that will
    # write takes the write lock up front instead (and waits for it under busy_timeout).
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    from core import generation  # it maps a table on Base, defined above

    engine = _make_engine(url, **kwargs)
    generation.watch(engine)
    return engine


def _make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        # Enough connections for the request threads (anyio's 40): an overflow connection is
        # opened and closed per request, with its pragmas, and that cost more than the read.
        kwargs.setdefault("pool_size", 40)
        kwargs.setdefault("max_overflow", 10)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session], *, write: bool = False) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any error.

    ``write=True`` says the transaction will write: on SQLite it then begins with
    ``BEGIN IMMEDIATE`` so that concurrent writers queue instead of failing mid-way (and the
    audit ledger gets one total order); on PostgreSQL it changes nothing.
    """
    serialize = write and _is_sqlite(factory)
    if serialize and not _SQLITE_WRITERS.acquire(timeout=WRITE_LOCK_SECONDS):
        raise OperationalError("BEGIN IMMEDIATE", None, Exception("database is locked"))
    session: Session | None = None
    try:
        with factory() as session, session.begin():
            if write:
                session.connection(execution_options={WRITE_OPTION: True})
            session.info[_MANAGED] = "write" if write else "read"
            yield session
    finally:
        # A reading transaction that wrote in place (write_in_place) holds the lock till here.
        if serialize or (session is not None and session.info.pop(_HOLDS_WRITER, False)):
            _SQLITE_WRITERS.release()


def write_in_place(session: Session, work: Callable[[Session], T]) -> T | None:
    """Run ``work``, which writes, in the session's *reading* transaction if the database lets
    it; None if it does not (then nothing was written, and the transaction was ended).

    PostgreSQL always does. SQLite does when the process's writer lock is free at once and no
    other connection committed since this transaction began reading (else SQLITE_BUSY_SNAPSHOT:
    its snapshot can no longer become a write); the caller then writes in a transaction of its
    own. The writer lock, once taken, is held till the transaction ends (:func:`transaction`
    releases it), as a writing transaction would.
    """
    managed = session.info.get(_MANAGED)
    if managed == "write" or session.get_bind().dialect.name != "sqlite":
        return work(session)
    if managed != "read":  # no transaction() here to release the writer lock: write apart
        return None
    acquired = not session.info.get(_HOLDS_WRITER)
    if acquired:
        # Never wait for the lock here: a waiter would hold its pooled connection meanwhile,
        # and the lock's holder may need one from the pool to write (a deadlock when many
        # wait). Busy now: the caller writes apart, after giving its connection back.
        if not _SQLITE_WRITERS.acquire(blocking=False):
            return None
        session.info[_HOLDS_WRITER] = True
    try:
        return work(session)
    except OperationalError as exc:
        if getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF != _SQLITE_BUSY:
            raise
        # Busy comes at the first write, before anything was written: give the reading
        # transaction up (what it read stays valid) and the lock to the caller's own writer.
        session.rollback()
        if acquired:
            del session.info[_HOLDS_WRITER]
            _SQLITE_WRITERS.release()
        return None


_MANAGED = "shudu.transaction"
_HOLDS_WRITER = "shudu.holds_sqlite_writer"
_SQLITE_BUSY = 5  # SQLITE_BUSY; SQLITE_BUSY_SNAPSHOT is 5 | (2 << 8)


# SQLite's busy handler lets a waiting writer sleep 1, 2, 5, 10 … ms between tries, so under
# concurrent writes the database sat idle while the waiters slept (the token endpoint spent
# most of its time so). The writers of one process queue on this lock instead and get the
# database the moment the previous one has committed; other processes still meet at SQLite's
# own lock, under busy_timeout. (One lock for every SQLite file of the process: they are few.)
_SQLITE_WRITERS = threading.Lock()
WRITE_LOCK_SECONDS = 10.0  # as busy_timeout


def _is_sqlite(factory: sessionmaker[Session]) -> bool:
    bind = factory.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"
