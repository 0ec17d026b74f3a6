"""`cxbridge.toml`: parsed, `${SECRETS}` resolved, validated against each connector's model —
all before any data moves. Every error names the file, the key and what to do."""

from __future__ import annotations

import codecs
import difflib
import os
import re
import tomllib
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from cxbridge.config_lines import KeyLines, key_lines, on_line, written_twice
from cxbridge.config_references import resolve_references
from cxbridge.deadline import RunDeadline
from cxbridge.destinations import scheme_of
from cxbridge.duplicates import Declaration, IdentityRules, IdentitySettings
from cxbridge.errors import ConfigError, clauses
from cxbridge.loop.actions import Action, ActionConfig
from cxbridge.loop.rules import LoopSettings
from cxbridge.phones import known_region
from cxbridge.plugins_host import PluginHost
from cxbridge.ranking import RankingSettings
from cxbridge.plain_secrets import is_credential_name, plain_secret_fields, plain_url_credentials, url_with_references
from cxbridge.secrets import PLAIN_TEXT, Secret
from cxbridge.sources import Source, SourceConfig, SourceContext
from cxbridge.timestamps import TimeZoneName

CONFIG_FILENAME = "cxbridge.toml"
DEFAULT_DESTINATION = "sqlite:///cxbridge.db"
M = TypeVar("M", bound=BaseModel)
_SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _known_encoding(name: str) -> str:
    if name != "auto":
        try:
            codecs.lookup(name)
            "".encode(name)  # a binary codec such as base64 is no text encoding
        except LookupError:
            raise ValueError(
                f"unknown encoding {name!r}; use auto, utf-8, utf-16, cp1251, cp1250, latin-1, …"
            ) from None
    return name


EncodingName = Annotated[str, AfterValidator(_known_encoding)]
"""A config field holding a text encoding Python knows, or `auto`, checked when the config loads."""

PhoneRegion = Annotated[str, AfterValidator(known_region)]
"""A config field holding the ISO 3166 code of a country phone numbers are dialled in, upper-cased."""


class Settings(BaseModel):
    """`[settings]`: how every sync behaves."""

    model_config = ConfigDict(extra="forbid")

    batch_size: int | None = Field(
        default=None, ge=1, le=100_000, description="records per transaction; default: the destination's own"
    )
    store_raw: bool = Field(default=True, description="keep each source payload in feedback.raw")
    respondent_salt: Secret | None = Field(
        default=None, description="salt of respondent_key hashes; default: a random one made on the first sync, kept with the data"
    )
    keep_personal_data: bool = Field(
        default=False, description="keep e-mails, phones, names and IP addresses as they came (for follow-up)"
    )
    timezone: TimeZoneName = Field(
        default="UTC",
        description="IANA zone of the days records are counted in (views, report) and of timestamps that carry "
        "none; a source's own `timezone` wins",
    )
    phone_region: PhoneRegion | None = Field(
        default=None,
        description="ISO 3166 code of the country phone numbers without a country code were typed in (GB): such a "
        "number is keyed as that country's international number, and its exit code (US 011, AU 0011) is read as the + "
        "before a country code; default: by its digits as written. Setting or "
        "changing it changes the respondent keys of such numbers: stored records get the new ones when read again "
        "(sync --full-refresh)",
    )
    lock_wait: float = Field(default=0, ge=0, description="seconds to wait for another sync to finish")
    jobs: int = Field(default=1, ge=1, le=256, description="sources synced at once (`sync --jobs` overrides it)")
    run_deadline: float | None = Field(
        default=None, gt=0, description="seconds a whole sync may take; reading stops when they pass"
    )


