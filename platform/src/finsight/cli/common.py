"""What every command shares: the console, settings, the database, and one-line errors."""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import typer
from kombu.exceptions import OperationalError as BrokerUnreachable
from psycopg.errors import UndefinedTable
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.exc import OperationalError as DatabaseUnreachable
from sqlalchemy.exc import ProgrammingError
from typer.core import TyperGroup

from finsight.config import InsecureConfiguration, Settings, get_settings
from finsight.embedded import EmbeddedPostgres
from finsight.errors import FinsightError
from finsight.organizations.upgrade import one_line

console = Console(highlight=False, soft_wrap=True)  # a long line stays one line

# Handles on the embedded PostgreSQL this process joined: pgserver keeps the server running while
# any process holds one, so they live as long as the command does.
_held: list[EmbeddedPostgres] = []


def fail(message: str) -> NoReturn:
    """Exit 1 with `error: <message>` as the only line on stderr."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(1)


def _config_error(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]).upper()
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "invalid configuration: " + "; ".join(problems)


class FinsightGroup(TyperGroup):
    """Turns errors a user can act on into one line on stderr and exit code 1, not a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click.Context
        try:
            return super().invoke(ctx)
        except FinsightError as exc:
            fail(exc.detail)
        except InsecureConfiguration as exc:
            fail(str(exc))
        except ValidationError as exc:
            fail(_config_error(exc))
        except DatabaseUnreachable as exc:
            fail(f"cannot reach the database: {one_line(exc)}")
        except BrokerUnreachable as exc:
            fail(f"cannot reach Redis: {one_line(exc)}")
        except ProgrammingError as exc:
            if not isinstance(exc.orig, UndefinedTable):
                raise
            # A database nobody has set up yet (a new DATA_DIR, a fresh DATABASE_URL).
            fail(
                "the database has no finsight tables yet: run `finsight db upgrade` "
                f"(`make dev` does it) ({one_line(exc.orig)})"
            )


def settings(*, join_dev: bool = True) -> Settings:
    """The settings; without DATABASE_URL or REDIS_URL, those of a `finsight dev` running on the
    same DATA_DIR (its embedded Redis changes port on every start)."""
    try:
        current = get_settings()
    except ValidationError as exc:
        raise FinsightError(_config_error(exc)) from exc
    if join_dev and not (current.database_url and current.redis_url):
        current = _join_running_dev(current)
    return current


def _join_running_dev(current: Settings) -> Settings:
    from finsight.dev.state import read_state

    running = read_state(current.data_dir)
    if running is None:
        return current
    if not current.database_url:
        from finsight.dev.stores import use_database_url

        use_database_url(running.database_url)
    if not current.redis_url:
        os.environ["REDIS_URL"] = running.redis_url
        get_settings.cache_clear()
    return get_settings()


def use_database() -> Settings:
    """Make sure DATABASE_URL names a database. In development without one, that is the embedded
    PostgreSQL of `finsight dev` under DATA_DIR (joined if running, started otherwise)."""
    current = settings()
    if current.database_url:
        return current
    from finsight.dev.stores import embedded_urls, start_postgres, use_database_url

    postgres = start_postgres(current.data_dir)
    _held.append(postgres)
    use_database_url(*embedded_urls(postgres))
    return get_settings()


def stdin_is_interactive() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()
