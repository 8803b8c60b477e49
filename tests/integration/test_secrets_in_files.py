"""A PostgreSQL password given on the command line is written to no file ShopSight or dbt
leaves behind, and dbt's working files stay out of the checkout (issue 29, items 5 and 6)."""

from __future__ import annotations

import json
import os
import uuid
from datetime import date
from pathlib import Path

import pytest

from shopsight.build import DBT_PROJECT_DIR
from shopsight.generate.export import generate_retail_db
from shopsight.storage import Bucket

from support import shopsight

pytestmark = pytest.mark.integration


def _files(folder: Path) -> dict[Path, float]:
    return {path: path.stat().st_mtime for path in folder.rglob("*") if path.is_file()}


def _files_holding(folder: Path, secret: bytes) -> list[Path]:
    return [path for path in _files(folder) if secret in path.read_bytes()]


def test_a_postgres_build_writes_its_password_nowhere(tmp_path, fresh_postgres) -> None:
    password = f"Pw{uuid.uuid4().hex[:12]}"
    # The session's server trusts local connections: the password is accepted, not needed,
    # which is enough to see where ShopSight would write it.
    url = fresh_postgres.replace("postgresql://postgres@", f"postgresql://postgres:{password}@")
    bucket_url = f"file://{tmp_path}/bucket"
    generate_retail_db(Bucket(bucket_url), date(2024, 1, 1), 3, 300, 3, "none")
    state = tmp_path / "state"
    env = os.environ | {"SHOPSIGHT_STATE_DIR": str(state)}
    project_before = _files(DBT_PROJECT_DIR)

    ingested = shopsight("ingest", "--bucket", bucket_url, "--warehouse", url, env=env)
    built = shopsight(
        "build", "--warehouse", url, "--select", "stg_retail_db__orders", "--json", env=env
    )

    assert ingested.returncode == 0, ingested.stderr
    assert built.returncode == 0, built.stderr
    results = list(state.rglob("run_results.json"))
    assert len(results) == 1, "dbt's results are in the warehouse's state folder"
    # dbt records the command it ran (the build's results, which ShopSight writes).
    assert json.loads(results[0].read_text())["args"]["invocation_command"].startswith("dbt ")
    assert results[0].parent.parent.name.startswith("postgres-127.0.0.1-")
    for output in (ingested, built):
        assert password not in output.stdout + output.stderr
    assert _files_holding(state, password.encode()) == []
    assert _files_holding(tmp_path / "bucket", password.encode()) == []
    assert _files(DBT_PROJECT_DIR) == project_before, "nothing written into the checkout"


def test_the_state_folder_names_the_warehouse_never_its_password() -> None:
    from shopsight.build import BuildError, dbt_state_dir

    folder = dbt_state_dir("postgresql://shop:Secret1@db.example:5433/sales")
    assert folder.name.startswith("postgres-db.example-5433-sales-")
    assert "Secret1" not in str(folder) and "shop" not in folder.name
    other = dbt_state_dir("postgresql://shop:Secret1@db.example:5433/sales_eu")
    assert other != folder
    with pytest.raises(BuildError, match="Port out of range") as refused:
        dbt_state_dir("postgresql://shop:Secret1@db.example:99999999/sales")
    assert "Secret1" not in str(refused.value)
