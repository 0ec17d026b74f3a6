"""`cxbridge plugin new`: a complete, installable plugin package whose tests pass as generated.

The package is rendered from `cxbridge/templates/plugin/<kind>/`: every `*.tmpl` file, with
`{{token}}` placeholders filled from the plugin's name and `__module__` folders renamed.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cxbridge import __version__
from cxbridge.errors import ConfigError
from cxbridge.plugins_host import get_host

KINDS = ("source", "destination")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


@dataclass(frozen=True)
class PluginNames:
    """Every name a plugin goes by, derived from the one its author chose."""

    name: str

    @property
    def connector(self) -> str:
        """`connector = "…"` in cxbridge.toml, and the entry point's name."""
        return self.name.replace("-", "_")

    @property
    def scheme(self) -> str:
        """The URL scheme of a destination (URL schemes allow no `_`)."""
        return self.name.replace("_", "-")

    @property
    def distribution(self) -> str:
        return f"cxbridge-{self.scheme}"

    @property
    def module(self) -> str:
        return f"cxbridge_{self.connector}"

    @property
    def tokens(self) -> dict[str, str]:
        words = self.connector.split("_")
        return {
            "{{connector}}": self.connector,
            "{{scheme}}": self.scheme,
            "{{distribution}}": self.distribution,
            "{{module}}": self.module,
            "{{Class}}": "".join(word.capitalize() for word in words),
            "{{Title}}": " ".join(word.capitalize() for word in words),
            "{{ENV}}": self.connector.upper(),
            "{{cxbridge_version}}": __version__,
        }


def plugin_names(name: str) -> PluginNames:
    if not _NAME.match(name):
        raise ConfigError(
            f"plugin name {name!r}: use lower-case letters and digits, words joined by - or _ (e.g. acme-surveys)"
        )
    return PluginNames(name)


def plugin_new(name: str, *, kind: str = "source", directory: str | Path | None = None) -> list[Path]:
    """Write a new plugin package (`cxbridge-NAME/` unless `directory` is given); the files written."""
    names = plugin_names(name)
    if kind not in KINDS:
        raise ConfigError(f"--kind {kind!r}: choose one of {', '.join(KINDS)}")
    _require_untaken(names, kind)
    target = Path(directory) if directory else Path.cwd() / names.distribution
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"{target} already exists and is not empty; choose another --dir")
    templates = resources.files("cxbridge") / "templates" / "plugin" / kind
    written = []
    for relative, template in _templates(templates):
        path = target / _render(relative, names).removesuffix(".tmpl").replace("__module__", names.module)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_render(template.read_text(encoding="utf-8"), names), encoding="utf-8")
        written.append(path)
    return sorted(written)


def _require_untaken(names: PluginNames, kind: str) -> None:
    """A source or destination an installed plugin already provides under the name would win over
    the new one (built-ins always do), which would be left out wherever both are installed."""
    host = get_host()
    name = names.connector if kind == "source" else names.scheme
    provided = (host.sources if kind == "source" else host.destinations).get(name)
    if provided is not None:
        raise ConfigError(
            f"plugin name {names.name!r}: {kind} {name!r} is already provided by {provided.package}, which would "
            f"leave the new one out: pick another name (e.g. acme-{names.name})"
        )


def _templates(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    found = []
    for entry in folder.iterdir():
        relative = f"{prefix}{entry.name}"
        if entry.is_dir():
            found += _templates(entry, relative + "/")
        elif entry.name.endswith(".tmpl"):
            found.append((relative, entry))
    return found


def _render(text: str, names: PluginNames) -> str:
    for token, value in names.tokens.items():
        text = text.replace(token, value)
    if "{{" in text:
        raise AssertionError(f"unknown placeholder in a plugin template: {text[text.index('{{'):][:40]}")
    return text


def cxbridge_origin() -> str:
    """What to `pip install` for this cxbridge in a plugin's own environment (it is on no package
    index): the checkout it runs from, else the file or folder it was installed from."""
    checkout = Path(__file__).resolve().parents[1]
    if (checkout / "pyproject.toml").is_file():
        return str(checkout)
    try:
        installed = json.loads(metadata.distribution("cxbridge").read_text("direct_url.json") or "{}")
    except metadata.PackageNotFoundError:
        installed = {}
    url = urlsplit(installed.get("url", ""))
    return unquote(url.path) if url.scheme == "file" else "path/to/cxbridge"  # a clone of it, or its wheel


def next_steps(root: Path) -> str:
    """The commands that install a new plugin as its author works on it, and run its tests."""
    return (f"cd {shlex.quote(str(root))} && python -m venv .venv && .venv/bin/pip install {shlex.quote(cxbridge_origin())}"
            " && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest")  # fmt: skip
