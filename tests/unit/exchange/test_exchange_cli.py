"""`shudu exchange sweep` and `shudu exchange statements` on a database of their own."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from core.db import make_engine
from core.migrations import upgrade
from tests.support import fresh_database_url

pytestmark = pytest.mark.database


def test_sweep_and_statements(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path, "cli")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    env = {"SHUDU_DATABASE_URL": url, "SHUDU_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    swept = runner.invoke(main, ["exchange", "sweep"], env=env)
    assert swept.exit_code == 0, swept.output
    assert "expired 0 licence(s)" in swept.output
    issued = runner.invoke(main, ["exchange", "statements", "2026-11"], env=env)
    assert issued.exit_code == 0, issued.output
    bad = runner.invoke(main, ["exchange", "statements", "November"], env=env)
    assert bad.exit_code == 2
    assert "YYYY-MM" in bad.output
