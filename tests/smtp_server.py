"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives: the e-mail action's
far end, with AUTH over a plain connection so that a test can check the login it gets."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:  # an environment installed before aiosmtpd joined [test]
    Controller = None


@dataclass
class Received:
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: dict[str, list[str]] = field(default_factory=dict)  # Message-ID → RCPT TO addresses
    logins: list[tuple[str, str]] = field(default_factory=list)


def free_port() -> int:
    """A port free on 127.0.0.1 now (aiosmtpd's controller checks its server on the port it is given)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(
    *, username: str | None = None, password: str | None = None, unknown: frozenset[str] = frozenset()
) -> Iterator[Received]:
    """`unknown`: addresses refused at RCPT TO (550), as a mailbox that no longer exists is."""
    if Controller is None:
        pytest.fail("aiosmtpd is not installed: pip install -e '.[test]'")
    received = Received()

    class Handler:
        async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:  # noqa: N802
            if address in unknown:
                return "550 5.1.1 No such user here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
            message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            received.messages.append(message)  # type: ignore[arg-type]
            received.envelopes[message["Message-ID"]] = list(envelope.rcpt_tos)
            return "250 OK"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            given = (data.login.decode(), data.password.decode())
            received.logins.append(given)
            return AuthResult(success=given == (username, password), handled=False)
        return AuthResult(success=False, handled=False)

    options = {"authenticator": authenticate, "auth_require_tls": False} if username else {}
    received.port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=received.port, **options)
    controller.start()
    try:
        yield received
    finally:
        controller.stop()
