"""The read generation: one number that grows with every committed change a cached read may show.

See docs/architecture.md, "Read caching". Every engine made by ``core.db.make_engine`` watches
the statements it runs. The first statement of a transaction that writes a table outside
``IGNORED_TABLES`` (or columns outside ``IGNORED_COLUMNS``) first adds one to the single row
of ``read_generation``, in the same transaction. The number becomes visible to other
connections exactly when the change does, and disappears with it on a rollback, whichever
process, command or code path wrote. A process that caches what it read under the
generation it saw before reading can therefore never serve a change older than the current
generation's.

Fail closed: a write whose table cannot be told is counted; a database without the table
(before its migration) has no generation, and nothing is cached.
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from typing import Any, cast

from sqlalchemy import BigInteger, event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

TABLE = "read_generation"
READ = f"SELECT value FROM {TABLE} WHERE id = 1"  # noqa: S608 — a constant
BUMP = f"UPDATE {TABLE} SET value = value + 1 WHERE id = 1"  # noqa: S608 — a constant

# Bookkeeping that churns with traffic and that no cached read shows.
IGNORED_TABLES = frozenset(
    {
        TABLE,
        "alembic_version",
        "outbox_events",
        "rate_limit_windows",
        "search_misses",
        "ledger_entries",
        "ledger_nodes",
        "ledger_head",
        "ledger_checkpoints",
        "exchange_usage",
        "oauth_client_usage",
    }
)
# Updates of only these columns are bookkeeping too (when a token or client was last used).
IGNORED_COLUMNS = {
    "api_tokens": frozenset({"last_used_at"}),
    "oauth_clients": frozenset({"usage_count", "last_used_at"}),
}

# New rows of these are bookkeeping too: a new web session is checked before anything is kept
# for it (api/readcache.py), while ending one (an UPDATE) counts.
IGNORED_INSERTS = frozenset({"web_sessions"})

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|WITH)\b", re.IGNORECASE)
_TABLE = re.compile(
    r"\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)\"?"
    r"(?:\s+SET\s+(.*?)\s+(?:WHERE|RETURNING)\b)?",
    re.IGNORECASE | re.DOTALL,
)
_SET_COLUMN = re.compile(r"\"?(\w+)\"?\s*=(?!=)")
_CTE_WRITE = re.compile(r"\b(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)

_COUNTED = "shudu.generation_counted"  # set on a connection once its transaction has counted
_HAS_TABLE: weakref.WeakSet[Engine] = weakref.WeakSet()


class ReadGeneration(Base):
    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


def counts(statement: str) -> bool:
    """Whether ``statement`` writes something a cached read may show."""
    verb = _WRITE.match(statement)
    if verb is None:
        return False
    if verb.group(1).upper() == "WITH":
        return _CTE_WRITE.search(statement) is not None
    found = _TABLE.match(statement)
    if found is None:
        return True  # a write we cannot read: counted
    table = found.group(1).lower()
    if table in IGNORED_TABLES:
        return False
    if table in IGNORED_INSERTS and verb.group(1).upper() == "INSERT":
        return False
    ignored = IGNORED_COLUMNS.get(table)
    if ignored is None or found.group(2) is None:
        return True
    return not {c.lower() for c in _SET_COLUMN.findall(found.group(2))} <= ignored


def _has_table(connection: Connection) -> bool:
    engine = connection.engine
    if engine in _HAS_TABLE:
        return True
    if inspect(connection).has_table(TABLE):
        _HAS_TABLE.add(engine)  # only ever learnt once present: a migration may add it later
        return True
    return False


def _before_execute(
    connection: Connection,
    cursor: Any,
    statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> None:
    if connection.info.get(_COUNTED) or not counts(statement):
        return
    connection.info[_COUNTED] = True
    if not _has_table(connection):
        return
    own = cursor.connection.cursor()
    try:
        own.execute(BUMP)
    finally:
        own.close()


def bump(connection: Connection) -> None:
    """Move the generation on in ``connection``'s transaction, for a change the database does not
    hold: the search index, which the indexer has just brought up to date."""
    if _has_table(connection):
        connection.exec_driver_sql(BUMP)
        connection.info[_COUNTED] = True


def _transaction_ended(connection: Connection, *args: Any) -> None:
    connection.info.pop(_COUNTED, None)


def watch(engine: Engine) -> None:
    """Count the writes ``engine`` runs (see the module's docstring)."""
    event.listen(engine, "before_cursor_execute", _before_execute)
    # A transaction's count lives and dies with it, and a savepoint's with the savepoint (a
    # rolled-back one may have undone it): the next write counts again. Twice is harmless;
    # never is not.
    for name in (
        "begin",
        "commit",
        "rollback",
        "savepoint",
        "rollback_savepoint",
        "release_savepoint",
    ):
        event.listen(engine, name, _transaction_ended)


_RAW = threading.local()  # one autocommit connection per thread and engine, for reading only


def current(bind: Engine | Connection) -> int | None:
    """The committed generation as ``bind`` sees it; None without the table (no caching)."""
    if isinstance(bind, Connection):
        try:
            return _read(bind)
        except SQLAlchemyError:  # no generation, no caching: fail closed
            return None
    return _read_own(bind)


def _read_own(engine: Engine) -> int | None:
    # Reading through the pool cost more than the rest of a kept read (on PostgreSQL a checkout
    # and the reset's ROLLBACK: two round trips). A connection of the thread's own, outside the
    # pool and in autocommit, sees every commit in one round trip. One that fails is dropped,
    # and the next read connects afresh.
    own: weakref.WeakKeyDictionary[Engine, Any] | None = getattr(_RAW, "connections", None)
    if own is None:
        own = _RAW.connections = weakref.WeakKeyDictionary()
    try:
        connection = own.get(engine)
        if connection is None:
            pooled = engine.raw_connection()
            connection = cast(Any, pooled.dbapi_connection)
            pooled.detach()  # not the pool's: it never holds a pool slot
            if engine.dialect.name != "sqlite":  # SQLite's pragmas set isolation_level=None
                connection.rollback()  # out of whatever the pool's set-up began
                connection.autocommit = True
            own[engine] = connection
        cursor = connection.cursor()
        try:
            cursor.execute(READ)
            row = cursor.fetchone()
        finally:
            cursor.close()
    except Exception:  # no generation, no caching (fail closed); connect afresh next time
        dropped = own.pop(engine, None)
        if dropped is not None:
            with contextlib.suppress(Exception):
                dropped.close()
        return None
    return None if row is None else int(row[0])


def _read(connection: Connection) -> int | None:
    value = connection.exec_driver_sql(READ).scalar()
    return None if value is None else int(value)
