"""Test fixtures: one database per test session, one rolled-back transaction per test.

The lane is chosen by ``SHUDU_TEST_DB``: ``sqlite`` (default, a WAL file in a temp dir) or
``postgres`` (the server ``scripts/services.sh`` started; ``SHUDU_TEST_PG_URL``). With
``CI=true`` a missing server is a failure, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from api.app import create_app
from catalog.filestore import FileStore
from catalog.search.sqlite_fts import SqliteFtsBackend
from core.db import make_engine
from core.migrations import upgrade
from core.settings import Settings, load_settings
from tests.support import LANE, fresh_database_url

DB_FIXTURES = {"engine", "connection", "session", "client", "db_url"}


def pytest_report_header() -> str:
    return f"shudu lane: {LANE}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests that touch the database are marked, so the PostgreSQL lane can select them.
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return fresh_database_url(tmp_path_factory.mktemp("db"), worker)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)  # the migrations themselves are under test here
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def sessions(connection: Connection) -> sessionmaker[Session]:
    # Each commit inside the code under test releases a SAVEPOINT; the outer rollback undoes all.
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as s:
        yield s


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return load_settings(
        {
            "SHUDU_DATA_DIR": str(tmp_path / "data"),
            "SHUDU_DATABASE_URL": db_url,
            "SHUDU_BASE_URL": "http://testserver",
            "SHUDU_MAX_UPLOAD_BYTES": str(256 * 1024),
        }
    )


@pytest.fixture
def files(settings: Settings) -> FileStore:
    return FileStore(settings.files_dir)


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    backend = SqliteFtsBackend(settings.data_dir / "search.db")
    app = create_app(settings, sessions=sessions, search_backend=backend)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
