"""A real local SMTP server (aiosmtpd) and the mail it received, for tests whose mail goes
out through SMTP: the integration tests and the live demo the browser tests use."""

from __future__ import annotations

import email
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.live import free_port, wait_until

LOGIN, SECRET = b"shudu", b"s3cret"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.port = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, email.message.EmailMessage)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def wait_for(self, to: str, seconds: float = 30) -> email.message.EmailMessage:
        """The newest message to ``to``, waiting for it to arrive."""
        wait_until(lambda: self._to(to), f"a mail to {to} arriving", seconds)
        return self._to(to)[-1]

    def _to(self, to: str) -> list[email.message.EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == to]

    @staticmethod
    def text(message: email.message.EmailMessage) -> str:
        body = message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())


def _check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and data.login == LOGIN and data.password == SECRET
    return AuthResult(success=ok)


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    """An SMTP server on a free loopback port (a login is offered, not required)."""
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=inbox.port,
        authenticator=_check_login,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
