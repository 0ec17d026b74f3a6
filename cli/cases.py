"""`cxbridge cases`: list, show, assign and update the cases negative feedback opened; each
command calls the `cxbridge.api` function of the same name (`cases_list`, `cases_show`, …)."""

from __future__ import annotations

import getpass
import json
import os
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import click

from . import output
from .options import (
    LazyChoice, config_option, db_option, destination_option, format_option, handles_errors, limit_option, wait_option,
)  # fmt: skip

if TYPE_CHECKING:
    from cxbridge.loop.cases import Case
    from cxbridge.loop.outbox import DeliveryReport
    from cxbridge.loop.tracking import CaseDetail

LIST_COLUMNS = ("case_id", "status", "rule", "matched", "owner", "source", "location_id", "opened_at", "due_at")


def default_actor() -> str:
    """Who a change is recorded as: $CXBRIDGE_ACTOR, else the login name."""
    return os.environ.get("CXBRIDGE_ACTOR") or getpass.getuser()


by_option = click.option("--by", "actor", metavar="NAME", help="Who makes the change (default: $CXBRIDGE_ACTOR or your login).")


@click.group()
def cases() -> None:
    """Cases opened by negative feedback: list, show, assign, update (docs/loop.md)."""


@cases.command("list")
@config_option
@click.option("--status", type=LazyChoice("cxbridge.loop.cases", "STATUSES"), help="Only cases in this status.")
@click.option("--owner", metavar="NAME", help="Only this owner's cases.")
@click.option("--rule", metavar="NAME", help="Only cases of this rule.")
@click.option("--overdue", is_flag=True, help="Only open cases, never contacted, past their due time.")
@db_option
@destination_option
@format_option
@limit_option()
@handles_errors
def cases_list(config, status, owner, rule, overdue, db, destination, fmt, limit) -> None:
    """Cases, oldest first, with what opened them and when they are due."""
    from cxbridge import api
    from cxbridge.loop.tracking import is_overdue

    found = api.cases_list(config, status=status, owner=owner, rule=rule, overdue=overdue,
                           destination=api.destination_url_for(db, destination))  # fmt: skip
    now = datetime.now(timezone.utc)
    rows = ({**{column: _plain(getattr(case, column)) for column in LIST_COLUMNS}, "overdue": is_overdue(case, now)}
            for case in found)  # fmt: skip
    output.rows(rows, fmt=fmt, title="cases", columns=(*LIST_COLUMNS, "overdue"), limit=limit)


@cases.command("show")
@click.argument("case")
@config_option
@db_option
@destination_option
@format_option
@handles_errors
def cases_show(case, config, db, destination, fmt) -> None:
    """One case (its id, or its first digits) with its record, every change, and its deliveries."""
    from cxbridge import api

    detail = api.cases_show(config, case=case, destination=api.destination_url_for(db, destination))
    if fmt == "json":
        click.echo(json.dumps(_detail_dict(detail), indent=2, ensure_ascii=False, default=str))
        return
    output.rows([{"field": key, "value": value} for key, value in _case_dict(detail.case).items()], fmt=fmt, title="case")
    output.rows([{"field": key, "value": value} for key, value in detail.record.items()], fmt=fmt, title="record")
    output.rows(detail.events, fmt=fmt, title="events")
    output.rows(detail.deliveries, fmt=fmt, title="deliveries")


@cases.command("assign")
@click.argument("case")
@click.argument("owner")
@click.option("--note", metavar="TEXT", help="Why, or what the owner should know.")
@by_option
@config_option
@db_option
@destination_option
@wait_option(" (default 60)")
@format_option
@handles_errors
def cases_assign(case, owner, note, actor, config, db, destination, wait, fmt) -> None:
    """Give a case to OWNER ('' to nobody)."""
    from cxbridge import api

    changed = api.cases_assign(config, case=case, owner=owner, actor=actor or default_actor(), note=note,
                               destination=api.destination_url_for(db, destination), wait=wait)  # fmt: skip
    _print_changed(changed, fmt)


