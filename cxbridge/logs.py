"""Logging for people (text) and for machines (`--log-format json`), with secrets masked."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from cxbridge.masking import redact, redact_data, redact_value

__all__ = ["configure", "log_summary_warning", "mask_http_client_logs", "redact", "redact_value"]

SUMMARY = "summary"
"""The LogRecord attribute of a warning a command's summary prints too: "source" or "run"."""


def log_summary_warning(logger: logging.Logger, warning: str, *, source: str | None = None) -> None:
    """Log a warning a command's summary gives (a sync's, an import's, a check's) — a source's
    (`source: warning`) or, without `source`, the whole run's — so that a log kept alone has it too."""
    if source is None:
        logger.warning("%s", warning, extra={SUMMARY: "run"})
    else:
        logger.warning("%s: %s", source, warning, extra={SUMMARY: "source", "fields": {"source": source}})


class _RedactingFilter(logging.Filter):
    """Every secret masked (`cxbridge.masking`): in the message and in a JSON entry's fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        if isinstance(fields := getattr(record, "fields", None), dict):
            record.fields = redact_data(fields)
        return True


class _ShownOnce(logging.Filter):
    """A summary's warning left out of the log where the summary printed it already: a run's in a
    text log (the command prints it on stderr, the log's stream; a JSON log has it as an entry
    instead), a source's when stdout and stderr are both a terminal (someone reads it there)."""

    def __init__(self, *, runs_printed: bool):
        super().__init__()
        self.runs_printed = runs_printed

    def filter(self, record: logging.LogRecord) -> bool:
        shown = getattr(record, SUMMARY, None)
        if shown == "run":
            return not self.runs_printed
        return shown is None or not (sys.stdout.isatty() and sys.stderr.isatty())


class _Quiet(logging.Filter):
    """-q: errors only — and a run's warnings, which no summary line shows: with a JSON log they
    are its entries alone (`_ShownOnce`), and a user's warning is never dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or getattr(record, SUMMARY, None) == "run"


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(*, fmt: str = "text", verbose: int = 0) -> None:
    """Send cxbridge's log to stderr: warnings by default, info with -v, debug with -vv, errors
    only with `verbose=-1` (-q), a run's warnings aside (`_Quiet`)."""
    level = logging.WARNING - 10 * min(max(verbose, 0), 2)
    handler = logging.StreamHandler(sys.stderr)
    if verbose < 0:
        handler.addFilter(_Quiet())
    handler.addFilter(_ShownOnce(runs_printed=fmt != "json"))
    handler.addFilter(_RedactingFilter())
    handler.setFormatter(_JsonFormatter() if fmt == "json" else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("cxbridge")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def mask_http_client_logs() -> None:
    """Mask secrets in what httpx itself logs (its INFO line names every request's URL, and a
    webhook's URL is its secret), for programs that show other libraries' logs."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, _RedactingFilter) for existing in logger.filters):
            logger.addFilter(_RedactingFilter())