class DestinationSettings(BaseModel):
    """`[destination]`: where records land."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(default=DEFAULT_DESTINATION, description="sqlite:///cxbridge.db, duckdb:///x.duckdb, …")

    @field_validator("url", mode="before")
    @classmethod
    def _no_plain_password(cls, url: Any) -> Any:
        if isinstance(url, str) and (plain := plain_url_credentials(url)):
            what = " and ".join("the password" if part == "password" else part for part in plain)
            raise ValueError(
                f"{what} written in plain text: secrets never go into the config file; write "
                f"{url_with_references(url)} and set that environment variable (or use a secret-store plugin)"
            )
        return url


class _ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    settings: Settings = Field(default_factory=Settings)
    destination: DestinationSettings | None = None
    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    loop: LoopSettings = Field(default_factory=LoopSettings)
    ranking: RankingSettings = Field(default_factory=RankingSettings)


@dataclass(frozen=True)
class _PluginEntry:
    name: str
    cls: Any
    config: Any

    unset_secret: str | None = None
    """Set when the config was loaded for a command that builds no connector (`builds_connectors=False`)
    and a `${NAME}` of this table is not set: the error a full load raises, raised when this
    source or action is built. `config` then holds only the keys every source (action) has."""

    def _require_secrets(self) -> None:
        if self.unset_secret:
            raise ConfigError(self.unset_secret)


@dataclass(frozen=True)
class SourceEntry(_PluginEntry):
    """One validated `[sources.NAME]`: its plugin class and config."""

    cls: type[Source]
    config: SourceConfig

    def build(self, context: SourceContext) -> Source:
        self._require_secrets()
        return self.cls(self.config, context)


@dataclass(frozen=True)
class ActionEntry(_PluginEntry):
    """One validated `[loop.actions.NAME]`: its action plugin class and config."""

    cls: type[Action]
    config: ActionConfig

    def build(self) -> Action:
        self._require_secrets()
        return self.cls(self.config, name=self.name)


@dataclass(frozen=True)
class Config:
    path: Path | None
    settings: Settings
    destination_url: str | None
    sources: dict[str, SourceEntry]

    destination_base: Path | None = None
    """Where a relative destination path starts, when not in `base_dir` (an import's project)."""

    identity: IdentitySettings = field(default_factory=IdentitySettings)
    """`[identity]`: which copies of a response across sources count once."""

    loop: LoopSettings = field(default_factory=LoopSettings)
    """`[loop]`: the rules that open cases and the actions they send (docs/loop.md)."""

    actions: dict[str, ActionEntry] = field(default_factory=dict)
    """`[loop.actions.NAME]`, validated by their plugins' config models."""

    ranking: RankingSettings = field(default_factory=RankingSettings)
    """`[ranking]`: the KPI stores are ranked by (docs/ranking.md)."""

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    @property
    def destination_dir(self) -> Path:
        """Where the destination's relative path starts: next to the config, like every other path."""
        return self.destination_base or self.base_dir

    @property
    def respondent_salt(self) -> str | None:
        """`[settings] respondent_salt` as resolved, or None (the dataset keeps its own)."""
        salt = self.settings.respondent_salt
        return salt.get_secret_value() if salt else None

    def context_for(
        self, name: str, *, deadline: RunDeadline | None = None, attempts: int | None = None
    ) -> SourceContext:
        entry = self.sources.get(name)
        return SourceContext(
            name=name,
            base_dir=self.base_dir,
            store_raw=self.settings.store_raw,
            keep_personal_data=self.settings.keep_personal_data,
            timezone=(entry.config.timezone if entry else None) or self.settings.timezone,
            deadline=deadline,
            attempts=attempts,
        )

    def identity_rules(self, host: PluginHost) -> IdentityRules:
        """`[identity]` and the sources' `same_as`, with the connectors that read export files."""
        exports = frozenset(name for name, provided in host.sources.items() if provided.reads_exports)
        return IdentityRules(self.identity, declarations(self.sources), exports | {"csv", "excel", "json"})

    def build_source(self, name: str, *, deadline: RunDeadline | None = None, attempts: int | None = None) -> Source:
        """The configured source; a ConfigError of its making that names one of its keys
        (`sources.NAME.credentials_file: …`) names the config file too, as one found loading it does."""
        try:
            return self.sources[name].build(self.context_for(name, deadline=deadline, attempts=attempts))
        except ConfigError as exc:
            if not str(exc).startswith(f"sources.{name}."):
                raise
            raise ConfigError(f"{self.path or CONFIG_FILENAME}: {exc}") from None


def find_config(path: str | Path | None) -> Path:
    """The config file to use: the one given, or `cxbridge.toml` in the working directory."""
    candidate = Path(path) if path else Path.cwd() / CONFIG_FILENAME
    if not candidate.is_file():
        here = config_above_hint() or "run `cxbridge init` here, or pass --config PATH"
        hint = "pass --config PATH" if path else here
        raise ConfigError(f"no config file at {candidate}; {hint}")
    return candidate


def config_above_hint() -> str | None:
    """Where the project is when a command runs in one of its folders (`cd data`): the nearest
    folder above the working directory that holds a config, and how to use it."""
    here = Path.cwd()
    above = next((folder / CONFIG_FILENAME for folder in here.parents if (folder / CONFIG_FILENAME).is_file()), None)
    if above is None:
        return None
    return f"there is one in {above.parent}: run the command there, or pass --config {os.path.relpath(above, here)}"


def optional_config(path: str | Path | None, host: PluginHost, *, builds_connectors: bool = True) -> Config | None:
    """The config given, else `cxbridge.toml` in the working directory if there is one."""
    if path or (Path.cwd() / CONFIG_FILENAME).is_file():
        return load_config(find_config(path), host, builds_connectors=builds_connectors)
    return None


def load_config(path: str | Path, host: PluginHost, *, builds_connectors: bool = True) -> Config:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from None
    return parse_config(config_text(data, path=path), host, path=path, builds_connectors=builds_connectors)


def config_text(data: bytes, *, path: Path) -> str:
    """The text of a config file saved as UTF-8 (with or without a byte-order mark) or, as some
    Windows editors save it, as UTF-16 with its mark."""
    encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line} is not {encoding.upper().removesuffix('-SIG')} text; save the file as UTF-8") from None


