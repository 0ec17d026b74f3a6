"""The one error tree of cxbridge: each class says what the runner (and the user) must do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from cxbridge.masking import redact
from cxbridge.quoted_values import shown_in


def clauses(parts: Iterable[str]) -> str:
    """The parts of a composed message joined by `; `, but by a space after one that ends in a
    question (`did you mean 'Submitted'? nothing was read`), never `?;`."""
    text = ""
    for part in parts:
        text += part if not text else (" " if text.endswith("?") else "; ") + part
    return text


class CxbridgeError(Exception):
    """Root of every error cxbridge raises on purpose; its message is meant for the user, so
    every secret in it is masked (`cxbridge.masking`) as the error is made."""

    exit_code = 1

    def __init__(self, *args: Any):
        super().__init__(*(redact(arg) if isinstance(arg, str) else arg for arg in args))


class ConfigError(CxbridgeError):
    """The configuration or the command line is wrong: fix it; no data has moved."""

    exit_code = 2


class DataError(CxbridgeError):
    """One record cannot be normalized: it goes to quarantine and the run goes on. `kind` names the
    rule it breaks ('answer-outside-scale'), whatever values and names its message quotes: a run's
    summary counts its quarantined records by it (`SourceResult.count_reasons`)."""

    def __init__(self, message: str, *, field: str | None = None, kind: str | None = None):
        super().__init__(message)
        self.field = field
        self.kind = kind

    def restated(self, message: str, *, field: str | None) -> DataError:
        """This problem told of where it was met (`column 'submitted': timestamp …`): its kind kept."""
        return DataError(message, field=field, kind=self.kind)

    @classmethod
    def of_all(cls, problems: Sequence[DataError]) -> DataError:
        """Every problem one read of a record found, told in one reason (`first · also: second`):
        of the first's rule and field, so that a summary counts the record once."""
        first = problems[0]
        if len(problems) == 1:
            return first
        return cls(" · also: ".join(str(problem) for problem in problems), field=first.field, kind=first.kind)

    @classmethod
    def from_validation(cls, exc: Exception) -> DataError:
        """The first problem of a pydantic ValidationError, named by its field; the value its
        message may quote (a plugin's validator) shown as a reason shows one (`shown_in`)."""
        error = exc.errors()[0]  # type: ignore[attr-defined]
        where = ".".join(str(part) for part in error["loc"])
        message = shown_in(error["msg"], error.get("input"))
        return cls(f"{where}: {message}" if where else message, field=where or None)


class SourceError(CxbridgeError):
    """A source cannot be read: this source fails, the other sources still sync."""

    status_code: int | None = None  # the HTTP status behind it, when an API answered with an error


class FatalSourceError(SourceError):
    """Retrying will not help (bad credentials, wrong id, exhausted quota): fix and re-run."""


class TransientSourceError(SourceError):
    """A temporary fault (timeout, 429, 5xx) that outlived its retries: re-run later."""


class SourcePaused(SourceError):
    """The source stopped early on purpose — the API's daily request quota is spent: what it read
    is kept with its cursor (`Stream.final_cursor`), and the next run goes on from there."""


class DestinationError(CxbridgeError):
    """The destination cannot be opened or written: nothing of the failing batch was kept."""


class DestinationLockedError(DestinationError):
    """Another sync is writing to the same destination, or a whole-destination command holds or waits for it."""

    @classmethod
    def refusal(
        cls,
        target: str,
        *,
        waited: float,
        holder: str = "",
        note: str = "",
        whole: bool = False,
        waiting: bool | None = None,
        any_command: bool = False,
    ) -> DestinationLockedError:
        """The refusal of every lock: another sync (`holder`, where known) is writing `target`
        ("to X", "source 'a' to X"), or, `whole`, a whole-destination command (remove, erase,
        cases, replay) holds destination `target` (`waiting` False) or waits for the running
        syncs (`waiting` True), its claim or queued request keeping later syncs and commands out
        (None: not known which); `any_command`, the holder may be a sync or a whole-destination
        command, listed where no holder file names it (`cxbridge.local_files`); after `waited` seconds of --wait it says so and asks for more."""
        who = f" ({holder})" if holder else ""
        if whole:
            does = {None: "holds or is waiting for", False: "holds", True: "is waiting for"}[waiting]
            other = f"another cxbridge command{who} {does} the whole of {target}"
            still = "it had not finished"
        else:
            listed = "" if holder else " (a sync, remove, erase, cases or replay)"
            writer = f"command{listed}" if any_command else "sync"
            other, still = f"another cxbridge {writer}{who} is writing {target}", "it was still writing"
        advice = (
            f"{still} after {waited:g} s of waiting: run again once it is done, or pass a longer --wait SECONDS"
            if waited
            else "wait for it to finish, or pass --wait SECONDS to queue behind it"
        )
        return cls(f"{other}; {advice}{note}")


class PluginError(CxbridgeError):
    """A plugin is broken or two plugins claim the same name."""
