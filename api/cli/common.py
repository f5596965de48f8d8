"""What every command shares: settings that fail loudly, Shudu's errors as one line, a
transaction of its own."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
import orjson

from core.db import make_engine, make_session_factory, transaction
from core.errors import ConfigError, ShuduError
from core.settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(f"configuration error: {exc.message}", err=True)
        sys.exit(2)


def settings_or_raise() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(f"configuration error: {exc.message}") from exc


def friendly(fn: F) -> F:
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


def in_transaction(work: Callable[..., Any]) -> Any:
    settings = settings_or_exit()
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine), write=True) as session:
            return work(session)
    finally:
        engine.dispose()
