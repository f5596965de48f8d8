"""The ``shudu`` command line, one module per command group: ``serve`` (serve, demo), ``db``,
``accounts`` (user, org, token), ``oauth`` (oauth, client), ``search``, ``worker``, ``audit``,
``exchange`` and ``harvest``."""

from __future__ import annotations

import click

from api.cli.accounts import org, token, user
from api.cli.audit import audit
from api.cli.db import db
from api.cli.exchange import exchange
from api.cli.harvest import harvest
from api.cli.oauth import client, oauth
from api.cli.search import search
from api.cli.serve import demo, serve
from api.cli.worker import worker


@click.group()
def main() -> None:
    """数都 Shudu — open-data portal and data exchange."""


for command in (
    serve,
    demo,
    db,
    user,
    org,
    token,
    audit,
    client,
    exchange,
    harvest,
    oauth,
    search,
    worker,
):
    main.add_command(command)
