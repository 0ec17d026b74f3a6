"""The closed loop's commands of the Python API (`cxbridge cases …`, `cxbridge report --loop`),
offered by `cxbridge.api`, which imports this module when one is first asked for: a sync holds
none of it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxbridge.api import deliver_outbox, read_lazily, reading, writing
from cxbridge.config import find_config, load_config
from cxbridge.plugins_host import PluginHost, get_host

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cxbridge.destinations import Destination
    from cxbridge.loop import tracking
    from cxbridge.loop.cases import Case
    from cxbridge.loop.outbox import DeliveryReport


def loop_report(
    config: str | Path | None = None, *, destination: str | None = None, host: PluginHost | None = None
) -> list[dict[str, Any]]:
    """How cases were worked (`loop_performance`): per month a case opened, location and owner,
    cases opened, median hours to the first contact, and the shares contacted within the SLA (of
    the cases contacted or past due), closed and informed (`cxbridge report --loop`)."""
    from cxbridge.loop import tracking
    from cxbridge.loop.views import loop_performance_rows

    with reading(config, destination=destination, host=host) as dest:
        tracking.require_cases(dest)
        return loop_performance_rows(dest)


def cases_deliver(
    config: str | Path | None = None,
    *,
    everything: bool = False,
    destination: str | None = None,
    wait: float | None = None,
    host: PluginHost | None = None,
) -> DeliveryReport:
    """Deliver the loop actions waiting in the outbox now, without a sync (`everything`: also
    those whose next attempt is not due yet, e.g. after fixing a token)."""
    host = host or get_host()
    cfg = load_config(find_config(config), host)
    with writing(config, destination=destination, wait=wait, host=host) as dest:
        return deliver_outbox(dest, cfg, everything=everything)


def cases_list(
    config: str | Path | None = None,
    *,
    status: str | None = None,
    owner: str | None = None,
    rule: str | None = None,
    overdue: bool = False,
    destination: str | None = None,
    host: PluginHost | None = None,
) -> Iterator[Case]:
    """Cases, oldest first: all, or those of a status, owner or rule, or open past their due time;
    read a batch at a time as they are taken (`list()` them for a list); a missing or unknown
    destination is raised by the call."""
    from cxbridge.loop import tracking

    def cases(dest: Destination) -> Iterator[Case]:
        return tracking.iter_cases(dest, status=status, owner=owner, rule=rule, overdue=overdue)

    return read_lazily(reading(config, destination=destination, host=host), cases)


def cases_show(
    config: str | Path | None = None, *, case: str, destination: str | None = None, host: PluginHost | None = None
) -> tracking.CaseDetail:
    """One case (by its id or the first digits of it) with its record, its events and its deliveries."""
    from cxbridge.loop import tracking

    with reading(config, destination=destination, host=host) as dest:
        return tracking.case_detail(dest, case)


def cases_assign(
    config: str | Path | None = None,
    *,
    case: str,
    owner: str,
    actor: str,
    note: str | None = None,
    destination: str | None = None,
    wait: float | None = None,
    host: PluginHost | None = None,
) -> Case:
    """Give a case to `owner` (empty: to nobody), recorded as `actor`'s change."""
    from cxbridge.loop import tracking

    with writing(config, destination=destination, wait=wait, host=host) as dest:
        return tracking.assign(dest, case, owner, actor=actor, note=note)


def cases_update(
    config: str | Path | None = None,
    *,
    case: str,
    actor: str,
    status: str | None = None,
    external_ref: str | None = None,
    note: str | None = None,
    reason: str | None = None,
    destination: str | None = None,
    wait: float | None = None,
    host: PluginHost | None = None,
) -> Case:
    """Move a case along open → contacted → resolved → informed (or closed_no_action with a
    `reason`), link the ticket it became, or add a note; each change recorded as `actor`'s."""
    from cxbridge.loop import tracking

    with writing(config, destination=destination, wait=wait, host=host) as dest:
        return tracking.update(dest, case, actor=actor, status=status, external_ref=external_ref, note=note,
                               reason=reason)  # fmt: skip
