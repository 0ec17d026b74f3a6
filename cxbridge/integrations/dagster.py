"""Dagster (`pip install 'cxbridge[dagster]'`): one asset per configured source, materialized by
a `cxbridge sync` of that source alone — its run's counts as metadata, its quarantine as an asset
check that warns, a failed sync as a failed materialization — and the BI views as assets
downstream of every source. `cxbridge_definitions` adds a job, a schedule and a stale-source
sensor. Each materialization takes the source's own lock, so on PostgreSQL the sources of one
run materialize side by side (docs/orchestration.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from cxbridge.ages import parse_age
from cxbridge.config import find_config, load_config
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import get_host
from cxbridge.views import VIEW_NAMES

try:
    import dagster as dg
except ImportError:  # pragma: no cover - the message is the point
    raise ConfigError("the Dagster integration needs Dagster: pip install 'cxbridge[dagster]'") from None

GROUP = "cxbridge"
QUARANTINE_CHECK = "quarantine"


def source_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["cxbridge", "sources", name])


def view_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["cxbridge", "views", name])


def cxbridge_assets(
    config: str | Path,
    *,
    destination: str | None = None,
    fresh_within: timedelta | Mapping[str, timedelta] | None = None,
) -> list[dg.AssetsDefinition]:
    """An asset per enabled source of the config (read now, so a config error shows when the
    code location loads) and one per view. Each source asset's freshness policy is its
    `expected_every` in the config; `fresh_within` — one age for all, or one per source name —
    takes the place of it."""
    path = Path(find_config(config))
    cfg = load_config(path, get_host())
    names = [name for name, entry in cfg.sources.items() if entry.config.enabled]
    expected = {name: parse_age(entry.config.expected_every) for name, entry in cfg.sources.items()
                if entry.config.expected_every}  # fmt: skip
    sources = [_source_asset(path, name, destination, _window(fresh_within, name) or expected.get(name))
               for name in names]  # fmt: skip
    views = [_view_asset(path, view, destination, [source_key(name) for name in names]) for view in VIEW_NAMES]
    return sources + views


def cxbridge_definitions(
    config: str | Path,
    *,
    destination: str | None = None,
    cron: str = "0 * * * *",
    stale_after: str | None = "1d",
    fresh_within: timedelta | Mapping[str, timedelta] | None = None,
) -> dg.Definitions:
    """The assets, a job materializing them all, a schedule running it on `cron`, and a sensor
    that asks for the sources `cxbridge status --stale` finds older than `stale_after` (None:
    than each source's `expected_every`)."""
    assets = cxbridge_assets(config, destination=destination, fresh_within=fresh_within)
    job = dg.define_asset_job("cxbridge_sync", selection=dg.AssetSelection.groups(GROUP))
    schedule = dg.ScheduleDefinition(name="cxbridge_schedule", job=job, cron_schedule=cron)
    return dg.Definitions(assets=assets, jobs=[job], schedules=[schedule],
                          sensors=[stale_sources_sensor(config, job=job, destination=destination, stale_after=stale_after)])  # fmt: skip


def stale_sources_sensor(
    config: str | Path, *, job: Any, destination: str | None = None, stale_after: str | None = "1d"
) -> dg.SensorDefinition:
    """A sensor requesting a run of the source assets that are stale (`cxbridge.status(stale=…)`;
    `stale_after` None: each source held to its `expected_every`)."""
    path = Path(find_config(config))

    @dg.sensor(name="cxbridge_stale_sources", job=job, minimum_interval_seconds=600)
    def stale_sources(context) -> dg.SensorResult | dg.SkipReason:
        import cxbridge

        stale = cxbridge.status(path, destination=destination, stale=stale_after or True).stale or []
        if not stale:
            return dg.SkipReason(f"every source synced within {stale_after or 'its expected_every'}")
        names = sorted(row["source"] for row in stale)
        request = dg.RunRequest(asset_selection=[source_key(name) for name in names])
        return dg.SensorResult(run_requests=[request])

    return stale_sources


def _source_asset(path: Path, name: str, destination: str | None, fresh: timedelta | None) -> dg.AssetsDefinition:
    key = source_key(name)

    @dg.asset(key=key, group_name=GROUP, kinds={"cxbridge"}, description=f"cxbridge source {name}: `cxbridge sync --source {name}`",
              check_specs=[dg.AssetCheckSpec(QUARANTINE_CHECK, asset=key, description="no record of the last sync went to quarantine")],
              freshness_policy=dg.FreshnessPolicy.time_window(fail_window=fresh) if fresh else None)  # fmt: skip
    def sync_source(context) -> dg.MaterializeResult:
        import cxbridge

        synced = cxbridge.sync(path, sources=[name], destination=destination)
        [result] = synced.results
        metadata = {"run_id": synced.run_id, "status": result.status, "records_read": result.read,
                    "records_written": result.written, "records_unchanged": result.unchanged,
                    "records_quarantined": result.quarantined, "records_skipped": result.skipped,
                    "seconds": round(result.seconds, 3)}  # fmt: skip
        if not (result.ok or result.paused):
            raise dg.Failure(description=f"cxbridge sync of {name} failed: {result.error}", metadata=metadata)
        check = dg.AssetCheckResult(
            check_name=QUARANTINE_CHECK, passed=result.quarantined == 0, severity=dg.AssetCheckSeverity.WARN,
            metadata={"records_quarantined": result.quarantined, "list_them": f"cxbridge quarantine list --source {name}"},
        )  # fmt: skip
        return dg.MaterializeResult(metadata=metadata, check_results=[check])

    return sync_source


def _view_asset(path: Path, view: str, destination: str | None, deps: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(key=view_key(view), group_name=GROUP, deps=list(deps), kinds={"cxbridge"},
              description=f"the {view} view of the cxbridge destination")  # fmt: skip
    def read_view(context) -> dg.MaterializeResult:
        from cxbridge.api import reading

        with reading(path, destination=destination) as dest:
            [row] = dest.query(f"SELECT COUNT(*) AS n FROM {dest.qualified(view)}")
        return dg.MaterializeResult(metadata={"rows": int(row["n"])})

    return read_view


def _window(fresh_within: timedelta | Mapping[str, timedelta] | None, name: str) -> timedelta | None:
    if isinstance(fresh_within, Mapping):
        return fresh_within.get(name)
    return fresh_within
