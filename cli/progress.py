"""A live progress display for `sync` and `import` on a terminal (silent when stderr is not one):
a line per source with its records read, records/s, quarantined and skipped (left out on purpose), and — where the stream knows
its whole (a file source: the bytes of its files) — a bar, a percentage and the time left
(`progress_display`, imported only when it is shown: rich stays out of a `--no-progress` sync's
memory).

It is updated after each committed batch; rates and the time left are averages since the
source started (records/s = records read ÷ seconds; time left = seconds × part left ÷ part done).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from cxbridge.events import SyncEvent

from . import output


@contextmanager
def sync_progress(*, enabled: bool) -> Iterator[Callable[[SyncEvent], None] | None]:
    """The progress callback for `cxbridge.sync(on_progress=…)`, or None when there is nothing to show it on."""
    if not enabled or not output.stderr().is_terminal:
        yield None
        return
    from .progress_display import SyncDisplay

    display = SyncDisplay(output.stderr())
    with display.progress:
        yield display.on_event
