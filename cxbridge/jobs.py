"""`sync --jobs N`: up to N sources at once, each in a thread (API sources spend their time
waiting for pages, so threads are enough).

A destination that takes concurrent writers (`Destination.concurrent_writers`) gives each source
its own connection, and so its own transactions. Any other is shared through `SharedWriter`: one
connection whose calls take turns, so the sources read in parallel while their writes queue.
Each source's batches are the same transactions, with the same cursors, as in a serial run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from cxbridge.destinations import Destination
from cxbridge.errors import CxbridgeError
from cxbridge.pipeline import Engine
from cxbridge.source_result import SourceResult
from cxbridge.sources import Source


class SharedWriter:
    """One destination used by several threads: every call holds one lock, and `exclusive`
    holds it across the calls of a section (reentrant, so they still go through) together with
    the destination's own `exclusive`, which keeps other processes out (BigQuery's and
    Snowflake's lock rows)."""

    def __init__(self, destination: Destination):
        self._destination = destination
        self._turn = threading.RLock()

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        with self._turn, self._destination.exclusive(name):
            yield

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._destination, name)
        if not callable(value):
            return value

        def in_turn(*args: Any, **kwargs: Any) -> Any:
            with self._turn:
                return value(*args, **kwargs)

        return in_turn


def run_sources(engine: Engine, sources: dict[str, Source], *, jobs: int = 1) -> list[SourceResult]:
    """Every source run by `engine` (its results in the order given), up to `jobs` at a time."""
    if jobs <= 1 or len(sources) <= 1:
        return [engine.run_source(name, source) for name, source in sources.items()]
    run_one = _own_connection if engine.destination.concurrent_writers and not engine.options.dry_run else _shared
    shared = SharedWriter(engine.destination)
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="cxbridge-source")
    futures: list[Future[SourceResult]] = [
        pool.submit(run_one, engine, shared, name, source, running=list(sources)) for name, source in sources.items()
    ]
    try:
        results = [future.result() for future in futures]
    except BaseException as exc:  # Ctrl-C, SIGTERM (or a bug): the running sources stop at their next record
        engine.stopping.stop(exc)
        pool.shutdown(wait=True, cancel_futures=True)
        _close_unstarted(sources, futures)
        raise
    pool.shutdown(wait=True)
    return results


def _shared(engine: Engine, shared: SharedWriter, name: str, source: Source, *, running: list[str]) -> SourceResult:
    return engine.beside(shared, running=running).run_source(name, source)  # type: ignore[arg-type]


def _own_connection(
    engine: Engine, shared: SharedWriter, name: str, source: Source, *, running: list[str]
) -> SourceResult:
    own = engine.destination.beside()
    try:
        own.open()
    except CxbridgeError as exc:
        source.close()
        own.close()
        return SourceResult(source=name, connector=source.name, status="failed", error=f"cannot connect: {exc}")
    with own:
        return engine.beside(own, running=running).run_source(name, source)


def _close_unstarted(sources: dict[str, Source], futures: list[Future[SourceResult]]) -> None:
    """Sources close when their run ends; those a stopped run never started close here."""
    for source, future in zip(sources.values(), futures, strict=True):
        if future.cancelled():
            source.close()
