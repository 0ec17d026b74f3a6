"""The Python API: one function per CLI command, with the same names and options."""

from __future__ import annotations

import difflib
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from cxbridge.checks import CHECK_ATTEMPTS, SourceCheck, check_sources, require_sound
from cxbridge.collector import fewer_collections
from cxbridge.command_runs import EVERY_SOURCE
from cxbridge.config import (
    CONFIG_FILENAME, DEFAULT_DESTINATION, Config, config_above_hint, find_config, load_config, optional_config,
)  # fmt: skip
from cxbridge.dataset_salt import dataset_keys, known_keys
from cxbridge.ranking import defines_waves, store_ranking, wave_warning
from cxbridge.deadline import RunDeadline
from cxbridge.destinations import Destination, QuarantineItem, cannot_prune, scheme_of
from cxbridge.errors import ConfigError, DestinationError
from cxbridge.local_files import refuse_a_missing_folder, written_by_name
from cxbridge.freshness import StaleQuery
from cxbridge.events import EventKind, SyncEvent
from cxbridge.jobs import run_sources
from cxbridge.logs import log_summary_warning
from cxbridge.loop.copy_cases import close_pending_copy_cases, copy_cases_warning
from cxbridge.pipeline import Engine, EngineOptions
from cxbridge.plugins_host import PluginFailure, PluginHost, Provided, get_host
from cxbridge.duplicates import IdentityRules
from cxbridge.records import WAVE_PROGRAMS, FeedbackRecord
from cxbridge.source_result import SourceResult
from cxbridge.sources import Source

if TYPE_CHECKING:
    from cxbridge.loop.outbox import DeliveryReport
    from cxbridge.respondents import RespondentKeys
    from cxbridge.resolver import DuplicatesReport
    from cxbridge.status_report import StatusReport

LATER = {
    "import_": "cxbridge.importing", "inspect": "cxbridge.importing", "ImportResult": "cxbridge.importing",
    "tracking": "cxbridge.loop.tracking", "Case": "cxbridge.loop.cases", "DeliveryReport": "cxbridge.loop.outbox",
    "deliver_pending": "cxbridge.loop.outbox", "follow_status": "cxbridge.loop.status_sync",
    "loop_performance_rows": "cxbridge.loop.views", "ReportOptions": "cxbridge.reporting",
    "report_columns": "cxbridge.reporting", "report_rows": "cxbridge.reporting", "undated_left_out": "cxbridge.reporting",
    "DuplicatesReport": "cxbridge.resolver", "duplicate_groups": "cxbridge.resolver", "identity_ready": "cxbridge.resolver",
    "StatusReport": "cxbridge.status_report", "status_of": "cxbridge.status_report",
    "plugin_new": "cxbridge.scaffold",
    "report": "cxbridge.report_commands", "report_html": "cxbridge.report_commands",
    "report_undated": "cxbridge.report_commands", "loop_report": "cxbridge.loop_commands",
    "cases_deliver": "cxbridge.loop_commands", "cases_list": "cxbridge.loop_commands",
    "cases_show": "cxbridge.loop_commands", "cases_assign": "cxbridge.loop_commands",
    "cases_update": "cxbridge.loop_commands", "erase": "cxbridge.erasure_commands",
    "ErasureResult": "cxbridge.erasure_commands", "remove": "cxbridge.removal_commands",
    "RemovalResult": "cxbridge.removal_commands",
}  # fmt: skip
"""Names this module offers (cxbridge.testing and plugins use some) whose modules a sync does not
need: imported when first asked for (`__getattr__`), so that a sync's memory holds no file
import, report, status or case command (`cxbridge.report_commands`, `cxbridge.loop_commands`)."""
PUBLIC_LATER = (
    "Case", "DuplicatesReport", "ImportResult", "StatusReport", "import_", "inspect", "plugin_new", "report_columns",
    "cases_assign", "cases_deliver", "cases_list", "cases_show", "cases_update", "loop_report", "report", "erase",
    "ErasureResult", "remove", "RemovalResult",
)  # fmt: skip
log = logging.getLogger("cxbridge.check")


def __getattr__(name: str) -> Any:  # PEP 562
    if name not in LATER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = import_module(LATER[name])
    return module if module.__name__ == f"cxbridge.loop.{name}" else getattr(module, name)


