"""PostgreSQL under hostile input: a NUL anywhere, staged customer data, two ingests at once."""

from __future__ import annotations

import gzip
import threading

import pytest

from shopsight.ingest.loader import ingest
from shopsight.ingest.status import list_quarantine
from shopsight.ingest.warehouse import connect

from support import fresh_bucket, generate_small_store, spooled_event

pytestmark = pytest.mark.integration

ORDERS_DAY = "landing/retail_db/orders/dt=2024-03-10/part-00000.csv"


def test_a_nul_anywhere_is_a_row_reject_and_clean_files_load(fresh_postgres) -> None:
    bucket = fresh_bucket()
    generate_small_store(bucket, faults="none")
    original = bucket.read_bytes(ORDERS_DAY)
    first, second, rest = original.split(b"\n", 2)
    # One NUL in a value that would load, one in a line rejected for another reason too.
    bucket.write_bytes(
        ORDERS_DAY,
        first.replace(b",", b",\x00", 1) + b"\n" + second + b",extra\x00\n" + rest,
    )
    bucket.write_bytes(
        "raw/aftership/webhooks/dt=2024-06-01/seg-1.jsonl.gz",
        gzip.compress(spooled_event("e\u00001", "2024-06-01T10:00:01+00:00")),
    )
    warehouse = connect(fresh_postgres)
    try:
        report = ingest(bucket, warehouse)
        hooks = ingest(bucket, warehouse, source="aftership")
        assert all(f.status == "loaded" for f in report.files + hooks.files)
        reasons = {(row["path"], row["line"]): row["reason"] for row in list_quarantine(warehouse)}
        assert reasons[(ORDERS_DAY, 1)] == "nul_character"
        assert reasons[(ORDERS_DAY, 2)] in {"nul_character", "too_many_fields"}
        [hook] = hooks.files
        assert hook.rejects_by_reason == {"nul_character": 1}
        orders = warehouse.query("select count(*) from retail_db.orders")[0][0]
        assert orders > 0  # every clean file of the batch loaded
        assert ingest(bucket, warehouse).files == []  # and the next run is not blocked
    finally:
        warehouse.close()


def test_two_ingests_at_once_load_each_file_once(fresh_postgres) -> None:
    bucket = fresh_bucket()
    generate_small_store(bucket, faults="none")
    errors: list[BaseException] = []
    reports = []

    def one_ingest() -> None:
        warehouse = connect(fresh_postgres)
        try:
            reports.append(ingest(bucket, warehouse))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            warehouse.close()

    threads = [threading.Thread(target=one_ingest) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    landed = len(bucket.list("landing/"))
    assert sorted(len(r.files) for r in reports) == [0, landed]
    warehouse = connect(fresh_postgres)
    try:
        ledger = warehouse.query(
            "select count(*), count(distinct path) from shopsight_ops.ingest_ledger"
        )
    finally:
        warehouse.close()
    assert ledger == [(landed, landed)]
