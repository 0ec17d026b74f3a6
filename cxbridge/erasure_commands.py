"""`cxbridge erase` in the Python API (`cxbridge.erase`), offered by `cxbridge.api`, which imports
this module when it is first asked for: a sync holds none of it."""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cxbridge.api import changing
from cxbridge.command_runs import EVERY_SOURCE, erase_command, finished, record_failure
from cxbridge.config import Config, optional_config
from cxbridge.destinations import Destination, SyncRun
from cxbridge.errors import ConfigError, CxbridgeError
from cxbridge.dataset_salt import dataset_keys
from cxbridge.erasure import Erasure
from cxbridge.erasure_people import (
    addresses_of, checked_keys, checked_requesters, former_keys, masked, masked_requester, phones_of, respondent_keys,
)  # fmt: skip
from cxbridge.plugins_host import PluginHost, get_host

log = logging.getLogger("cxbridge.erase")
NOTHING_MATCHED = 4
"""The exit code of an erasure that found no row of the person (their tombstone is recorded all the same)."""


@dataclass(frozen=True)
class ErasureResult:
    """What `erase` removed (or, in a dry run, would remove): rows per table."""

    destination: str
    people: list[str]
    """Who was named, as output may show them: contacts masked (`j***@example.com`), keys as given,
    requesters' user ids masked (`zendesk_support:***92`)."""
    rows: dict[str, int]
    dry_run: bool = False
    mentioned: list[str] = field(default_factory=list)
    """Ids of other people's records whose comments or open answers name an address or write a
    phone number erased: kept, for a person to review."""
    delivered: list[str] = field(default_factory=list)
    """What the loop delivered of the person's cases to other systems (`action: reference`):
    to erase there too."""
    holding: list[str] = field(default_factory=list)
    """Ids of records whose raw payload holds a key of the person in another field than the one
    that keyed them (their own second contact column, or another person's CC): kept, to review."""
    linked: dict[str, list[str]] = field(default_factory=dict)
    """Respondent keys of another contact written beside the person's (`Erasure.linked`: their
    number beside their address, a store's, a household's, a CC) → the ids of the records each
    keys: kept, to review, and erased with `keys` if the contact is theirs alone."""

    @property
    def matched(self) -> bool:
        return any(self.rows.values())

    @property
    def exit_code(self) -> int:
        """0 rows of the person were found; `NOTHING_MATCHED` (4) none were."""
        return 0 if self.matched else NOTHING_MATCHED


def erase(
    contacts: Iterable[str] = (),
    config: str | Path | Config | None = None,
    *,
    keys: Iterable[str] = (),
    requesters: Iterable[str] = (),
    dry_run: bool = False,
    destination: str | None = None,
    wait: float | None = None,
    host: PluginHost | None = None,
) -> ErasureResult:
    """Remove every row of the person with these contacts (e-mail addresses, phone numbers) or
    respondent `keys`, and of `requesters` (`source:user_id`: the user id a help desk's ratings
    name them by, which holds no contact), from the destination, in one transaction, and record
    their tombstones so that later syncs leave out what a source still holds of them
    (`cxbridge.erasure`); with `dry_run`, only count the rows. Contacts are keyed with the
    dataset's salt and never stored."""
    contacts, keys, requesters = list(contacts), list(keys), checked_requesters(list(requesters))
    given = checked_keys(contacts, keys, requesters=requesters)  # before anything is opened: a mistake names itself
    host = host or get_host()
    cfg = config if isinstance(config, Config) else optional_config(config, host, builds_connectors=False)
    with changing(cfg, dry_run=dry_run, destination=destination, wait=wait, host=host) as dest:
        named_by = requester_fields(requesters, dest, cfg, host)
        salt, region = (cfg.respondent_salt, cfg.settings.phone_region) if cfg else (None, None)
        keyed = dataset_keys(dest, salt, dry_run=dry_run, phone_region=region)
        people, former = respondent_keys(contacts, given, keyed), former_keys(contacts, keyed)
        # passed only when given: a plugin's erase() written before it took them
        phones = phones_of(contacts, region=region)
        later = {name: values for name, values in (("phones", phones), ("requesters", named_by), ("former", former))
                 if values}  # fmt: skip
        command = erase_command(keys=bool(given), requesters=bool(requesters))
        erasure = _erased(dest, people, command=command, addresses=addresses_of(contacts), dry_run=dry_run, **later)
    named = [masked(contact) for contact in contacts] + given + [masked_requester(r) for r in requesters]
    result = ErasureResult(dest.display_name, named, erasure.rows, dry_run=dry_run, mentioned=erasure.mentioned,
                           delivered=erasure.delivered, holding=erasure.holding, linked=erasure.linked)  # fmt: skip
    if not dry_run:
        log.info("%s: erased %s: %d rows", result.destination, ", ".join(named), sum(erasure.rows.values()))
    return result


