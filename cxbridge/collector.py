"""Python's cycle collector during a sync: the objects alive when it starts (modules, config,
plugins) are frozen out of its scans, and it runs after 200,000 new container objects rather
than 700. A batch's rows are freed by reference counting as soon as it is written, so the scans
found nearly nothing to free and cost about a tenth of a sync's CPU time (issue 19). A batch of
10,000 API responses holds about 100,000 containers until it is written: at 50,000, each batch
was scanned about twice (≈ 12,000 instructions a response); at 200,000, a 100,000-response
Qualtrics sync runs no collection at all."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SYNC_THRESHOLD = (200_000, 20, 100)
_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Within it, the collector tuned for a sync; the threshold before it is restored on leaving
    (the outermost one restores, when syncs in threads overlap) and frozen objects are released."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()  # type: ignore[assignment]
            gc.freeze()
            gc.set_threshold(*SYNC_THRESHOLD)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                gc.unfreeze()
                _saved = None
