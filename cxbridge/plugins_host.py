"""Finding plugins: one manager, built-ins first, then the `cxbridge` entry points.

`CXBRIDGE_LOAD_PLUGINS` (comma-separated distribution or entry-point names) limits which
installed plugins load; an empty value loads none. A plugin that fails to import, implements a
hook that does not exist, or raises in a `register_*` hook is unregistered and reported by name,
and every other plugin still works.

A plugin module is imported to register it, on every command (`--help` too). The built-in ones
register each class as a `LazyClass` (its name and module path), imported only when a command
asks for that connector: a `cxbridge sync` of one CSV source into SQLite imports no HTTP client
and no other connector. `cxbridge plugins` imports every one, and reports one that fails by its
plugin's name.
"""

from __future__ import annotations

import difflib
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

import pluggy

from cxbridge import hookspecs
from cxbridge.errors import ConfigError, PluginError
from cxbridge.masking import redact, redact_value

if TYPE_CHECKING:
    import click

    from cxbridge.destinations import Destination
    from cxbridge.loop.actions import Action
    from cxbridge.sources import Source

ENTRY_POINT_GROUP = "cxbridge"
BUILTIN_PLUGINS = (
    "cxbridge.env_secrets",
    "cxbridge.plugins.file_sources",
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
    "cxbridge.plugins.typeform",
    "cxbridge.plugins.surveymonkey",
    "cxbridge.plugins.actions",
)


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded or registered, and why."""

    name: str
    error: str


@dataclass(frozen=True)
class LazyClass:
    """A plugin class named by `module:Class`, imported on first use; what the host needs to know
    of it before that is written here (tests/test_plugins.py checks it against the class)."""

    name: str
    path: str
    reads_exports: bool = False
    """The source reads export files (`Source.reads_exports`)."""

    @property
    def module(self) -> str:
        return self.path.partition(":")[0]

    def load(self) -> type:
        module, _, attribute = self.path.partition(":")
        return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class Provided:
    """A source, destination or action class (imported on first use) and the distribution that
    ships it."""

    kind: str
    name: str
    registered: type | LazyClass = field(repr=False)
    package: str
    version: str
    plugin: str
    """The plugin that registered it, named in the failure if its class cannot be imported."""

    @cached_property
    def cls(self) -> type:
        return self.registered.load() if isinstance(self.registered, LazyClass) else self.registered

    @property
    def reads_exports(self) -> bool:
        """A source that reads export files: told without importing a built-in class."""
        if isinstance(self.registered, LazyClass):
            return self.registered.reads_exports
        return bool(getattr(self.registered, "reads_exports", False))


@dataclass
class PluginHost:
    """The plugin manager plus what its plugins registered."""

    pm: pluggy.PluginManager
    _failures: list[PluginFailure] = field(default_factory=list)
    _distributions: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Top-level module → (distribution, version) that ships it: each entry point's, as loaded."""

    @property
    def failures(self) -> list[PluginFailure]:
        """Every plugin left out, including those whose `register_*` hook failed."""
        self._providers  # noqa: B018 - calling the register hooks finds their failures
        return list(self._failures)

    @property
    def sources(self) -> dict[str, Provided]:
        return self._providers["source"]

    @property
    def destinations(self) -> dict[str, Provided]:
        return self._providers["destination"]

    @property
    def actions(self) -> dict[str, Provided]:
        return self._providers["action"]

    def source_class(self, connector: str) -> type[Source]:
        return self._loaded(self._lookup(self.sources, "source connector", connector))

    def destination_class(self, scheme: str) -> type[Destination]:
        return self._loaded(self._lookup(self.destinations, "destination", scheme))

    def action_class(self, kind: str) -> type[Action]:
        return self._loaded(self._lookup(self.actions, "loop action type", kind))

    def load_all(self) -> None:
        """Import every registered class (for `cxbridge plugins`); one that cannot be imported is
        left out and reported by its plugin's name."""
        for found in self._providers.values():
            for name, provided in list(found.items()):
                try:
                    provided.cls  # noqa: B018 - importing it is the check
                except Exception as exc:  # a broken plugin must not break the others
                    del found[name]
                    self._failures.append(PluginFailure(provided.plugin, _import_failure(provided, exc)))

    def register_commands(self, cli: click.Group) -> None:
        """Let every plugin add its commands; one that raises is reported and unregistered."""
        self._call_each("register_commands", lambda plugin_name: {"cli": cli})

    def reject(self, plugin: object | None, name: str, error: str) -> None:
        """Unregister a broken plugin and report it by name; the others go on working."""
        if plugin is not None and self.pm.is_registered(plugin):
            self.pm.unregister(plugin)
        self._failures.append(PluginFailure(name, error))

    def _loaded(self, provided: Provided) -> type:
        try:
            return provided.cls
        except Exception as exc:  # reported as the plugin's failure, not as a traceback
            raise PluginError(f"plugin {provided.plugin} is not loaded: {_import_failure(provided, exc)}") from None

    def _lookup(self, found: dict[str, Provided], what: str, name: str) -> Provided:
        if name not in found:
            known = ", ".join(sorted(found)) or "none"
            close = difflib.get_close_matches(name, found, n=1)
            meant = f" did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"unknown {what} {name!r};{meant} installed: {known} (see `cxbridge plugins`)")
        return found[name]

    @cached_property
    def _providers(self) -> dict[str, dict[str, Provided]]:
        offered = {
            "source": self._registered("register_sources"),
            "destination": self._registered("register_destinations"),
            "action": self._registered("register_actions"),
        }
        live = {name for name, _ in self.pm.list_name_plugin()}  # a plugin that failed either hook is out
        return {
            kind: self._collect(kind, [(name, cls) for name, classes in by_plugin.items() if name in live for cls in classes])
            for kind, by_plugin in offered.items()
        }

    def _registered(self, hook_name: str) -> dict[str, list[type | LazyClass]]:
        registered: dict[str, list[type | LazyClass]] = {}
        self._call_each(hook_name, lambda plugin_name: {"register": registered.setdefault(plugin_name, []).append})
        return registered

    def _call_each(self, hook_name: str, kwargs_for: Callable[[str], dict[str, Any]]) -> None:
        """Call each plugin's implementation of a hook on its own, in pluggy's order, so that one
        that raises is rejected instead of breaking every command."""
        impls = getattr(self.pm.hook, hook_name).get_hookimpls()
        for impl in reversed(impls):
            others = [other.plugin for other in impls if other.plugin is not impl.plugin]
            try:
                self.pm.subset_hook_caller(hook_name, remove_plugins=others)(**kwargs_for(impl.plugin_name))
            except Exception as exc:  # a broken plugin must not break the others
                self.reject(impl.plugin, impl.plugin_name, f"{hook_name} raised {type(exc).__name__}: {exc}")

    def _collect(self, kind: str, registered: list[tuple[str, type | LazyClass]]) -> dict[str, Provided]:
        registered.sort(key=lambda entry: not _module_of(entry[1]).startswith("cxbridge."))  # built-ins win
        found: dict[str, Provided] = {}
        for plugin, cls in registered:
            name = getattr(cls, "name", None)
            package, version = self._distribution_of(_module_of(cls))
            if not isinstance(name, str) or not name:
                self._failures.append(PluginFailure(package, f"{kind} class {getattr(cls, 'path', None) or cls.__qualname__} has no name"))
            elif name in found and found[name].registered != cls:
                self._failures.append(
                    PluginFailure(
                        package,
                        f"{kind} {name!r} is already provided by {found[name].package}; "
                        "uninstall one of them or leave one out of CXBRIDGE_LOAD_PLUGINS",
                    )
                )
            else:
                found[name] = Provided(kind, name, cls, package, version, plugin)
        return found

    def _distribution_of(self, module: str) -> tuple[str, str]:
        top_level = module.split(".")[0]
        if top_level not in self._distributions:
            self._distributions[top_level] = _distribution_of(top_level)
        return self._distributions[top_level]


