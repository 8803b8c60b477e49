"""uvicorn's HTTP/1.1 protocol with a deadline for a request's headers.

uvicorn closes an idle keep-alive connection, but a client that sends a request's headers a
byte at a time (or never finishes them) holds its connection, a file descriptor and memory
for ever: a thousand such clients starve every sender. Here a connection whose request
headers are not complete ``header_timeout`` seconds after it opened (or after its previous
response) is closed. Slow bodies are the app's job (the receiver's read timeout, 408).

It is uvicorn's httptools protocol (what uvicorn itself prefers: several times faster than
h11), passed by class so ``--workers`` can hand it to its processes.
"""

from __future__ import annotations

import asyncio
import os
import time

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEADER_TIMEOUT_ENV = "SHOPSIGHT_WEBHOOK_HEADER_TIMEOUT_SECONDS"  # the setting, read per process
_HEADER_TIMEOUT = float(os.environ.get(HEADER_TIMEOUT_ENV, "10"))


class _HeaderDeadline:
    """The deadline, for a protocol class that reports when a request's headers are in."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def _start_deadline(self) -> None:
        self._waiting_since = time.monotonic()
        self._headers_in = False
        self._check: asyncio.TimerHandle | None = None
        self._schedule(_HEADER_TIMEOUT)

    def _restart_deadline(self) -> None:
        self._waiting_since = time.monotonic()
        self._headers_in = False

    def _stop_deadline(self) -> None:
        if self._check is not None:
            self._check.cancel()

    def _schedule(self, delay: float) -> None:
        self._check = self.loop.call_later(delay, self._check_headers)

    def _check_headers(self) -> None:
        if self.transport.is_closing():
            return
        waited = time.monotonic() - self._waiting_since
        if not self._headers_in and waited >= _HEADER_TIMEOUT:
            self.transport.close()
            return
        self._schedule(max(_HEADER_TIMEOUT - waited, _HEADER_TIMEOUT / 2))


class GuardedHttpToolsProtocol(_HeaderDeadline, HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections slow to send their headers."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadline()
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        self._headers_in = True
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._restart_deadline()
        super().on_response_complete()
