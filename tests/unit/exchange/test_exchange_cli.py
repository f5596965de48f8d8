"""`shudu exchange sweep` and `shudu exchange statements` on a database of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from catalog.filestore import FileStore
from core.db import make_engine, make_session_factory, transaction
from core.migrations import upgrade
from exchange.models import Statement
from tests.factories.exchange import activate, make_world
from tests.support import fresh_database_url

pytestmark = pytest.mark.database


def test_sweep_and_statements(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path, "cli")
    engine = make_engine(url)
    upgrade(engine)
    env = {"SHUDU_DATABASE_URL": url, "SHUDU_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    swept = runner.invoke(main, ["exchange", "sweep"], env=env)
    assert swept.exit_code == 0, swept.output
    assert "expired 0 licence(s)" in swept.output
    empty = runner.invoke(main, ["exchange", "statements", "2026-11"], env=env)
    assert empty.exit_code == 0, empty.output
    assert empty.output == ""
    bad = runner.invoke(main, ["exchange", "statements", "November"], env=env)
    assert bad.exit_code == 2
    assert "YYYY-MM" in bad.output

    # An enterprise holding a licence gets its statement, issued by the operator.
    sessions = make_session_factory(engine)
    with transaction(sessions, write=True) as session:
        world = make_world(session, FileStore(tmp_path / "files"))
        entitlement = activate(session, world)
        month = entitlement.starts_at.strftime("%Y-%m")
        enterprise = world.enterprise.name
    issued = runner.invoke(main, ["exchange", "statements", month], env=env)
    assert issued.exit_code == 0, issued.output
    assert issued.output.startswith(f"{enterprise} {month}: ")
    with transaction(sessions) as session:
        statement = session.scalars(select(Statement)).one()
        assert statement.month == month
        assert len(statement.lines) == 1
    engine.dispose()
