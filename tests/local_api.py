"""Real HTTP servers on 127.0.0.1 for tests: the far end of retry tests and the stand-in of the
SaaS APIs, playing scripted faults before answering — 429 with and without Retry-After, 5xx,
slow answers past the client's timeout, answers that trickle a byte at a time, connections
dropped before or inside a body (`cut_midway` cuts a handler's real answer), bodies cut short."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list → JSON, bytes → as is, str → text
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering
    delay: float = 0.0  # seconds before answering
    cut_at: int | None = None  # send only this many bytes of the body, then close
    drip: float = 0.0  # seconds between the bytes of the body, sent one at a time (a server that trickles)
    drip_headers: bool = False  # with drip: the status line and headers trickle too

    def payload(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json"


@dataclass(frozen=True)
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def target(self) -> str:
        return self.path + (("?" + "&".join(f"{k}={v}" for k, v in self.query.items())) if self.query else "")

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Seen, re.Match[str]], Any]


@dataclass
class Fault:
    reply: Reply
    match: str = ""  # a substring of the path; the fault waits for a request that contains it
    times: int = 1


@dataclass
class FakeApi:
    """Routes (method, path regex) → handler(seen, match) returning a Reply or a JSON body."""

    url: str = ""
    routes: list[tuple[str, re.Pattern[str], Handler]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    requests: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append((method, re.compile(pattern + "$"), handler))
            return handler

        return register

    def fail(self, reply: Reply, *, match: str = "", times: int = 1) -> None:
        """Answer the next `times` requests whose path contains `match` with `reply`."""
        with self.lock:
            self.faults.append(Fault(reply, match, times))

    def answer(self, seen: Seen) -> Reply:
        with self.lock:
            self.requests.append(seen)
            fault = next((f for f in self.faults if f.match in seen.path), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault.reply
        for method, pattern, handler in self.routes:
            if method == seen.method and (match := pattern.match(seen.path)):
                result = handler(seen, match)
                return result if isinstance(result, Reply) else Reply(body=result)
        return Reply(404, {"error": f"no route for {seen.method} {seen.path}"})

    def paths(self, method: str | None = None) -> list[str]:
        return [seen.target for seen in self.requests if method is None or seen.method == method]


def cut_midway(handler: Handler, *, times: int = 1) -> Handler:
    """`handler`, whose next `times` answers are sent with their headers and half of their real
    body before the connection closes: a page dropped in the middle of its body."""
    left = [times]

    def answer(seen: Seen, match: re.Match[str]) -> Reply:
        result = handler(seen, match)
        reply = result if isinstance(result, Reply) else Reply(body=result)
        if left[0] <= 0 or reply.status >= 300:
            return reply
        left[0] -= 1
        return replace(reply, cut_at=len(reply.payload()[0]) // 2)

    return answer


@contextmanager
def fake_api() -> Iterator[FakeApi]:
    """A FakeApi served on 127.0.0.1 for the duration of the block."""
    api = FakeApi()
    with serving(_handler_for(api)) as api.url:
        yield api


def _handler_for(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in two writes: without it each answer waits ~40 ms for an ACK

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen = Seen(self.command, parts.path, dict(parse_qsl(parts.query)), dict(self.headers.items()), body)
            try:
                _send(self, api.answer(seen))
            except (BrokenPipeError, ConnectionResetError):  # the client gave up first (a timeout test)
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815 (http.server's names)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    if reply.delay:
        time.sleep(reply.delay)
    if reply.drop:
        handler.close_connection = True
        handler.connection.close()
        return
    payload, content_type = reply.payload()
    if reply.drip:
        _drip(handler, reply, payload, content_type)
        return
    handler.send_response(reply.status)
    for name, value in {"Content-Type": content_type, **reply.headers}.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    if reply.cut_at is not None:
        handler.wfile.write(payload[: reply.cut_at])
        handler.wfile.flush()
        handler.close_connection = True
        handler.connection.close()
        return
    handler.wfile.write(payload)


def _drip(handler: BaseHTTPRequestHandler, reply: Reply, payload: bytes, content_type: str) -> None:
    """The answer a byte at a time, `reply.drip` seconds apart, until it is sent or the client
    hangs up: every read the client makes gets something well within its timeout."""
    head = f"HTTP/1.1 {reply.status} OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in reply.headers.items()) + "\r\n"
    answer, start = head.encode() + payload, 0 if reply.drip_headers else len(head)
    handler.wfile.write(answer[:start])
    handler.wfile.flush()
    for offset in range(start, len(answer)):
        time.sleep(reply.drip)
        handler.wfile.write(answer[offset : offset + 1])
        handler.wfile.flush()


@contextmanager
def local_api(answer: Callable[[str], Any], faults: list[Reply] | None = None) -> Iterator[FakeApi]:
    """Serve `answer(path with query)` as JSON to every GET; the first requests get `faults`."""
    with fake_api() as api:
        api.route("GET", ".*")(lambda seen, _: answer(seen.target))
        for reply in faults or []:
            api.fail(reply)
        yield api


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 in a thread until the block ends; yield the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


class Latency:
    """Every answer of a fake API held back `seconds` (an API far away, or slow to page),
    counting the requests in flight at the same moment (`most`)."""

    def __init__(self, api: FakeApi, seconds: float):
        self.seconds, self.in_flight, self.most = seconds, 0, 0
        self._lock = threading.Lock()
        api.routes = [(method, pattern, self.wrap(handler)) for method, pattern, handler in api.routes]

    def wrap(self, handler):
        def late(seen, match):
            with self._lock:
                self.in_flight += 1
                self.most = max(self.most, self.in_flight)
            try:
                time.sleep(self.seconds)
                return handler(seen, match)
            finally:
                with self._lock:
                    self.in_flight -= 1

        return late
