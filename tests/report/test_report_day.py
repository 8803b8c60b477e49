"""The report's default day: the last day with orders or web sessions, never today's empty one."""

from __future__ import annotations

from datetime import date

import duckdb

from shopsight.ingest.warehouse import connect
from shopsight.report.data import latest_data_day


def test_a_store_with_only_a_web_shop_reports_its_own_last_day(tmp_path) -> None:
    path = tmp_path / "web-only.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema web")
        connection.execute("create table web.fct_funnel_daily (session_date date)")
        connection.execute("insert into web.fct_funnel_daily values ('2024-03-29'), ('2024-03-30')")
    warehouse = connect(f"duckdb:///{path}")
    try:
        assert latest_data_day(warehouse) == date(2024, 3, 30)  # no retail star at all
    finally:
        warehouse.close()


def test_an_empty_warehouse_has_no_report_day(tmp_path) -> None:
    warehouse = connect(f"duckdb:///{tmp_path}/empty.duckdb")
    try:
        assert latest_data_day(warehouse) is None
    finally:
        warehouse.close()
