"""Benchmark: build the warehouse with dbt: the retail star at N orders, the events star at
N web-shop users (and at a multiple of that).

    .venv/bin/python benchmarks/bench_warehouse.py --orders 1000000 [--no-postgres]
    .venv/bin/python benchmarks/bench_warehouse.py --events-only --users 100000 --scales 1 10

Retail prints: full build time and peak memory on DuckDB; an incremental build after one
more day of files; the stalled-products query time (the analysis from order lines, and the
mart lookup); the same full build on PostgreSQL and the ratio PostgreSQL / DuckDB.
Events prints, per scale: events generated, the generate / ingest / loyalty times, and the
DuckDB build time and peak memory of a warehouse holding only the web shop (so the build
is the events star's).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import timed_process  # noqa: E402

DAYS = 90
START = date(2024, 1, 1)


def shopsight(*args: str) -> list[str]:
    return [sys.executable, "-m", "shopsight", *args]


def full_build(warehouse: str) -> tuple[float, float, dict]:
    seconds, peak, out = timed_process(shopsight("build", "--warehouse", warehouse, "--json"))
    return seconds, peak, json.loads(out)


def stalled_query_seconds(database: Path, warehouse: str) -> tuple[float, float, int]:
    import duckdb

    from shopsight.build import dbt_target_dir, run_dbt

    with contextlib.redirect_stdout(io.StringIO()):  # compile echoes the SQL
        run_dbt(warehouse, ["compile", "--select", "stalled_products"])
    compiled = dbt_target_dir(warehouse) / "compiled/shopsight/analyses/stalled_products.sql"
    sql = compiled.read_text()  # dbt's target is the warehouse's own (decision 0019)
    connection = duckdb.connect(str(database))
    started = time.perf_counter()
    rows = connection.execute(sql).fetchall()
    from_lines = time.perf_counter() - started
    started = time.perf_counter()
    connection.execute(
        "select * from marts.fct_daily_product_sales where is_stalled and sales_date = "
        "(select max(sales_date) from marts.fct_daily_product_sales)"
    ).fetchall()
    from_mart = time.perf_counter() - started
    connection.close()
    return from_lines, from_mart, len(rows)


def events_build(users: int) -> None:
    """The web shop at ``users`` users over the reference period: land, score, build."""
    work = Path(tempfile.mkdtemp(prefix="shopsight-web-"))
    bucket = f"file://{work}/bucket"
    warehouse = f"duckdb:///{work}/warehouse.duckdb"
    shape = ["--bucket", bucket, "--users", str(users), "--days", str(DAYS), "--json"]
    generated, _, out = timed_process(shopsight("generate", "thelook", *shape))
    events = json.loads(out)["rows"]["events"]
    timed_process(shopsight("generate", "transactions", *shape))
    landing = ["--bucket", bucket, "--warehouse", warehouse, "--json"]
    ingested, ingest_peak, _ = timed_process(shopsight("ingest", "--source", "thelook", *landing))
    scored, _, _ = timed_process(shopsight("loyalty", *landing))
    seconds, peak, summary = full_build(warehouse)
    print(
        f"events star at {users:,} users ({events:,} events, {DAYS} days): "
        f"generate {generated:,.1f} s, ingest {ingested:,.1f} s (peak {ingest_peak:,.0f} MB), "
        f"loyalty {scored:,.1f} s, build {seconds:,.1f} s (peak {peak:,.0f} MB, "
        f"{events / seconds:,.0f} events/s), success={summary['success']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--users", type=int, default=100_000, help="events star: users")
    parser.add_argument("--scales", type=int, nargs="*", default=[1, 10], help="× --users")
    parser.add_argument("--events-only", action="store_true")
    parser.add_argument("--retail-only", action="store_true")
    args = parser.parse_args()
    if not args.events_only:
        retail_build(args.orders, args.no_postgres)
    if not args.retail_only:
        for scale in args.scales:
            events_build(args.users * scale)


def retail_build(orders: int, no_postgres: bool) -> None:
    work = Path(tempfile.mkdtemp(prefix="shopsight-wh-"))
    bucket = f"file://{work}/bucket"
    database = work / "warehouse.duckdb"
    warehouse = f"duckdb:///{database}"
    timed_process(
        shopsight(
            "generate",
            "retail-db",
            "--bucket",
            bucket,
            "--orders",
            str(orders),
            "--days",
            str(DAYS),
            "--json",
        )
    )
    timed_process(shopsight("ingest", "--bucket", bucket, "--warehouse", warehouse, "--json"))
    print(f"orders: {orders:,} over {DAYS} days")

    seconds, peak, summary = full_build(warehouse)
    print(
        f"full build (duckdb): {seconds:,.1f} s, peak {peak:,.0f} MB, "
        f"{sum(summary['models'].values())} models, {sum(summary['tests'].values())} tests, "
        f"success={summary['success']}"
    )

    next_day = (START + timedelta(days=DAYS)).isoformat()
    timed_process(
        shopsight(
            "generate",
            "retail-db",
            "--bucket",
            bucket,
            "--start",
            next_day,
            "--days",
            "1",
            "--orders",
            str(orders),
            "--json",
        )
    )
    timed_process(shopsight("ingest", "--bucket", bucket, "--warehouse", warehouse, "--json"))
    incremental, _, summary = full_build(warehouse)
    print(
        f"incremental build after one more day (duckdb): {incremental:,.1f} s, "
        f"success={summary['success']}"
    )

    from_lines, from_mart, found = stalled_query_seconds(database, warehouse)
    print(
        f"stalled products: analysis from order lines {from_lines:.3f} s ({found} products), "
        f"mart lookup {from_mart:.3f} s"
    )

    if not no_postgres:
        from servers import running_postgres

        with running_postgres() as url:
            timed_process(shopsight("ingest", "--bucket", bucket, "--warehouse", url, "--json"))
            pg_seconds, pg_peak, summary = full_build(url)
            print(
                f"full build (postgresql): {pg_seconds:,.1f} s, peak {pg_peak:,.0f} MB, "
                f"success={summary['success']}; ratio postgresql / duckdb "
                f"{pg_seconds / seconds:.2f}x (the PostgreSQL build covers 91 days)"
            )


if __name__ == "__main__":
    main()
