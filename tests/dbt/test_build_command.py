"""`shopsight build` reports dbt's outcome and fails the run when a data test fails."""

from __future__ import annotations

import json

import duckdb
from typer.testing import CliRunner

from shopsight.cli import app

from built_store import build_store


def test_failing_data_test_makes_build_exit_1_and_names_it(tmp_path) -> None:
    store = build_store(tmp_path, "none", days=3, orders=300)
    assert store.build.success
    database = store.warehouse_url[len("duckdb:///") :]
    connection = duckdb.connect(database)
    # Bypass ingestion (which would quarantine it): a line with quantity 0.
    connection.execute("""
        insert into retail_db.order_items
        select order_item_id + 1000000, order_item_order_id, order_item_product_id, 0,
            0.0, order_item_product_price, _ingest_id, _file_path, _file_dt, _line_number,
            _loaded_at
        from retail_db.order_items limit 1""")
    connection.close()
    # In-process: this process's DuckDB instance holds the file (one writer per file).
    result = CliRunner().invoke(app, ["build", "--warehouse", store.warehouse_url, "--json"])
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert not summary["success"] and summary["tests"]["fail"] >= 1
    assert any("quantity" in failure["node"] for failure in summary["failures"])
