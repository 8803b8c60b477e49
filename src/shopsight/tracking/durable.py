"""Group commit for the receiver's event loop: many requests, one fsync, no thread each.

A request writes its event to the spool in the event loop (one buffered write) and awaits
the fsync that covers it. One fsync at a time runs in a worker thread; when it returns,
every request whose record it covered is answered, and if more arrived meanwhile the next
fsync starts at once. A request is still acknowledged only after its own record is on disk.
"""

from __future__ import annotations

import asyncio
from typing import Any

from shopsight.tracking.spool import Spool


class GroupCommit:
    """Durable appends to ``spool`` for coroutines of one event loop."""

    def __init__(self, spool: Spool) -> None:
        self.spool = spool
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self._syncing = False

    async def append(self, kind: str, record: dict[str, Any]) -> None:
        """Return once ``record`` is durable; raise if its fsync failed (not acknowledged)."""
        await self._durable(self.spool.write(kind, record))

    async def append_line(self, kind: str, line: bytes) -> None:
        """:meth:`append` for a record already encoded as one line of JSON."""
        await self._durable(self.spool.write_line(kind, line))

    async def _durable(self, mine: int) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._waiting.append((mine, done))
        if not self._syncing:
            self._start(loop)
        await done

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._syncing = True
        loop.run_in_executor(None, self.spool.sync).add_done_callback(
            lambda finished: self._finished(loop, finished)
        )

    def _finished(self, loop: asyncio.AbstractEventLoop, finished: asyncio.Future[int]) -> None:
        self._syncing = False
        error = finished.exception()
        durable = -1 if error else finished.result()
        still = []
        for mine, done in self._waiting:
            if done.done():  # the client went away
                continue
            if error is not None:
                done.set_exception(error)
            elif mine <= durable:
                done.set_result(None)
            else:
                still.append((mine, done))
        self._waiting = still
        if still:
            self._start(loop)
