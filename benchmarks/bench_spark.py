"""Benchmark: the whole dbt project on a Spark standalone cluster (1 and 2 workers) beside DuckDB.

    .venv/bin/python benchmarks/bench_spark.py --orders 1000000 [--days 90] [--workers 1 2]

One retail_db store is generated once (the web shop is not: its models build empty). Then,
per engine, in a folder of its own (its own bucket, control database and Spark catalog, so
no engine sees another's loads): ingest the store into the control database; the full
build (`shopsight build`: every model and data test); one more day landed (`generate
next-day`, the same files for every engine), ingested and built incrementally. DuckDB is
the anchor: the same build in its own file. Spark runs on a cluster started here with
`shopsight spark start` (each worker 1 core and --worker-memory; each executor
--executor-memory), the driver in the build's process. Reported: wall seconds and peak RSS
per step; for Spark, the peak RSS of each JVM (master, workers, executors, the driver),
sampled from /proc every 0.2 s; the speedup from 1 to 2 workers; Spark over DuckDB. Every
build must succeed, and the retail marts of every engine must hold the same rows
(checked here over the control databases' views).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_process  # noqa: E402

START = date(2024, 1, 1)
MARTS = ["fct_orders", "fct_order_items", "fct_daily_product_sales", "dim_products"]
ROLES = {
    "deploy.master.Master": "master",
    "deploy.worker.Worker": "worker",
    "executor.CoarseGrainedExecutorBackend": "executor",
    "deploy.SparkSubmit": "driver",
}


def shopsight(*args: str) -> list[str]:
    return [sys.executable, "-m", "shopsight", *args]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class JvmPeaks:
    """The peak resident memory (MB) of every Spark JVM alive while it runs, by role and pid."""

    def __init__(self) -> None:
        self.peaks: dict[tuple[str, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> JvmPeaks:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:
                    command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                    status = (proc / "status").read_text()
                except OSError:
                    continue
                role = next((r for key, r in ROLES.items() if key in command), None)
                program = command.split(" ", 1)[0]
                if role is None or not program.endswith("/java") or "launcher.Main" in command:
                    continue  # not a JVM of Spark's (the launch scripts name the classes too)
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        mb = int(line.split()[1]) / 1024
                        key = (role, int(proc.name))
                        self.peaks[key] = max(self.peaks.get(key, 0.0), mb)

    def by_role(self) -> dict[str, list[float]]:
        roles: dict[str, list[float]] = {}
        for (role, _), mb in sorted(self.peaks.items()):
            roles.setdefault(role, []).append(round(mb))
        return roles


def timed(label: str, command: list[str], rows: list[dict]) -> dict:
    seconds, peak_mb, stdout = timed_process(command)
    row = {"step": label, "seconds": round(seconds, 1), "peak_mb": round(peak_mb)}
    if stdout.strip().startswith("{"):
        summary = json.loads(stdout)
        if summary.get("success") is False:
            raise SystemExit(f"{label}: the build failed: {summary.get('failures')}")
    rows.append(row)
    print(f"{label:50s} {row['seconds']:8.1f} s {row['peak_mb']:7d} MB", flush=True)
    return row


def engine_folder(work: Path, name: str, source: Path) -> dict[str, str]:
    folder = work / name
    shutil.copytree(source / "landing", folder / "bucket" / "landing")
    return {
        "SHOPSIGHT_BUCKET": f"file://{folder}/bucket",
        "SHOPSIGHT_CONTROL_DATABASE": f"duckdb:///{folder}/control.duckdb",
        "SHOPSIGHT_SPARK_DIR": str(folder / "spark"),
        "SHOPSIGHT_STATE_DIR": str(folder / "state"),
        "SHOPSIGHT_WAREHOUSE": f"duckdb:///{folder}/control.duckdb",
    }


def deliver_next_day(env: dict[str, str], next_day: list[tuple[str, bytes]]) -> None:
    root = Path(env["SHOPSIGHT_BUCKET"].removeprefix("file://"))
    for key, content in next_day:
        (root / key).parent.mkdir(parents=True, exist_ok=True)
        (root / key).write_bytes(content)


def run_engine(label: str, env: dict[str, str], url: str, next_day: list, rows: list) -> None:
    os.environ.update(env)
    timed(f"ingest ({label})", shopsight("ingest", "--json"), rows)
    timed(f"full build ({label})", shopsight("build", "--warehouse", url, "--json"), rows)
    deliver_next_day(env, next_day)
    timed(f"ingest one more day ({label})", shopsight("ingest", "--json"), rows)
    timed(f"next-day build ({label})", shopsight("build", "--warehouse", url, "--json"), rows)


def marts_of(database: str) -> dict[str, tuple]:
    """Each retail mart's row count and a fingerprint of its rows as a multiset (the sum of
    every row's hash), computed by DuckDB as it streams: the marts of a 5 M-order store,
    fetched into Python lists and sorted, took more than the machine's 23 GB."""
    connection = duckdb.connect(database.removeprefix("duckdb:///"), read_only=True)
    try:
        marts = {}
        for mart in MARTS:  # each engine loaded the files itself: its own load times
            columns = ", ".join(
                name
                for (name,) in connection.execute(
                    # By name: Spark keeps a partitioned table's day column last.
                    "select column_name from information_schema.columns where table_schema = "
                    "'marts' and table_name = ? order by column_name",
                    [mart],
                ).fetchall()
                if "loaded_at" not in name
            )
            query = f"select count(*), sum(hash({columns})::hugeint) from marts.{mart}"
            marts[mart] = connection.execute(query).fetchone()
        return marts
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--worker-memory", default="2g")
    parser.add_argument("--executor-memory", default="1536m", help="at most --worker-memory")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-spark-"))
    rows: list[dict] = []
    jvms: dict[int, dict[str, list[float]]] = {}
    try:
        source = work / "source"
        timed(
            f"generate {args.orders:,} orders over {args.days} days",
            shopsight(
                "generate", "retail-db", "--bucket", f"file://{source}", "--orders",
                str(args.orders), "--days", str(args.days), "--faults", "none", "--json",
            ),
            rows,
        )  # fmt: skip
        before = {p for p in source.rglob("*") if p.is_file()}
        next_source = work / "next"
        shutil.copytree(source, next_source)
        subprocess.run(
            shopsight("generate", "next-day", "--bucket", f"file://{next_source}", "--json"),
            check=True,
            capture_output=True,
        )
        next_day = [
            (str(p.relative_to(next_source)), p.read_bytes())
            for p in sorted(next_source.rglob("*"))
            if p.is_file() and source / p.relative_to(next_source) not in before
        ]
        duck = engine_folder(work, "duckdb", source)
        run_engine("DuckDB", duck, duck["SHOPSIGHT_WAREHOUSE"], next_day, rows)
        controls = {"DuckDB": duck["SHOPSIGHT_CONTROL_DATABASE"]}
        for workers in args.workers:
            label = f"Spark, {workers} worker{'s' if workers > 1 else ''}"
            env = engine_folder(work, f"spark-{workers}", source)
            env["SHOPSIGHT_SPARK_EXECUTOR_MEMORY"] = args.executor_memory
            port, ui_port = free_port(), free_port()
            os.environ.update(env)
            subprocess.run(
                shopsight(
                    "spark", "start", "--port", str(port), "--ui-port", str(ui_port),
                    "--workers", str(workers), "--worker-cores", "1",
                    "--worker-memory", args.worker_memory,
                ),
                check=True,
                capture_output=True,
            )  # fmt: skip
            try:
                with JvmPeaks() as peaks:
                    run_engine(label, env, f"spark://127.0.0.1:{port}", next_day, rows)
                jvms[workers] = peaks.by_role()
            finally:
                subprocess.run(shopsight("spark", "stop"), check=False, capture_output=True)
            controls[label] = env["SHOPSIGHT_CONTROL_DATABASE"]
        expected = marts_of(controls["DuckDB"])
        for label, database in controls.items():
            equal = marts_of(database) == expected
            print(f"retail marts of {label} equal DuckDB's: {equal}")
            if not equal:
                raise SystemExit(f"{label}: the marts differ from DuckDB's")
        print_table(args, rows, jvms)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def print_table(args: argparse.Namespace, rows: list[dict], jvms: dict) -> None:
    seconds = {row["step"]: row["seconds"] for row in rows}
    print(f"\n## Spark beside DuckDB, {args.orders:,} orders over {args.days} days\n")
    print("| step | seconds | peak RSS (MB) |\n|---|---|---|")
    for row in rows:
        print(f"| {row['step']} | {row['seconds']} | {row['peak_mb']} |")
    print("\n| figure | value |\n|---|---|")
    for step in ("full build", "next-day build"):
        duck = seconds[f"{step} (DuckDB)"]
        for workers in jvms:
            label = f"Spark, {workers} worker{'s' if workers > 1 else ''}"
            spark = seconds[f"{step} ({label})"]
            print(f"| {step}: {label} / DuckDB | {spark / duck:.2f}x |")
        if 1 in jvms and 2 in jvms:
            one, two = seconds[f"{step} (Spark, 1 worker)"], seconds[f"{step} (Spark, 2 workers)"]
            print(f"| {step}: speedup from 1 to 2 workers | {one / two:.2f}x |")
    for workers, roles in jvms.items():
        for role, peaks in roles.items():
            print(f"| peak RSS per {role} JVM, {workers} worker(s) (MB) | {peaks} |")


if __name__ == "__main__":
    main()
