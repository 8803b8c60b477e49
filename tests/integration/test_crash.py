"""A process killed mid-load leaves no partial file; the next run completes exactly once."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

from support import assert_rows_conserved, generate_small_store

pytestmark = pytest.mark.integration


def _current_state(url: str) -> list[tuple]:
    warehouse = connect(url)
    rows = warehouse.query(
        "select order_item_id, order_item_subtotal, _file_path "
        "from retail_db.order_items order by 1"
    )
    warehouse.close()
    return rows


def test_sigkill_mid_ingest_then_rerun_loads_everything_once(tmp_path) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_small_store(bucket, days=20, orders=6000)
    url = f"duckdb:///{tmp_path}/killed.duckdb"
    command = [
        sys.executable,
        "-m",
        "shopsight",
        "ingest",
        "--bucket",
        bucket.url,
        "--warehouse",
        url,
        "--json",
    ]
    kills = 0
    for delay in (1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if process.poll() is not None:
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
        warehouse = connect(url)
        assert_rows_conserved(warehouse)  # every committed file is whole
        warehouse.close()
    assert kills >= 1, "the ingest finished before it could be killed"
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode in (0, 1), finished.stderr
    reference = f"duckdb:///{tmp_path}/clean.duckdb"
    clean = connect(reference)
    ingest(bucket, clean)
    clean.close()
    assert _current_state(url) == _current_state(reference)
    warehouse = connect(url)
    files = warehouse.query(
        "select count(*), count(distinct path) from shopsight_ops.ingest_ledger"
    )
    assert files[0][0] == files[0][1] == len(bucket.list("landing/"))
    warehouse.close()
