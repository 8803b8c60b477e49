"""Benchmark: does monthly range partitioning of fct_order_items pay off on PostgreSQL?

    .venv/bin/python benchmarks/bench_partitioning.py --rows 10000000

Builds two copies of an order-line fact with the mart's columns over one year on a
throwaway PostgreSQL server: a plain table with a B-tree index on order_date (what the dbt
project creates) and a table range-partitioned by month (an index on each partition).
Times, on each: one month's revenue, revenue by month over the year, and the incremental
model's maintenance (delete the last 3 days' lines and insert them again).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from servers import running_postgres  # noqa: E402

COLUMNS = """
    order_item_id bigint not null, order_date date not null, product_key text not null,
    customer_key text not null, quantity integer not null, unit_price numeric(18, 2) not null,
    line_revenue numeric(18, 2) not null
"""
FILL = """
    insert into {table}
    select n, date '2024-01-01' + (n % 366)::int, md5((n % 1345)::text), md5((n % 180000)::text),
        1 + n % 5, 19.99, (1 + n % 5) * 19.99
    from generate_series(1, {rows}) as n
"""
QUERIES = {
    "one month's revenue": "select sum(line_revenue) from {table} "
    "where order_date >= date '2024-06-01' and order_date < date '2024-07-01'",
    "revenue by month, whole year": "select date_trunc('month', order_date), sum(line_revenue) "
    "from {table} group by 1",
}
MAINTENANCE = """
    create temp table recent as select * from {table} where order_date >= date '2024-12-29';
    delete from {table} where order_date >= date '2024-12-29';
    insert into {table} select * from recent;
    drop table recent;
"""


def timed(connection: psycopg.Connection, sql: str, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        for statement in sql.split(";"):
            if statement.strip():
                connection.execute(statement)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    with running_postgres() as url, psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"create table plain ({COLUMNS})")
        connection.execute(f"create table monthly ({COLUMNS}) partition by range (order_date)")
        for month in range(1, 13):
            end = "date '2025-01-01'" if month == 12 else f"date '2024-{month + 1:02d}-01'"
            connection.execute(
                f"create table monthly_{month:02d} partition of monthly "
                f"for values from (date '2024-{month:02d}-01') to ({end})"
            )
        for table in ("plain", "monthly"):
            started = time.perf_counter()
            connection.execute(FILL.format(table=table, rows=args.rows))
            connection.execute(f"create index on {table} (order_date)")
            connection.execute(f"vacuum analyze {table}")
            print(f"{table}: load + index {time.perf_counter() - started:,.1f} s")
        print(f"rows: {args.rows:,} order lines over 2024")
        for name, sql in QUERIES.items():
            plain = timed(connection, sql.format(table="plain"))
            monthly = timed(connection, sql.format(table="monthly"))
            print(
                f"{name}: plain {plain:.3f} s, partitioned {monthly:.3f} s, "
                f"ratio {plain / monthly:.2f}x"
            )
        plain = timed(connection, MAINTENANCE.format(table="plain"), repeats=1)
        monthly = timed(connection, MAINTENANCE.format(table="monthly"), repeats=1)
        print(
            f"incremental delete+insert of 3 days: plain {plain:.3f} s, partitioned "
            f"{monthly:.3f} s, ratio {plain / monthly:.2f}x"
        )


if __name__ == "__main__":
    main()