@dataclass
class SyncResult:
    run_id: str
    destination: str
    results: list[SourceResult] = field(default_factory=list)
    dry_run: bool = False
    deliveries: DeliveryReport | None = None  # the loop actions delivered after the sources (docs/loop.md)
    warnings: list[str] = field(default_factory=list)  # about the whole run, not one source's

    def warn(self, warning: str | None) -> None:
        """A warning about the whole run (none when None), for its summary and the log."""
        if warning:
            self.warnings.append(warning)
            log_summary_warning(logging.getLogger("cxbridge.sync"), warning)

    @property
    def exit_code(self) -> int:
        """0 all synced; 1 a source failed; 3 none failed but one paused (a daily quota spent)."""
        if any(not (result.ok or result.paused) for result in self.results):
            return 1
        return 3 if any(result.paused for result in self.results) else 0


def open_destination(
    url: str | None = None, *, config: Config | None = None, host: PluginHost | None = None
) -> Destination:
    """The destination named by `url`, else by the config's `[destination]`, else cxbridge.db next
    to the config (in the working directory without one)."""
    host = host or get_host()
    if url:
        try:
            cls = host.destination_class(scheme_of(url))
        except ConfigError as exc:
            raise ConfigError(f"--destination: {exc}") from None
        return cls(url, base_dir=Path.cwd())
    url = (config.destination_url if config else None) or DEFAULT_DESTINATION  # checked when the config was loaded
    base_dir = config.destination_dir if config else Path.cwd()
    destination = host.destination_class(scheme_of(url))(url, base_dir=base_dir)
    if config and config.destination_url and destination.path:  # the default is next to the config: there
        refuse_a_missing_folder(f"{config.path or CONFIG_FILENAME}: destination.url {url}", destination.path.parent.resolve())
    return destination


def destination_url_for(db: str | None, destination: str | None) -> str | None:
    """`--db PATH` and `--destination URL` as one URL (they exclude each other)."""
    if db and destination:
        raise ConfigError("use either --db or --destination, not both")
    if db:
        path = Path(db).expanduser().resolve()
        refuse_a_missing_folder(f"--db {db}", path.parent)
        return "sqlite:///" + str(path)
    if destination and (path := _local_path(destination)):  # a file, or Parquet's folder
        refuse_a_missing_folder(f"--destination {destination}", path.parent)
    return destination


def _local_path(url: str) -> Path | None:
    """The file or folder a local destination's URL names; None for a server, or a URL
    `open_destination` refuses, saying why."""
    try:
        return get_host().destination_class(scheme_of(url))(url, base_dir=Path.cwd()).path
    except ConfigError:
        return None


def sync(
    config: str | Path | Config | None = None,
    *,
    sources: Iterable[str] = (),
    full_refresh: bool = False,
    prune: bool = False,
    dry_run: bool = False,
    destination: str | None = None,
    wait: float | None = None,
    rehash: bool = False,
    jobs: int | None = None,
    host: PluginHost | None = None,
    on_progress: Callable[[SyncEvent], None] | None = None,
    command: str = "sync",
) -> SyncResult:
    """Sync the configured sources (or the named ones) into the destination, up to `jobs` of
    them at once (`cxbridge.jobs`; default `[settings] jobs`, else 1); `rehash` accepts a
    respondent salt other than the one the dataset's keys were made with (`cxbridge.dataset_salt`);
    `prune` (with `full_refresh`) removes each source's records its full read no longer finds
    (`cxbridge.pruning`); `command` is what the runs' rows of `sync_runs` say wrote them
    (`cxbridge.import_` says `import`)."""
    if prune and not full_refresh:
        raise ConfigError("--prune removes the records a full read no longer finds: use it with --full-refresh")
    if jobs is not None and jobs < 1:
        raise ConfigError(f"jobs = {jobs}: run at least one source at a time (--jobs 1 or more)")
    host = host or get_host()
    cfg = config if isinstance(config, Config) else load_config(find_config(config), host)
    jobs = cfg.settings.jobs if jobs is None else jobs
    names = _select(cfg, list(sources))
    deadline = RunDeadline.starting_now(cfg.settings.run_deadline) if cfg.settings.run_deadline else None
    built = {name: cfg.build_source(name, deadline=deadline) for name in names}  # config errors surface first
    dest = open_destination(destination, config=cfg, host=host)
    if prune and not dest.prunes:
        raise DestinationError(cannot_prune(dest.name))
    options = EngineOptions(batch_size=cfg.settings.batch_size or dest.batch_size,
                            first_batch_size=None if cfg.settings.batch_size else dest.first_batch_size,
                            full_refresh=full_refresh, prune=prune, dry_run=dry_run, deadline=deadline,
                            loop=cfg.loop, command=command)  # fmt: skip
    lock_wait = cfg.settings.lock_wait if wait is None else wait
    # the lock is taken before the destination is opened and released only after it is closed, so
    # a sync queued behind this one never finds the file still open (DuckDB refuses a second writer)
    with (nullcontext() if dry_run else dest.lock_sources(names, wait=lock_wait)), dest, _closed_on_error(built):
        exists = dest.exists()
        keys = _opened_for_run(dest, cfg, built, exists=exists, options=options, rehash=rehash, jobs=jobs)
        engine = Engine(dest, host, options=options, keys=keys, identity=cfg.identity_rules(host),
                        on_progress=on_progress, sources=names)
        result = SyncResult(engine.run_id, dest.display_name, dry_run=dry_run)
        about = {"destination": dest.display_name, "config": cfg.path}  # what run-wide events carry
        engine.emit(EventKind.RUN_STARTED, **about)
        if exists and not dry_run:  # new rules ([identity], same_as) apply to what was stored before
            with dest.exclusive("identity"):
                result.warn(engine.identity.reconcile(run_id=engine.run_id, before_links=engine.linking_copies))
        with fewer_collections():
            result.results = run_sources(engine, built, jobs=jobs)
        if not exists and not dry_run:  # the rules its records were compared under, when not the default
            with dest.exclusive("identity"):
                engine.identity.remember(run_id=engine.run_id)
        _finish_run(engine, dest, cfg, result, about=about)
    return result


