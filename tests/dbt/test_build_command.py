"""`shopsight build` reports dbt's outcome and fails the run when a data test fails."""

from __future__ import annotations

import json

import duckdb
from typer.testing import CliRunner

from shopsight.cli import app

from built_store import build_store

ORDER_LINES = ["--select", "source:retail_db.order_items", "--select", "stg_retail_db__order_items"]


def test_failing_data_test_makes_build_exit_1_and_names_it(tmp_path) -> None:
    """A business rule (severity warn) is counted and leaves the build green; a broken
    key (severity error) fails it, named."""
    store = build_store(tmp_path, "none", days=3, orders=300)
    assert store.build.success
    database = store.warehouse_url[len("duckdb:///") :]

    def add_line(new_id: str, quantity: str) -> None:
        connection = duckdb.connect(database)
        connection.execute(f"""
            insert into retail_db.order_items
            select {new_id}, order_item_order_id, order_item_product_id, {quantity},
                0.0, order_item_product_price, _ingest_id, _file_path, _file_dt,
                _line_number, _loaded_at
            from retail_db.order_items order by order_item_id limit 1""")
        connection.close()

    def build() -> tuple[int, dict]:
        # In-process: this process's DuckDB instance holds the file (one writer per file).
        # The order lines' source and staging view, with their tests: the lines are written
        # behind ingestion's back, so no source changed as far as a daily build can tell
        # (build_state.py), and the other tables' tests cannot change.
        command = ["build", "--warehouse", store.warehouse_url, "--json", *ORDER_LINES]
        result = CliRunner().invoke(app, command)
        return result.exit_code, json.loads(result.stdout)

    add_line("order_item_id + 1000000", "0")  # quantity 0: loads, warned (as at landing)
    code, summary = build()
    assert code == 0 and summary["success"], summary["failures"]
    assert summary["tests"].get("warn", 0) >= 1
    add_line("order_item_id", "1")  # the same line id twice: the key is broken
    code, summary = build()
    assert code == 1
    assert not summary["success"] and summary["tests"]["fail"] >= 1
    assert any("order_item_id" in failure["node"] for failure in summary["failures"])