@cases.command("update")
@click.argument("case")
@click.option("--status", type=LazyChoice("cxbridge.loop.cases", "STATUSES"), help="Move it to this status.")
@click.option("--reason", metavar="TEXT", help="Why it closes with no action (with --status closed_no_action).")
@click.option("--ref", "external_ref", metavar="ID", help="The ticket, task or CRM case it became.")
@click.option("--note", metavar="TEXT", help="What was done or said.")
@by_option
@config_option
@db_option
@destination_option
@wait_option(" (default 60)")
@format_option
@handles_errors
def cases_update(case, status, reason, external_ref, note, actor, config, db, destination, wait, fmt) -> None:
    """Move a case (contacted, resolved, informed, closed_no_action, or back to open), link its
    ticket, or add a note; every change is recorded with who and when."""
    from cxbridge import api

    changed = api.cases_update(config, case=case, actor=actor or default_actor(), status=status,
                               external_ref=external_ref, note=note, reason=reason,
                               destination=api.destination_url_for(db, destination), wait=wait)  # fmt: skip
    _print_changed(changed, fmt)


@cases.command("deliver")
@click.option("--all", "everything", is_flag=True, help="Also deliveries whose next attempt is not due yet.")
@config_option
@db_option
@destination_option
@wait_option(" (default 60)")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Lines for people, or JSON for programs.")  # fmt: skip
@handles_errors
def cases_deliver(everything, config, db, destination, wait, fmt) -> None:
    """Deliver the loop actions waiting in the outbox now, without a sync (a sync does it too)."""
    from cxbridge import api

    report = api.cases_deliver(config, everything=everything, destination=api.destination_url_for(db, destination),
                               wait=wait)  # fmt: skip
    print_deliveries(report, fmt=fmt, quiet_when_idle=False)
    sys.exit(1 if report.total_failed else 0)


def print_deliveries(report: DeliveryReport, *, fmt: str, quiet_when_idle: bool) -> None:
    """What a delivery run did: a line (and one per failure), or a JSON object; after a sync,
    nothing when nothing was delivered or failed."""
    if quiet_when_idle and not (report.delivered or report.failed or report.resolved or report.errors or report.without_case):
        return
    if fmt == "json":
        click.echo(json.dumps({"event": "loop_deliveries", **report.__dict__}, ensure_ascii=False))
        return
    if fmt != "table":
        return
    delivered = ", ".join(f"{name} {count:,}" for name, count in sorted(report.delivered.items())) or "none"
    line = f"loop: delivered {delivered}"
    if report.failed:
        line += f" · failed {report.total_failed:,} (retried later)"
    if report.waiting:
        line += f" · {report.waiting:,} waiting for their next attempt"
    if report.held:
        line += f" · {report.held:,} held: their case is closed (sent if it is reopened)"
    if report.without_case:
        line += f" · {report.without_case:,} waiting for their case (a sync stopped part-way: the next stores it)"
    if report.resolved:
        done = ", ".join(f"{name} {count:,}" for name, count in sorted(report.resolved.items()))
        line += f" · resolved where they were made: {done}"
    click.echo(line)
    for error in report.errors[:10]:
        click.echo(f"  ⚠ {error}")
    if len(report.errors) > 10:
        click.echo(f"  … and {len(report.errors) - 10} more: cxbridge cases list, cxbridge cases show CASE")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


def _case_dict(case: Case) -> dict[str, Any]:
    return {key: _plain(value) for key, value in case.__dict__.items()}


def _detail_dict(detail: CaseDetail) -> dict[str, Any]:
    return {"case": _case_dict(detail.case), "record": detail.record, "events": detail.events,
            "deliveries": detail.deliveries}  # fmt: skip


def _print_changed(case: Case, fmt: str) -> None:
    if fmt == "table":
        owner = f", owner {case.owner}" if case.owner else ""
        ref = f", {case.external_ref}" if case.external_ref else ""
        click.echo(f"case {case.case_id}: {case.status}{owner}{ref}")
    else:
        output.rows([_case_dict(case)], fmt=fmt)