def _erased(dest: Destination, people: list[str], *, command: str, dry_run: bool, **options: Any) -> Erasure:
    """`dest.erase`, recorded unless `dry_run` as a run of `command` in `sync_runs` (an auditor sees
    when it ran and how many records went; `cxbridge.command_runs`): saved `running` before its
    transaction, finished inside it, `failed` after one that failed, naming its error's type only
    (an engine's message may quote a value of the person). A destination plugin whose `erase()`
    takes no `run` (written before it) has it saved after its transaction, and one that takes no
    `former` is given those keys among the people's, to look for and keep tombstones of, as before."""
    parameters = inspect.signature(dest.erase).parameters
    if "former" not in parameters and "former" in options:
        people = sorted({*people, *options.pop("former")})
    if dry_run:
        return dest.erase(people, dry_run=True, **options)
    run = SyncRun(uuid.uuid4().hex, EVERY_SOURCE, "cxbridge", datetime.now(timezone.utc), command=command)
    records_run = "run" in parameters
    if records_run:
        dest.save_run(run)  # `running` until its transaction records its end: killed, status says it rolled back
    try:
        erasure = dest.erase(people, **options, **({"run": run} if records_run else {}))
    except Exception as exc:
        record_failure(dest, run, f"{type(exc).__name__}: rolled back, nothing erased")
        raise
    if not records_run:
        dest.save_run(finished(run, removed=erasure.records))
    return erasure


def requester_fields(
    requesters: list[str], dest: Destination, cfg: Config | None, host: PluginHost
) -> dict[str, tuple[str, ...]]:
    """Each requester (`source:user_id`) → the attributes its source's connector names requesters
    by (`Source.requester_fields`), the source's connector as configured, else as it last synced
    into `dest`; ConfigError for a source that names none, or is neither, naming those that do."""
    if not requesters:
        return {}
    runs = dest.query("SELECT source, connector FROM sync_runs ORDER BY started_at") if dest.exists() else []
    connectors = {row["source"]: row["connector"] for row in runs}
    connectors |= {name: entry.cls.name for name, entry in (cfg.sources if cfg else {}).items()}
    fields = {source: _declared(connector, host) for source, connector in connectors.items()}
    named = {}
    for requester in requesters:
        source = requester.partition(":")[0]
        if not fields.get(source):
            doing = ", ".join(sorted(name for name, declared in fields.items() if declared)) or "none here"
            what = (f"the source {source!r} (connector {connectors[source]}) names nobody by a user id"
                    if source in connectors else f"no source {source!r} is configured or synced into {dest.display_name}")  # fmt: skip
            raise ConfigError(
                f"--requester {masked_requester(requester)}: {what}; name the source of a help desk's ratings that "
                f"names its requesters by user id (Zendesk, Freshdesk) — the sources that do: {doing}"
            )
        named[requester] = fields[source]
    return named


def _declared(connector: str, host: PluginHost) -> tuple[str, ...]:
    """The connector's `Source.requester_fields`; none for a connector no longer installed."""
    try:
        return host.source_class(connector).requester_fields
    except CxbridgeError:
        return ()
