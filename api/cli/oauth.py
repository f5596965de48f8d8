"""``shudu client …`` (OAuth clients) and ``shudu oauth rotate-key`` (token signing keys)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click
import orjson
from sqlalchemy.orm import Session

from api.access.keys import rotate
from api.cli.common import settings_or_exit
from core.db import make_engine, make_session_factory, transaction
from core.errors import ShuduError
from core.identity.oauth import GRANT_TYPES, OAuthClientService
from core.identity.principal import Principal
from core.identity.services import OrganizationService, UserService


def _in_transaction(work: Callable[[Session], Any]) -> Any:
    engine = make_engine(settings_or_exit().database_url)
    try:
        with transaction(make_session_factory(engine), write=True) as session:
            return work(session)
    except ShuduError as exc:
        click.echo(f"error: {exc.message}", err=True)
        if exc.details:
            click.echo(f"       {orjson.dumps(exc.details).decode()}", err=True)
        sys.exit(1)
    finally:
        engine.dispose()


@click.group()
def client() -> None:
    """OAuth clients."""


@client.command("create")
@click.option("--name", required=True)
@click.option("--grant", "grants", required=True, multiple=True, type=click.Choice(GRANT_TYPES))
@click.option("--scope", required=True, help='Space-separated, e.g. "catalog:read".')
@click.option("--org", default=None, help="Register it for this organization.")
@click.option("--owner", default=None, help="Register it for this user (e-mail).")
@click.option("--redirect-uri", "redirect_uris", multiple=True)
@click.option(
    "--auth-method",
    default="client_secret_basic",
    show_default=True,
    type=click.Choice(["client_secret_basic", "client_secret_post"]),
)
@click.option(
    "--jwks",
    "jwks_file",
    default=None,
    type=click.Path(exists=True, dir_okay=False),
    help="The client's public JWK Set: it then authenticates with private_key_jwt.",
)
def client_create(
    name: str,
    grants: tuple[str, ...],
    scope: str,
    org: str | None,
    owner: str | None,
    redirect_uris: tuple[str, ...],
    auth_method: str,
    jwks_file: str | None,
) -> None:
    """Register a client; its id and secret are printed as JSON on the last line, once."""
    jwks = None
    if jwks_file is not None:
        with open(jwks_file, "rb") as handle:
            jwks = orjson.loads(handle.read())
        auth_method = "private_key_jwt"

    def work(session: Session) -> dict[str, Any]:
        principal = Principal.operator()
        if owner is not None:
            user = UserService(session).by_email(owner)
            # The operator registers it in the user's name (and may grant any scope).
            principal = Principal(
                user_id=user.id, email=user.email, is_admin=True, can_write=True, via="cli"
            )
        organization = None if org is None else OrganizationService(session).get(org)
        issued = OAuthClientService(session).create(
            principal,
            name=name,
            grant_types=list(grants),
            scope=scope,
            organization=organization,
            redirect_uris=list(redirect_uris),
            auth_method=auth_method,
            jwks=jwks,
        )
        return {"client_id": issued.client.client_id, "client_secret": issued.secret}

    result = _in_transaction(work)
    click.echo(f"registered OAuth client {name!r}; the secret is shown this once:")
    click.echo(orjson.dumps(result).decode())


@click.group()
def oauth() -> None:
    """The authorization server's signing keys."""


@oauth.command("rotate-key")
def rotate_key() -> None:
    """Add a new token signing key; running servers switch to it within seconds."""
    settings = settings_or_exit()
    kid = rotate(settings.data_dir / "oauth_keys")
    click.echo(f"new signing key {kid}; older keys stay in the JWKS until their tokens expire")
