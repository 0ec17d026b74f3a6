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
from cxbridge.secrets import MissingSecretError, substitute
from cxbridge.sources import SourceConfig

_CONNECTOR_TABLE = re.compile(r"^(sources|loop\.actions)\.([a-z][a-z0-9_]*)(?=[.\[]|$)")
_KEYS_EVERY_TABLE_HAS = {"sources": SourceConfig, "loop.actions": ActionConfig}


def resolve_references(
    data: dict[str, Any], host: PluginHost, *, label: str, builds_connectors: bool = True
) -> tuple[dict[str, Any], dict[str, str]]:
    """`data` with every `${NAME}` resolved, or a ConfigError naming the key of one not set —
    unless `builds_connectors` is False and the key is in a `[sources.NAME]` or
    `[loop.actions.NAME]`: that table then keeps only the keys every source (action) has, no
    stand-in for the secret, and the error goes in the second dict under `sources.NAME`
    (`loop.actions.NAME`), for when the source (action) is built."""
    resolve = functools.cache(lambda name: host.pm.hook.resolve_secret(name=name))  # each asked once
    unset: dict[str, str] = {}
    while True:
        try:
            return substitute(data, resolve), unset
        except MissingSecretError as exc:
            found = None if builds_connectors else _CONNECTOR_TABLE.match(exc.path)
            keys = (*found.group(1).split("."), found.group(2)) if found else ()
            table = _at(data, keys)
            if not found or found.group() in unset or not isinstance(table, dict):
                raise ConfigError(f"{label}: {exc}") from None
            unset[found.group()] = f"{label}: {exc}"
            common = _KEYS_EVERY_TABLE_HAS[found.group(1)].model_fields
            data = _replaced(data, keys, {key: value for key, value in table.items() if key in common})


def _at(data: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _replaced(data: dict[str, Any], keys: tuple[str, ...], value: Any) -> dict[str, Any]:
    """`data` with the value at `keys` replaced, the tables on the way copied."""
    first, *rest = keys
    return {**data, first: _replaced(data[first], tuple(rest), value) if rest else value}
