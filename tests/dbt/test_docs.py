"""docs/warehouse.md shows the star as the dbt manifest declares it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shopsight.build import dbt_target_dir, run_dbt

ROOT = Path(__file__).resolve().parents[2]


def _parsed_manifest(warehouse_url: str) -> dict:
    """The manifest of a `dbt parse` of the project for this warehouse (a build writes none)."""
    import json

    assert run_dbt(warehouse_url, ["parse"]).success
    return json.loads((dbt_target_dir(warehouse_url) / "manifest.json").read_text())


def test_warehouse_diagram_is_current(tmp_path) -> None:
    env = {**os.environ, "SHOPSIGHT_WAREHOUSE": f"duckdb:///{tmp_path}/parse-only.duckdb"}
    result = subprocess.run(
        [sys.executable, "-m", "shopsight", "docs", "erd", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "dim_products ||--o{ fct_order_items" in (ROOT / "docs/warehouse.md").read_text()


def test_every_mart_column_is_described(web_store) -> None:
    """Every column of every public mart, as built, has a description in the dbt project
    (persisted to the warehouse's comments too: persist_docs)."""

    from built_store import query

    manifest = _parsed_manifest(web_store.warehouse_url)
    marts = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["path"].startswith("marts")
    ]
    assert len(marts) >= 20
    undescribed = []
    for node in marts:
        columns = query(
            web_store,
            "select column_name from information_schema.columns "
            f"where table_schema = '{node['schema']}' and table_name = '{node['alias']}'",
        )
        assert columns, node["name"]
        for (column,) in columns:
            if not node["columns"].get(column, {}).get("description"):
                undescribed.append(f"{node['name']}.{column}")
    assert undescribed == []


def test_every_mart_has_an_enforced_contract(web_store) -> None:
    """Every public mart enforces its contract: each column declared with a type, so a
    reader (and PostgreSQL's constraints) can rely on the names and types."""

    manifest = _parsed_manifest(web_store.warehouse_url)
    marts = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["path"].startswith("marts")
    ]
    assert len(marts) >= 20
    uncontracted = [n["name"] for n in marts if not n["config"]["contract"]["enforced"]]
    untyped = [
        f"{n['name']}.{name}"
        for n in marts
        for name, column in n["columns"].items()
        if not column.get("data_type")
    ]
    assert (uncontracted, untyped) == ([], [])
