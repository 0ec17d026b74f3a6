"""A real HTTP server on 127.0.0.1 that plays scripted faults before answering: the far end of
retry tests (429 with Retry-After, 5xx, dropped connections)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class LocalApi:
    url: str
    faults: list[Reply]
    requests: list[str] = field(default_factory=list)


@contextmanager
def local_api(answer: Callable[[str], Any], faults: list[Reply] | None = None) -> Iterator[LocalApi]:
    """Serve `answer(path)` as JSON; the first requests get `faults` instead, one each."""
    api = LocalApi(url="", faults=list(faults or []))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            api.requests.append(self.path)
            reply = api.faults.pop(0) if api.faults else Reply(body=answer(self.path))
            if reply.drop:
                self.connection.close()
                return
            payload = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            for name, value in {"Content-Type": "application/json", **reply.headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as api.url:
        yield api


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 in a thread until the block ends; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
