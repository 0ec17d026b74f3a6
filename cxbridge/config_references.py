"""The `${NAME}` references of a parsed `cxbridge.toml` resolved through the `resolve_secret`
hook — for every command, or for one that builds no source or loop action (report, status,
cases), which a secret only those need must not stop."""

from __future__ import annotations

import functools
import re
from typing import Any

from cxbridge.errors import ConfigError
from cxbridge.loop.actions import ActionConfig
from cxbridge.plugins_host import PluginHost
from cxbridge.secrets import MissingSecretError, Unset, substitute, unset_message
from cxbridge.sources import SourceConfig

_CONNECTOR_TABLE = re.compile(r"^(sources|loop\.actions)\.([a-z][a-z0-9_]*)(?=[.\[]|$)")
_KEYS_EVERY_TABLE_HAS = {"sources": SourceConfig, "loop.actions": ActionConfig}


def resolve_references(
    data: dict[str, Any], host: PluginHost, *, label: str, builds_connectors: bool = True, text: str | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """`data` with every `${NAME}` resolved, or a ConfigError naming the key of each one not set
    (with its line in `text`, the config file's text, when given) — unless `builds_connectors`
    is False and the key is in a `[sources.NAME]` or `[loop.actions.NAME]`: that table then
    keeps only the keys every source (action) has, no stand-in for the secret, and the error
    goes in the second dict under `sources.NAME` (`loop.actions.NAME`), for when the source
    (action) is built."""
    resolve = functools.cache(lambda name: host.pm.hook.resolve_secret(name=name))  # each asked once
    unset: dict[str, str] = {}
    lines: dict[tuple[str, str], int | None] = {}  # found on the first pass, which meets every reference
    while True:
        try:
            return substitute(data, resolve), unset
        except MissingSecretError as exc:
            lines = lines or {(miss.path, miss.name): miss.line for miss in exc.on_lines(text or "")}
            aside: dict[str, list[Unset]] = {}
            stopping: list[Unset] = []
            for miss in (miss._replace(line=lines.get((miss.path, miss.name))) for miss in exc.unset):
                found = None if builds_connectors else _CONNECTOR_TABLE.match(miss.path)
                table = found.group() if found else ""
                if table and table not in unset and isinstance(_at(data, tuple(table.split("."))), dict):
                    aside.setdefault(table, []).append(miss)
                else:
                    stopping.append(miss)
            if stopping:
                raise ConfigError(f"{label}: {unset_message(stopping)}") from None
            for table, misses in aside.items():
                unset[table] = f"{label}: {unset_message(misses)}"
                keys = tuple(table.split("."))
                common = _KEYS_EVERY_TABLE_HAS[table.rsplit(".", 1)[0]].model_fields
                data = _replaced(data, keys, {key: value for key, value in _at(data, keys).items() if key in common})


def _at(data: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _replaced(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> dict[str, Any]:
    """`data` with the value at `keys` replaced, the tables on the way copied."""
    first, *rest = keys
    return {**data, first: _replaced(data[first], tuple(rest), value) if rest else value}