def _opened_for_run(
    dest: Destination, cfg: Config, built: dict[str, Source], *, exists: bool, options: EngineOptions,
    rehash: bool, jobs: int,
) -> RespondentKeys:
    """Open the destination for a sync (read-only for a dry run) once its sources are known to be
    sound, and the dataset's respondent keys (its salt chosen once) and ranking settled."""
    full_refresh, dry_run = options.full_refresh, options.dry_run
    salt, region = cfg.respondent_salt, cfg.settings.phone_region
    if not exists:  # before a new destination is created for a run that cannot work
        require_sound(built, jobs=jobs, keys=known_keys(None, salt, phone_region=region))
    if exists or not dry_run:
        dest.open(read_only=dry_run)
    if exists:  # files read before with this mapping, unchanged, are passed over (not on a full refresh)
        cursor_of = None if full_refresh else dest.get_cursor
        require_sound(built, cursor_of=cursor_of, jobs=jobs, keys=known_keys(dest, salt, phone_region=region))
    with nullcontext() if dry_run else dest.exclusive("dataset"):  # a new dataset's salt is chosen once
        keys = dataset_keys(dest, salt, rehash=rehash, dry_run=dry_run, phone_region=region)
        store_ranking(dest, cfg.ranking, dry_run=dry_run)  # what the ranking views read
    return keys


def dataset_keys_for(
    config: Config | None = None,
    *,
    destination: str | None = None,
    rehash: bool = False,
    dry_run: bool = False,
    wait: float | None = None,
    host: PluginHost | None = None,
) -> RespondentKeys:
    """The respondent keys the next sync into the destination uses: the dataset's salt, chosen
    now (and stored, unless `dry_run`) when it has none yet (`cxbridge.dataset_salt`) — for a
    name that must be keyed before the sync starts (`cxbridge import` of a file named like an
    address)."""
    dest = open_destination(destination, config=config, host=host)
    lock_wait = (config.settings.lock_wait if config else 0) if wait is None else wait
    with nullcontext() if dry_run else dest.lock_sources((), wait=lock_wait), dest:
        if dest.exists() or not dry_run:
            dest.open(read_only=dry_run)
        with nullcontext() if dry_run else dest.exclusive("dataset"):
            salt, region = (config.respondent_salt, config.settings.phone_region) if config else (None, None)
            return dataset_keys(dest, salt, rehash=rehash, dry_run=dry_run, phone_region=region)


