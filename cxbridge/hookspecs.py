"""The hooks a cxbridge plugin can implement, in the order a run meets them.

Implement them with `@cxbridge.hookimpl` in a module named by an entry point in the `cxbridge`
group. First-party connectors in `cxbridge.plugins` use exactly the same hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from cxbridge.destinations import Destination
    from cxbridge.events import SyncEvent
    from cxbridge.loop.actions import Action
    from cxbridge.records import FeedbackRecord
    from cxbridge.sources import Source

hookspec = pluggy.HookspecMarker("cxbridge")
hookimpl = pluggy.HookimplMarker("cxbridge")


# --- discovery -------------------------------------------------------------------------------


@hookspec
def register_sources(register: Callable[[type[Source]], None]) -> None:
    """Register source connectors: call `register(SourceClass)` once per connector.

    Implemented by connector plugins. `SourceClass.name` is the `connector = "…"` value users
    write in `cxbridge.toml`; a name taken by another plugin is reported, not overwritten.
    """


@hookspec
def register_destinations(register: Callable[[type[Destination]], None]) -> None:
    """Register destinations: call `register(DestinationClass)` once per destination.

    Implemented by destination plugins. `DestinationClass.name` is the URL scheme that selects
    it (`--destination duckdb:///x.duckdb`).
    """


@hookspec
def register_actions(register: Callable[[type[Action]], None]) -> None:
    """Register loop actions: call `register(ActionClass)` once per kind of action.

    Implemented by action plugins (help desks, CRMs, chat, e-mail). `ActionClass.name` is the
    `type = "…"` users write in `[loop.actions.NAME]`; a name taken by another plugin is
    reported, not overwritten.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add sub-commands to the `cxbridge` command line.

    Implemented by plugins that ship their own commands; add them with `cli.command()` or
    `cli.add_command()`. Returns nothing.
    """


# --- configuration ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def resolve_secret(name: str) -> str | None:
    """Return the value of the secret `name` written as `${name}` in `cxbridge.toml`, or None.

    Implemented by secret-store plugins (vault, keyring). The first non-None answer wins; the
    built-in environment-variable lookup runs last.
    """


# --- during a sync ---------------------------------------------------------------------------


@hookspec
def enrich_record(record: FeedbackRecord) -> None:
    """Add to a normalized record before it is written (sentiment, topics, language).

    Implemented by enrichment plugins; change `record` in place and return nothing. Raising
    `cxbridge.DataError` sends the record to quarantine.
    """


@hookspec
def on_sync_event(event: SyncEvent) -> None:
    """Observe a sync: runs started and finished, batches committed, sources failed.

    Implemented by alerting and metrics plugins. Returns nothing; an exception here is logged
    and does not stop the sync.
    """
