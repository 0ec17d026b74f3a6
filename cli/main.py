"""`cxbridge` commands. Each one calls the function of the same name in `cxbridge.api`.

The API, the connectors, pydantic and rich are imported inside the commands, when one runs:
`cxbridge --help` and `--version` import little more than click (tests/test_startup.py).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import sys
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cxbridge import __version__
from cxbridge.errors import CxbridgeError
from cxbridge.logs import configure
from cxbridge.plugins_host import get_host

from . import output
from .cases import cases
from .duplicates import duplicates_command
from .erase import erase_command
from .remove import remove_command
from .importing import import_command, inspect_command
from .launch import end_interrupted
from .options import (
    DAY, Count, LazyChoice, config_option, db_option, destination_option, fail, format_option, handles_errors, hints_wanted,
    limit_option, machine_wanted, rehash_option, same_data, summary_format, summary_format_option, wait_option,
)  # fmt: skip
from .status import status_command
from .summaries import flat_row, print_summaries, print_warnings

if TYPE_CHECKING:
    from cxbridge.plugins_host import PluginHost

log = logging.getLogger("cxbridge.cli")

GLOBAL_FLAG = re.compile(r"-v+|-q|--verbose|--quiet|--log-format=.*")


def global_options_first(args: list[str]) -> list[str]:
    """`cxbridge sync -v` read as `cxbridge -v sync`: -v, -q and --log-format may come anywhere
    before a `--`, after the subcommand too."""
    hoisted: list[str] = []
    rest: list[str] = []
    words = iter(args)
    for word in words:
        if word == "--":
            rest += [word, *words]
        elif GLOBAL_FLAG.fullmatch(word):
            hoisted.append(word)
        elif word == "--log-format":
            hoisted += [word, *islice(words, 1)]
        else:
            rest.append(word)
    return hoisted + rest


class CliGroup(click.Group):
    """The `cxbridge` group: global options anywhere; with `--log-format json`, usage errors are
    JSON objects too; Ctrl-C while it starts ends quietly; plugins' commands are added when a
    command is looked up that is not a built-in one, and listed by `--help` (`--version` loads
    no plugin)."""

    _plugin_commands: tuple[PluginHost, click.Group] | None = None

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except KeyboardInterrupt:
            end_interrupted()

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, global_options_first(args))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:  # before a command took over (it says what was kept)
            end_interrupted()
        except click.UsageError as exc:
            if not machine_wanted(ctx):
                raise
            configure(fmt="json")  # an unknown command fails before the callback configured the log
            fail(exc.format_message(), kind="UsageError", exit_code=exc.exit_code, machine=True)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.plugin_commands().commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or self.plugin_commands().commands.get(cmd_name)

    def plugin_commands(self) -> click.Group:
        """The commands the current host's plugins add, in a group of their own: none replaces a
        built-in command, and a test's plugins stay out of the next test's command line."""
        host = get_host()
        if self._plugin_commands is None or self._plugin_commands[0] is not host:
            added = click.Group(self.name)
            try:
                host.register_commands(added)
            except CxbridgeError as exc:
                fail(str(exc), kind=type(exc).__name__, exit_code=exc.exit_code)
            self._plugin_commands = (host, added)
        return self._plugin_commands[1]


@click.group(cls=CliGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cxbridge")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", help="Log (and summary) format.")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors in the log; no progress display or hints.")
@click.pass_context
def cli(ctx: click.Context, log_format: str, verbose: int, quiet: bool) -> None:
    """cxbridge: one live dataset of NPS, CSAT, CES, mystery-shop and audit feedback.

    -v, -q and --log-format may also follow the command (cxbridge sync -v)."""
    configure(fmt=log_format, verbose=-1 if quiet else verbose)
    ctx.obj = {"log_format": log_format, "quiet": quiet}
    ctx.command.plugin_commands()  # every plugin adds its commands, so that one that fails is reported too
    if ctx.invoked_subcommand != "plugins":  # that one lists them itself
        for failure in get_host().failures:
            log.warning("plugin %s is not loaded: %s (see `cxbridge plugins`)", failure.name, failure.error)


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@handles_errors
def init(directory: str) -> None:
    """Write a commented cxbridge.toml and sample data into DIRECTORY (default: the current folder),
    ready for `cxbridge sync`; never overwrites a file already there."""
    from cxbridge import api

    for path in api.init(directory):
        click.echo(f"wrote {path}")
    into = "" if Path(directory).resolve() == Path.cwd() else f"cd {shlex.quote(directory)} && "
    click.echo(f"next: {into}cxbridge sync && cxbridge report")


@cli.command()
@config_option
@click.option("--source", "-s", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--full-refresh", is_flag=True, help="Ignore saved cursors and read everything again.")
@click.option("--prune", is_flag=True,
              help="With --full-refresh: remove each source's records the full read no longer finds.")
@click.option("--dry-run", is_flag=True, help="Read and normalize, write nothing.")
@db_option
@destination_option
@wait_option()
@rehash_option
@click.option("--jobs", "-j", type=Count(min=1), default=None, metavar="N",
              help="Sync up to N sources at once.  [default: [settings] jobs, else 1]")  # fmt: skip
@click.option("--progress/--no-progress", default=True, help="Live progress on a terminal.")
@summary_format_option
@click.pass_context
@handles_errors
def sync(ctx: click.Context, config, sources, full_refresh, prune, dry_run, db, destination, wait, rehash, jobs,
         progress, fmt) -> None:  # fmt: skip
    """Pull new feedback from every configured source into the destination."""
    from cxbridge import api

    from .progress import sync_progress

    fmt = summary_format(ctx, fmt)
    with sync_progress(enabled=progress and hints_wanted(ctx, fmt)) as on_progress:
        result = api.sync(
            config,
            sources=sources,
            full_refresh=full_refresh,
            prune=prune,
            dry_run=dry_run,
            destination=api.destination_url_for(db, destination),
            wait=wait,
            rehash=rehash,
            jobs=jobs,
            on_progress=on_progress,
        )
    same = same_data(config, db, destination) if hints_wanted(ctx, fmt) else None
    print_summaries(result.results, fmt=fmt, dry_run=dry_run, same=same)
    print_run_warnings(result.warnings)
    if result.deliveries is not None:
        from .cases import print_deliveries

        print_deliveries(result.deliveries, fmt=fmt, quiet_when_idle=True)
    sys.exit(result.exit_code)


@cli.command()
@config_option
@click.option("--source", "-s", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@summary_format_option
@click.pass_context
@handles_errors
def check(ctx: click.Context, config, sources, fmt) -> None:
    """Check the config against what each source reads (files, headers, ids); move no data."""
    from cxbridge import api

    fmt = summary_format(ctx, fmt)
    checks = api.check(config, sources=sources)
    if fmt == "csv":
        from dataclasses import fields

        from cxbridge.checks import SourceCheck

        columns = [*(field.name for field in fields(SourceCheck)), "ok"]
        output.rows([flat_row({**found.__dict__, "ok": found.ok}) for found in checks], fmt="csv", columns=columns)
    else:
        for found in checks:
            _print_check(found, machine=fmt == "json")
    sys.exit(0 if all(found.ok for found in checks) else 2)


def _print_check(found: Any, *, machine: bool) -> None:
    if machine:
        click.echo(json.dumps({"event": "source_check", **found.__dict__, "ok": found.ok}))
        return
    if found.ok:
        click.echo(f"✔ {found.source} ({found.connector})")
    else:
        click.echo(f"✘ {found.source} ({found.connector}): {found.problem}")
    print_warnings(found.warnings)


@cli.command()
@config_option
@click.option(
    "--by", type=LazyChoice("cxbridge.reporting", "BY"), default="month", show_default=True,
    help="Rows per bucket or dimension.",
)
@click.option("--metric", type=LazyChoice("cxbridge.reporting", "METRICS", case_sensitive=False),
              help="Detail one metric, in any case (default: all).")
@click.option("--program", "programs", multiple=True, type=LazyChoice("cxbridge.reporting", "PROGRAMS", case_sensitive=False),
              help="Only this program (repeatable), in any case.")
@click.option("--source", "-s", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--since", type=DAY, metavar="YYYY-MM-DD", help="Records of this local day or later.")
@click.option("--until", type=DAY, metavar="YYYY-MM-DD", help="Records before this local day (it is left out).")
@click.option("--loop", "loop", is_flag=True, help="How cases were worked instead: per month, location and owner.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the report as one HTML page with charts (opens without a network).")
@click.option("--open", "open_page", is_flag=True, help="With --html: open the page in the browser.")
@format_option
@limit_option(output.REPORT_ROWS)
@db_option
@destination_option
@handles_errors
def report(
    config, by, metric, programs, sources, since, until, loop, html_path, open_page, fmt, limit, db, destination
) -> None:
    """Each program's own figures: customer NPS, CSAT and CES, eNPS, mystery-shop and audit scores."""
    from cxbridge import api
    from cxbridge.reporting import MIN_BASE, SCORE_MEANS, indicative, none_label

    if open_page and not html_path:
        raise click.UsageError("--open opens the page --html FILE writes: give --html FILE too")
    if html_path:
        if loop or fmt != "table" or limit is not None:
            raise click.UsageError("--html writes a page; it takes no --loop, --format or --limit")
        written = api.report_html(
            html_path, config, by=by, metric=metric, program=programs, source=sources,
            since=since and since.date(), until=until and until.date(),
            destination=api.destination_url_for(db, destination),
        )  # fmt: skip
        click.echo(f"wrote {written}")
        if open_page:
            import webbrowser

            if not webbrowser.open(page := written.resolve().as_uri()):  # a server without a display
                click.echo(f"no browser opened it here: open {page} on a machine with one")
        return
    if loop:
        if metric or programs or sources or since or until or by != "month":
            raise click.UsageError("--loop reports cases per month, location and owner; it takes no --by, --metric, "
                                   "--program, --source, --since or --until")  # fmt: skip
        output.rows(api.loop_report(config, destination=api.destination_url_for(db, destination)), fmt=fmt, limit=limit,
                    table_rows=output.REPORT_ROWS)  # fmt: skip
        return

    rows = api.report(
        config, by=by, metric=metric, program=programs, source=sources,
        since=since and since.date(), until=until and until.date(), intervals=fmt == "json",
        destination=api.destination_url_for(db, destination),
    )  # fmt: skip
    behind = questions_behind(rows, metric)
    if fmt != "json":  # said under the table; CSV keeps its documented columns, which programs read
        rows = [{name: value for name, value in row.items() if name != "questions"} for row in rows]
    if fmt == "table":  # a blank label reads as a value with no name
        rows = [{**row, by: none_label(by)} if row[by] is None else row for row in rows]
        small = any(indicative(row["responses"]) for row in rows)
        if small:  # marked beside its figure, and said under the table
            rows = [{**row, "indicative": "yes" if indicative(row["responses"]) else ""} for row in rows]
    output.rows(rows, fmt=fmt, columns=api.report_columns(by=by, metric=metric), limit=limit, table_rows=output.REPORT_ROWS)
    if not rows:  # under the table, on stderr beside JSON and CSV
        from cxbridge.report_commands import why_no_rows

        given = {"--metric": [metric], "--program": programs, "--source": sources,
                 "--since": [since and f"{since:%Y-%m-%d}"], "--until": [until and f"{until:%Y-%m-%d}"]}  # fmt: skip
        filters = [f"{flag} {value}" for flag, values in given.items() for value in values if value]
        click.echo(why_no_rows(config, filters=filters, destination=api.destination_url_for(db, destination)),
                   err=fmt != "table")  # fmt: skip
    if fmt == "table" and rows and not metric:
        meanings = dict.fromkeys(f"{row['metric']} {SCORE_MEANS[row['metric']]}" for row in rows)
        click.echo("score: " + " · ".join(meanings))
    if fmt == "table":
        for (program, counted), questions in behind.items():
            click.echo(f"{counted} of {program} counts each record's primary question of: " + " · ".join(questions))
    if fmt == "table" and rows and small:
        click.echo(f"indicative: fewer than {MIN_BASE} answers behind the figure — read it with care; no change from "
                   "or to it is called significant (docs/report.md#small-samples)")  # fmt: skip
    if since or until:
        undated = api.report_undated(
            config, metric=metric, program=programs, source=sources, since=since and since.date(),
            until=until and until.date(), destination=api.destination_url_for(db, destination),
        )  # fmt: skip
        if undated:
            _say_undated_left_out(undated, fmt)