def _finish_run(engine: Engine, dest: Destination, cfg: Config, result: SyncResult, *, about: dict[str, Any]) -> None:
    """After the sources: the wave warning, the run's last event, and the outbox delivered."""
    dry_run = result.dry_run
    if not dry_run and any(r.written for r in result.results):
        wave_sources = {name: defines_waves(entry.config) for name, entry in cfg.sources.items()
                        if entry.config.program in WAVE_PROGRAMS}  # fmt: skip
        result.warn(wave_warning(dest, cfg.ranking, wave_sources))
    engine.emit(EventKind.RUN_FINISHED, counts={"failed": sum(not (r.ok or r.paused) for r in result.results),
                                                 "paused": sum(r.paused for r in result.results)},
                stale_sources=None if dry_run else _stale_sources_of(dest, cfg), **about)  # fmt: skip
    if not dry_run:
        _close_and_deliver(engine, dest, cfg, result, follow=True)
        engine.emit(EventKind.DELIVERIES_FINISHED, counts={"delivered": result.deliveries.total_delivered,
                                                           "failed": result.deliveries.total_failed,
                                                           "resolved": sum(result.deliveries.resolved.values())},
                    **about)  # fmt: skip


def _close_and_deliver(engine: Engine, dest: Destination, cfg: Config, result: SyncResult, *, follow: bool) -> None:
    """After the commits that wrote the outbox (a sync's or a replay's): close the second cases of
    copies the run linked after each opened one, then deliver what the commits opened, once."""
    with dest.exclusive("outbox"):
        closed = close_pending_copy_cases(dest, run_id=engine.run_id, linked=engine.copies_linked,
                                          sources=engine.sources)  # fmt: skip
        result.warn(copy_cases_warning(closed))
        result.deliveries = deliver_outbox(dest, cfg, follow=follow)


def _stale_sources_of(dest: Destination, cfg: Config) -> Callable[..., list[dict[str, Any]]]:
    """`SyncEvent.stale_sources`: `status --stale` on the run's open destination."""

    def stale_sources(stale: str | timedelta | bool = True, max_quarantined: str | None = None) -> list[dict[str, Any]]:
        return StaleQuery.of(cfg, stale=stale, max_quarantined=max_quarantined).rows(dest)

    return stale_sources


def deliver_outbox(dest: Destination, cfg: Config, *, everything: bool = False, follow: bool = False) -> DeliveryReport:
    """Deliver the due rows of the outbox with the config's actions (`everything`: every row not
    delivered yet, due or not); `follow`: then resolve the cases whose ticket, task or CRM case
    is done at the far end (`cxbridge.loop.status_sync`)."""
    from cxbridge.loop.outbox import deliver_pending
    from cxbridge.loop.status_sync import follow_status

    actions = {name: entry.build() for name, entry in cfg.actions.items()}
    try:
        report = deliver_pending(dest, actions, everything=everything)
        if follow:
            follow_status(dest, actions, report)
        return report
    finally:
        for action in actions.values():
            action.close()


def check(
    config: str | Path | Config | None = None, *, sources: Iterable[str] = (), host: PluginHost | None = None
) -> list[SourceCheck]:
    """The check pass alone: each source's configuration against what it reads (files matched,
    their headers, and each plugin's own checks), reading and writing no data; each warning
    returned is logged too, as a sync's are."""
    host = host or get_host()
    cfg = config if isinstance(config, Config) else load_config(find_config(config), host)
    built = {name: cfg.build_source(name, attempts=CHECK_ATTEMPTS) for name in _select(cfg, list(sources))}
    try:
        checks = check_sources(built, keys=_known_keys(cfg, host), jobs=cfg.settings.jobs)
    finally:
        for source in built.values():
            source.close()
    for found in checks:
        for warning in found.warnings:
            log_summary_warning(log, warning, source=found.source)
    return checks


def _known_keys(cfg: Config, host: PluginHost) -> RespondentKeys | None:
    """The respondent keys the next sync would use, when known (`cxbridge.dataset_salt.known_keys`):
    the configured salt, else the one the destination, if there is one, keeps (read, nothing written)."""
    if cfg.respondent_salt is not None:
        return known_keys(None, cfg.respondent_salt, phone_region=cfg.settings.phone_region)
    try:
        with open_destination(config=cfg, host=host) as dest:
            if not dest.exists():
                return None
            dest.open(read_only=True)
            return known_keys(dest, None, phone_region=cfg.settings.phone_region)
    except Exception as exc:  # a destination out of reach: the check needs no data, only names such a column otherwise
        log.debug("the respondent salt of the destination could not be read for the check: %s", exc)
        return None