def _module_of(registered: type | LazyClass) -> str:
    return registered.module if isinstance(registered, LazyClass) else registered.__module__


def _import_failure(provided: Provided, exc: Exception) -> str:
    return f"{provided.kind} {provided.name!r} cannot be imported: {type(exc).__name__}: {exc}"


def create_host(*, load_entry_points: bool = True) -> PluginHost:
    """A fresh plugin manager with the built-in plugins and (unless told not to) the installed ones."""
    pm = pluggy.PluginManager("cxbridge")
    pm.add_hookspecs(hookspecs)
    host = PluginHost(pm)
    for module_name in BUILTIN_PLUGINS:
        pm.register(importlib.import_module(module_name), name=module_name)
    if load_entry_points:
        _load_entry_points(host)
    pm.check_pending()  # every third-party plugin was checked on its own; this guards the built-ins
    if os.environ.get("CXBRIDGE_TRACE_PLUGINS"):
        _trace_hook_calls(pm)
    return host


def _trace_hook_calls(pm: pluggy.PluginManager) -> None:
    """Every hook call, its arguments and result to stderr, secrets masked: a secret
    `resolve_secret` returns is registered before the trace prints it."""

    def register_secret(outcome: Any, hook_name: str, methods: Any, kwargs: Any) -> None:
        if hook_name == "resolve_secret" and outcome.exception is None and isinstance(outcome.get_result(), str):
            redact_value(outcome.get_result())

    pm.add_hookcall_monitoring(lambda *args: None, register_secret)  # the tracing added next runs around it
    pm.trace.root.setwriter(lambda message: print(redact(message), end="", file=sys.stderr))
    pm.enable_tracing()


