"""A batch's objects read and moved side by side on S3 (moto's server) give what reading
and moving them one at a time gives on a local disk: the same bytes, the same errors, the
same objects left, whatever the keys hold; and a crash between a commit and its moves is
finished by the next ingest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from shopsight.ingest.history import history_key
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket, StorageError

from support import generate_small_store

pytestmark = pytest.mark.integration

# Keys a store may land: fsspec's list calls would take "*", "?" and "[" for patterns.
KEYS = [
    "landing/retail_db/orders/dt=2024-01-01/part-00000.csv",
    "landing/retail_db/orders/dt=2024-01-01/part[1].csv",
    "landing/retail_db/orders/dt=2024-01-01/part*2?.csv",
    "landing/retail_db/orders/dt=2024-01-01/with space.csv",
    "landing/retail_db/orders/dt=2024-01-01/empty.csv",
]


@pytest.fixture(params=["s3", "file"])
def bucket(request, tmp_path) -> Bucket:
    if request.param == "s3":
        return Bucket(request.getfixturevalue("s3_bucket_url"))
    return Bucket(f"file://{tmp_path}/bucket")


def content(key: str) -> bytes:
    return b"" if key.endswith("empty.csv") else f"id\n{key}\n".encode() * 1000


def test_reading_many_gives_each_object_or_the_error_reading_it_gives(bucket: Bucket) -> None:
    for key in KEYS:
        bucket.write_bytes(key, content(key))
    missing = "landing/retail_db/orders/dt=2024-01-02/gone.csv"
    found = bucket.read_many([*KEYS, missing])
    assert list(found) == [*KEYS, missing]
    assert {key: found[key] for key in KEYS} == {key: bucket.read_bytes(key) for key in KEYS}
    assert {key: content(key) for key in KEYS} == {key: found[key] for key in KEYS}
    error = found[missing]
    assert isinstance(error, StorageError)
    assert str(error) == f"{bucket.url}/{missing}: no such object"
    assert bucket.read_many([]) == {}


def test_moving_many_leaves_every_target_whole_and_no_source(bucket: Bucket) -> None:
    for key in KEYS:
        bucket.write_bytes(key, content(key))
    bucket.write_bytes("other/kept.csv", b"kept\n")
    moves = [(key, "history/" + key.removeprefix("landing/")) for key in KEYS]
    bucket.move_many(moves)
    assert [info.key for info in bucket.list("landing/")] == []
    assert sorted(info.key for info in bucket.list("history/")) == sorted(t for _, t in moves)
    assert all(bucket.read_bytes(target) == content(source) for source, target in moves)
    assert bucket.read_bytes("other/kept.csv") == b"kept\n"
    bucket.move_many([])  # nothing to move: nothing happens


def test_a_kill_after_the_commit_on_s3_is_published_by_the_next_ingest(
    s3_bucket_url, tmp_path
) -> None:
    """The second batch committed, its history still staged when the process dies: the next
    ingest moves it into the layout (side by side) and loads the rest; the layout then
    holds exactly one object per loaded file, and nothing is left staged."""
    bucket = Bucket(s3_bucket_url)
    generate_small_store(bucket)
    command = [
        sys.executable,
        *("-m", "shopsight", "ingest", "--source", "retail_db", "--json"),
        *("--bucket", s3_bucket_url, "--warehouse", f"duckdb:///{tmp_path}/w.duckdb"),
    ]
    killed = subprocess.run(
        command,
        env={**os.environ, "SHOPSIGHT_FAILPOINT": "ingest.after_commit:2"},
        capture_output=True,
        timeout=600,
    )
    assert killed.returncode == -signal.SIGKILL, "the process did not reach the fail point"
    assert bucket.list("staging/history/")  # committed, not yet in the layout
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode in (0, 1), finished.stderr[-2000:]
    assert bucket.list("staging/history/") == []
    warehouse = connect(f"duckdb:///{tmp_path}/w.duckdb")
    loaded = warehouse.query(
        "select source, table_name, file_dt, ingest_id from shopsight_ops.ingest_ledger "
        "where status = 'loaded'"
    )
    warehouse.close()
    expected = sorted(
        history_key(str(s), str(t), str(d) if d else None, str(i)) for s, t, d, i in loaded
    )
    assert [info.key for info in bucket.list("history/")] == expected