@contextmanager
def _closed_on_error(sources: dict[str, Source]) -> Iterator[None]:
    """Sources are closed by their run; when the run does not start, here."""
    try:
        yield
    except ConfigError:
        for source in sources.values():
            source.close()
        raise



def _select(cfg: Config, requested: list[str]) -> list[str]:
    unknown = [name for name in requested if name not in cfg.sources]
    if unknown:
        known = ", ".join(cfg.sources) or "none"
        hint = _name_hint(unknown[0], list(cfg.sources))
        raise ConfigError(f"no source named {', '.join(map(repr, unknown))} in {cfg.path}; configured: {known}{hint}")
    if requested:
        return requested
    enabled = [name for name, entry in cfg.sources.items() if entry.config.enabled]
    if not enabled and cfg.sources:
        off = list(cfg.sources)
        which = f"{off[0]} has" if len(off) == 1 else f"{', '.join(off)} have"
        raise ConfigError(f"{cfg.path}: no enabled [sources.NAME] to sync: {which} enabled = false; set enabled = "
                          f"true, or sync {'it' if len(off) == 1 else 'one'} alone with --source {off[0]}")  # fmt: skip
    if not enabled:
        raise ConfigError(f"{cfg.path}: no enabled [sources.NAME] to sync; add one (see `cxbridge init`)")
    return enabled


@contextmanager
def reading(
    config: str | Path | Config | None = None,
    *,
    destination: str | None = None,
    host: PluginHost | None = None,
    locking: Sequence[str] = (),
    wait: float | None = None,
) -> Iterator[Destination]:
    """The destination opened for reading: from --destination, or the config here if any (loaded
    without the sources' and loop actions' secrets, which reading does not need). With `locking`,
    under the lock a sync of those sources takes (waiting `wait` seconds, default 60, for a
    running one): what is read of them, no sync of them changes meanwhile."""
    host = host or get_host()
    cfg = config if isinstance(config, Config) else optional_config(config, host, builds_connectors=False)
    dest = open_destination(destination, config=cfg, host=host)
    if not dest.exists():
        raise _not_synced_yet(dest, configured=cfg is not None or destination is not None)
    locked = dest.lock_sources(locking, wait=CASE_LOCK_WAIT if wait is None else wait) if locking else nullcontext()
    with locked, dest:
        dest.open(read_only=True)
        yield dest


def _not_synced_yet(dest: Destination, *, configured: bool) -> ConfigError:
    """No data to read yet; when neither a config nor a destination named it, maybe the wrong folder."""
    if configured:
        return ConfigError(f"{dest.display_name} does not exist yet; run `cxbridge sync` first")
    if above := config_above_hint():
        return ConfigError(
            f"{dest.display_name} does not exist yet, and there is no {CONFIG_FILENAME} in {Path.cwd()}; {above}"
        )
    return ConfigError(
        f"{dest.display_name} does not exist yet, and there is no {CONFIG_FILENAME} in {Path.cwd()} to name "
        "another: run the command in the project's folder, or pass --config PATH (or --db PATH), or run "
        "`cxbridge sync` first"
    )


Row = TypeVar("Row")
Opened = TypeVar("Opened")


def read_lazily(opened: AbstractContextManager[Opened], rows: Callable[[Opened], Iterable[Row]]) -> Iterator[Row]:
    """`rows` of a destination opened now — a missing database or an unknown destination is
    raised by the call, where a caller's try/except is — taken from it as they are read; the
    destination closes after the last, or when the iterator is closed or dropped."""
    with ExitStack() as stack:
        found = iter(rows(stack.enter_context(opened)))
        opened_now = stack.pop_all()

    def taken() -> Iterator[Row | None]:
        with opened_now:
            yield None  # started, so that closing or dropping the iterator closes the destination
            yield from found

    iterator = taken()
    next(iterator)
    return iterator  # type: ignore[return-value]


