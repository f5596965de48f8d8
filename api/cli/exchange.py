"""``shudu exchange``: the exchange's periodic work, run once (``shudu worker`` also sweeps)."""

from __future__ import annotations

import click
from sqlalchemy import select

from api.runtime.exchange import sweep_once
from core.db import make_engine, make_session_factory, transaction
from core.errors import ShuduError
from core.identity.models import Organization
from core.identity.principal import Principal
from core.settings import load_settings
from exchange.metering import MeteringService, check_month
from exchange.models import Entitlement


@click.group()
def exchange() -> None:
    """The data exchange: expiry, report reminders, monthly statements."""


@exchange.command("sweep")
def sweep() -> None:
    """Expire lapsed licences and remind of overdue usage reports (`shudu worker` does this
    every minute; this runs it once, e.g. from cron where no worker runs)."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        expired, reminded = sweep_once(make_session_factory(engine))
    finally:
        engine.dispose()
    click.echo(f"expired {expired} licence(s); {reminded} usage report reminder(s) recorded")


@exchange.command("statements")
@click.argument("month")
def statements(month: str) -> None:
    """Issue MONTH's (YYYY-MM) statement for every enterprise holding a licence."""
    try:
        check_month(month)
    except ShuduError as exc:
        raise click.BadParameter(exc.message, param_hint="MONTH") from exc
    settings = load_settings()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine), write=True) as session:
            names = session.scalars(
                select(Organization.name)
                .where(Organization.id.in_(select(Entitlement.organization_id)))
                .order_by(Organization.name)
            ).all()
            service = MeteringService(session, Principal.operator())
            for name in names:
                statement = service.issue(name, month)
                click.echo(f"{name} {month}: {statement.total} {statement.currency}")
    finally:
        engine.dispose()
