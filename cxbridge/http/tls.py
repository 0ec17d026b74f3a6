"""Certificate verification of every API connection: one SSL context per process, built on first
use. httpx builds a fresh one for every transport — reading the whole CA bundle, about 27 ms of
CPU — and a run opens a client per source, a test suite hundreds. The context is httpx's own
(`httpx.create_ssl_context()`: certifi's bundle, or `SSL_CERT_FILE`/`SSL_CERT_DIR` when set), so
verification is exactly as strict; a change of those variables builds a context of its own."""

from __future__ import annotations

import os
import ssl
import threading

import httpx

create_ssl_context = httpx.create_ssl_context  # a module attribute: tests count the contexts built

_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}
_building = threading.Lock()


def default_context() -> ssl.SSLContext:
    """The verifying context httpx would build now, built once per CA setting. Shared by HTTP/1.1
    transports only: httpcore sets the context's ALPN protocols on every connection, the same
    `http/1.1` each time."""
    where = (os.environ.get("SSL_CERT_FILE") or None, os.environ.get("SSL_CERT_DIR") or None)
    context = _contexts.get(where)
    if context is None:
        with _building:
            context = _contexts.get(where)
            if context is None:
                context = _contexts[where] = create_ssl_context()
    return context


def transport(verify: ssl.SSLContext | bool | None = None) -> httpx.HTTPTransport:
    """An HTTP/1.1 transport that verifies with the shared context, or with `verify` when given
    (an `ssl.SSLContext` of the caller's, or False to turn verification off)."""
    return httpx.HTTPTransport(verify=default_context() if verify is None or verify is True else verify)
