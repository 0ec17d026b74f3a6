"""Credentials typed into `cxbridge.toml` in plain text, found wherever they hide — a URL's
password or credential parameters (`destination.url`), a key named like a credential in a
free-form table (Singer's `tap_config`), a field a plugin types as a secret — so that each is
refused when the config loads, naming the key and how to write it, never showing the value."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr

from cxbridge.secrets import ResolvedStr, is_reference

_CREDENTIAL = re.compile(r"password|passwd|pwd|passphrase|secret|token|api_?key|access_?key|private_?key|assertion", re.I)
_NOT_CREDENTIAL = re.compile(r"_(url|uri|file|path|type|name|id|endpoint)$", re.I)
PASSWORD_VARIABLES = {"postgresql": "PGPASSWORD", "postgres": "PGPASSWORD", "snowflake": "SNOWFLAKE_PASSWORD"}


def is_credential_name(name: str) -> bool:
    """Whether a key holds a credential by its name (password, api_key, client_secret,
    private_key_file_pwd, refresh_token, a signed assertion…), not the path or URL of one
    (private_key_file, token_url)."""
    return bool(_CREDENTIAL.search(name)) and not _NOT_CREDENTIAL.search(name)


def as_written(value: str) -> str:
    """A config string as it was written, `${NAME}` references unresolved."""
    return value.template if isinstance(value, ResolvedStr) else value


def plain_url_credentials(url: str) -> list[str]:
    """The parts of a URL written in plain text that hold a credential: its password, and query
    parameters named like one (`private_key_file_pwd`, `sslpassword`)."""
    parts = urlsplit(as_written(url))
    found = ["password"] if _password(parts.netloc) and not is_reference(_password(parts.netloc)) else []
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if value and is_credential_name(name) and not is_reference(value):
            found.append(name)
    return found


def url_with_references(url: str) -> str:
    """`url` as it should be written: its password and credential parameters as `${NAME}`."""
    parts = urlsplit(as_written(url))
    netloc = parts.netloc
    if (password := _password(netloc)) and not is_reference(password):
        user, _, host = netloc.rpartition("@")
        variable = PASSWORD_VARIABLES.get(parts.scheme.split("+")[0], "DATABASE_PASSWORD")
        netloc = f"{user.partition(':')[0]}:${{{variable}}}@{host}"
    query = "&".join(
        f"{name}=${{{name.upper()}}}" if value and is_credential_name(name) and not is_reference(value) else f"{name}={value}"
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _password(netloc: str) -> str | None:
    userinfo, at, _ = netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return None
    return userinfo.partition(":")[2] or None


def plain_credential_keys(table: Any, *, prefix: str = "") -> list[str]:
    """Keys of a free-form table (at any depth) named like a credential whose text was typed in."""
    found: list[str] = []
    if isinstance(table, Mapping):
        for key, value in table.items():
            where = f"{prefix}.{key}" if prefix else str(key)
            if _typed_in(value) and value != "" and is_credential_name(str(key)):
                found.append(where)
            found += plain_credential_keys(value, prefix=where)
    elif isinstance(table, list):
        for index, item in enumerate(table):
            found += plain_credential_keys(item, prefix=f"{prefix}[{index}]")
    return found


def plain_secret_fields(model: type[BaseModel], data: Any, *, prefix: str = "") -> list[str]:
    """Keys of `data` that `model` types as a secret (`cxbridge.secrets.Secret`, or pydantic's
    `SecretStr` in a plugin's model) but whose text was typed in, at any depth."""
    found: list[str] = []
    if not isinstance(data, Mapping):
        return found
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in data:
            found += _plain_in(field.annotation, data[key], f"{prefix}.{key}" if prefix else key)
    return list(dict.fromkeys(found))


def _typed_in(value: Any) -> bool:
    """A value written into the file itself — text, or a number (a PIN, a numeric token) — rather
    than a `${NAME}` reference."""
    typed = isinstance(value, str) or isinstance(value, int | float) and not isinstance(value, bool)
    return typed and not isinstance(value, ResolvedStr)


def _plain_in(annotation: Any, value: Any, where: str) -> list[str]:
    if annotation is SecretStr:
        return [where] if _typed_in(value) else []
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _plain_in(args[0], value, where)
    if origin in (Union, UnionType):
        return [found for arg in args for found in _plain_in(arg, value, where)]
    if origin in (list, tuple, set, frozenset) and isinstance(value, list) and args:
        return [found for i, item in enumerate(value) for found in _plain_in(args[0], item, f"{where}[{i}]")]
    if origin in (dict, Mapping) and isinstance(value, Mapping) and len(args) == 2:
        return [found for key, item in value.items() for found in _plain_in(args[1], item, f"{where}.{key}")]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return plain_secret_fields(annotation, value, prefix=where)
    return []
