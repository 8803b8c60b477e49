"""The landed columns' profiles on a real PostgreSQL warehouse: the same measures as
DuckDB's from the same files, and the day of events without the visitor's id found."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from shopsight.anomalies.check import check_anomalies
from shopsight.anomalies.monitors import load_monitors
from shopsight.anomalies.profile import profiles
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

from support import web_shop_without_user_ids

START, DAYS = date(2024, 5, 1), 36
LOST = START + timedelta(days=33)
EPOCH = datetime(2000, 1, 1)


def test_postgres_profiles_equal_duckdb_and_find_the_lost_ids(
    tmp_path: Path, fresh_postgres: str
) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    web_shop_without_user_ids(bucket, START, DAYS, LOST)
    first, last = START, START + timedelta(days=DAYS - 1)
    found = {}
    for url in (fresh_postgres, f"duckdb:///{tmp_path}/warehouse.duckdb"):
        warehouse = connect(url)
        try:
            assert ingest(bucket, warehouse, "thelook").trusted
            check = check_anomalies(warehouse, load_monitors(), None, EPOCH)
            assert check.errors == []
            found[url] = (
                {
                    table: profiles(warehouse, table, first, last)
                    for table in ("thelook.events", "thelook.orders", "thelook.order_items")
                },
                sorted((a["day"], a["monitor"]) for a in check.anomalies),
            )
        finally:
            warehouse.close()
    postgres, duckdb = found.values()
    assert postgres == duckdb
    assert (LOST.isoformat(), "landed.thelook.events.columns") in postgres[1]
