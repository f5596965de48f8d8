"""``shudu db``: the database schema."""

from __future__ import annotations

import click

from api.cli.common import settings_or_exit
from core.db import make_engine
from core.migrations import upgrade


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine, revision)
    finally:
        engine.dispose()
    click.echo(f"database at {revision}")
