"""The ingest's scratch folders: where a batch's files are copied for DuckDB's CSV reader.

A folder lives under ShopSight's state folder (``<state_dir>/scratch/<pid>-<random>``), not
the system's temporary folder, and is removed when its batch is read. A process killed
while reading leaves its folder behind, at 30 M orders up to a batch of files (hundreds of
megabytes): the next ingest removes every folder whose process is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shopsight.config import Settings


@contextmanager
def scratch_folder() -> Iterator[str]:
    """A fresh folder for this process, removed when the block ends; the folders of
    processes that no longer run are removed first."""
    root = Path(Settings().state_dir) / "scratch"
    root.mkdir(parents=True, exist_ok=True)
    remove_abandoned(root)
    with tempfile.TemporaryDirectory(prefix=f"{os.getpid()}-", dir=root) as folder:
        yield folder


def remove_abandoned(root: Path) -> list[str]:
    """Remove the folders under ``root`` whose process (the number before the dash) is not
    running; returns their names."""
    removed = []
    for folder in root.iterdir():
        owner = folder.name.split("-", 1)[0]
        if owner.isdigit() and not _running(int(owner)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
