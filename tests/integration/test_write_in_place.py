"""core.db.write_in_place on the lane's database (a fresh SQLite file, or a fresh PostgreSQL
database): a reading transaction writes in place where it can, and where SQLite cannot (another
connection committed since it began reading) nothing is written and the writer lock is free
for the caller's own writing transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_session_factory, transaction, write_in_place
from tests.support import fresh_database_url

pytestmark = pytest.mark.database


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[Engine, sessionmaker[Session]]]:
    engine = make_engine(fresh_database_url(tmp_path, "in_place"))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (n INTEGER)"))
    yield engine, make_session_factory(engine)
    engine.dispose()


def _add(n: int) -> Callable[[Session], int]:
    def work(session: Session) -> int:
        session.execute(text("INSERT INTO notes (n) VALUES (:n)"), {"n": n})
        return n

    return work


def _notes(sessions: sessionmaker[Session]) -> list[int]:
    with transaction(sessions) as session:
        return [row[0] for row in session.execute(text("SELECT n FROM notes ORDER BY n"))]


def test_a_reading_transaction_writes_in_place(
    db: tuple[Engine, sessionmaker[Session]],
) -> None:
    _engine, sessions = db
    with transaction(sessions) as session:
        session.execute(text("SELECT count(*) FROM notes")).scalar()
        assert write_in_place(session, _add(1)) == 1
    assert _notes(sessions) == [1]


def test_a_stale_snapshot_writes_nothing_and_frees_the_writer(
    db: tuple[Engine, sessionmaker[Session]],
) -> None:
    engine, sessions = db
    with transaction(sessions) as session:
        session.execute(text("SELECT count(*) FROM notes")).scalar()  # the snapshot begins
        with transaction(sessions, write=True) as other:  # another connection commits
            other.execute(text("INSERT INTO notes (n) VALUES (2)"))
        done = write_in_place(session, _add(1))
        if engine.dialect.name == "sqlite":
            assert done is None
            # The caller writes in a transaction of its own at once (no wait for the lock).
            with transaction(sessions, write=True) as writing:
                writing.execute(text("INSERT INTO notes (n) VALUES (3)"))
        else:  # PostgreSQL: read committed, so the transaction writes in place regardless
            assert done == 1
    expected = [2, 3] if engine.dialect.name == "sqlite" else [1, 2]
    assert _notes(sessions) == expected


def test_a_held_writer_lock_is_not_waited_for(
    db: tuple[Engine, sessionmaker[Session]],
) -> None:
    """A reading transaction that waited for the writer lock would hold its pooled connection
    meanwhile; with many such waiters the lock's holder found no connection left to write with
    (a deadlock, seen as 500s under concurrent licensed calls). It writes apart instead."""
    engine, sessions = db
    holding, done = threading.Event(), threading.Event()

    def writer() -> None:
        with transaction(sessions, write=True):  # holds the lock, writes nothing
            holding.set()
            done.wait(timeout=5)  # a waiting caller would get the lock after this

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(timeout=10)
    with transaction(sessions) as session:
        session.execute(text("SELECT count(*) FROM notes")).scalar()
        done_in_place = write_in_place(session, _add(1))
    done.set()
    thread.join(timeout=10)
    if engine.dialect.name == "sqlite":
        assert done_in_place is None
        assert _notes(sessions) == []
    else:
        assert done_in_place == 1
        assert _notes(sessions) == [1]
