"""``shudu user``, ``shudu org`` and ``shudu token``: accounts, organizations, API tokens."""

from __future__ import annotations

from typing import Any

import click

from api.cli.common import friendly, in_transaction
from core.identity.services import OrganizationService, TokenService, UserService


@click.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Make a site administrator.")
@click.option("--name", default="", help="Display name.")
@friendly
def user_create(email: str, password: str, admin: bool, name: str) -> None:
    """Create a user."""
    created = in_transaction(
        lambda s: UserService(s).create(email, password, display_name=name, is_admin=admin)
    )
    click.echo(f"created user {created.email}{' (admin)' if admin else ''}")


@click.group()
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
@friendly
def org_create(name: str, kind: str, title: str, title_en: str) -> None:
    """Create an organization."""
    created = in_transaction(
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
@friendly
def org_add_member(org_name: str, email: str, role: str) -> None:
    """Give a user a role in an organization."""

    def work(session: Any) -> None:
        orgs = OrganizationService(session)
        orgs.add_member(orgs.get(org_name), UserService(session).by_email(email), role)

    in_transaction(work)
    click.echo(f"{email} is now {role} of {org_name}")


@click.group()
def token() -> None:
    """Personal API tokens."""


@token.command("create")
@click.argument("email")
@click.option("--write", is_flag=True, help="Allow writes (default: read-only).")
@click.option("--days", default=90, show_default=True, type=int)
@click.option("--name", default="cli", show_default=True)
@friendly
def token_create(email: str, write: bool, days: int, name: str) -> None:
    """Create an API token; it is printed alone on the last line, once."""

    def work(session: Any) -> str:
        user_obj = UserService(session).by_email(email)
        return TokenService(session).create(user_obj, name=name, can_write=write, days=days).secret

    secret = in_transaction(work)
    click.echo(f"{'read-write' if write else 'read-only'} token for {email}, valid {days} days:")
    click.echo(secret)
