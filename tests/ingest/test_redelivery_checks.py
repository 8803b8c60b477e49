"""A re-delivery that keeps the size and an older modification time (``rsync -t``,
``aws s3 sync``) is caught by the default content check when its ends changed, and by
``--verify`` wherever it changed (issue 29, item 9; the modes are in docs/ingestion.md)."""

from __future__ import annotations

import os

from shopsight.ingest.loader import ingest
from shopsight.ingest.status import list_quarantine

ORDERS = "landing/retail_db/orders/dt=2024-03-10/part-00000.csv"
CUSTOMERS = "landing/retail_db/customers/dt=2024-03-01/part-00000.csv"  # about 46 KB
LONG_AGO = 946_684_800  # 2000-01-01: older than any load


def _redeliver(root: str, key: str, change_at: int) -> None:
    """Rewrite the file with one digit changed at ``change_at`` (same size), dated long ago."""
    path = os.path.join(root, key)
    with open(path, "rb") as handle:
        data = bytearray(handle.read())
    index = next(i for i in range(change_at, len(data)) if chr(data[i]).isdigit())
    data[index] = ord("7") if data[index] != ord("7") else ord("3")
    with open(path, "wb") as handle:
        handle.write(bytes(data))
    os.utime(path, (LONG_AGO, LONG_AGO))


def test_a_same_size_older_redelivery_is_caught_by_its_ends(tmp_path, local_store) -> None:
    bucket, warehouse = local_store
    ingest(bucket, warehouse)
    size = os.path.getsize(tmp_path / "bucket" / ORDERS)
    _redeliver(str(tmp_path / "bucket"), ORDERS, size - 50)  # in the last 4 KiB
    again = ingest(bucket, warehouse)
    [held] = list_quarantine(warehouse, reason="redelivered_with_new_content")
    unchanged = ingest(bucket, warehouse)
    assert [f.path for f in again.files] == [ORDERS]
    assert held["path"] == ORDERS
    assert unchanged.files == [], "the held re-delivery is not read again and again"


def test_a_change_in_the_middle_needs_verify(tmp_path, local_store) -> None:
    bucket, warehouse = local_store
    ingest(bucket, warehouse)
    size = os.path.getsize(tmp_path / "bucket" / CUSTOMERS)
    assert size > 3 * 4096, "a file long enough to have a middle"
    _redeliver(str(tmp_path / "bucket"), CUSTOMERS, size // 2)
    default = ingest(bucket, warehouse)
    verified = ingest(bucket, warehouse, verify=True)
    [held] = list_quarantine(warehouse, reason="redelivered_with_new_content")
    assert default.files == []  # the documented limit of the default check
    assert [f.path for f in verified.files if f.status == "quarantined"] == [CUSTOMERS]
    assert held["path"] == CUSTOMERS