def questions_behind(rows: list[dict[str, Any]], metric: str | None) -> dict[tuple[str, str], list[str]]:
    """Per program and metric of more than one question, the questions (`source: question`) behind
    its figures, in the order the rows name them."""
    behind: dict[tuple[str, str], dict[str, None]] = {}
    for row in rows:
        behind.setdefault((row["program"], metric or row["metric"]), {}).update(dict.fromkeys(row.get("questions", ())))
    return {key: list(questions) for key, questions in behind.items() if len(questions) > 1}


def _say_undated_left_out(undated: int, fmt: str) -> None:
    """A period counts dated records only: say how many it left out — under the table, and on
    stderr beside JSON and CSV, whose stdout stays rows a program reads."""
    line = (f"left out: {undated:,} record{'s' if undated != 1 else ''} without a date (on no day of the "
            "period; cxbridge report without --since/--until counts them as undated)")  # fmt: skip
    click.echo(line, err=fmt != "table")


@cli.command()
@format_option
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@handles_errors
def plugins(fmt: str, as_json: bool) -> None:
    """Installed sources, destinations and loop actions, with the package that provides each."""
    from cxbridge import api

    listing = api.plugins()
    entries = [
        {"kind": p.kind, "name": p.name, "package": p.package, "version": p.version}
        for p in [*listing.sources, *listing.destinations, *listing.actions]
    ]
    failures = [{"plugin": f.name, "error": f.error} for f in listing.failures]
    if as_json or fmt == "json":
        click.echo(json.dumps({"plugins": entries, "failures": failures}, indent=2))
        return
    output.rows(entries, fmt=fmt)
    for failure in failures:
        name, error = output.escape(failure["plugin"]), output.escape(failure["error"])
        output.stderr().print(
            f"[yellow]plugin {name} failed to load:[/yellow] {error}",
            highlight=False,
        )


