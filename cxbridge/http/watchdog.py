"""Bounding a whole answer. `timeout` bounds each read of an answer, not the answer: a server
that drips a byte a second holds a request for as long as it likes. A `Watchdog` thread does:
when a request outlives its bound, it shuts down the connections the client opened (found
through httpcore's `trace` extension as they open), so the blocked read ends at once and the
request fails. Only the request running is in the middle of a read; idle pooled connections it
shuts down too are found closed and replaced."""

from __future__ import annotations

import socket
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

_CONNECTED = frozenset({"connection.connect_tcp.complete", "connection.start_tls.complete"})


class Watchdog:
    """One per client, for requests made one at a time; its thread starts with the first bound."""

    def __init__(self) -> None:
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._wake = threading.Condition()
        self._due: float | None = None
        self._fired = False
        self._closed = False
        self._thread: threading.Thread | None = None

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's `trace` request extension: keep each socket the client connects."""
        if event in _CONNECTED and (stream := info.get("return_value")) is not None:
            if (sock := stream.get_extra_info("socket")) is not None:
                self._sockets.add(sock)

    @contextmanager
    def bound(self, seconds: float) -> Iterator[None]:
        """Cut the client's connections if the block still runs after `seconds`."""
        with self._wake:
            self._due, self._fired = time.monotonic() + seconds, False
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="cxbridge-http-watchdog", daemon=True)
                self._thread.start()
            self._wake.notify()
        try:
            yield
        finally:
            with self._wake:
                self._due = None
                self._wake.notify()

    @property
    def fired(self) -> bool:
        """Whether the last bound ran out (and so cut the connections)."""
        return self._fired

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()

    def _watch(self) -> None:
        with self._wake:
            while not self._closed:
                if self._due is None:
                    self._wake.wait()
                elif (left := self._due - time.monotonic()) > 0:
                    self._wake.wait(left)
                else:
                    self._due, self._fired = None, True
                    for sock in list(self._sockets):
                        with suppress(OSError):
                            sock.shutdown(socket.SHUT_RDWR)
