"""Benchmark: the first build of a new DuckDB warehouse, with and without a parse kept for
another warehouse of its name (decision 0060).

    .venv/bin/python benchmarks/bench_first_parse.py [--rounds 3] [--orders 2000]

One small store (the retail export and the web shop, 14 days) is generated and ingested
once. Then, in turn for each round, `shopsight build` (a separate process, as a user runs
it) of a fresh copy of the loaded warehouse:

1. ``alone``: in a state folder of its own, so dbt parses the whole project (what every
   new warehouse paid before);
2. ``copied``: in a new folder whose name it shares with a warehouse already built in the
   same state folder, so dbt starts from that warehouse's parse;
3. ``own parse`` (the anchor): the same copy again, in the folder it was built in, its
   built schemas dropped, so dbt reuses the parse it kept for this very warehouse.

Prints each variant's wall times, their median and its ratio to the anchor's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

BUILT = ("staging", "intermediate", "marts", "web")


def shopsight(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "shopsight", *args], check=True, capture_output=True, env=env
    )


def unbuilt_copy(loaded: Path, folder: Path) -> Path:
    """A copy of the loaded warehouse with nothing built and no build recorded."""
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "warehouse.duckdb"
    shutil.copy(loaded, copy)
    connection = duckdb.connect(str(copy))
    for schema in BUILT:
        connection.execute(f"drop schema if exists {schema} cascade")
    connection.execute("drop table if exists shopsight_ops.build_state")
    connection.close()
    return copy


def timed_build(copy: Path, state: Path, env: dict[str, str]) -> float:
    """Wall seconds of `shopsight build` of ``copy`` with ``state`` as its state folder."""
    run_env = {**env, "SHOPSIGHT_STATE_DIR": str(state)}
    started = time.perf_counter()
    shopsight("build", "--warehouse", f"duckdb:///{copy}", "--json", env=run_env)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--orders", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopsight-bench-parse-"))
    env = {**os.environ, "SHOPSIGHT_BUCKET": f"file://{work}/bucket"}
    for source, size in (("retail-db", ["--orders", str(args.orders)]), ("thelook", [])):
        shopsight("generate", source, "--days", "14", *size, "--faults", "none", env=env)
    shopsight("generate", "transactions", "--days", "14", env=env)
    loaded = work / "loaded.duckdb"
    shopsight("ingest", "--warehouse", f"duckdb:///{loaded}", env=env)
    shopsight("loyalty", "--warehouse", f"duckdb:///{loaded}", env=env)

    shared = work / "shared-state"  # the state folder the copied parses come from
    timed_build(unbuilt_copy(loaded, work / "first"), shared, env)
    times: dict[str, list[float]] = {"alone": [], "copied": [], "own parse": []}
    for round_ in range(args.rounds):
        alone = unbuilt_copy(loaded, work / f"alone-{round_}")
        times["alone"].append(timed_build(alone, work / f"state-{round_}", env))
        copied = unbuilt_copy(loaded, work / f"copied-{round_}")
        times["copied"].append(timed_build(copied, shared, env))
        again = unbuilt_copy(loaded, work / f"copied-{round_}")
        times["own parse"].append(timed_build(again, shared, env))
    anchor = statistics.median(times["own parse"])
    print(f"the first build of a new warehouse, {args.rounds} rounds in turn, wall seconds")
    for name, runs in times.items():
        wall = statistics.median(runs)
        each = ", ".join(f"{run:.1f}" for run in runs)
        print(f"  {name:<10} median {wall:5.1f} s ({each}), {wall / anchor:4.2f}x the anchor")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