@cli.command()
def schema() -> None:
    """Print the JSON Schema of a feedback record."""
    from cxbridge import api

    click.echo(json.dumps(api.schema(), indent=2, ensure_ascii=False))


QUARANTINE_COLUMNS = ("source", "stream", "id", "where", "field", "kind", "error")


@cli.group()
def quarantine() -> None:
    """Records that failed normalization, with their reasons."""


@quarantine.command("list")
@config_option
@click.option("--source", "-s", metavar="NAME", help="Only this source.")
@click.option("--kind", metavar="KIND", help="Only records breaking this rule (answer-outside-scale, …).")
@db_option
@destination_option
@format_option
@limit_option()
@handles_errors
def quarantine_list(config, source, kind, db, destination, fmt, limit) -> None:
    """Show quarantined records and why each one was kept out, by source and place (file, row)."""
    from cxbridge import api

    items = api.quarantine_list(config, source=source, kind=kind, destination=api.destination_url_for(db, destination))
    rows = (
        dict(zip(QUARANTINE_COLUMNS, (
            item.source, item.stream, item.source_record_id,
            ", ".join(f"{k} {v}" for k, v in item.where.items() if v is not None), item.field, item.kind, item.error,
        ), strict=True))
        for item in items
    )  # fmt: skip
    output.rows(rows, fmt=fmt, title="quarantine", columns=QUARANTINE_COLUMNS, limit=limit)