_QUOTES = '; text is written in quotes (program = "voc"), a list in brackets (scale = [1, 5]), yes and no as true and false'


def parse_config(text: str, host: PluginHost, *, path: Path | None = None, builds_connectors: bool = True) -> Config:
    """Validate a config text completely, or raise ConfigError naming the key."""
    label = str(path) if path else CONFIG_FILENAME
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        if str(exc).startswith("Cannot overwrite a value") and (twice := written_twice(text)):
            raise ConfigError(f"{label}: not valid TOML: {twice}; keep one") from None
        hint = _QUOTES if str(exc).startswith("Invalid value") else ""
        raise ConfigError(f"{label}: not valid TOML: {exc}{hint}") from None
    return config_from_dict(data, host, path=path, builds_connectors=builds_connectors, text=text)


def config_from_dict(
    data: dict[str, Any], host: PluginHost, *, path: Path | None = None, builds_connectors: bool = True,
    text: str | None = None,
) -> Config:
    """Validate a config given as the dict `cxbridge.toml` parses into (for the API and tests).
    `builds_connectors=False` is for a command that builds no source or loop action (report,
    status, cases): one whose `${NAME}` is not set loads without its own keys, and raises the
    error a full load does only if built (`SourceEntry.unset_secret`). `text`, the file's text,
    gives the line of each `${NAME}` not set."""
    label = str(path) if path else CONFIG_FILENAME
    data, unset = resolve_references(data, host, label=label, builds_connectors=builds_connectors, text=text)
    lines = key_lines(text) if text else {}
    file = validate_model(_ConfigFile, data, label=label, prefix="", lines=lines)
    sources = _source_entries(file.sources, host, label, unset, lines)
    try:
        declarations(sources)
    except ValueError as exc:
        raise ConfigError(f"{label}: {exc}") from None
    destination = file.destination.url if file.destination else None
    if destination is not None:
        _check_destination(destination, host, label)
    actions = {name: _action_entry(name, raw, host, label, base_dir=path.parent if path else None,
                                   unset_secret=unset.get(f"loop.actions.{name}"), lines=lines)
               for name, raw in file.loop.actions.items()}  # fmt: skip
    return Config(path=path, settings=file.settings, destination_url=destination, sources=sources,
                  identity=file.identity, loop=file.loop, actions=actions, ranking=file.ranking)  # fmt: skip