def status(
    config: str | Path | Config | None = None,
    *,
    destination: str | None = None,
    runs: int = 10,
    stale: str | timedelta | bool | None = None,
    max_quarantined: str | None = None,
    host: PluginHost | None = None,
) -> StatusReport:
    """The last runs (a killed one as `abandoned`, with what its committed batches wrote and
    quarantined and None for what it read), the saved cursors (with `position` in words)
    and the quarantine counts of a destination; with `stale` (an age: `6h`, `2d`; or True: each
    source's own `expected_every`), also the sources — those configured and enabled, without a
    config every source with runs — not synced successfully for longer, or whose last run
    quarantined more than `max_quarantined` (a count, or a share of the records read: `5%`)."""
    from cxbridge.status_report import status_of

    host = host or get_host()
    if max_quarantined is not None and stale in (None, False):
        raise ConfigError("--max-quarantined goes with --stale AGE (e.g. --stale 1d --max-quarantined 5%)")
    cfg = config if isinstance(config, Config) else optional_config(config, host, builds_connectors=False)
    query = None if stale in (None, False) else StaleQuery.of(cfg, stale=stale, max_quarantined=max_quarantined)
    with reading(cfg, destination=destination, host=host) as dest:
        report = status_of(dest, runs=runs)
        if query is not None:
            report.stale, report.stale_ages = query.rows(dest), query.ages()
        return report


def duplicates(
    config: str | Path | Config | None = None, *, destination: str | None = None, host: PluginHost | None = None
) -> DuplicatesReport:
    """Every group of records that are one response read through several sources — declared
    (`same_as`), exact copies and likely duplicates — with the evidence, and which copy counts;
    the groups are read from the destination as they are taken (`DuplicatesReport.groups`)."""
    from cxbridge.resolver import DuplicatesReport, duplicate_groups, identity_ready

    host = host or get_host()
    cfg = config if isinstance(config, Config) else optional_config(config, host, builds_connectors=False)
    rules = cfg.identity_rules(host) if cfg else IdentityRules()

    with ExitStack() as stack:  # opened twice: DuckDB reads one statement at a time a connection
        swept = stack.enter_context(reading(cfg, destination=destination, host=host))
        looked_up = stack.enter_context(reading(cfg, destination=destination, host=host))
        ready = identity_ready(swept)
        opened = stack.pop_all()
    groups = read_lazily(opened, lambda _: duplicate_groups(swept, looked_up, rules) if ready else ())
    return DuplicatesReport(swept.display_name, groups)


def quarantine_list(
    config: str | Path | None = None,
    *,
    source: str | None = None,
    kind: str | None = None,
    destination: str | None = None,
    limit: int | None = None,
    host: PluginHost | None = None,
) -> Iterator[QuarantineItem]:
    """The quarantined records (of one source, breaking one rule — `kind`, 'answer-outside-scale' —
    if given) with their reasons, by source, stream and place in it (file, sheet, row); the first
    `limit` of them when given. Read a batch at a time as they are taken (`list()` them for a
    list); a missing or unknown destination, source or kind is raised by the call."""
    from cxbridge.quarantine_kinds import require_known_kind
    from cxbridge.status_report import quarantine_in_people_order

    host = host or get_host()
    cfg = optional_config(config, host, builds_connectors=False)

    def listed(dest: Destination) -> Iterator[QuarantineItem]:
        if source is not None:
            _require_known_source(dest, cfg, source)
        if kind is not None:
            require_known_kind(dest, kind)
        return itertools.islice(quarantine_in_people_order(dest, source=source, kind=kind), limit)

    return read_lazily(reading(cfg, destination=destination, host=host), listed)


def _name_hint(name: str, known: list[str]) -> str:
    """What a mistyped `--source` meant: a comma-separated list of sources, or a close name."""
    parts = [part.strip() for part in name.split(",")]
    if len(parts) > 1 and all(part in known for part in parts):
        return "; give --source once for each: " + " ".join(f"-s {part}" for part in parts)
    by_lower = {source.lower(): source for source in known}
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1)
    return f"; did you mean {by_lower[close[0]]!r}?" if close else ""


def _require_known_source(dest: Destination, cfg: Config | None, source: str) -> None:
    """A source name that neither the config nor any run knows is a typo, not an empty list."""
    known = {row["source"] for row in dest.query(f"SELECT DISTINCT source FROM {dest.qualified('sync_runs')}")}
    known = (known | set(cfg.sources) if cfg else known) - {EVERY_SOURCE}  # an erasure's row names no source
    if source not in known:
        where = f"{cfg.path} or {dest.display_name}" if cfg else dest.display_name
        hint = _name_hint(source, sorted(known))
        raise ConfigError(f"no source named {source!r} in {where}; sources: {', '.join(sorted(known)) or 'none'}{hint}")


