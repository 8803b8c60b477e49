"""Benchmark: should the embedded warehouse read the Parquet history instead of keeping its
own copy? The current state of a table read three ways, after a real ingest:

    .venv/bin/python benchmarks/bench_history_reads.py --orders 1000000 [--days 90]

1. the warehouse's current-state table (what dbt reads today);
2. the latest version per key derived from the warehouse's history table;
3. the same derived from the Parquet history in the bucket (`read_parquet` of the layout).

Prints each query's median wall time over 5 runs (after one warm-up) for orders and
order_items, and the ratio to (1), with the sizes on disk of each copy. Then every version
read whole: the warehouse's history view (the current state `union all` the superseded
versions, decision 0037) against the Parquet history.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

KEYS = {"orders": "order_id", "order_items": "order_item_id"}


def _median(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    con.execute(sql).fetchall()
    times = []
    for _ in range(5):
        started = time.perf_counter()
        con.execute(sql).fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shopsight-bench-history-"))
    bucket, warehouse = work / "bucket", work / "wh.duckdb"
    shopsight = [sys.executable, "-m", "shopsight"]
    subprocess.run(
        [*shopsight, "generate", "retail-db", "--bucket", f"file://{bucket}", "--orders",
         str(args.orders), "--days", str(args.days), "--faults", "none", "--json"],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [*shopsight, "ingest", "--bucket", f"file://{bucket}", "--warehouse",
         f"duckdb:///{warehouse}", "--json"],
        check=True, capture_output=True,
    )  # fmt: skip
    con = duckdb.connect(str(warehouse), read_only=True)
    history_mb = sum(p.stat().st_size for p in (bucket / "history").rglob("*.parquet")) / 1e6
    print(f"orders: {args.orders:,}  warehouse {warehouse.stat().st_size / 1e6:,.1f} MB  "
          f"Parquet history {history_mb:,.1f} MB")  # fmt: skip
    print(f"{'table':<12} {'current table s':>16} {'from history table':>19} "
          f"{'from Parquet':>13}")  # fmt: skip
    for table, key in KEYS.items():
        latest = (
            f"qualify row_number() over (partition by {key} "
            "order by _file_dt desc, _file_path desc, _line_number desc) = 1"
        )
        parquet = f"read_parquet('{bucket}/history/retail_db/{table}/dt=*/*.parquet')"
        # Every column read (a hash of each whole row), as a model reading the table does.
        plain = _median(con, f"select count(*), sum(hash(x)) from retail_db.{table} x")
        derived = _median(
            con,
            f"select count(*), sum(hash(x)) from "
            f"(select * from retail_db.{table}_history {latest}) x",
        )
        opened = _median(
            con, f"select count(*), sum(hash(x)) from (select * from {parquet} {latest}) x"
        )
        print(
            f"{table:<12} {plain:>16.3f} {derived:>12.3f} ({derived / plain:>4.1f}x) "
            f"{opened:>6.3f} ({opened / plain:>4.1f}x)"
        )

    print(f"{'table':<12} {'history view s':>16} {'Parquet history s':>18}")
    for table in KEYS:
        parquet = f"read_parquet('{bucket}/history/retail_db/{table}/dt=*/*.parquet')"
        view = _median(con, f"select count(*), sum(hash(x)) from retail_db.{table}_history x")
        opened = _median(con, f"select count(*), sum(hash(x)) from {parquet} x")
        print(f"{table:<12} {view:>16.3f} {opened:>11.3f} ({opened / view:>4.2f}x)")


if __name__ == "__main__":
    main()
