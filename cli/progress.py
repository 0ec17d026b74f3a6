"""A live progress display for long syncs on a terminal; silent when output is not a terminal."""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Callable, Iterator

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from cxbridge.events import EventKind, SyncEvent

from . import output


@contextmanager
def sync_progress(*, enabled: bool) -> Iterator[Callable[[SyncEvent], None] | None]:
    if not enabled or not output.stderr().is_terminal:
        yield None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
        console=output.stderr(),
        transient=True,
    ) as progress:
        tasks: dict[str, int] = {}

        def on_event(event: SyncEvent) -> None:
            if event.source is None:
                return
            if event.kind is EventKind.SOURCE_STARTED:
                tasks[event.source] = progress.add_task(event.source, counts="starting…", total=None)
            elif event.source in tasks and event.counts:
                counts = event.counts
                text = f"{counts['read']:,} read · {counts['written']:,} written · {counts['quarantined']:,} quarantined"
                progress.update(tasks[event.source], counts=text)

        yield on_event
