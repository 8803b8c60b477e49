"""Benchmark: generate the retail_db export at N orders, ingest it, compare with plain DuckDB.

    .venv/bin/python benchmarks/bench_ingest.py --orders 1000000 [--days 90] [--no-postgres]

Prints: generation time; ShopSight ingestion wall time and peak memory (DuckDB warehouse);
the same files loaded by a plain DuckDB `create table as select * from read_csv(...)` in the
same run and the ratio ShopSight / plain; the warehouse plus the Parquet history in the
bucket against the plain tables' size; PostgreSQL load throughput in rows/s. Each load
runs in its own process so peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
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


if __name__ == "__main__":
    main()