def _action_entry(name: str, raw: dict[str, Any], host: PluginHost, label: str, *, base_dir: Path | None,
                  unset_secret: str | None, lines: KeyLines) -> ActionEntry:  # fmt: skip
    prefix = f"loop.actions.{name}"
    cls = _plugin_class(raw, "type", host.actions, host.action_class, "which action plugin delivers it",
                        label=label, prefix=prefix, lines=lines)  # fmt: skip
    model = ActionConfig if unset_secret else cls.config_model
    config = validate_model(model, raw, label=label, prefix=prefix, lines=lines)
    config._base_dir = base_dir  # relative paths among its keys (a key file) start next to the config
    return ActionEntry(name, cls, config, unset_secret)


def _plugin_class(raw: dict[str, Any], key: str, installed: Iterable[str], find: Callable[[str], Any], role: str,
                  *, label: str, prefix: str, lines: KeyLines) -> Any:  # fmt: skip
    """The plugin class `raw[key]` names (a source's connector, an action's type); a ConfigError
    naming `prefix.key` and the installed choices when it is missing or unknown."""
    kind = raw.get(key)
    if not kind:
        known = ", ".join(sorted(installed)) or "none installed"
        raise ConfigError(f"{label}: {prefix}.{key}: missing; say {role} ({known}){on_line(prefix, lines)}")
    try:
        return find(str(kind))
    except ConfigError as exc:
        raise ConfigError(f"{label}: {prefix}.{key}: {exc}{on_line(f'{prefix}.{key}', lines)}") from None


def declarations(sources: dict[str, SourceEntry]) -> dict[str, Declaration]:
    """Each source in a `same_as` chain, the one the chain ends at included, with its group (that
    source's name) and matching key; ValueError naming the key of a chain that cannot work."""
    said = {name: entry.config.same_as for name, entry in sources.items() if entry.config.same_as}
    found: dict[str, Declaration] = {}
    for name, target in said.items():
        if target not in sources:
            known = ", ".join(n for n in sources if n != name) or "none"
            raise ValueError(f"sources.{name}.same_as: no source named {target!r}; configured: {known}")
        chain = [name]
        while (following := said.get(chain[-1])) is not None:
            if following in chain:
                raise ValueError(f"sources.{name}.same_as: the chain {' → '.join([*chain, following])} goes round in a circle")
            chain.append(following)
        match_on = sources[name].config.match_on
        for member in chain:
            known = found.get(member)
            if known is not None and known.match_on != match_on:
                raise ValueError(
                    f"sources.{name}.match_on: {match_on!r}, but {member} is matched on {known.match_on!r} "
                    "in the same same_as group; give every source of the group the same match_on"
                )
            found[member] = Declaration(group=chain[-1], match_on=match_on)
    return found


def _check_destination(url: str, host: PluginHost, label: str) -> None:
    try:
        host.destination_class(scheme_of(url))
    except ConfigError as exc:
        raise ConfigError(f"{label}: destination.url: {exc}") from None


def _source_entries(raw_sources: dict[str, dict[str, Any]], host: PluginHost, label: str,
                    unset: dict[str, str], lines: KeyLines) -> dict[str, SourceEntry]:  # fmt: skip
    """Every source's entry, or one ConfigError naming the mistakes of every source at once."""
    entries, problems = {}, []
    for name, raw in raw_sources.items():
        try:
            unset_secret = unset.get(f"sources.{name}")
            entries[name] = _source_entry(name, raw, host, label, unset_secret=unset_secret, lines=lines)
        except ConfigError as exc:
            problems.append(str(exc).removeprefix(f"{label}: "))
    if problems:
        raise ConfigError(f"{label}: " + clauses(problems))
    return entries


def _source_entry(name: str, raw: dict[str, Any], host: PluginHost, label: str, *,
                  unset_secret: str | None, lines: KeyLines) -> SourceEntry:  # fmt: skip
    prefix = f"sources.{name}"
    if not _SOURCE_NAME.match(name):
        raise ConfigError(f"{label}: [{prefix}]: source names are lower-case letters, digits and _ (e.g. nps_eu)")
    cls = _plugin_class(raw, "connector", host.sources, host.source_class, "which plugin reads it",
                        label=label, prefix=prefix, lines=lines)  # fmt: skip
    model = SourceConfig if unset_secret else cls.config_model
    return SourceEntry(name, cls, validate_model(model, raw, label=label, prefix=prefix, lines=lines), unset_secret)


