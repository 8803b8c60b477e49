"""Arbitrary bytes never crash the loader and never break row conservation."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

_ALPHABET = st.sampled_from([b"1", b"2", b",", b'"', b"\n", b"\r", b"\xff", b"a", b" ", b"."])
_CONTENT = st.one_of(st.binary(max_size=300), st.lists(_ALPHABET, max_size=120).map(b"".join))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=_CONTENT, table=st.sampled_from(["departments", "order_items"]))
@example(content=b"\xef\xbb\xbf", table="departments")
def test_any_bytes_are_loaded_or_quarantined(content: bytes, table: str) -> None:
    bucket = Bucket(f"memory://prop-{uuid.uuid4().hex[:10]}")
    key = f"landing/retail_db/{table}/dt=2024-01-01/part-00000.csv"
    bucket.write_bytes(key, content)
    warehouse = connect("duckdb://")
    report = ingest(bucket, warehouse)
    [result] = report.files
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    # A UTF-8 byte-order mark at the start is not data (docs/ingestion.md): a file of only
    # a mark is empty.
    text = content.removeprefix(b"\xef\xbb\xbf")
    expected_lines = text.count(b"\n") + (0 if text.endswith(b"\n") or not text else 1)
    assert result.rows_read == expected_lines
    loaded = warehouse.query(f"select count(*) from retail_db.{table}_history")[0][0]
    kept = warehouse.query("select count(*) from shopsight_ops.quarantine")[0][0]
    assert (loaded, kept) == (result.rows_loaded, result.rows_rejected)
    warehouse.close()
