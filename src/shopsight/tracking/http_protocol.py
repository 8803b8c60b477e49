"""uvicorn's HTTP/1.1 protocol with a deadline for a request's headers.

uvicorn closes an idle keep-alive connection, but a client that sends a request's headers a
byte at a time (or never finishes them) holds its connection, a file descriptor and memory
for ever: a thousand such clients starve every sender. Here a connection whose request
headers are not complete ``header_timeout`` seconds after it opened (or after its previous
response) is closed. Slow bodies are the app's job (the receiver's read timeout, 408).
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT_ENV = "SHOPSIGHT_WEBHOOK_HEADER_TIMEOUT_SECONDS"  # the setting, read per process


_HEADER_TIMEOUT = float(os.environ.get(HEADER_TIMEOUT_ENV, "10"))


class GuardedH11Protocol(H11Protocol):
    """:class:`H11Protocol` that closes connections slow to send their request headers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = _HEADER_TIMEOUT
        self._waiting_since = time.monotonic()
        self._header_check: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._waiting_since = time.monotonic()
        self._schedule_check(self.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_check is not None:
            self._header_check.cancel()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        self._waiting_since = time.monotonic()
        super().on_response_complete()

    def _schedule_check(self, delay: float) -> None:
        self._header_check = self.loop.call_later(delay, self._check_headers)

    def _check_headers(self) -> None:
        if self.transport.is_closing():
            return
        waited = time.monotonic() - self._waiting_since
        if self.conn.their_state == h11.IDLE and waited >= self.header_timeout:
            self.transport.close()
            return
        self._schedule_check(max(self.header_timeout - waited, self.header_timeout / 2))
