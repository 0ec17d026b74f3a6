"""What the commands share: their options, the summary format they print in, and how a
cxbridge error ends a command (one line and the documented exit code)."""

from __future__ import annotations

import importlib
import logging
import shlex
import sys
from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any, NoReturn

import click

from cxbridge.errors import CxbridgeError
from cxbridge.logs import redact

from . import output
from .launch import end_reader_gone, interrupted_code

log = logging.getLogger("cxbridge.cli")


def not_empty(what: str) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    """An option given as "" (`--db "$CX_DB"`, the variable not set) is a mistake, never the
    default the option left out would take."""

    def checked(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise click.BadParameter(f"is empty (a variable not set?); give {what}, or leave the option out")
        return value

    return checked


config_option = click.option(
    "--config", "-c", type=click.Path(dir_okay=False), callback=not_empty("a config file"),
    help="Config file (default: ./cxbridge.toml).",
)  # fmt: skip
db_option = click.option(
    "--db", type=click.Path(dir_okay=False), callback=not_empty("a database file"),
    help="A SQLite file instead of the config's destination (in a folder that exists).",
)  # fmt: skip
destination_option = click.option(
    "--destination", "-d", metavar="URL", callback=not_empty("a URL (sqlite:///cxbridge.db)"),
    help="A destination instead of the config's, its plugin named by the scheme (sqlite:///x.db, "
    "duckdb:///x.duckdb, parquet:///lake, postgresql://…); a file's folder must exist.",
)  # fmt: skip
rehash_option = click.option(
    "--rehash", is_flag=True,
    help="Accept a respondent salt other than the one the stored keys were made with (they keep theirs).",
)  # fmt: skip
FORMATS = ["table", "json", "csv"]


class Seconds(click.FloatRange):
    """A number of seconds: click's own says `'abc' is not a valid float range.`"""

    name = "number of seconds"


class Count(click.IntRange):
    """A whole number: click's own says `'two' is not a valid integer range.`"""

    name = "whole number"


def wait_option(default: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--wait SECONDS for the commands that write; `default` says when it is not settings.lock_wait."""
    return click.option("--wait", type=Seconds(min=0), metavar="SECONDS",
                        help=f"Wait this long for another cxbridge command writing the destination (a sync, "
                             f"remove, erase, cases, replay) to finish{default}.")  # fmt: skip


format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
    help="A table for people, JSON or CSV for programs.",
)  # fmt: skip


def limit_option(table_rows: int = output.TABLE_ROWS) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--limit N of the commands that list rows; `table_rows` is what their table shows without it."""
    return click.option("--limit", type=Count(min=0), metavar="N",
                        help=f"Only the first N rows; 0: all (default: the first {table_rows:,} in a table, "
                        "all in JSON and CSV).")  # fmt: skip


summary_format_option = click.option(
    "--format", "fmt", type=click.Choice(FORMATS),
    help="Summaries as lines (table, the default), JSON objects (the default with --log-format json) or CSV.",
)  # fmt: skip


class Day(click.DateTime):
    """A day written YYYY-MM-DD; another spelling (01/02/2025) is told how to write it, not shown
    a strftime pattern."""

    def __init__(self) -> None:
        super().__init__(formats=["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            pass
        self.fail(f"{value!r} is not a day written YYYY-MM-DD, e.g. 2025-02-01", param, ctx)


DAY = Day()


class LazyChoice(click.Choice):
    """A choice among the keys of a module's attribute, read when the option is parsed or its
    command's help is shown, not when the command line is built; `case_sensitive=False` takes
    `NPS` for `nps`, as the config does."""

    def __init__(self, module: str, attribute: str, *, case_sensitive: bool = True):
        self._where = (module, attribute)
        self.case_sensitive = case_sensitive

    @cached_property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        module, attribute = self._where
        return tuple(getattr(importlib.import_module(module), attribute))


def summary_format(ctx: click.Context, fmt: str | None) -> str:
    """The summary format asked for, else JSON under `--log-format json`, else lines."""
    return fmt or ("json" if ctx.find_root().obj["log_format"] == "json" else "table")


def hints_wanted(ctx: click.Context, fmt: str) -> bool:
    """Progress displays and next-step hints: for people (not with -q or machine output)."""
    return fmt == "table" and not ctx.find_root().obj["quiet"]


def same_data(config: str | None, db: str | None, destination: str | None) -> str:
    """The options a suggested next command needs to read what this one wrote: `--config` and
    `--db` as given (quoted for the shell); a destination URL is not repeated (it may hold a
    password), only named."""
    given = [f" {flag} {shlex.quote(value)}" for flag, value in (("--config", config), ("--db", db)) if value]
    return "".join(given) + (" with the same --destination" if destination else "")


def handles_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn cxbridge errors into a one-line message and the documented exit code, and so the
    machine's own refusals too (a full disk, a folder not writable: `OSError`), which no run can
    get past and whose traceback says nothing more (it is logged with -vv); but a reader of the
    output that left (`| head`) ends the command quietly."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CxbridgeError as exc:
            fail(str(exc), kind=type(exc).__name__, exit_code=exc.exit_code)
        except BrokenPipeError:
            end_reader_gone()
        except OSError as exc:
            log.debug("operating-system error", exc_info=True)
            fail(
                f"{exc}; what was written before it is kept: fix it and run the same command again",
                kind=type(exc).__name__,
                exit_code=1,
            )
        except KeyboardInterrupt as exc:
            fail(
                f"{str(exc) or 'interrupted'}: every committed batch is kept; run the same command again to resume",
                kind="Interrupted",
                exit_code=interrupted_code(),
            )

    return wrapper


def fail(message: str, *, kind: str, exit_code: int, machine: bool | None = None) -> NoReturn:
    """Print an error (a JSON log entry with `--log-format json`) on stderr and exit."""
    message = redact(message)
    if machine is None:
        machine = machine_wanted()
    if machine:
        log.error(message, extra={"fields": {"event": "error", "error": kind, "exit_code": exit_code}})
    elif kind == "Interrupted":
        output.stderr().print(message, highlight=False, markup=False)
    else:
        output.stderr().print(f"[red]error:[/red] {output.escape(message)}", highlight=False)
    sys.exit(exit_code)


def machine_wanted(ctx: click.Context | None = None) -> bool:
    ctx = ctx or click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().params.get("log_format") == "json")  # parsed before any callback ran
