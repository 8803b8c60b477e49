"""A receiver process: the uvicorn app factory behind `shopsight tracking serve`.

Each process (one, or several with ``--workers``) spools into its own folder
``<spool-dir>/worker-<pid>`` and runs its own flusher. It holds an exclusive lock on the
folder's ``.owner.lock`` for as long as it lives; the kernel releases it when the process
dies, however it dies, so "the owner is gone" never depends on a PID that may have been
reused. On start, a process claims the folders whose lock is free (an atomic rename, so
exactly one claims each) and uploads what they left: an event acknowledged by a worker
that was killed is still delivered.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO, Any

from fastapi import FastAPI

from shopsight.config import Settings
from shopsight.storage import Bucket
from shopsight.tracking.receiver import Flusher, create_app
from shopsight.tracking.spool import Spool

# How `serve` hands its options to worker processes (uvicorn starts them by import string).
SPOOL_DIR_ENV = "SHOPSIGHT_RECEIVER_SPOOL_DIR"
FLUSH_SECONDS_ENV = "SHOPSIGHT_RECEIVER_FLUSH_SECONDS"


OWNER_LOCK = ".owner.lock"


def hold_folder(folder: Path) -> IO[str]:
    """Create ``folder`` and lock it for this process; keep the returned file open."""
    while True:
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / OWNER_LOCK, "a")  # noqa: SIM115 - held for the process's life
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:  # still the folder's lock file (not renamed away by a recovering process)?
            if os.stat(folder / OWNER_LOCK).st_ino == os.fstat(handle.fileno()).st_ino:
                return handle
        except FileNotFoundError:
            pass
        handle.close()


def _owned(folder: Path) -> bool:
    """Whether a live process holds the folder's lock (a folder without one: its PID)."""
    lock = folder / OWNER_LOCK
    if not lock.exists():
        return _alive(int(folder.name.split("-")[1]))
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_orphans(root: Path, bucket: Bucket) -> int:
    """Upload and remove the spool folders no live process holds; returns how many events
    they held."""
    recovered = 0
    for folder in sorted(root.glob("worker-*")) + sorted(root.glob("recovering-*")):
        if folder.name == f"worker-{os.getpid()}" or _owned(folder):
            continue
        claimed = root / f"recovering-{os.getpid()}-{folder.name}"
        try:
            os.rename(folder, claimed)
        except OSError:  # another process claimed it first
            continue
        with hold_folder(claimed):
            recovered += Spool(claimed, bucket).flush().events
        shutil.rmtree(claimed)
    return recovered


def create_worker_app() -> Any:
    """uvicorn's factory: this process's spool, flusher and app."""
    settings = Settings()
    root = Path(os.environ[SPOOL_DIR_ENV])
    bucket = Bucket(settings.bucket, settings)
    root.mkdir(parents=True, exist_ok=True)
    own = root / f"worker-{os.getpid()}"
    lock = hold_folder(own)  # before recovering, so no other process takes this folder
    recover_orphans(root, bucket)
    spool = Spool(own, bucket)
    flusher = Flusher(spool, float(os.environ[FLUSH_SECONDS_ENV]))

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        gc.freeze()  # startup objects out of the collector: shorter pauses under load
        flusher.start()
        try:
            yield
        finally:
            flusher.stop()
            spool.close()
            lock.close()

    return create_app(
        spool,
        settings.webhook_secrets(),
        settings.webhook_max_body_bytes,
        lifespan=lifespan,
        read_timeout=settings.webhook_read_timeout_seconds,
    )
