"""Benchmark: does monthly range partitioning of fct_order_items pay off on PostgreSQL?

    .venv/bin/python benchmarks/bench_partitioning.py --rows 90000000   # 30 M orders

Builds copies of an order-line fact with the mart's columns over one year on a throwaway
PostgreSQL server, line ids rising with the order date as the store assigns them, each with
the model's access paths: the line id (what the incremental model deletes by) and the order
date (what reports filter on). Layouts: a plain table with a B-tree on the date; a plain
table with a unique index on the line id and a BRIN index on the date; a table
range-partitioned by month (PostgreSQL allows no unique index on the line id alone there,
so a plain B-tree on it, and a B-tree on the date, per partition). Times, on each: loading
and indexing; one month's revenue; revenue by month over the year; one order line by id;
and the incremental model's maintenance (delete the lines of the last 3 days by line id, as
dbt's delete+insert does, and insert them again).
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
    select n, date '2024-01-01' + (n * 366 / ({rows} + 1))::int, md5((n % 1345)::text),
        md5((n % 180000)::text), 1 + n % 5, 19.99, (1 + n % 5) * 19.99
    from generate_series(1::bigint, {rows}) as n
"""
LAYOUTS = {  # name → (partitioned, indexes as "create {kind} index ... on table {spec}")
    "plain, B-tree on the date": (False, [("", "(order_item_id)"), ("", "(order_date)")]),
    "plain, unique line id, BRIN on the date": (
        False,
        [("unique", "(order_item_id)"), ("", "using brin (order_date)")],
    ),
    "monthly partitions": (True, [("", "(order_item_id)"), ("", "(order_date)")]),
}
QUERIES = {
    "one month's revenue": "select sum(line_revenue) from {table} "
    "where order_date >= date '2024-06-01' and order_date < date '2024-07-01'",
    "revenue by month, whole year": "select date_trunc('month', order_date), sum(line_revenue) "
    "from {table} group by 1",
    "one order line by id": "select * from {table} where order_item_id = 4242",
}
MAINTENANCE = """
    create temp table recent as select * from {table} where order_date >= date '2024-12-29';
    delete from {table} using recent where {table}.order_item_id = recent.order_item_id;
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
    names = {layout: f"layout_{number}" for number, layout in enumerate(LAYOUTS)}
    results: dict[str, dict[str, float]] = {}
    with running_postgres() as url, psycopg.connect(url, autocommit=True) as connection:
        for layout, (partitioned, indexes) in LAYOUTS.items():
            table = names[layout]
            results[layout] = {
                "load + index": load(connection, table, partitioned, indexes, args.rows)
            }
            for name, sql in QUERIES.items():
                results[layout][name] = timed(connection, sql.format(table=table))
            results[layout]["delete+insert of 3 days by line id"] = timed(
                connection, MAINTENANCE.format(table=table), repeats=1
            )
            print(f"{layout}: {results[layout]}", flush=True)
            connection.execute(f"drop table {table}")
    print(f"\n{args.rows:,} order lines over 2024\n")
    steps = list(next(iter(results.values())))
    print("| step | " + " | ".join(LAYOUTS) + " |")
    print("|---|" + "---|" * len(LAYOUTS))
    for step in steps:
        print(
            f"| {step} | " + " | ".join(f"{results[name][step]:,.3f} s" for name in LAYOUTS) + " |"
        )


def load(
    connection: psycopg.Connection,
    table: str,
    partitioned: bool,
    indexes: list[tuple[str, str]],
    rows: int,
) -> float:
    started = time.perf_counter()
    if partitioned:
        connection.execute(f"create table {table} ({COLUMNS}) partition by range (order_date)")
        for month in range(1, 13):
            end = "date '2025-01-01'" if month == 12 else f"date '2024-{month + 1:02d}-01'"
            connection.execute(
                f"create table {table}_{month:02d} partition of {table} "
                f"for values from (date '2024-{month:02d}-01') to ({end})"
            )
    else:
        connection.execute(f"create table {table} ({COLUMNS})")
    connection.execute(FILL.format(table=table, rows=rows))
    for kind, spec in indexes:
        connection.execute(f"create {kind} index on {table} {spec}")
    connection.execute(f"vacuum analyze {table}")
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
