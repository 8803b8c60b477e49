"""The receiver's spool: events are durable on local disk before they are acknowledged, and
reach the bucket in batches.

Accepted events are appended, one JSON line each, to the open segment and fsynced before
the caller answers 2xx (one fsync covers the records of every caller that wrote meanwhile:
group commit). :meth:`Spool.flush` closes the open segment and uploads every closed
segment as one gzip object named after its first event's time and a hash of its content, so
an upload repeated after a crash writes the same object again instead of a second copy. A
segment is deleted only after its upload succeeded. On start, whatever a previous process
left is uploaded by the next flush; a last line without its newline was never acknowledged
(the process died while writing it) and is dropped.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopsight.failpoints import failpoint
from shopsight.storage import Bucket

PREFIXES = {"event": "raw/aftership/webhooks", "dead_letter": "raw/aftership/dead_letter"}


@dataclass
class FlushResult:
    objects: list[str]
    events: int


class Spool:
    """Append-only segments under ``folder``; one open segment per kind at a time."""

    def __init__(self, folder: Path, bucket: Bucket, max_segment_bytes: int = 8 << 20) -> None:
        self.folder = folder
        self.bucket = bucket
        self.max_segment_bytes = max_segment_bytes
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._synced = threading.Condition(self._lock)
        self._flush_lock = threading.Lock()
        self._written = self._durable = 0  # records written to the OS, and fsynced
        self._syncing = False
        self._dirty: dict[str, Any] = {}  # open segments written since the last fsync
        self._open: dict[str, Any] = {}
        self._sequence = max((int(p.name.split("-")[1]) for p in self._segments()), default=0)
        self.spooled = 0
        self.flushed = 0
        self.oldest_unflushed: float | None = time.time() if self._segments() else None

    def append(self, kind: str, record: dict[str, Any]) -> None:
        """Write one record and return once it is durable (fsynced) in its segment.

        Group commit: one fsync covers every record written while the previous fsync ran,
        so concurrent callers share it; each still returns only after the fsync that covers
        its own record.
        """
        self.write(kind, record)
        self.sync()

    def write(self, kind: str, record: dict[str, Any]) -> int:
        """Write one record to the open segment (not yet durable); returns its sequence
        number for :meth:`sync`. Cheap enough for an event loop: one buffered write."""
        line = json.dumps(record, separators=(",", ":"), sort_keys=True).encode()
        return self.write_line(kind, line)

    def write_line(self, kind: str, line: bytes) -> int:
        """:meth:`write` for a record already encoded as one line of JSON (no newline)."""
        line += b"\n"
        with self._lock:
            handle = self._open.get(kind)
            if handle is None:
                self._sequence += 1
                path = self.folder / f"segment-{self._sequence:012d}-{kind}.jsonl"
                handle = self._open[kind] = open(path, "ab")  # noqa: SIM115 - kept open
            handle.write(line)
            handle.flush()
            self._written += 1
            self._dirty[kind] = handle
            self.spooled += 1
            if self.oldest_unflushed is None:
                self.oldest_unflushed = time.time()
            if handle.tell() >= self.max_segment_bytes:
                self._close(kind)
            return self._written

    def sync(self) -> int:
        """Fsync what was written (or wait for the fsync under way); returns the sequence
        number through which every record is durable."""
        with self._lock:
            target = self._written
            while self._durable < target:
                if self._syncing:
                    self._synced.wait()
                else:
                    self._sync_written()
            return self._durable

    def _sync_written(self) -> None:
        """Fsync every segment written to since the last fsync (called holding the lock,
        which is released during the fsync so that other records can be written)."""
        self._syncing = True
        target = self._written
        dirty, self._dirty = self._dirty, {}
        copies = [os.dup(handle.fileno()) for handle in dirty.values()]
        self._lock.release()
        try:
            for descriptor in copies:
                os.fsync(descriptor)
        except BaseException:
            self._lock.acquire()
            self._dirty = {**dirty, **self._dirty}  # not durable: the next syncer retries
            self._syncing = False
            self._synced.notify_all()
            raise
        finally:
            for descriptor in copies:
                os.close(descriptor)
        self._lock.acquire()
        self._syncing = False
        self._durable = max(self._durable, target)
        self._synced.notify_all()

    def flush(self) -> FlushResult:
        """Close the open segments, upload every closed one, delete what was uploaded."""
        with self._flush_lock:
            with self._lock:
                for kind in list(self._open):
                    self._close(kind)
                # Listed under the lock: a segment an append opens after it is released is
                # not in this list (listed later, it could be uploaded half-written and then
                # deleted while the append goes on writing acknowledged events into it).
                closed = self._segments()
            objects, events = [], 0
            for segment in closed:
                failpoint("spool.before_upload")
                uploaded = self._upload(segment)
                failpoint("spool.after_upload")
                if uploaded:
                    objects.append(uploaded[0])
                    events += uploaded[1]
                segment.unlink()
            with self._lock:
                self.flushed += events
                if not self._open and not self._segments():
                    self.oldest_unflushed = None
            return FlushResult(objects, events)

    def close(self) -> None:
        with self._lock:
            for kind in list(self._open):
                self._close(kind)

    def _close(self, kind: str) -> None:
        handle = self._open.pop(kind)
        self._dirty.pop(kind, None)
        handle.flush()
        os.fsync(handle.fileno())  # whatever it holds is durable once it is closed
        handle.close()

    def _segments(self) -> list[Path]:
        open_paths = {Path(h.name) for h in self._open.values()}
        return sorted(p for p in self.folder.glob("segment-*.jsonl") if p not in open_paths)

    def _upload(self, segment: Path) -> tuple[str, int] | None:
        data = segment.read_bytes()
        if not data.endswith(b"\n"):  # the unacknowledged tail of a crashed write
            data = data[: data.rfind(b"\n") + 1]
        if not data:
            return None
        kind = segment.stem.split("-", 2)[2]
        first = json.loads(data[: data.index(b"\n")])
        received = datetime.fromisoformat(first["received_at"]).astimezone(UTC)
        batch_id = hashlib.sha256(data).hexdigest()[:16]
        key = (
            f"{PREFIXES[kind]}/dt={received:%Y-%m-%d}/hour={received:%H}/"
            f"{received:%Y%m%dT%H%M%S%fZ}-{batch_id}.jsonl.gz"
        )
        if not self.bucket.exists(key):
            self.bucket.write_bytes(key, gzip.compress(data, mtime=0))
        return key, data.count(b"\n")
