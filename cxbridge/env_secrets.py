"""The built-in secret store: `${NAME}` read from the environment, after every secret-store
plugin had its say. A plugin module of its own, so that registering it imports nothing more."""

from __future__ import annotations

import os

from cxbridge.hookspecs import hookimpl


@hookimpl(trylast=True)
def resolve_secret(name: str) -> str | None:
    """Environment variables: the built-in secret store."""
    return os.environ.get(name)
