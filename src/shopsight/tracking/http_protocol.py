"""uvicorn's HTTP/1.1 protocol with a deadline and a size cap for a request's headers.

uvicorn closes an idle keep-alive connection, but a client that sends a request's headers a
byte at a time (or never finishes them) holds its connection, a file descriptor and memory
for ever: a thousand such clients starve every sender. Here a connection whose request
headers are not complete ``header_timeout`` seconds after it opened (or after its previous
response) is closed. Slow bodies are the app's job (the receiver's read timeout, 408).

The parser keeps a request line and headers in memory until they end, and they need not
end: a client sending one 68 MiB header held 68 MiB until the deadline. Past
``max_header_bytes`` of a request's line and headers the client gets 431 and the connection
closes, so a connection holds at most the cap plus one read (64 KiB).

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
MAX_HEADER_BYTES_ENV = "SHOPSIGHT_WEBHOOK_MAX_HEADER_BYTES"
_MAX_HEADER_BYTES = int(os.environ.get(MAX_HEADER_BYTES_ENV, str(64 << 10)))
_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
)


class _HeaderDeadline:
    """The deadline, for a protocol class that reports when a request's headers are in."""

    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def _start_deadline(self) -> None:
        self._waiting_since = time.monotonic()
        self._headers_in = False
        self._header_bytes = 0
        self._check: asyncio.TimerHandle | None = None
        self._schedule(_HEADER_TIMEOUT)

    def _restart_deadline(self) -> None:
        self._waiting_since = time.monotonic()
        self._headers_in = False
        self._header_bytes = 0

    def _past_header_cap(self, size: int) -> bool:
        """Count bytes read before the headers end; True (431 sent, connection closing)
        once they pass the cap while the headers still have not ended."""
        self._header_bytes += size
        if self._headers_in or self._header_bytes <= _MAX_HEADER_BYTES:
            return False
        message = f"request line and headers exceed {_MAX_HEADER_BYTES} bytes\n".encode()
        self.transport.write(_TOO_LARGE + b"content-length: %d\r\n\r\n" % len(message) + message)
        self.transport.close()
        return True

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
    """uvicorn's httptools protocol, closing connections slow to send their headers or
    sending too many of them."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._headers_in:
            super().data_received(data)
        elif not self.transport.is_closing():
            super().data_received(data)  # a read may end the headers and start the body
            self._past_header_cap(len(data))

    def on_headers_complete(self) -> None:
        self._headers_in = True
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self._restart_deadline()
        super().on_response_complete()
