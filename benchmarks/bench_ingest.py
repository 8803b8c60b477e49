"""Benchmark: generate the retail_db export at N orders, ingest it, compare with plain DuckDB.

    .venv/bin/python benchmarks/bench_ingest.py --orders 1000000 [--days 90] [--no-postgres]
        [--dlt-python /tmp/dltvenv/bin/python]

Prints: generation time; ShopSight ingestion wall time and peak memory (DuckDB warehouse);
the same files loaded by a plain DuckDB `create table as select * from read_csv(...)` in the
same run and the ratio ShopSight / plain; the warehouse plus the Parquet history in the
bucket against the plain tables' size; with --dlt-python, dlt's filesystem source into DuckDB
on the same files as a peer row; PostgreSQL load throughput in rows/s. Each load
runs in its own process so peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_process  # noqa: E402

TABLES = ["departments", "categories", "products", "customers", "orders", "order_items"]

PLAIN = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
for table in {tables}:
    con.execute(f"create table {{table}} as select * from read_csv("
                f"'{{sys.argv[2]}}/landing/retail_db/{{table}}/*/*.csv', header=false)")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL load")
    parser.add_argument(
        "--dlt-python",
        metavar="PATH",
        help="a Python with dlt installed (its own virtualenv: see benchmarks/dlt_peer.py); "
        "adds dlt's filesystem source into DuckDB as a peer row",
    )
    parser.add_argument("--dlt-timeout", type=float, default=1800, metavar="SECONDS")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopsight-bench-"))
    bucket = work / "bucket"
    shopsight = [sys.executable, "-m", "shopsight"]

    seconds, _, _ = timed_process(
        [
            *shopsight,
            "generate",
            "retail-db",
            "--bucket",
            f"file://{bucket}",
            "--orders",
            str(args.orders),
            "--days",
            str(args.days),
            "--faults",
            "none",
            "--json",
        ]
    )
    size = sum(p.stat().st_size for p in (bucket / "landing").rglob("*") if p.is_file())
    print(f"orders: {args.orders:,}  days: {args.days}  landed: {size / 1e6:,.1f} MB")
    print(f"generation: {seconds:,.1f} s")

    ours, ours_peak, out = timed_process(
        [
            *shopsight,
            "ingest",
            "--bucket",
            f"file://{bucket}",
            "--warehouse",
            f"duckdb:///{work}/shopsight.duckdb",
            "--json",
        ]
    )
    report = json.loads(out)
    rows = report["rows_loaded"] + report["rows_rejected"]
    print(
        f"shopsight ingest (duckdb): {ours:,.1f} s, peak {ours_peak:,.0f} MB, "
        f"{rows:,} rows in {report['files_loaded']} files, {rows / ours:,.0f} rows/s"
    )

    plain, plain_peak, _ = timed_process(
        [sys.executable, "-c", PLAIN.format(tables=TABLES), f"{work}/plain.duckdb", str(bucket)]
    )
    print(f"plain duckdb read_csv CTAS: {plain:,.1f} s, peak {plain_peak:,.0f} MB")
    print(f"ratio shopsight / plain: {ours / plain:.2f}x (target <= 1.5x)")
    history = sum(p.stat().st_size for p in (bucket / "history").rglob("*.parquet"))
    warehouse_mb = (work / "shopsight.duckdb").stat().st_size / 1e6
    plain_mb = (work / "plain.duckdb").stat().st_size / 1e6
    print(
        f"size: warehouse {warehouse_mb:,.1f} MB + Parquet history {history / 1e6:,.1f} MB "
        f"= {(warehouse_mb + history / 1e6) / plain_mb:.2f}x the plain tables "
        f"({plain_mb:,.1f} MB; target <= 1.5x)"
    )

    if args.dlt_python:
        _dlt_peer(args.dlt_python, bucket, work, ours, args.dlt_timeout)

    if not args.no_postgres:
        from servers import running_postgres

        with running_postgres() as url:
            pg, pg_peak, out = timed_process(
                [*shopsight, "ingest", "--bucket", f"file://{bucket}", "--warehouse", url, "--json"]
            )
            loaded = json.loads(out)["rows_loaded"]
            print(
                f"shopsight ingest (postgresql): {pg:,.1f} s, peak {pg_peak:,.0f} MB, "
                f"{loaded / pg:,.0f} rows/s"
            )


def _dlt_peer(python: str, bucket: Path, work: Path, ours: float, timeout: float) -> None:
    """The same files through dlt (filesystem source, read_csv_duckdb, DuckDB destination)."""
    peer = Path(__file__).resolve().parent / "dlt_peer.py"
    command = [python, str(peer), str(bucket), f"{work}/dlt.duckdb"]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"dlt filesystem -> duckdb: not finished after {timeout:,.0f} s")
        return
    seconds = time.perf_counter() - started
    if done.returncode:
        print(f"dlt filesystem -> duckdb: failed: {done.stderr.strip().splitlines()[-1:]}")
        return
    rows = sum(json.loads(done.stdout.strip().splitlines()[-1]).values())
    print(
        f"dlt filesystem -> duckdb: {seconds:,.1f} s, {rows:,} rows, {rows / seconds:,.0f} rows/s "
        f"(shopsight / dlt: {ours / seconds:.2f}x)"
    )


if __name__ == "__main__":
    main()
