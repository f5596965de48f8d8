"""``shudu harvest``: add CKAN and DCAT sources, run them, read their reports."""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from api.cli.common import settings_or_raise
from catalog.harvest.services import HarvestSourceService, run_source
from core.db import make_engine, make_session_factory, transaction
from core.errors import ShuduError
from core.identity.principal import Principal


def _fail(exc: ShuduError) -> None:
    click.echo(f"error: {exc.message}", err=True)
    if exc.details:
        click.echo(f"       {orjson.dumps(exc.details).decode()}", err=True)
    sys.exit(1)


@click.group()
def harvest() -> None:
    """Harvest other portals (CKAN Action API, DCAT catalogs)."""


@harvest.command("add")
@click.argument("name")
@click.option("--type", "kind", required=True, type=click.Choice(["ckan", "dcat"]))
@click.option("--url", required=True, help="CKAN: the site's address; DCAT: the catalog URL.")
@click.option("--organization", default=None, help="Publish into this department (default: NAME).")
@click.option(
    "--interval",
    default=1440,
    show_default=True,
    help="Minutes between scheduled runs (0: manual).",
)
@click.option(
    "--delay-ms", default=500, show_default=True, help="Pause between requests to the source."
)
@click.option("--max-datasets", default=1000, show_default=True, help="Datasets written per run.")
def harvest_add(
    name: str,
    kind: str,
    url: str,
    organization: str | None,
    interval: int,
    delay_ms: int,
    max_datasets: int,
) -> None:
    """Add a harvest source NAME."""
    settings = settings_or_raise()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine), write=True) as session:
            source = HarvestSourceService(session, Principal.operator()).add(
                name,
                kind,
                url,
                organization=organization,
                interval_minutes=interval,
                delay_ms=delay_ms,
                max_datasets=max_datasets,
            )
            org = source.organization.name
    except ShuduError as exc:
        _fail(exc)
    finally:
        engine.dispose()
    click.echo(f"added {kind} source {name} ({url}), publishing into {org}")


@harvest.command("run")
@click.argument("name")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait for the source.")
def harvest_run(name: str, timeout: float) -> None:
    """Run the harvest source NAME now and print its report as JSON."""
    settings = settings_or_raise()
    engine = make_engine(settings.database_url)
    try:
        report = run_source(make_session_factory(engine), name, timeout=timeout)
    except ShuduError as exc:
        _fail(exc)
    finally:
        engine.dispose()
    click.echo(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode())
    if report.status != "finished":
        sys.exit(1)


@harvest.command("list")
def harvest_list() -> None:
    """List the harvest sources and their last runs."""
    settings = settings_or_raise()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            service = HarvestSourceService(session, Principal.operator())
            rows: list[dict[str, Any]] = []
            for source in service.all():
                runs = service.runs(source.name, limit=1)
                rows.append(
                    {
                        "name": source.name,
                        "type": source.kind,
                        "url": source.url,
                        "organization": source.organization.name,
                        "interval_minutes": source.interval_minutes,
                        "last_run": None
                        if not runs
                        else {
                            "status": runs[0].status,
                            "started_at": runs[0].started_at.isoformat(),
                            "created": runs[0].created,
                            "updated": runs[0].updated,
                            "deleted": runs[0].deleted,
                            "failed": runs[0].failed,
                        },
                    }
                )
    finally:
        engine.dispose()
    click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
