"""A process killed at any point of a load leaves no partial file; the next run completes
exactly once. The process kills itself at a named fail point, so no test races a clock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import duckdb
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


def _ingest_command(bucket: Bucket, url: str) -> list[str]:
    return [
        sys.executable,
        *("-m", "shopsight", "ingest", "--source", "retail_db"),
        *("--bucket", bucket.url, "--warehouse", url, "--json"),
    ]


@pytest.mark.parametrize(
    "point",
    [
        "ingest.fast_path_copied:2",  # a batch's files in the scratch folder, not read
        "ingest.after_stage",
        "ingest.history_pending:2",  # the Parquet staged in the bucket, not committed
        "ingest.before_commit:3",  # a few batches in: earlier ones committed, this one not
        "ingest.after_commit:2",  # committed, the Parquet not yet in the layout
        "ingest.quarantine_object_written",
        "ingest.before_quarantine_commit",
    ],
)
def test_sigkill_at_a_fail_point_then_rerun_loads_everything_once(tmp_path, point) -> None:
    _kill_then_rerun(tmp_path, f"duckdb:///{tmp_path}/killed.duckdb", point)


@pytest.mark.parametrize(
    "point",
    [
        "ingest.after_read:14",  # the second batch read, the first (12 files) not written
        "ingest.before_commit:3",
        "ingest.quarantine_object_written",  # a file of the next batch, this one not written
    ],
)
def test_sigkill_on_postgres_with_the_next_batch_checked_ahead(
    tmp_path, fresh_postgres, point
) -> None:
    """On PostgreSQL a batch is read and checked while the one before it is written
    (decision 0053): a kill there loses nothing either."""
    _kill_then_rerun(tmp_path, fresh_postgres, point)


def _kill_then_rerun(tmp_path, url: str, point: str) -> None:  # type: ignore[no-untyped-def]
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_small_store(bucket)
    command = _ingest_command(bucket, url)
    env = {**os.environ, "SHOPSIGHT_STATE_DIR": str(tmp_path / "state")}
    killed = subprocess.run(
        command, env={**env, "SHOPSIGHT_FAILPOINT": point}, capture_output=True, timeout=600
    )
    assert killed.returncode == -signal.SIGKILL, "the process did not reach the fail point"
    scratch = tmp_path / "state" / "scratch"
    if point.startswith("ingest.fast_path_copied"):  # the killed process's copies are left
        (left,) = [path for path in scratch.iterdir() if path.is_dir()]
        assert list(left.glob("*.csv"))
    warehouse = connect(url)
    assert_rows_conserved(warehouse)  # every committed file is whole
    visible, committed = _parquet_history(bucket), _committed_rows(warehouse)
    warehouse.close()
    # A reader of the layout sees committed loads only, each whole (one may be waiting to
    # be moved in: committed, not yet visible, until the next run).
    assert all(committed.get(load) == rows for load, rows in visible.items())
    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert finished.returncode in (0, 1), finished.stderr
    assert not list(scratch.iterdir())  # the rerun removed what the killed process left
    reference = f"duckdb:///{tmp_path}/clean.duckdb"
    clean = connect(reference)
    ingest(bucket, clean)
    clean.close()
    assert _current_state(url) == _current_state(reference)
    warehouse = connect(url)
    files = warehouse.query(
        "select count(*), count(distinct path) from shopsight_ops.ingest_ledger"
    )
    quarantined = warehouse.query(
        "select count(*), count(distinct quarantine_id) from shopsight_ops.quarantine"
    )
    warehouse.close()
    assert files[0][0] == files[0][1] == len(bucket.list("landing/"))
    assert quarantined[0][0] == quarantined[0][1]
    warehouse = connect(url)
    committed = _committed_rows(warehouse)
    warehouse.close()
    assert _parquet_history(bucket) == committed  # after the rerun: all of it, nothing else
    assert not bucket.list("staging/")


def _parquet_history(bucket: Bucket) -> dict[str, int]:
    """Rows per load in the bucket's history layout, read by a plain DuckDB query."""
    root = bucket.local_path("history")
    if not bucket.list("history/"):
        return {}
    rows = duckdb.sql(
        f"select _ingest_id, count(*) from read_parquet('{root}/*/*/dt=*/*.parquet') group by 1"
    ).fetchall()
    return dict(rows)


def _committed_rows(warehouse) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return dict(
        warehouse.query(
            "select ingest_id, rows_loaded from shopsight_ops.ingest_ledger "
            "where status = 'loaded' and rows_loaded > 0"
        )
    )


def test_an_unknown_fail_point_is_refused() -> None:
    from shopsight.failpoints import FailPoint, parse_failpoint

    with pytest.raises(ValueError, match="unknown fail point"):
        parse_failpoint("ingest.after_stagee")
    assert parse_failpoint("ingest.before_commit:2") == FailPoint("ingest.before_commit", 2)
    assert parse_failpoint("ingest.after_read:raise") == FailPoint("ingest.after_read", 1, True)
    assert parse_failpoint("ingest.after_read:3:raise") == FailPoint("ingest.after_read", 3, True)
    with pytest.raises(ValueError, match="positive integer"):
        parse_failpoint("ingest.after_read:0")
    assert parse_failpoint(None) is None
