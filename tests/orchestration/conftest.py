"""Airflow for the DAG tests: a private AIRFLOW_HOME with a SQLite metadata database and a
DAGs folder holding the real DAG file (and the failure drills the tests write there).

Airflow reads its configuration when first imported, so the environment is set here, at
collection, before any test imports it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="shopsight-airflow-"))
atexit.register(shutil.rmtree, AIRFLOW_HOME, ignore_errors=True)
DAGS_FOLDER = AIRFLOW_HOME / "dags"
os.environ |= {
    "AIRFLOW_HOME": str(AIRFLOW_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
}
# Cosmos finds dbt on PATH (the virtualenv's bin).
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Migrate the metadata database once; create the warehouse pool of one slot."""
    DAGS_FOLDER.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "airflow/dags/shopsight_daily.py", DAGS_FOLDER / "shopsight_daily.py")
    airflow = Path(sys.executable).parent / "airflow"
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True, env=os.environ)
    from airflow.models.pool import Pool

    from shopsight.airflow_dag import WAREHOUSE_POOL

    Pool.create_or_update_pool(WAREHOUSE_POOL, slots=1, description="", include_deferred=False)
    return DAGS_FOLDER
