"""Timing helpers shared by the benchmarks: each measured command runs in its own process."""

from __future__ import annotations

import subprocess
import sys
import time

# Runs a command in a fresh process and reports that command's own peak RSS (KiB) on stderr.
MEASURE = (
    "import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(done.returncode)"
)


def timed_process(command: list[str]) -> tuple[float, float, str]:
    """Run a command; return wall seconds, its own peak RSS in MB, and its stdout."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[:4]} failed:\n{done.stderr[-2000:]}")
    peak_kib = int(done.stderr.strip().splitlines()[-1])
    return seconds, peak_kib / 1024, done.stdout
