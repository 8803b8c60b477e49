"""Benchmark: the daily run's wall time for one new day of files, via `shopsight run` and via
the Airflow DAG (`dag.test()`, Cosmos for dbt), and the Airflow overhead ratio.

    .venv/bin/python benchmarks/bench_pipeline.py [--orders 20000] [--users 5000]

History: DAYS days of every source (retail_db with --orders orders, thelook and the
transactions feed with --users users), loaded by one `shopsight run`. Then the next day's
files land and each runner processes that day, from identical copies of the warehouse.
Prints both wall times (each in a fresh process) and the ratio DAG / CLI.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_process  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
START, DAYS = date(2024, 1, 1), 60
DAG_TEST = """
import sys
from datetime import datetime, timezone
from airflow.models.pool import Pool
sys.path.insert(0, sys.argv[1])
import shopsight_daily
Pool.create_or_update_pool("shopsight_warehouse", slots=1, description="", include_deferred=False)
day = datetime.fromisoformat(sys.argv[2]).replace(hour=6, tzinfo=timezone.utc)
run = shopsight_daily.dag.test(logical_date=day)
sys.exit(0 if run.state == "success" else 1)
"""


def shopsight(*args: str) -> list[str]:
    return [sys.executable, "-m", "shopsight", *args]


def generate(bucket: str, orders: int, users: int) -> None:
    """DAYS + 1 days of every source into ``bucket`` (the last day lands later)."""
    days = str(DAYS + 1)
    common = ["--bucket", bucket, "--days", days, "--json"]
    timed_process(shopsight("generate", "retail-db", *common, "--orders", str(orders)))
    timed_process(shopsight("generate", "thelook", *common, "--users", str(users)))
    timed_process(shopsight("generate", "transactions", *common, "--users", str(users)))


def land(source: Path, target: Path, day: date | None) -> None:
    """Copy the landed files of ``day`` (or of every other day, when None)."""
    for path in (source / "landing").rglob("*"):
        if path.is_dir():
            continue
        is_day = f"/dt={day or START + timedelta(days=DAYS)}/" in str(path)
        if (day is None) != is_day:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, destination)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=5_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopsight-pipeline-"))
    generate(f"file://{work}/all", args.orders, args.users)
    new_day = START + timedelta(days=DAYS)
    land(work / "all", work / "bucket", None)
    environment = {"SHOPSIGHT_BUCKET": f"file://{work}/bucket"}
    history, _, _ = run_cli(work / "history.duckdb", environment, None)
    print(
        f"history: {DAYS} days, {args.orders:,} retail orders, {args.users:,} web users; "
        f"first load with `shopsight run` {history:,.1f} s"
    )
    land(work / "all", work / "bucket", new_day)

    shutil.copy(work / "history.duckdb", work / "cli.duckdb")
    cli, peak, _ = run_cli(work / "cli.duckdb", environment, new_day)
    print(f"one new day via `shopsight run --date {new_day}`: {cli:,.1f} s (peak {peak:,.0f} MB)")

    shutil.copy(work / "history.duckdb", work / "dag.duckdb")
    airflow = airflow_home(work)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", DAG_TEST, str(ROOT / "airflow/dags"), str(new_day + timedelta(1))],
        env={**airflow, **environment, "SHOPSIGHT_WAREHOUSE": f"duckdb:///{work}/dag.duckdb"},
        capture_output=True,
        text=True,
    )
    dag = time.perf_counter() - started
    print(
        f"one new day via the Airflow DAG (dag.test, Cosmos; its dbt parse cache persists "
        f"between runs, as on a worker): {dag:,.1f} s, "
        f"success={done.returncode == 0}; overhead ratio DAG / CLI {dag / cli:.2f}x"
    )


def run_cli(database: Path, environment: dict[str, str], day: date | None):  # noqa: ANN201
    import os

    command = shopsight("run", "--json", *(["--date", day.isoformat()] if day else []))
    previous = dict(os.environ)
    os.environ.update(environment | {"SHOPSIGHT_WAREHOUSE": f"duckdb:///{database}"})
    try:
        return timed_process(command)
    finally:
        os.environ.clear()
        os.environ.update(previous)


def airflow_home(work: Path) -> dict[str, str]:
    import os

    home = work / "airflow"
    environment = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "airflow/dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    airflow = str(Path(sys.executable).parent / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=environment, check=True, capture_output=True)
    return environment


if __name__ == "__main__":
    main()
