"""docs/warehouse.md shows the star as the dbt manifest declares it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