def quarantine_replay(
    config: str | Path | None = None,
    *,
    sources: Iterable[str] = (),
    destination: str | None = None,
    wait: float | None = None,
    host: PluginHost | None = None,
) -> SyncResult:
    """Normalize quarantined records again with the current config; those that pass are written."""
    host = host or get_host()
    cfg = load_config(find_config(config), host)
    names = _select(cfg, list(sources)) if sources else list(cfg.sources)
    dest = open_destination(destination, config=cfg, host=host)
    if not dest.exists():
        raise _not_synced_yet(dest, configured=True)
    with dest.lock(wait=cfg.settings.lock_wait if wait is None else wait), dest:
        dest.open()
        options = EngineOptions(batch_size=cfg.settings.batch_size or dest.batch_size, loop=cfg.loop)
        keys = dataset_keys(dest, cfg.respondent_salt, phone_region=cfg.settings.phone_region)
        engine = Engine(dest, host, options=options, keys=keys, identity=cfg.identity_rules(host), sources=names)
        result = SyncResult(engine.run_id, dest.display_name)
        for name in names:
            items = list(dest.quarantined(source=name))
            if items:
                result.results.append(engine.run_source(name, cfg.build_source(name), replay=items))
        _close_and_deliver(engine, dest, cfg, result, follow=False)
    return result


CASE_LOCK_WAIT = 60.0  # seconds a change to a case waits for a running sync by default


@contextmanager
def writing(
    config: str | Path | Config | None = None,
    *,
    destination: str | None = None,
    wait: float | None = None,
    host: PluginHost | None = None,
) -> Iterator[Destination]:
    """The destination opened for writing, under the lock a sync takes (waiting `wait` seconds,
    default 60, for a running one to finish); the config is loaded as for `reading`."""
    host = host or get_host()
    cfg = config if isinstance(config, Config) else optional_config(config, host, builds_connectors=False)
    dest = open_destination(destination, config=cfg, host=host)
    if not dest.exists():
        raise _not_synced_yet(dest, configured=cfg is not None or destination is not None)
    with dest.lock(wait=CASE_LOCK_WAIT if wait is None else wait), dest:  # locked until closed, as in sync
        dest.open()
        yield dest


def changing(
    config: Config | None,
    *,
    dry_run: bool,
    destination: str | None,
    wait: float | None,
    host: PluginHost,
    counting: Sequence[str] = (),
) -> AbstractContextManager[Destination]:
    """The destination a command that removes rows opens: for reading in a dry run (it only
    counts; under the lock of the sources `counting`, whose records it counts, so that no sync
    of them writes meanwhile), else for writing under the whole destination's lock (`erase`,
    `remove`)."""
    if dry_run:
        return reading(config, destination=destination, host=host, locking=counting, wait=wait)
    return writing(config, destination=destination, wait=wait, host=host)


@dataclass
class PluginListing:
    sources: list[Provided]
    destinations: list[Provided]
    failures: list[PluginFailure]
    actions: list[Provided] = field(default_factory=list)


def plugins(*, host: PluginHost | None = None) -> PluginListing:
    """Every source, destination and loop action, with the package and version that provides it."""
    host = host or get_host()
    host.load_all()
    return PluginListing(
        sources=sorted(host.sources.values(), key=lambda p: p.name),
        destinations=sorted(host.destinations.values(), key=lambda p: p.name),
        failures=list(host.failures),
        actions=sorted(host.actions.values(), key=lambda p: p.name),
    )


def schema() -> dict[str, Any]:
    """The JSON Schema of a feedback record (v1)."""
    return FeedbackRecord.model_json_schema()


def init(directory: str | Path = ".") -> list[Path]:
    """A commented `cxbridge.toml` and a sample data file, so that `cxbridge sync` works at once."""
    target = Path(directory)
    names = (CONFIG_FILENAME, "data/sample_responses.csv")
    for name in names:  # neither a config nor a data file is ever overwritten
        if (target / name).exists():
            what = "edit it" if name == CONFIG_FILENAME else "move it away"
            raise ConfigError(f"{target / name} already exists; {what}, or run `cxbridge init` in an empty folder")
    templates = resources.files("cxbridge") / "templates"
    written = []
    for name in names:
        path = target / name
        with written_by_name(f"init {directory}", kept=written):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text((templates / name).read_text(encoding="utf-8"), encoding="utf-8")
        written.append(path)
    return written


__all__ = [
    "SourceCheck",
    "SyncResult",
    "check",
    "duplicates",
    "init",
    "plugins",
    "quarantine_list",
    "quarantine_replay",
    "schema",
    "status",
    "sync",
    *PUBLIC_LATER,
]
