"""Scratch folders: kept while their ingest runs, removed once it has died, whatever the PID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from shopsight.ingest.scratch import remove_abandoned

# Opens a scratch folder, prints it, then waits for its standard input to close.
HOLDER = """
import sys
from shopsight.ingest.scratch import scratch_folder
with scratch_folder() as folder:
    open(folder + "/0.csv", "w").write("id\\n1\\n")
    print(folder, flush=True)
    sys.stdin.read()
"""


def test_a_running_ingests_folder_is_kept_and_a_killed_ones_removed(tmp_path: Path) -> None:
    env = {**os.environ, "SHOPSIGHT_STATE_DIR": str(tmp_path)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert holder.stdout is not None
    folder = Path(holder.stdout.readline().decode().strip())  # the folder exists now
    root = tmp_path / "scratch"
    assert folder.parent == root and (folder / "0.csv").exists()
    assert remove_abandoned(root) == [] and folder.exists()  # its process runs
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=60)
    assert remove_abandoned(root) == [folder.name]
    assert list(root.iterdir()) == []  # the folder and its lock


def test_a_folder_ended_normally_leaves_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "SHOPSIGHT_STATE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", HOLDER], env=env, input=b"", capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert list((tmp_path / "scratch").iterdir()) == []
