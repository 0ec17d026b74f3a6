"""Secrets in configuration: `${NAME}` references resolved through the `resolve_secret` hook.

Values that came from a reference are marked, so a `Secret` field can refuse a password typed
in plain text into `cxbridge.toml`. The environment lookup is the built-in, last-resort resolver
(`cxbridge.env_secrets`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from typing import Annotated, Any, NamedTuple

from pydantic import AfterValidator, BeforeValidator, SecretStr

from cxbridge.logs import redact_value

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ResolvedStr(str):
    """A string that was read from a `${NAME}` reference, not typed into the file; `template`
    is the text as written (`postgresql://cx:${PGPASSWORD}@db/cx`), to tell which parts were."""

    template: str

    def __new__(cls, value: str, template: str | None = None) -> ResolvedStr:
        resolved = super().__new__(cls, value)
        resolved.template = value if template is None else template
        return resolved


PLAIN_TEXT = (
    "secrets never go into the config file in plain text; write ${ENV_VAR} "
    "and set that environment variable (or use a secret-store plugin)"
)


def is_reference(text: str) -> bool:
    """Whether `text` is made of `${NAME}` references only."""
    return bool(text) and not _REFERENCE.sub("", text)


def _from_reference(value: Any) -> Any:
    if isinstance(value, ResolvedStr) and not value.strip():
        raise ValueError(f"{value.template} is set but empty; set it to the credential (or unset it and remove the key)")
    if isinstance(value, SecretStr) or isinstance(value, ResolvedStr):
        return value
    if isinstance(value, str):
        raise ValueError(PLAIN_TEXT)
    return value


def _usable(value: SecretStr) -> SecretStr:
    """The secret masked from now on, stripped of surrounding white space (a variable set from
    a file often ends with a line break); a control character inside it is refused, since no
    header or URL can carry one."""
    text = value.get_secret_value()
    redact_value(text)
    stripped = text.strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in stripped):
        raise ValueError(
            "the secret holds a line break or another control character, which no HTTP header or URL can "
            "carry; set the variable again without it"
        )
    return value if stripped == text else SecretStr(stripped)


Secret = Annotated[SecretStr, BeforeValidator(_from_reference), AfterValidator(_usable)]
"""A config field for credentials: must come from `${NAME}`, never printed or logged."""


def substitute(value: Any, resolve: Callable[[str], str | None], *, path: str = "") -> Any:
    """Replace every `${NAME}` in the strings of a parsed config; `$${` stays a literal `${`.
    MissingSecretError names every reference not set, in the order of the config."""
    missing: list[Unset] = []
    resolved = _substituted(value, resolve, path, missing)
    if missing:
        raise MissingSecretError(missing)
    return resolved


def _substituted(value: Any, resolve: Callable[[str], str | None], path: str, missing: list[Unset]) -> Any:
    if isinstance(value, dict):
        return {key: _substituted(item, resolve, f"{path}.{key}" if path else key, missing) for key, item in value.items()}
    if isinstance(value, list):
        return [_substituted(item, resolve, f"{path}.{place}", missing) for place, item in enumerate(value, 1)]
    if not isinstance(value, str) or "${" not in value:
        return value
    escaped = value.replace("$${", "\0")
    if "${" not in escaped:
        return value.replace("$${", "${")

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        resolved = resolve(name)
        if resolved is None:
            missing.append(Unset(path, name))
            return ""
        redact_value(resolved)
        return resolved.strip()  # a value read from a file often ends with a line break

    return ResolvedStr(_REFERENCE.sub(lookup, escaped).replace("\0", "${"), value)


class Unset(NamedTuple):
    """A `${NAME}` no secret store resolves, the config key (`sources.tf.token`) that holds it
    and, when known, its line in the config file."""

    path: str
    name: str
    line: int | None = None


class MissingSecretError(LookupError):
    """Every `${NAME}` of a config that is not set, in the order of the config."""

    def __init__(self, unset: list[Unset]):
        self.unset = unset
        super().__init__(unset_message(unset))

    def on_lines(self, text: str) -> list[Unset]:
        """`unset`, each with the line of its `${NAME}` in the config's `text` (none where not found)."""
        lines = reference_lines(text)
        return [miss._replace(line=lines.get((miss.path, miss.name))) for miss in self.unset]


def reference_lines(text: str) -> dict[tuple[str, str], int]:
    """The line of each `${NAME}` by the key holding it (`sources.x.metrics.2.scale`, entries counted from 1) and NAME.
    tomllib gives no positions, so the text is parsed again with each `${NAME}` renamed
    `${L<line>_NAME}`: `substitute` then names every key of every table, array of tables, inline
    table and dotted key with its reference's line. The first line where one key holds a NAME
    twice; {} for a text that does not parse."""
    marked = "\n".join(_REFERENCE.sub(lambda found, n=n: f"${{L{n}_{found.group(1)}}}", line)
                       for n, line in enumerate(text.split("\n"), 1))  # fmt: skip
    try:
        substitute(tomllib.loads(marked), lambda name: None)
    except tomllib.TOMLDecodeError:
        return {}
    except MissingSecretError as exc:
        lines: dict[tuple[str, str], int] = {}
        for miss in exc.unset:
            number, name = miss.name.removeprefix("L").split("_", 1)
            lines.setdefault((miss.path, name), int(number))
        return lines
    return {}


def unset_message(unset: list[Unset]) -> str:
    """`sources.tf.token: ${TYPEFORM_TOKEN} is not set (line 9); …; export …`: every key named."""
    named = [f"{miss.path}: ${{{miss.name}}} is not set" + (f" (line {miss.line})" if miss.line else "") for miss in unset]
    names = list(dict.fromkeys(miss.name for miss in unset))
    them, it = (f"{', '.join(names[:-1])} and {names[-1]}", "them") if len(names) > 1 else (names[0], "it")
    return "; ".join(named) + f"; export {them} or provide {it} through a secret plugin"
