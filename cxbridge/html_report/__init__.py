"""`cxbridge report --html FILE`: the report as one self-contained HTML page — trends with
confidence bands, the store ranking, the criteria heatmap, the follow-up queues and comments —
one module per section, each reading the destination with the report's filters."""

from __future__ import annotations

from pathlib import Path

from cxbridge.destinations import Destination
from cxbridge.errors import ConfigError
from cxbridge.local_files import refuse_a_missing_folder, written_by_name
from cxbridge.reporting import SEQUENCES, ReportOptions

from .page import html_page


def write_html_report(destination: Destination, options: ReportOptions, path: str | Path) -> Path:
    """Write the report of the (open) destination to `path` and return it."""
    if options.by not in SEQUENCES:
        raise ConfigError(f"--html draws trends over time: use --by {', '.join(SEQUENCES[:-1])} or {SEQUENCES[-1]}, "
                          f"not {options.by!r}")  # fmt: skip
    target = Path(path).expanduser()
    refuse_a_missing_folder(f"--html {path}", target.parent)
    page = html_page(destination, options)
    with written_by_name(f"--html {path}"):
        target.write_text(page, encoding="utf-8")
    return target