@quarantine.command("replay")
@config_option
@click.option("--source", "-s", "sources", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@db_option
@destination_option
@wait_option()
@summary_format_option
@click.pass_context
@handles_errors
def quarantine_replay(ctx: click.Context, config, sources, db, destination, wait, fmt) -> None:
    """Normalize quarantined records again (after fixing the config); write those that pass."""
    from cxbridge import api

    result = api.quarantine_replay(
        config, sources=sources, destination=api.destination_url_for(db, destination), wait=wait
    )
    fmt = summary_format(ctx, fmt)
    if not result.results and fmt == "table":
        click.echo("quarantine is empty")
    same = same_data(config, db, destination) if hints_wanted(ctx, fmt) else None
    print_summaries(result.results, fmt=fmt, dry_run=False, same=same)
    print_run_warnings(result.warnings)
    if result.deliveries is not None:
        from .cases import print_deliveries

        print_deliveries(result.deliveries, fmt=fmt, quiet_when_idle=True)
    if hints_wanted(ctx, fmt) and any(r.quarantined for r in result.results):
        same = same_data(config, db, destination)
        click.echo(f"records still quarantined keep their reasons: cxbridge quarantine list{same}; a replay reads "
                   f"them as they were stored, so a row fixed in its file comes back with cxbridge sync{same}")  # fmt: skip
    sys.exit(result.exit_code)


def print_run_warnings(warnings: list[str]) -> None:
    """What a sync or replay says about the whole run: on stderr, so machine output stays
    parseable — unless the log is JSON, where each is an entry (`cxbridge.logs`)."""
    if machine_wanted():
        return
    for warning in warnings:
        output.stderr().print(f"⚠ {warning}", highlight=False, markup=False)


@cli.group()
def plugin() -> None:
    """Write your own connector: a source or destination plugin package."""


@plugin.command("new")
@click.argument("name")
@click.option("--kind", type=click.Choice(["source", "destination"]), default="source", show_default=True,
              help="What the plugin adds: a source to read from, or a destination to write to.")  # fmt: skip
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Folder to create (default: ./cxbridge-NAME).")
@handles_errors
def plugin_new(name: str, kind: str, directory: str | None) -> None:
    """Generate an installable plugin package whose tests pass as generated."""
    from cxbridge import api
    from cxbridge.scaffold import next_steps

    written = api.plugin_new(name, kind=kind, directory=directory)
    root = Path(os.path.commonpath(written))
    click.echo(f"wrote {len(written)} files in {root}")
    click.echo(f"next: {next_steps(root)}")


cli.add_command(inspect_command)
cli.add_command(import_command)
cli.add_command(status_command)
cli.add_command(duplicates_command)
cli.add_command(erase_command)
cli.add_command(remove_command)
cli.add_command(cases)


def main() -> None:
    cli(prog_name="cxbridge")


if __name__ == "__main__":
    main()
