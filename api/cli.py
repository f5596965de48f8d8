"""The ``shudu`` command line: serve, demo, database and account administration."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
import orjson
from sqlalchemy import inspect

from api.cli_audit import audit
from api.cli_exchange import exchange
from api.cli_harvest import harvest
from api.cli_oauth import client, oauth
from api.cli_search import search, worker
from api.migrations import upgrade
from catalog.filestore import FileStore
from core.db import make_engine, make_session_factory, transaction
from core.errors import ConfigError, ShuduError
from core.identity.services import OrganizationService, TokenService, UserService
from core.settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(f"configuration error: {exc.message}", err=True)
        sys.exit(2)


def _friendly(fn: F) -> F:
    """Turn Shudu's own errors into a one-line message and exit status 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ShuduError as exc:
            click.echo(f"error: {exc.message}", err=True)
            if exc.details:
                click.echo(f"       {orjson.dumps(exc.details).decode()}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


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


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn  # imported here: only the serving commands need it

    from api.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True, log_level="info")


@click.group()
def main() -> None:
    """数都 Shudu — open-data portal and data exchange."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the portal (migrating the embedded SQLite database first)."""
    settings = _settings()
    _prepare_database(settings, migrate=settings.is_sqlite)
    _serve(settings, host, port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Load the demo catalog and stop.")
@_friendly
def demo(host: str, port: int, no_serve: bool) -> None:
    """Load the demo catalog if the database is empty, then serve."""
    from catalog.demo_loader import DEMO_PASSWORD, catalog_is_empty, load_demo

    settings = _settings()
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
        _serve(settings, host, port)


def _seed_exchange(session: Any, settings: Settings) -> None:
    """The licensed example (exchange.demo); its client's credentials go to the data dir."""
    from catalog.demo_loader import DEMO_PASSWORD
    from exchange.demo import seed_exchange_demo

    credentials = seed_exchange_demo(session, DEMO_PASSWORD)
    path = settings.data_dir / "demo-credentials.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps(credentials, option=orjson.OPT_INDENT_2))
    click.echo(
        f"licensed example: {credentials['dataset']} for demo-enterprise, "
        f"fields {', '.join(credentials['allowed_fields'])}; credentials in {path}"
    )


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine, revision)
    finally:
        engine.dispose()
    click.echo(f"database at {revision}")


def _in_transaction(work: Callable[..., Any]) -> Any:
    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine), write=True) as session:
            return work(session)
    finally:
        engine.dispose()


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Make a site administrator.")
@click.option("--name", default="", help="Display name.")
@_friendly
def user_create(email: str, password: str, admin: bool, name: str) -> None:
    """Create a user."""
    created = _in_transaction(
        lambda s: UserService(s).create(email, password, display_name=name, is_admin=admin)
    )
    click.echo(f"created user {created.email}{' (admin)' if admin else ''}")


@main.group()
def org() -> None:
    """Organizations and their members."""


@org.command("create")
@click.argument("name")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(["department", "enterprise", "exchange", "regulator"]),
)
@click.option("--title", default="", help="Title in Chinese.")
@click.option("--title-en", default="", help="Title in English.")
@_friendly
def org_create(name: str, kind: str, title: str, title_en: str) -> None:
    """Create an organization."""
    created = _in_transaction(
        lambda s: OrganizationService(s).create(name, kind, title_zh=title, title_en=title_en)
    )
    click.echo(f"created {created.kind.value} {created.name}")


@org.command("add-member")
@click.argument("org_name", metavar="ORG")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "publisher", "member", "reviewer", "regulator"]),
)
@_friendly
def org_add_member(org_name: str, email: str, role: str) -> None:
    """Give a user a role in an organization."""

    def work(session: Any) -> None:
        orgs = OrganizationService(session)
        orgs.add_member(orgs.get(org_name), UserService(session).by_email(email), role)

    _in_transaction(work)
    click.echo(f"{email} is now {role} of {org_name}")


@main.group()
def token() -> None:
    """Personal API tokens."""


@token.command("create")
@click.argument("email")
@click.option("--write", is_flag=True, help="Allow writes (default: read-only).")
@click.option("--days", default=90, show_default=True, type=int)
@click.option("--name", default="cli", show_default=True)
@_friendly
def token_create(email: str, write: bool, days: int, name: str) -> None:
    """Create an API token; it is printed alone on the last line, once."""

    def work(session: Any) -> str:
        user_obj = UserService(session).by_email(email)
        return TokenService(session).create(user_obj, name=name, can_write=write, days=days).secret

    secret = _in_transaction(work)
    click.echo(f"{'read-write' if write else 'read-only'} token for {email}, valid {days} days:")
    click.echo(secret)


main.add_command(audit)
main.add_command(client)
main.add_command(exchange)
main.add_command(harvest)
main.add_command(oauth)
main.add_command(search)
main.add_command(worker)
