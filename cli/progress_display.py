"""The live progress display of `sync` and `import` (`cli.progress`), in rich: imported only
when it is shown."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.filesize import decimal
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn
from rich.text import Text

from cxbridge.events import EventKind, SyncEvent


class SyncDisplay:
    """The progress of each source of a run, kept from its events."""

    def __init__(self, console: Console, *, get_time: Callable[[], float] | None = None):
        self.progress = Progress(
            SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(bar_width=12), Shown(share),
            Shown(amount), Shown(records), Shown(time_left),
            console=console, transient=True, get_time=get_time,
        )  # fmt: skip
        self.tasks: dict[str, TaskID] = {}
        self.totals: dict[TaskID, int] = {}

    def on_event(self, event: SyncEvent) -> None:
        if event.source is None:
            return
        if event.kind is EventKind.SOURCE_STARTED:
            if event.source in self.tasks:  # the same source again (an import of several files into one)
                self.progress.remove_task(self.tasks[event.source])
            self.tasks[event.source] = self.progress.add_task(event.source, total=None, read=0, quarantined=0, unit="")
            return
        task = self.tasks.get(event.source)
        if task is None:
            return
        if event.counts:
            self.progress.update(task, read=event.counts["read"], quarantined=event.counts["quarantined"],
                                 skipped=event.counts.get("skipped", 0))  # fmt: skip
        if event.progress is not None:
            self.totals[task] = event.progress.total
            self.progress.update(task, total=event.progress.total, completed=event.progress.done,
                                 unit=event.progress.unit)  # fmt: skip
        if event.kind in (EventKind.SOURCE_FINISHED, EventKind.SOURCE_FAILED):
            if task in self.totals and event.kind is EventKind.SOURCE_FINISHED:
                self.progress.update(task, completed=self.totals[task])
            self.progress.stop_task(task)


class Shown(ProgressColumn):
    """A column of text made from the task by a function."""

    def __init__(self, text: Callable[[Task], str]):
        super().__init__()
        self.text = text

    def render(self, task: Task) -> Text:
        return Text(self.text(task), no_wrap=True)


def share(task: Task) -> str:
    """`45%` of the whole, where it is known."""
    return f"{task.completed / task.total:>4.0%}" if task.total else ""


def amount(task: Task) -> str:
    """`12.3/27.4 MB` of the files (or `n/m` of another unit), where the whole is known."""
    if not task.total:
        return ""
    if task.fields.get("unit") == "bytes":
        total, done = decimal(int(task.total)), decimal(int(task.completed))
        same_unit = done.partition(" ")[2] == total.partition(" ")[2]
        return f"{done.partition(' ')[0] if same_unit else done}/{total}"
    return f"{int(task.completed):,}/{int(task.total):,} {task.fields.get('unit', '')}".rstrip()


def records(task: Task) -> str:
    """`12,000 read · 2,400/s · 3 quarantined · 15 skipped`: records read a second, on average since
    the source started; records left out on purpose (`sync_runs.records_skipped`) when there are any."""
    read, elapsed, skipped = task.fields.get("read", 0), task.elapsed or 0.0, task.fields.get("skipped", 0)
    rate = f" · {read / elapsed:,.0f}/s" if elapsed > 0 and read else ""
    left_out = f" · {skipped:,} skipped" if skipped else ""
    return f"{read:,} read{rate} · {task.fields.get('quarantined', 0):,} quarantined{left_out}"


def time_left(task: Task) -> str:
    """`ETA 0:01:05` from the average pace since the start, where the whole is known; else the
    time since the start."""
    elapsed = task.elapsed or 0.0
    if task.total and task.completed and not task.finished:
        return "ETA " + _clock(elapsed * (task.total - task.completed) / task.completed)
    return _clock(elapsed)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
