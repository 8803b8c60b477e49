"""Benchmark: what a quick `shopsight` command costs before and beside its work (decision
0061).

    .venv/bin/python benchmarks/bench_cli_start.py [--rounds 7] [--pythonpath SRC]

A small store (the retail export, 5 days) is generated, ingested and built once. Then, in
turn for each round, each command in a fresh process, as a user runs it:

- the anchors: a bare Python process (`python -c pass`) and one that imports DuckDB, the
  least a command that opens the warehouse must load;
- `shopsight --help`, `shopsight build --help`;
- `shopsight status --json` and `shopsight quarantine list --json` on the store;
- `shopsight build --json` with nothing new (skipped before dbt starts).

Prints each command's median wall time (and min, max) and its ratio to the DuckDB anchor.
``--pythonpath`` runs ShopSight from another checkout's ``src`` (to compare two versions
on the same store and machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ANCHORS = {
    "anchor: python -c pass": ["-c", "pass"],
    "anchor: python -c 'import duckdb'": ["-c", "import duckdb"],
}
COMMANDS = {
    "shopsight --help": ["--help"],
    "shopsight build --help": ["build", "--help"],
    "shopsight status --json": ["status", "--json"],
    "shopsight quarantine list --json": ["quarantine", "list", "--json"],
    "shopsight build --json (nothing new)": ["build", "--json"],
}


def wall(arguments: list[str], env: dict[str, str], exit_codes: tuple[int, ...]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *arguments], capture_output=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode not in exit_codes:
        raise SystemExit(f"{arguments} exited {done.returncode}:\n{done.stderr[-2000:]!r}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pythonpath", help="run ShopSight from this src folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as work:
        env = {
            **os.environ,
            "SHOPSIGHT_BUCKET": f"file://{work}/bucket",
            "SHOPSIGHT_WAREHOUSE": f"duckdb:///{work}/warehouse.duckdb",
            "SHOPSIGHT_STATE_DIR": f"{work}/state",
        }
        if args.pythonpath:
            env["PYTHONPATH"] = str(Path(args.pythonpath).resolve())
        shopsight = ["-m", "shopsight"]
        store = ["generate", "retail-db", "--days", "5", "--orders", "300", "--faults", "none"]
        for setup in (store, ["ingest"], ["build"]):
            wall([*shopsight, *setup], env, (0,))
        timings: dict[str, list[float]] = {name: [] for name in [*ANCHORS, *COMMANDS]}
        for _ in range(args.rounds):
            for name, arguments in ANCHORS.items():
                timings[name].append(wall(arguments, env, (0,)))
            for name, arguments in COMMANDS.items():
                timings[name].append(wall([*shopsight, *arguments], env, (0, 1)))
    anchor = statistics.median(timings["anchor: python -c 'import duckdb'"])
    print(f"{'command':<42} {'median':>8} {'min':>7} {'max':>7} {'/ duckdb':>9}")
    for name, seconds in timings.items():
        median = statistics.median(seconds)
        print(
            f"{name:<42} {median:>7.2f}s {min(seconds):>6.2f}s {max(seconds):>6.2f}s "
            f"{median / anchor:>8.2f}x"
        )


if __name__ == "__main__":
    main()
