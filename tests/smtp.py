"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, counting what it gets."""

from __future__ import annotations

import email
import socket
from collections import Counter
from email.message import Message

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nothing listens on now (aiosmtpd's Controller cannot take port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, received: list[Message]):
        self.received = received

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received.append(
            email.message_from_bytes(envelope.original_content or envelope.content)
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    """Start, stop and start again on the same port; `received` survives restarts."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.received: list[Message] = []
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            _Handler(self.received), hostname="127.0.0.1", port=self.port, ready_timeout=5
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def message_ids(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.received)

    def by_recipient(self) -> Counter:
        return Counter(m["To"] for m in self.received)

    def subjects_to(self, address: str) -> list[str]:
        return [m["Subject"] for m in self.received if m["To"] == address]
