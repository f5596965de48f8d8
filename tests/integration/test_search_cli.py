"""`shudu search reindex` and `shudu worker` against a real database of the lane."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from catalog.search.query import SearchQuery, Visibility
from catalog.search.service import make_backend
from core.db import make_engine, make_session_factory, transaction
from core.identity.models import OrgKind, Role
from core.migrations import upgrade
from core.settings import load_settings
from tests.factories import make_dataset, make_member, make_org, make_theme
from tests.live import SHUDU, wait_until
from tests.support import fresh_database_url

pytestmark = [pytest.mark.database, pytest.mark.live]


def _environment(tmp_path: Path) -> dict[str, str]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    return {
        **os.environ,
        "SHUDU_DATA_DIR": str(data_dir),
        "SHUDU_DATABASE_URL": fresh_database_url(tmp_path, "cli"),
    }


def _publish(env: dict[str, str], count: int, prefix: str) -> None:
    engine = make_engine(load_settings(env).database_url)
    upgrade(engine)
    with transaction(make_session_factory(engine), write=True) as session:
        _datasets(session, count, prefix)
    engine.dispose()


def _datasets(session: Session, count: int, prefix: str) -> None:
    make_theme(session, "transport")
    dept = make_org(session, OrgKind.DEPARTMENT)
    publisher = make_member(session, dept, Role.PUBLISHER)
    for i in range(count):
        make_dataset(
            session,
            dept,
            publisher,
            name=f"{prefix}-{i}",
            title={"zh": f"公交线路{i}", "en": f"Bus line {prefix} {i}"},
        )


def _found(env: dict[str, str], text: str) -> int:
    async def run() -> int:
        backend = make_backend(load_settings(env))
        try:
            await backend.ensure_ready()
            result = await backend.search(SearchQuery(text=text, visibility=Visibility.public()))
            return result.total
        finally:
            await backend.close()

    return asyncio.run(run())


def test_reindex_builds_the_index_from_the_database(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    _publish(env, 3, "reindexed")
    assert _found(env, "reindexed") == 0  # nothing has drained the outbox yet
    done = subprocess.run(
        [*SHUDU, "search", "reindex"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "reindexed 3 datasets" in done.stdout
    assert _found(env, "reindexed") == 3


def test_worker_drains_the_outbox_and_stops_cleanly(tmp_path: Path) -> None:
    env = {**_environment(tmp_path), "SHUDU_SEARCH_WORKER": "external"}
    _publish(env, 0, "none")
    worker = subprocess.Popen(
        [*SHUDU, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        _publish(env, 2, "drained")
        wait_until(lambda: _found(env, "drained") == 2, "the worker indexing new datasets", 60)
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "search backend sqlite" in output
