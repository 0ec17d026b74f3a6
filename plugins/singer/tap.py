"""Running a Singer tap as a child process: its config, catalog and state go into private files
that are removed afterwards; its stdout is read as Singer messages, one JSON object a line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxbridge.errors import FatalSourceError, SourceError
from cxbridge.json_input import parsed_json
from cxbridge.logs import redact

STDERR_LINES_SHOWN = 5


@dataclass(frozen=True)
class Message:
    """One Singer message: SCHEMA, RECORD, STATE (others are passed on and ignored)."""

    type: str
    stream: str | None
    body: dict[str, Any]


class TapProcess:
    """One tap executable with its config; each call runs it once in a private folder."""

    def __init__(self, command: list[str], config: dict[str, Any], *, cwd: Path):
        self.command = command
        self.config = config
        self.cwd = cwd
        if shutil.which(command[0], path=os.environ.get("PATH")) is None and not Path(command[0]).is_file():
            raise FatalSourceError(f"cannot run the Singer tap {command[0]!r}: not found on PATH; pip install it")

    def discover(self) -> dict[str, Any]:
        """The tap's catalog (`--discover`)."""
        with _TapFiles(self.config, None, None) as files:
            output = subprocess.run(
                [*self.command, "--config", str(files.config), "--discover"],
                cwd=self.cwd, capture_output=True, text=True, check=False,
            )  # fmt: skip
        if output.returncode != 0:
            raise SourceError(self._failure("--discover", output.returncode, output.stderr))
        try:
            return json.loads(output.stdout)
        except json.JSONDecodeError:
            raise SourceError(f"the tap {self.command[0]!r} printed no JSON catalog for --discover") from None

    def sync(self, *, catalog: dict[str, Any] | None, state: Any, catalog_flag: str) -> Iterator[Message]:
        """The messages of one run, as the tap writes them; the run's failure raises at the end."""
        with _TapFiles(self.config, catalog, state) as files, tempfile.TemporaryFile("w+") as stderr:
            arguments = [*self.command, "--config", str(files.config)]
            if catalog is not None:
                arguments += [catalog_flag, str(files.catalog)]
            if state is not None:
                arguments += ["--state", str(files.state)]
            process = subprocess.Popen(arguments, cwd=self.cwd, stdout=subprocess.PIPE, stderr=stderr, text=True)
            try:
                assert process.stdout is not None
                for number, line in enumerate(process.stdout, start=1):
                    if line.strip():
                        yield _message(line, number, self.command[0])
                code = process.wait()
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
            if code != 0:
                stderr.seek(0)
                raise SourceError(self._failure("sync", code, stderr.read()))

    def _failure(self, what: str, code: int, stderr: str) -> str:
        tail = " | ".join(line.strip() for line in stderr.strip().splitlines()[-STDERR_LINES_SHOWN:])
        return redact(f"the Singer tap {self.command[0]!r} ({what}) exited with code {code}: {tail or 'no output'}")


class _TapFiles:
    """config.json (readable by this user only), catalog.json and state.json in a folder that is
    deleted when the run ends, whatever happens."""

    def __init__(self, config: dict[str, Any], catalog: dict[str, Any] | None, state: Any):
        self._contents = {"config": config, "catalog": catalog, "state": state}

    def __enter__(self) -> _TapFiles:
        self._folder = tempfile.TemporaryDirectory(prefix="cxbridge-singer-")
        root = Path(self._folder.name)
        self.config, self.catalog, self.state = (root / f"{name}.json" for name in self._contents)
        for path, content in zip((self.config, self.catalog, self.state), self._contents.values(), strict=True):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(content, handle)
        return self

    def __exit__(self, *exc: object) -> None:
        self._folder.cleanup()


def _message(line: str, number: int, tap: str) -> Message:
    try:
        body = parsed_json(line)
    except json.JSONDecodeError:
        raise SourceError(f"the Singer tap {tap!r} wrote line {number} that is not JSON: {line[:80]!r}") from None
    if not isinstance(body, dict) or "type" not in body:
        raise SourceError(f"the Singer tap {tap!r} wrote line {number} that is not a Singer message")
    return Message(str(body["type"]).upper(), body.get("stream"), body)
