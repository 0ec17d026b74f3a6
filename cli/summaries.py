"""A source's run as the commands that write print it: a line, a JSON object or a CSV row."""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Any

import click

from . import output

REASONS_SHOWN = 5  # quarantine reasons under an import's summary line, most records first
RULES_SHOWN = 3  # the rules those reasons break under a sync's, most records first

if TYPE_CHECKING:
    from cxbridge.source_result import SourceResult


def print_summaries(results: list[SourceResult], *, fmt: str, dry_run: bool, same: str | None = None) -> None:
    """One summary per source: a line, a JSON object or a CSV row; `same`, the options by which
    `quarantine list` reads the same destination (`same_data`), None: no next-step hint (`-q`).
    Each source's line (failed too) is followed by the commonest rules its quarantined records
    broke and the `quarantine list` of them: the run ends with no hint repeating it."""
    if fmt == "csv":
        output.rows([summary_row(result, dry_run=dry_run) for result in results], fmt="csv")
        return
    for result in results:
        _print_summary(result, machine=fmt == "json", dry_run=dry_run, same=same)


def summary_row(result: SourceResult, *, dry_run: bool) -> dict[str, Any]:
    return flat_row({"dry_run": dry_run, **result.__dict__})


def flat_row(values: dict[str, Any]) -> dict[str, Any]:
    """A summary as a CSV row: lists and mappings as JSON text."""
    return {k: json.dumps(v, default=str) if isinstance(v, list | dict) else v for k, v in values.items()}


def _print_summary(result: SourceResult, *, machine: bool, dry_run: bool, same: str | None) -> None:
    if machine:
        click.echo(json.dumps({"event": "source_summary", "dry_run": dry_run, **result.__dict__}, default=str))
        return
    name = f"{result.source} ({result.connector})"
    if not (result.ok or result.paused):
        click.echo(f"✘ {name}: {result.status}: {result.error}{kept_before_failure(result, dry_run=dry_run)}")
    else:
        verb = "would write" if dry_run else "written"
        click.echo(
            f"{'⏸' if result.paused else '✔'} {name}: {result.read:,} read · {result.written:,} {verb} · "
            f"{result.unchanged:,} unchanged · {result.quarantined:,} quarantined{left_out(result)}"
            f"{pruned(result, dry_run=dry_run)}{cases_opened(result, dry_run=dry_run)} · {result.seconds:.1f} s"
        )
    if result.paused:
        click.echo(f"  paused: {result.error}")
    listed = f"cxbridge quarantine list --source {shlex.quote(result.source)}{same}"
    _print_quarantine_rules(result, listed=None if dry_run or same is None else listed)
    print_warnings(result.warnings)


def left_out(result: SourceResult) -> str:
    """The records a run read and left out on purpose, by why: ` · 3 erased (left out)`."""
    erased = [f" · {result.erased:,} erased (left out)"] if result.erased else []
    return "".join(erased + [f" · {count:,} {reason} left out" for reason, count in result.left_out.items()])


def cases_opened(result: SourceResult, *, dry_run: bool) -> str:
    """The cases the loop's rules opened: ` · 94 cases opened` (` · 94 cases would open`); nothing for none."""
    if not result.cases_opened:
        return ""
    plural = "s" if result.cases_opened != 1 else ""
    return f" · {result.cases_opened:,} case{plural} {'would open' if dry_run else 'opened'}"


def pruned(result: SourceResult, *, dry_run: bool) -> str:
    """The records `--prune` removed: ` · 12 pruned` (` · 12 would be pruned`); nothing unless asked."""
    if result.pruned is None:
        return ""
    return f" · {result.pruned:,} {'would be pruned' if dry_run else 'pruned'}"


def kept_before_failure(result: SourceResult, *, dry_run: bool) -> str:
    """What a failed run wrote before it failed, which stays (the next run writes none of it twice):
    ` (3,000 written and 12 cases opened before it failed, kept)`; nothing when it wrote nothing."""
    kept = [f"{result.written:,} written"] if result.written else []
    kept += [cases_opened(result, dry_run=False).removeprefix(" · ")] if result.cases_opened else []
    return f" ({' and '.join(kept)} before it failed, kept)" if kept and not dry_run else ""


def print_quarantine_reasons(result: SourceResult, *, listed: str | None) -> None:
    """Why the run's records went to quarantine, under its summary line: each reason with how many
    records it holds, most first (`REASONS_SHOWN`), then how many more and the command `listed`
    (None: none to give, a dry run's) that shows every one."""
    reasons = sorted(result.quarantine_reasons.items(), key=lambda reason: -reason[1])[:REASONS_SHOWN]
    for reason, count in reasons:
        click.echo(f"  ✘ {count:,} × {reason}")
    if (more := result.quarantined - sum(count for _, count in reasons)) > 0:
        click.echo(f"  ✘ {more:,} more for other reasons" + (f": {listed}" if listed else ""))


def _print_quarantine_rules(result: SourceResult, *, listed: str | None) -> None:
    """The rules the run's quarantined records broke, under its summary line: the commonest
    (`RULES_SHOWN`) with how many records each holds and the problem its first reason names (the
    advice after it left out), then how many more and the command `listed` (None: none to give, a
    dry run's) that shows every one."""
    rules = sorted(result.quarantine_rules.items(), key=lambda rule: -rule[1])[:RULES_SHOWN]
    for rule, count in rules:
        example = result.quarantine_examples[rule].split("; ", 1)[0]
        click.echo(f"  ✘ {count:,} × {rule}, e.g. {example}")
    more = result.quarantined - sum(count for _, count in rules)
    told = [f"{more:,} more for other reasons"] if more > 0 else []
    told += [f"see {listed}"] if listed and result.quarantined else []
    if told:
        click.echo(f"  … {': '.join(told)}")


def print_warnings(warnings: list[str]) -> None:
    """Each warning of a source's run under its summary line."""
    for warning in warnings:
        click.echo(f"  ⚠ {warning}")
