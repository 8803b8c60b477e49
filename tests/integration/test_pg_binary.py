"""The binary COPY encoder, decoded by a real PostgreSQL server: every row it is sent comes
back equal, NULLs, empty texts, multi-byte characters and the types' extremes included."""

from __future__ import annotations

import datetime as dt

import psycopg
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopsight.ingest.pg_binary import HEADER, TRAILER, encodable, encode_batch
from shopsight.ingest.warehouse import PostgresWarehouse

pytestmark = pytest.mark.integration

COLUMNS = {  # name: (PostgreSQL type, pg_type name, Arrow type, values)
    "i4": ("integer", "int4", pa.int64(), st.integers(-(2**31), 2**31 - 1)),
    "i8": ("bigint", "int8", pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "f8": (
        "double precision",
        "float8",
        pa.float64(),
        st.floats(allow_nan=False, allow_infinity=True, width=64),
    ),
    "b": ("boolean", "bool", pa.bool_(), st.booleans()),
    "d": (
        "date",
        "date",
        pa.date32(),
        st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    ),
    "ts": (
        "timestamp",
        "timestamp",
        pa.timestamp("us"),
        st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999999)),
    ),
    "v": (
        "varchar(64)",
        "varchar",
        pa.string(),
        st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=64),
    ),
    "t": ("text", "text", pa.string(), st.text(st.sampled_from("a,\"'\\\n\r\té€😀 "), max_size=20)),
}

ROWS = st.lists(
    st.tuples(*(st.none() | values for _, _, _, values in COLUMNS.values())), max_size=40
)


@pytest.fixture(scope="module")
def table(postgres_url: str) -> psycopg.Connection:  # type: ignore[misc]
    connection = psycopg.connect(postgres_url, autocommit=True)
    columns = ", ".join(f"{name} {sql}" for name, (sql, *_) in COLUMNS.items())
    connection.execute(f"create temp table encoded ({columns})")
    yield connection
    connection.close()


def _batch(rows: list[tuple]) -> pa.RecordBatch:  # type: ignore[type-arg]
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in COLUMNS]
    arrays = [
        pa.array(list(values), type=arrow)
        for values, (_, _, arrow, _) in zip(columns, COLUMNS.values(), strict=True)
    ]
    return pa.record_batch(arrays, names=list(COLUMNS))


def _round_trip(
    connection: psycopg.Connection,  # type: ignore[type-arg]
    rows: list[tuple],  # type: ignore[type-arg]
    order: list[str],
) -> list[tuple]:  # type: ignore[type-arg]
    """Send the rows with the columns in ``order`` (the COPY names them so); read them back
    in the table's order."""
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in COLUMNS]
    by_name = dict(zip(COLUMNS, columns, strict=True))
    batch = pa.record_batch(
        [pa.array(list(by_name[name]), type=COLUMNS[name][2]) for name in order], names=order
    )
    pg_types = [COLUMNS[name][1] for name in order]
    assert encodable(pg_types)
    connection.execute("truncate encoded")
    with connection.cursor() as cursor:
        with cursor.copy(f"copy encoded ({', '.join(order)}) from stdin (format binary)") as copy:
            copy.write(HEADER + encode_batch(batch, pg_types) + TRAILER)
        cursor.execute("select * from encoded")
        return cursor.fetchall()


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS, order=st.permutations(list(COLUMNS)))
def test_every_row_comes_back_equal(
    table: psycopg.Connection,  # type: ignore[type-arg]
    rows: list[tuple],  # type: ignore[type-arg]
    order: list[str],
) -> None:
    """Fixed-width fields without NULLs go out in runs (pg_binary.py); the drawn column
    order and NULLs start, break and end those runs anywhere in a row."""
    assert sorted(_round_trip(table, rows, order), key=repr) == sorted(rows, key=repr)


def test_a_slice_of_a_batch_sends_only_its_rows(table: psycopg.Connection) -> None:  # type: ignore[type-arg]
    rows = [
        (i, i, float(i), i % 2 == 0, dt.date(2024, 1, 1), dt.datetime(2024, 1, 1), f"v{i}", "é" * i)
        for i in range(10)
    ]
    columns = list(zip(*rows, strict=True))
    batch = pa.record_batch(
        [
            pa.array(list(values), type=arrow)
            for values, (_, _, arrow, _) in zip(columns, COLUMNS.values(), strict=True)
        ],
        names=list(COLUMNS),
    ).slice(3, 4)
    pg_types = [pg for _, pg, _, _ in COLUMNS.values()]
    table.execute("truncate encoded")
    with table.cursor() as cursor:
        with cursor.copy(f"copy encoded ({', '.join(COLUMNS)}) from stdin (format binary)") as copy:
            copy.write(HEADER + encode_batch(batch, pg_types) + TRAILER)
        cursor.execute("select * from encoded order by i4")
        assert cursor.fetchall() == rows[3:7]


def test_a_value_beyond_its_column_raises_before_anything_is_sent() -> None:
    batch = pa.record_batch([pa.array([2**40], type=pa.int64())], names=["i4"])
    with pytest.raises(pa.ArrowInvalid):
        encode_batch(batch, ["int4"])
    assert not encodable(["int4", "numeric"])


def test_append_sends_binary_where_it_can_and_csv_where_it_cannot(fresh_postgres: str) -> None:
    """A quoted (undeclared) column still goes binary; a type without an encoder (numeric)
    makes the table's rows go as CSV, and both arrive equal."""
    warehouse = PostgresWarehouse(fresh_postgres)
    try:
        warehouse.execute('create table binary_ok (id integer, "note" text, at timestamp)')
        warehouse.execute("create table csv_only (id integer, amount numeric(12, 2), note text)")
        assert encodable(warehouse._column_types("binary_ok", ["id", '"note"', "at"]))
        assert not encodable(warehouse._column_types("csv_only", ["id", "amount", "note"]))
        warehouse.append(
            "binary_ok",
            ["id", '"note"', "at"],
            "select 1 as id, '' as note, timestamp '2024-02-29 23:59:59.5' as at "
            "union all select 2, null, null",
        )
        warehouse.append(
            "csv_only",
            ["id", "amount", "note"],
            "select 1 as id, 19.99::decimal(12, 2) as amount, '' as note "
            "union all select 2, null, null",
        )
        assert warehouse.query("select * from binary_ok order by id") == [
            (1, "", dt.datetime(2024, 2, 29, 23, 59, 59, 500000)),
            (2, None, None),
        ]
        assert warehouse.query("select id, amount::text, note from csv_only order by id") == [
            (1, "19.99", ""),
            (2, None, None),
        ]
    finally:
        warehouse.close()
