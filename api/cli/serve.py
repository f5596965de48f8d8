"""``shudu serve`` and ``shudu demo``."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
import orjson
from sqlalchemy import inspect

from api.cli.common import friendly, settings_or_exit
from catalog.filestore import FileStore
from core.db import make_engine, make_session_factory, transaction
from core.migrations import upgrade
from core.settings import Settings


def _prepare_database(settings: Settings, *, migrate: bool) -> None:
    engine = make_engine(settings.database_url)
    try:
        if migrate:
            upgrade(engine)
        elif not inspect(engine).has_table("alembic_version"):
            click.echo(
                "error: the database has no schema yet; run `shudu db upgrade` first", err=True
            )
            sys.exit(1)
    finally:
        engine.dispose()


def app_from_environment() -> Any:
    """The app of the settings in the environment: what each worker process builds."""
    from api.app import create_app

    return create_app(settings_or_exit())


def _serve(host: str, port: int, workers: int = 1) -> None:
    import uvicorn  # imported here: only the serving commands need it

    # Each worker process builds its own app from the same environment (and so the same
    # settings); uvicorn's supervisor restarts a worker that dies and, on SIGINT or SIGTERM,
    # lets every worker finish the requests in flight before it exits.
    uvicorn.run(
        "api.cli.serve:app_from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        proxy_headers=True,
        log_level="info",
    )


WORKERS = click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes; each serves requests and runs the in-process background work.",
)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@WORKERS
def serve(host: str, port: int, workers: int) -> None:
    """Serve the portal (migrating the embedded SQLite database first)."""
    settings = settings_or_exit()
    _prepare_database(settings, migrate=settings.is_sqlite)
    _serve(host, port, workers)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load the demo catalog and stop.")
@WORKERS
@friendly
def demo(host: str, port: int, no_serve: bool, workers: int) -> None:
    """Load the demo catalog if the database is empty, then serve."""
    from demo.loader import DEMO_PASSWORD, catalog_is_empty, load_demo

    settings = settings_or_exit()
    _prepare_database(settings, migrate=settings.is_sqlite)
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            if catalog_is_empty(session):
                click.echo("loading the demo catalog …")
                accounts = load_demo(session, FileStore(settings.files_dir))
                click.echo(f"demo accounts (password {DEMO_PASSWORD!r}):")
                for account in accounts[:6]:
                    click.echo(f"  {account.role:10} {account.email}")
                click.echo(f"  … and {len(accounts) - 6} more, one per organization")
                _seed_exchange(session, settings)
            else:
                click.echo("the catalog is not empty; serving it as it is")
    finally:
        engine.dispose()
    if not no_serve:
        _serve(host, port, workers)


def _seed_exchange(session: Any, settings: Settings) -> None:
    """The licensed example (demo.exchange); its client's credentials go to the data dir."""
    from demo.exchange import seed_exchange_demo
    from demo.loader import DEMO_PASSWORD

    credentials = seed_exchange_demo(session, DEMO_PASSWORD)
    path = settings.data_dir / "demo-credentials.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps(credentials, option=orjson.OPT_INDENT_2))
    click.echo(
        f"licensed example: {credentials['dataset']} for demo-enterprise, "
        f"fields {', '.join(credentials['allowed_fields'])}; credentials in {path}"
    )
