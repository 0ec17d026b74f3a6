"""Finding plugins: one manager, built-ins first, then the `cxbridge` entry points.

`CXBRIDGE_LOAD_PLUGINS` (comma-separated distribution or entry-point names) limits which
installed plugins load; an empty value loads none. A plugin that fails to import is recorded
and reported by name, and every other plugin still works.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import metadata
from typing import TYPE_CHECKING

import pluggy

from cxbridge import hookspecs
from cxbridge.errors import ConfigError

if TYPE_CHECKING:
    from cxbridge.destinations import Destination
    from cxbridge.sources import Source

ENTRY_POINT_GROUP = "cxbridge"
BUILTIN_PLUGINS = (
    "cxbridge.secrets",
    "cxbridge.plugins.csv_source",
    "cxbridge.plugins.excel_source",
    "cxbridge.plugins.json_source",
    "cxbridge.plugins.sqlite",
    "cxbridge.plugins.duckdb",
    "cxbridge.plugins.postgres",
    "cxbridge.plugins.singer",
    "cxbridge.plugins.parquet",
    "cxbridge.plugins.snowflake",
    "cxbridge.plugins.bigquery",
    "cxbridge.plugins.qualtrics",
    "cxbridge.plugins.google_forms",
    "cxbridge.plugins.questionpro",
    "cxbridge.plugins.zendesk",
    "cxbridge.plugins.freshdesk",
    "cxbridge.plugins.hubspot",
    "cxbridge.plugins.salesforce",
)


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded or registered, and why."""

    name: str
    error: str


@dataclass(frozen=True)
class Provided:
    """A source or destination class and the distribution that ships it."""

    kind: str
    name: str
    cls: type
    package: str
    version: str


@dataclass
class PluginHost:
    """The plugin manager plus what its plugins registered."""

    pm: pluggy.PluginManager
    failures: list[PluginFailure] = field(default_factory=list)

    @cached_property
    def sources(self) -> dict[str, Provided]:
        return self._collect("source", self.pm.hook.register_sources)

    @cached_property
    def destinations(self) -> dict[str, Provided]:
        return self._collect("destination", self.pm.hook.register_destinations)

    def source_class(self, connector: str) -> type[Source]:
        return self._lookup(self.sources, "source connector", connector).cls

    def destination_class(self, scheme: str) -> type[Destination]:
        return self._lookup(self.destinations, "destination", scheme).cls

    def _lookup(self, found: dict[str, Provided], what: str, name: str) -> Provided:
        if name not in found:
            known = ", ".join(sorted(found)) or "none"
            raise ConfigError(f"unknown {what} {name!r}; installed: {known} (see `cxbridge plugins`)")
        return found[name]

    def _collect(self, kind: str, hook: pluggy.HookCaller) -> dict[str, Provided]:
        registered: list[type] = []
        hook(register=registered.append)
        registered.sort(key=lambda cls: not cls.__module__.startswith("cxbridge."))  # built-ins win
        found: dict[str, Provided] = {}
        for cls in registered:
            name = getattr(cls, "name", None)
            package, version = _distribution_of(cls)
            if not isinstance(name, str) or not name:
                self.failures.append(PluginFailure(package, f"{kind} class {cls.__qualname__} has no name"))
            elif name in found and found[name].cls is not cls:
                self.failures.append(
                    PluginFailure(
                        package,
                        f"{kind} {name!r} is already provided by {found[name].package}; "
                        "uninstall one of them or leave one out of CXBRIDGE_LOAD_PLUGINS",
                    )
                )
            else:
                found[name] = Provided(kind, name, cls, package, version)
        return found


def create_host(*, load_entry_points: bool = True) -> PluginHost:
    """A fresh plugin manager with the built-in plugins and (unless told not to) the installed ones."""
    pm = pluggy.PluginManager("cxbridge")
    pm.add_hookspecs(hookspecs)
    host = PluginHost(pm)
    for module_name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
    if load_entry_points:
        _load_entry_points(host)
    pm.check_pending()
    if os.environ.get("CXBRIDGE_TRACE_PLUGINS"):
        pm.trace.root.setwriter(lambda message: print(message, end="", file=sys.stderr))
        pm.enable_tracing()
    return host


_host: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host, loaded on first use."""
    global _host
    if _host is None:
        _host = create_host()
    return _host


def _load_entry_points(host: PluginHost) -> None:
    allowed = _allow_list()
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist.name if entry_point.dist else entry_point.name
        if allowed is not None and dist not in allowed and entry_point.name not in allowed:
            continue
        if host.pm.has_plugin(entry_point.name):
            continue
        try:
            plugin = entry_point.load()
            host.pm.register(plugin, name=entry_point.name)
        except Exception as exc:  # a broken plugin must not break the others
            host.failures.append(PluginFailure(entry_point.name, f"{type(exc).__name__}: {exc}"))


def _allow_list() -> set[str] | None:
    raw = os.environ.get("CXBRIDGE_LOAD_PLUGINS")
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


@lru_cache(maxsize=1)
def _packages_distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()


def _distribution_of(cls: type) -> tuple[str, str]:
    top_level = cls.__module__.split(".")[0]
    for dist_name in _packages_distributions().get(top_level, []):
        try:
            return dist_name, metadata.version(dist_name)
        except metadata.PackageNotFoundError:
            continue
    return top_level, "unknown"