def validate_model(
    model: type[M], data: dict[str, Any], *, label: str, prefix: str, lines: KeyLines | None = None
) -> M:
    """`model` from `data`, or a ConfigError naming `label` and each bad key under `prefix` (and
    its line, given the file's `lines`); a field the model types as a secret must have come from
    a `${NAME}` reference."""
    if plain := plain_secret_fields(model, data, prefix=prefix):
        raise ConfigError(f"{label}: " + "; ".join(f"{key}: {PLAIN_TEXT}" for key in plain))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = (_describe(error, model, prefix, data) + on_line(_key(error, prefix, counted=0), lines or {})
                    for error in exc.errors())  # fmt: skip
        raise ConfigError(f"{label}: " + clauses(problems)) from None


def _key(error: Any, prefix: str, *, counted: int = 1) -> str:
    """The key `error` is about; an entry of a list is counted from 1 as a reader counts (what a
    message shows, as its "entry 2" does), from 0 where the file's key lines look it up."""
    parts = (str(part + counted if isinstance(part, int) else part) for part in error["loc"])
    return ".".join(filter(None, [prefix, *parts]))


def _describe(error: Any, model: type[BaseModel], prefix: str, data: dict[str, Any]) -> str:
    location = [str(part) for part in error["loc"]]
    key = _key(error, prefix)
    entry = _entry_of(error["loc"], data, prefix)
    if error["type"] == "extra_forbidden":
        known = _known_keys(model, location[:-1])
        close = difflib.get_close_matches(location[-1], known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}" if known else ""
        return f"{key}: unknown key{hint}{entry}"
    message = error["msg"].removeprefix("Value error, ")
    return f"{key}: {message}{_written(error)}{entry}"


def _written(error: Any) -> str:
    """The value a type or choice error refused, as the file wrote it (pydantic's message alone
    does not say: 'Input should be a valid string') — never that of a key named like a credential,
    nor a text holding an '@' (a URL's user and password, an e-mail address)."""
    value, kind = error.get("input"), error["type"]
    if not isinstance(value, str | int | float) or not (kind.endswith(("_type", "_parsing")) or kind in _CHOICES):
        return ""
    if isinstance(value, str) and "@" in value:
        return ""
    if any(is_credential_name(part) for part in error["loc"] if isinstance(part, str)):
        return ""
    return f"; got {value!r}" if len(repr(value)) <= 60 else f"; got {repr(value)[:57]}…"


_CHOICES = {"literal_error", "enum"}


def _entry_of(location: tuple[Any, ...], data: Any, prefix: str) -> str:
    """Which `[[table]]` entry a key is in (`metrics.1` is the second), counted from 1 as a reader
    of the file counts them, with the column it scores when it names one; "" outside such an entry."""
    found = ""
    for place, part in enumerate(location):
        data = _item(data, part)
        if isinstance(part, int) and isinstance(data, dict):
            table = ".".join(filter(None, [prefix, *map(str, location[:place])]))
            column = f", column {data['column']!r}" if isinstance(data.get("column"), str) else ""
            found = f" (in entry {part + 1} of [[{table}]]{column})"
    return found


def _item(data: Any, part: Any) -> Any:
    if isinstance(data, dict):
        return data.get(part)
    return data[part] if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data) else None


def _known_keys(model: type[BaseModel], location: list[str]) -> list[str]:
    """The keys of the model at `location`, through nested models, tables of them
    (`loop.rules.NAME`: the NAME is a key of a dict of models) and arrays of tables
    (`sources.NAME.metrics.0`: the 0 is an index of a list of models)."""
    parts = iter(location)
    for part in parts:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if typing.get_origin(annotation) in (dict, list):
            annotation = typing.get_args(annotation)[-1]
            if next(parts, None) is None:
                return []
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return sorted(model.model_fields)