_host: PluginHost | None = None


def get_host() -> PluginHost:
    """The process-wide plugin host, loaded on first use."""
    global _host
    if _host is None:
        _host = create_host()
    return _host


def _load_entry_points(host: PluginHost) -> None:
    allowed = _allow_list()
    for entry_point in _installed_entry_points():
        dist = entry_point.dist.name if entry_point.dist else entry_point.name
        if allowed is not None and dist not in allowed and entry_point.name not in allowed:
            continue
        if host.pm.has_plugin(entry_point.name):
            continue
        try:
            plugin = entry_point.load()
        except Exception as exc:  # a broken plugin must not break the others
            host.reject(None, entry_point.name, f"{type(exc).__name__}: {exc}")
            continue
        if entry_point.dist is not None:  # what it registers is told apart by the dist that shipped it
            where = (entry_point.dist.name, entry_point.dist.version)
            host._distributions.setdefault(entry_point.module.split(".")[0], where)
        try:
            host.pm.register(plugin, name=entry_point.name)
            _check_hook_names(host.pm, plugin)
        except Exception as exc:
            reason = str(exc) if isinstance(exc, PluginError) else f"{type(exc).__name__}: {exc}"
            host.reject(plugin, entry_point.name, reason)


_scanned: tuple[tuple[tuple[int, int, int] | None, ...], tuple[Any, ...]] | None = None


def _installed_entry_points() -> tuple[Any, ...]:
    """The `cxbridge` entry points of the installed distributions. Finding them reads every
    distribution's metadata (6 ms with 200 installed: most of a new host's set-up, which tests
    pay for each fresh host — a plugin author's through `cxbridge_host`). The answer is kept
    while sys.path and the modification time of each of its folders are as they were: an install
    or uninstall adds or removes a *.dist-info there, and importlib.metadata keeps a folder's
    listing on the same terms (an entry_points.txt edited in place is read by a new process)."""
    from importlib import metadata  # imported here: `cxbridge --version` needs no plugin

    global _scanned
    key = tuple(map(_folder_state, sys.path))
    if _scanned is None or _scanned[0] != key:
        _scanned = (key, tuple(metadata.entry_points(group=ENTRY_POINT_GROUP)))
    return _scanned[1]


def _folder_state(entry: str) -> tuple[int, int, int] | None:
    """Which folder a sys.path entry is ("" the working one) and when it last changed."""
    try:
        found = os.stat(entry or ".")
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_mtime_ns


def _check_hook_names(pm: pluggy.PluginManager, plugin: object) -> None:
    """What `pm.check_pending()` checks, for one plugin, with the name it probably meant."""
    known = sorted(name for name, caller in vars(pm.hook).items() if not name.startswith("_") and caller.has_spec())
    for caller in pm.get_hookcallers(plugin) or []:
        mine = [impl for impl in caller.get_hookimpls() if impl.plugin is plugin and not impl.optionalhook]
        if mine and not caller.has_spec():
            close = difflib.get_close_matches(caller.name, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known hooks: {', '.join(known)}"
            raise PluginError(f"implements unknown hook {caller.name!r}; {hint}")


def _allow_list() -> set[str] | None:
    raw = os.environ.get("CXBRIDGE_LOAD_PLUGINS")
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


@lru_cache(maxsize=1)
def _packages_distributions() -> dict[str, list[str]]:
    """Every installed distribution's files read (0.15 s of CPU in a full environment): only for
    a class from a module no entry point loaded."""
    from importlib import metadata

    return metadata.packages_distributions()


def _distribution_of(top_level: str) -> tuple[str, str]:
    """The distribution that ships the top-level module `top_level`: cxbridge's own plugins are
    cxbridge's; a module of another one is found among every installed distribution's files."""
    from importlib import metadata

    if top_level == "cxbridge":
        try:
            return "cxbridge", metadata.version("cxbridge")
        except metadata.PackageNotFoundError:
            pass
    for dist_name in _packages_distributions().get(top_level, []):
        try:
            return dist_name, metadata.version(dist_name)
        except metadata.PackageNotFoundError:
            continue
    return top_level, "unknown"
