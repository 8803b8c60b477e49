"""A receiver process: the uvicorn app factory behind `shopsight tracking serve`.

Each process (one, or several with ``--workers``) spools into its own folder
``<spool-dir>/worker-<pid>`` and runs its own flusher. On start, a process claims the folders
of processes that are gone (an atomic rename, so exactly one claims each) and uploads what
they left: an event acknowledged by a worker that was killed is still delivered.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI

from shopsight.config import Settings
from shopsight.storage import Bucket
from shopsight.tracking.receiver import Flusher, create_app
from shopsight.tracking.spool import Spool

# How `serve` hands its options to worker processes (uvicorn starts them by import string).
SPOOL_DIR_ENV = "SHOPSIGHT_RECEIVER_SPOOL_DIR"
FLUSH_SECONDS_ENV = "SHOPSIGHT_RECEIVER_FLUSH_SECONDS"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_orphans(root: Path, bucket: Bucket) -> int:
    """Upload and remove the spool folders of processes that no longer run; returns how many
    events they held."""
    recovered = 0
    for folder in sorted(root.glob("worker-*")) + sorted(root.glob("recovering-*")):
        owner = int(folder.name.split("-")[1])
        if owner == os.getpid() or _alive(owner):
            continue
        claimed = root / f"recovering-{os.getpid()}-{folder.name}"
        try:
            os.rename(folder, claimed)
        except OSError:  # another process claimed it first
            continue
        recovered += Spool(claimed, bucket).flush().events
        shutil.rmtree(claimed)
    return recovered


def create_worker_app() -> FastAPI:
    """uvicorn's factory: this process's spool, flusher and app."""
    settings = Settings()
    root = Path(os.environ[SPOOL_DIR_ENV])
    bucket = Bucket(settings.bucket, settings)
    root.mkdir(parents=True, exist_ok=True)
    recover_orphans(root, bucket)
    spool = Spool(root / f"worker-{os.getpid()}", bucket)
    flusher = Flusher(spool, float(os.environ[FLUSH_SECONDS_ENV]))

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        flusher.start()
        try:
            yield
        finally:
            flusher.stop()
            spool.close()

    return create_app(
        spool, settings.webhook_secrets(), settings.webhook_max_body_bytes, lifespan=lifespan
    )
