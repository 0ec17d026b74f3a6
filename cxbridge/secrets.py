"""Secrets in configuration: `${NAME}` references resolved through the `resolve_secret` hook.

Values that came from a reference are marked, so a `Secret` field can refuse a password typed
in plain text into `cxbridge.toml`. The environment lookup is the built-in, last-resort resolver.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr

from cxbridge.hookspecs import hookimpl
from cxbridge.logs import redact_value

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ResolvedStr(str):
    """A string that was read from a `${NAME}` reference, not typed into the file."""


def _from_reference(value: Any) -> Any:
    if isinstance(value, SecretStr) or isinstance(value, ResolvedStr):
        return value
    if isinstance(value, str):
        raise ValueError(
            "secrets never go into the config file in plain text; write ${ENV_VAR} "
            "and set that environment variable (or use a secret-store plugin)"
        )
    return value


Secret = Annotated[SecretStr, BeforeValidator(_from_reference)]
"""A config field for credentials: must come from `${NAME}`, never printed or logged."""


def substitute(value: Any, resolve: Callable[[str], str | None], *, path: str = "") -> Any:
    """Replace every `${NAME}` in the strings of a parsed config; `$${` stays a literal `${`."""
    if isinstance(value, dict):
        return {key: substitute(item, resolve, path=f"{path}.{key}" if path else key) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, resolve, path=f"{path}[{index}]") for index, item in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value
    escaped = value.replace("$${", "\0")
    if "${" not in escaped:
        return value.replace("$${", "${")

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        resolved = resolve(name)
        if resolved is None:
            raise MissingSecretError(path, name)
        redact_value(resolved)
        return resolved

    return ResolvedStr(_REFERENCE.sub(lookup, escaped).replace("\0", "${"))


class MissingSecretError(LookupError):
    def __init__(self, path: str, name: str):
        super().__init__(f"{path}: ${{{name}}} is not set; export {name} or provide it through a secret plugin")
        self.path = path
        self.name = name


@hookimpl(trylast=True)
def resolve_secret(name: str) -> str | None:
    """Environment variables: the built-in secret store."""
    return os.environ.get(name)
