"""Helpers shared by fixtures and tests: which database lane runs, and fresh databases."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

IN_CI = os.environ.get("CI") == "true"
LANE = os.environ.get("SHUDU_TEST_DB", "sqlite")


def drain_search(client: TestClient) -> int:
    """Index what the app's outbox holds now; how many changes it settled."""
    runtime = client.app.state.search  # type: ignore[attr-defined]
    return int(client.portal.call(runtime.indexer.drain))  # type: ignore[union-attr]


def need_env(var: str) -> str:
    """A server the test needs; missing is a failure in CI and a skip on a laptop."""
    value = os.environ.get(var)
    if not value:
        message = f"{var} is not set: start the servers with scripts/services.sh up"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return value


def fresh_database_url(tmp_dir: Path, name: str) -> str:
    """A brand-new empty database for this lane."""
    if LANE == "sqlite":
        return f"sqlite:///{tmp_dir / (name + '.db')}"
    if LANE != "postgres":
        raise pytest.UsageError(f"SHUDU_TEST_DB must be sqlite or postgres, not {LANE!r}")
    server = make_url(need_env("SHUDU_TEST_PG_URL"))
    db_name = f"t_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    admin.dispose()
    return server.set(database=db_name).render_as_string(hide_password=False)
