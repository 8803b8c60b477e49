"""The ingest's scratch folders: where a batch's files are copied for DuckDB's CSV reader.

A folder lives under ShopSight's state folder (``<state_dir>/scratch/ingest-<random>``), not
the system's temporary folder, and is removed when its batch is read. Its process holds an
exclusive lock on ``ingest-<random>.lock`` beside it, taken before the folder exists; the
kernel releases the lock when the process dies, however it dies. A process killed while
reading leaves its folder behind, at 30 M orders up to a batch of files (hundreds of
megabytes): the next ingest removes every folder whose lock is free. A PID is not used to
tell, because a later process may be given the same one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shopsight.config import Settings

LOCK = ".lock"


@contextmanager
def scratch_folder() -> Iterator[str]:
    """A fresh folder, removed when the block ends; abandoned ones are removed first."""
    root = Path(Settings().state_dir) / "scratch"
    root.mkdir(parents=True, exist_ok=True)
    remove_abandoned(root)
    handle, lock = tempfile.mkstemp(prefix="ingest-", suffix=LOCK, dir=root)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        folder = lock.removesuffix(LOCK)
        os.mkdir(folder)
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            Path(lock).unlink(missing_ok=True)
    finally:
        os.close(handle)


def remove_abandoned(root: Path) -> list[str]:
    """Remove the scratch folders under ``root`` whose process has ended (their lock is
    free), and their locks; returns the folders' names."""
    removed = []
    for lock in sorted(root.glob(f"*{LOCK}")):
        try:
            handle = os.open(lock, os.O_RDWR)
        except FileNotFoundError:  # removed by its owner, or by another ingest, meanwhile
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # its process is running
            os.close(handle)
            continue
        folder = root / lock.name.removesuffix(LOCK)
        shutil.rmtree(folder, ignore_errors=True)
        lock.unlink(missing_ok=True)
        os.close(handle)
        removed.append(folder.name)
    return removed
