"""The generated validator: each kind of bad row gets its reason, column and message."""

from __future__ import annotations

import duckdb
import pytest

from shopsight.contracts.model import load_contract
from shopsight.ingest.reader import split_lines
from shopsight.ingest.validation import check_lines, validation_sql

CONTRACT = load_contract("retail_db")
WARNED = {"out_of_range", "subtotal_mismatch", "not_accepted_value", "pattern_mismatch"}


def _check(table: str, line: bytes) -> dict | None:
    con = duckdb.connect()
    con.register("_lines", split_lines(line + b"\n"))
    sql = validation_sql(CONTRACT.table(table), CONTRACT.format, "_lines")
    return con.execute(f"select problem from ({sql})").fetchall()[0][0]


def _warnings(table: str, line: bytes) -> list[dict]:
    con = duckdb.connect()
    check_lines(con, CONTRACT, CONTRACT.table(table), split_lines(line + b"\n"))
    return [w for (w,) in con.execute("select problem from _warnings").fetchall()]


@pytest.mark.parametrize(
    ("table", "line", "reason", "column"),
    [
        ("order_items", b"1,2,3,2,39.98,19.99", None, None),
        ("order_items", b'1,"2",3,2,39.98,19.99', None, None),
        ("order_items", b"1,2,3,0,0.0,19.99", "out_of_range", "order_item_quantity"),
        ("order_items", b"1,2,3,1,N/A,19.99", "invalid_number", "order_item_subtotal"),
        ("order_items", b"1,2,3,1,nan,19.99", "invalid_number", "order_item_subtotal"),
        ("order_items", b"1,2,3,,19.99,19.99", "missing_value", "order_item_quantity"),
        ("order_items", b"1,2,3,2,40.98,19.99", "subtotal_mismatch", None),
        ("order_items", b"1,2,3,2,39.98,19.99,9", "too_many_fields", None),
        ("order_items", b"1,2", "too_few_fields", None),
        ("order_items", b"x1,2,3,1,19.99,19.99", "invalid_integer", "order_item_id"),
        # Numbers in the source's own notation only (DuckDB's cast alone takes all four).
        ("order_items", b"0x1,2,3,1,19.99,19.99", "invalid_integer", "order_item_id"),
        ("order_items", b"0b101,2,3,1,19.99,19.99", "invalid_integer", "order_item_id"),
        ("order_items", b"1e3,2,3,1,19.99,19.99", "invalid_integer", "order_item_id"),
        ("order_items", b"1_000,2,3,1,19.99,19.99", "invalid_integer", "order_item_id"),
        ("order_items", b" 1,2,3,1,19.99,19.99", "invalid_integer", "order_item_id"),
        ("order_items", b"+1,2,3,1,19.99,19.99", None, None),
        ("order_items", b"1,2,3,1,1_9.99,19.99", "invalid_number", "order_item_subtotal"),
        ("order_items", b"1,2,3,1,0x13,19.99", "invalid_number", "order_item_subtotal"),
        ("order_items", b"1,2,3,1,1.999e1,19.99", None, None),
        # A NUL cannot be stored by PostgreSQL: a reject on every engine.
        ("orders", b"1,2013-07-25 00:00:00.0,5,COMP\x00LETE", "nul_character", "order_status"),
        ("orders", b'1,2013-07-25 00:00:00.0,5,"COMPLETE', "unterminated_quote", None),
        ("orders", b'1,2013-07-25 00:00:00.0,5,COM"PLETE"', "bad_quote", None),
        ("orders", b"1,2013-02-30 00:00:00.0,5,COMPLETE", "invalid_timestamp", "order_date"),
        ("orders", b"1,2013-07-25,5,COMPLETE", "invalid_timestamp", "order_date"),
        ("orders", b"1,2013-07-25 00:00:00.0,5,DONE", "not_accepted_value", "order_status"),
        (
            "orders",
            b"order_id,order_date,order_customer_id,order_status",
            "unexpected_header",
            None,
        ),
        (
            "customers",
            b"1,Ann,Lee,X,X,1 Main St,Boston,MA,2108",
            "pattern_mismatch",
            "customer_zipcode",
        ),
        ("customers", b"1,Ann,L\xffee,X,X,1 Main St,Boston,MA,02108", "invalid_utf8", None),
        ("customers", b"1,Ann,Lee,X,X,,Boston,MA,02108", None, None),
        ("departments", b"1," + b"x" * 46, "too_long", "department_name"),
    ],
)
def test_reason_and_column(table: str, line: bytes, reason: str | None, column: str | None) -> None:
    """Business rules (severity warn) load the row with a warning; the rest reject it."""
    problem, warnings = _check(table, line), _warnings(table, line)
    if reason is None:
        assert (problem, warnings) == (None, [])
    elif reason in WARNED:
        assert problem is None
        assert (reason, column) in [(w["reason"], w["column"]) for w in warnings]  # each rule
    else:
        assert (problem["reason"], problem["column"]) == (reason, column)
        assert warnings == []


def test_message_says_what_was_expected_and_found() -> None:
    problem = _check("order_items", b"1,2,3,1,N/A,19.99")
    assert problem["message"] == "order_item_subtotal: expected a finite number, found 'N/A'"
