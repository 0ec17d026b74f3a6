"""`cxbridge remove` in the Python API (`cxbridge.remove`), offered by `cxbridge.api`, which imports
this module when it is first asked for: a sync holds none of it."""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from cxbridge.api import changing, open_destination
from cxbridge.command_runs import record_failure
from cxbridge.config import Config, optional_config
from cxbridge.destinations import Destination, SyncRun, cannot_remove
from cxbridge.duplicates import IdentityRules
from cxbridge.errors import ConfigError, CxbridgeError, DestinationError
from cxbridge.loop.copy_cases import close_pending_copy_cases, copy_cases_warning, mark_pending, pending_marks, unmark
from cxbridge.masking import redact
from cxbridge.plugins_host import PluginHost, get_host
from cxbridge.pruning import Parts
from cxbridge.removal import Chosen, Removal, check_chosen, stored_connector
from cxbridge.resolver import IdentityResolver

log = logging.getLogger("cxbridge.remove")


@dataclass(frozen=True)
class RemovalResult:
    """What `remove` removed (or, in a dry run, would remove) of a source."""

    destination: str
    chosen: Chosen
    removal: Removal
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def cursor_note(self) -> str:
        """Why a plain sync does not bring the records back, and what does."""
        name = self.chosen.source
        return (f"the cursor of source {name} is kept, so `cxbridge sync` goes on after these records and does not "
                f"bring them back (unless they change); `cxbridge sync --source {name} --full-refresh` brings back "
                "those the source still holds")  # fmt: skip


def remove(
    source: str,
    config: str | Path | Config | None = None,
    *,
    surveys: Iterable[str] = (),
    streams: Iterable[str] = (),
    dry_run: bool = False,
    destination: str | None = None,
    wait: float | None = None,
    host: PluginHost | None = None,
) -> RemovalResult:
    """Remove the records of `source` — of `surveys` and `streams` if given — stored and
    quarantined, with their scores, comments and follow-ups, in one transaction; the copies of
    other sources that pointed at one are pointed anew. Cases and the source's cursor stay. With
    `dry_run`, only count them."""
    host = host or get_host()
    cfg = config if isinstance(config, Config) else optional_config(config, host, builds_connectors=False)
    chosen = Chosen(source, frozenset(surveys), frozenset(streams))
    if chosen.surveys:
        chosen = Chosen(source, chosen.surveys, chosen.streams, _parts(cfg, source))
    if not (unopened := open_destination(destination, config=cfg, host=host)).removes:  # refused before it connects
        raise DestinationError(cannot_remove(unopened.name, prunes=unopened.prunes))
    with changing(cfg, dry_run=dry_run, destination=destination, wait=wait, host=host, counting=[source]) as dest:
        try:
            check_chosen(dest, chosen)
        except ConfigError as nothing:
            if dry_run or not any(source in sources for sources in pending_marks(dest).values()):
                raise
            return _finished(dest, chosen, nothing)  # removed before, its last step not done
        identity = IdentityResolver(dest, cfg.identity_rules(host) if cfg else IdentityRules())
        connector = stored_connector(dest, source)
        identity.start_source(source, connector=connector)
        relink = identity.links_without if identity.compares else None
        run = SyncRun(uuid.uuid4().hex, source, connector, datetime.now(timezone.utc), command=chosen.command)
        linking = relink is not None and not dry_run  # copies pointed anew: a response may hold two cases, as after a prune
        if linking:
            mark_pending(dest, run_id=run.run_id, sources=[source])
        try:
            if not dry_run:
                dest.save_run(run)  # `running` until its transaction records its end: killed, status says it rolled back
            removal = dest.remove(chosen, relink=relink, dry_run=dry_run, run=run)
        except Exception as exc:  # its transaction rolled back: nothing was pointed anew either
            if linking:
                unmark(dest, run_id=run.run_id)
            failed = exc if isinstance(exc, CxbridgeError) else DestinationError(
                f"{dest.display_name} failed; nothing was removed: {type(exc).__name__}: {exc}")  # fmt: skip
            if not dry_run:
                record_failure(dest, run, redact(str(failed)))
            if failed is exc:
                raise
            log.debug("%s crashed removing %s:\n%s", dest.name, source, traceback.format_exc())
            raise failed from None
        warnings = [] if dry_run else _copy_cases_closed(dest, run, linked=linking, removal=removal)
    result = RemovalResult(dest.display_name, chosen, removal, dry_run=dry_run, warnings=warnings)
    if not dry_run:
        log.info("%s: removed %d records of source %s", result.destination, removal.total, source)
    return result


def _copy_cases_closed(dest: Destination, run: SyncRun, *, linked: bool, removal: Removal | None = None) -> list[str]:
    """After a removal, as after a sync (`api._close_and_deliver`): the cases of copies closed
    where copies pointed anew are one response with two cases (`cxbridge.loop.copy_cases`).
    Failing, it says that `removal` is committed and what closes them (its mark stays)."""
    try:
        with dest.exclusive("outbox"):
            closed = close_pending_copy_cases(dest, run_id=run.run_id, linked=linked, sources=[run.source])
    except Exception as exc:
        log.debug("%s crashed closing copy cases:\n%s", dest.name, traceback.format_exc())
        done = ""
        if removal is not None:
            done = f"removed {removal.total:,} record{'s' if removal.total != 1 else ''} of source {run.source}, but "
        raise DestinationError(
            f"{dest.display_name}: {done}closing the cases of copies pointed anew failed ({type(exc).__name__}: "
            f"{exc}); run `cxbridge remove --source {run.source}` again, or any sync, to close them"
        ) from None
    return [warning] if (warning := copy_cases_warning(closed)) else []


def _finished(dest: Destination, chosen: Chosen, nothing: ConfigError) -> RemovalResult:
    """A removal of `chosen` run again when the destination holds nothing of it (`nothing` says
    so) but a pending mark of a removal (or sync) of its source: that run committed and stopped
    before closing copy cases, which this one does."""
    run = SyncRun(uuid.uuid4().hex, chosen.source, "unknown", datetime.now(timezone.utc), command=chosen.command)
    closed = _copy_cases_closed(dest, run, linked=False)
    done = f"nothing removed ({nothing}); the cases of copies an earlier run pointed anew are closed now"
    return RemovalResult(dest.display_name, chosen, Removal(), warnings=[done, *closed])


def _parts(cfg: Config | None, source: str) -> dict[str, Parts]:
    """How the source's streams tell a quarantined record's survey (`Stream.part_of`), where the
    config can build the source (its secrets set); none where not: such records are kept."""
    if cfg is None or source not in cfg.sources:
        return {}
    try:
        built = cfg.build_source(source)
    except CxbridgeError as exc:
        log.info("quarantined records of %s are kept: %s", source, exc)
        return {}
    return {s.name: Parts(s.part, frozenset(), s.part_of) for s in built.streams() if s.part}
