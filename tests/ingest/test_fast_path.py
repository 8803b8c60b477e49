"""The fast path (DuckDB's CSV reader, fast_path.py) gives exactly what the line validator
gives: the same ledger, quarantine, warnings, tables and Parquet history, file by file, on
every fault class; and each of the reader's traps (stack-notes) is caught."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from unittest import mock

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopsight.contracts.model import load_contract
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.ingest import fast_path, loader
from shopsight.ingest.batch import FileResult
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

from support import START, generate_small_store

RETAIL = load_contract("retail_db")


def loaded_state(root: Path, source: str) -> dict[str, Any]:
    """Everything a load leaves, read back without ShopSight code (timestamps aside)."""
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    state: dict[str, Any] = {
        "ledger": con.execute(
            "select path, status, reason, message, rows_read, rows_loaded, rows_rejected, "
            "warnings from shopsight_ops.ingest_ledger order by path"
        ).fetchall(),
        "quarantine": con.execute(
            "select path, line_number, column_name, reason, message, raw_line "
            "from shopsight_ops.quarantine order by path, line_number"
        ).fetchall(),
        "warnings": con.execute("select * from shopsight_ops.row_warnings order by all").fetchall(),
    }
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [source],
        ).fetchall()
    ]
    for table in tables:
        state[table] = con.execute(
            f"select * exclude (_loaded_at) from {source}.{table} order by all"
        ).fetchall()
    con.close()
    history = root / "bucket" / "history" / source
    state["parquet"] = duckdb.sql(
        f"select * exclude (_loaded_at) from read_parquet('{history}/*/*/*.parquet', "
        "union_by_name = true) order by all"
    ).fetchall()
    state["quarantined_objects"] = sorted(
        (str(p.relative_to(root / "bucket")), p.read_bytes())
        for p in (root / "bucket" / "quarantine").rglob("*")
        if p.is_file()
    )
    return state


def ingest_both_ways(tmp_path: Path, landed: Path, source: str) -> tuple[dict, dict]:
    states = []
    for fast in (True, False):
        root = tmp_path / ("fast" if fast else "validator")
        shutil.copytree(landed, root / "bucket")
        warehouse = connect(f"duckdb:///{root}/wh.duckdb")
        try:
            ingest(Bucket(f"file://{root}/bucket"), warehouse, source=source, fast=fast)
        finally:
            warehouse.close()
        states.append(loaded_state(root, source))
    return states[0], states[1]


@pytest.fixture
def reads(monkeypatch) -> list[dict]:
    """What the fast path handed to the validator, batch by batch."""
    seen: list[dict] = []

    def spy(*args: Any, **kwargs: Any) -> dict:
        leftovers = fast_path.check_fast(*args, **kwargs)
        seen.append({"files": len(args[3]), "leftovers": dict(leftovers)})
        return leftovers

    monkeypatch.setattr(loader, "check_fast", spy)
    return seen


def assert_same(fast: dict, validator: dict) -> None:
    assert fast.keys() == validator.keys()
    for part in fast:
        assert fast[part] == validator[part], part


def test_the_fast_path_equals_the_validator_on_every_fault_class(tmp_path, reads) -> None:
    landed = tmp_path / "landed"
    summary = generate_small_store(Bucket(f"file://{landed}"))
    assert summary.faults, "the store must hold faults of every class"
    fast, validator = ingest_both_ways(tmp_path, landed, "retail_db")
    assert_same(fast, validator)
    # The comparison means something only if the reader did the work.
    files = sum(r["files"] for r in reads)
    whole = sum(v is None for r in reads for v in r["leftovers"].values())
    partial = sum(v is not None for r in reads for v in r["leftovers"].values())
    assert files > 40 and whole < files / 4 and partial > 0
    assert len(fast["quarantine"]) > 10


def test_the_fast_path_equals_the_validator_on_header_files_with_drift(tmp_path) -> None:
    landed = tmp_path / "landed"
    bucket = Bucket(f"file://{landed}")
    generate_thelook(bucket, START, 4, 300, 9, "default", drift=True)
    generate_transactions(bucket, START, 4, 300, 9, "default")
    fast, validator = ingest_both_ways(tmp_path, landed, "thelook")
    assert_same(fast, validator)
    assert fast["quarantine"]


ORDER_ITEMS = "landing/retail_db/order_items/dt=2024-01-01/part-0.csv"
GOOD = "{n},1,14,1,37.4,37.4"


def land(tmp_path: Path, lines: list[str | bytes]) -> Path:
    landed = tmp_path / "landed"
    path = landed / ORDER_ITEMS
    path.parent.mkdir(parents=True)
    path.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return landed


def history_lines(state: dict) -> list[int]:
    return sorted(row[-1] for row in state["order_items_history"])  # _line_number is last


@pytest.mark.parametrize(
    ("trap", "bad", "reason"),
    [
        # An unterminated quote: a reader that honours quotes swallows every later line.
        ("unterminated quote", '3,1,"14,1,37.4,37.4', "unterminated_quote"),
        # The sniffer would take a semicolon line for the dialect; the contract says commas.
        ("sniffer", "3;1;14;1;37.4;37.4", "too_few_fields"),
        # count(*) over a scan skips the cast, so it counts a row that cannot be stored.
        ("cast reject", "3,x,14,1,37.4,37.4", "invalid_integer"),
        # A line past the reader's size limit (2 MB) is its reject, the validator's line.
        ("line size", "3," + "x" * 3_000_000 + ",14,1,37.4,37.4", "invalid_integer"),
        # The reader drops an empty last field too many: seven fields read as six.
        ("trailing comma", "3,1,14,1,37.4,37.4,", "too_many_fields"),
        # A typed reader rounds 1.5 into an integer column.
        ("lenient cast", "3,1.5,14,1,37.4,37.4", "invalid_integer"),
    ],
)
@pytest.mark.parametrize("typed", [True, False], ids=["typed", "text"])
def test_each_reader_trap_is_caught_and_every_other_line_keeps_its_number(
    tmp_path, monkeypatch, trap: str, bad: str, reason: str, typed: bool
) -> None:
    if not typed:
        monkeypatch.setattr(fast_path, "_reads_typed", lambda *args: False)
    lines = [GOOD.format(n=1), GOOD.format(n=2), bad] + [GOOD.format(n=n) for n in range(4, 9)]
    fast, validator = ingest_both_ways(tmp_path, land(tmp_path, lines), "retail_db")
    assert_same(fast, validator)
    [(path, line, _, found, _, raw)] = fast["quarantine"]
    assert (path, line, found, raw) == (ORDER_ITEMS, 3, reason, bad)
    assert history_lines(fast) == [1, 2, 4, 5, 6, 7, 8]
    [ledger] = fast["ledger"]
    assert ledger[4:7] == (8, 7, 1)  # rows read, loaded, rejected: nothing lost


# Lines the reader reads differently from the validator, or not at all.
AWKWARD = [
    "",  # an empty line (the reader skips it)
    "9,1,14,1,37.4",  # too few fields
    "9,1,14,1,37.4,37.4,1",  # too many
    '9,1,"14",1,37.4,37.4',  # a quoted field (the validator accepts it)
    '9,1, "14",1,37.4,37.4',  # a space before a quote
    '9,1,14,1,37.4,""',  # an empty quoted field
    '9,1,1"4,1,37.4,37.4',  # a quote inside a field
    '9,1,"14,1,37.4,37.4',  # an unterminated quote
    b"9,1,14,1,37.4,\xff37.4",  # invalid UTF-8
    "9,1,14,1,37.4,37\x00.4",  # a NUL character
    "9,1,14,1,37.4,37.4\r",  # a Windows line ending
    "9,1,1\r4,1,37.4,37.4",  # a lone carriage return
    "order_item_id,order_item_order_id,order_item_product_id,order_item_quantity,"
    "order_item_subtotal,order_item_product_price",  # a stray header
    "9,0x1,14,1,37.4,37.4",  # a number the reader's cast would take
    "9,1,14,1,inf,37.4",
    "9,1,14,1, 37.4,37.4",
    "9,1,14,0,37.4,37.4",  # a warning, not a reject
    "0,1,14,1,37.4,37.4",  # out of range: rejected
    # Numbers a typed reader takes (rounded, scaled, out of range) that the contract refuses.
    "9,1.5,14,1,37.4,37.4",
    "9,1e2,14,1,37.4,37.4",
    "9,1_000,14,1,37.4,37.4",
    "9,99999999999,14,1,37.4,37.4",
    "9,1,14,1,1e999,37.4",
    "9,1,14,1,nan,37.4",
    "+9,01,14,1,.5,37.",  # the contract's own notation, unusual
    "9,1,14,,37.4,37.4",  # an empty number
    "9,1,14,1,37.4,37.4,",  # an empty field too many
    "9,1,14,1,37.4,37.4\x01",  # a control byte the whole-line read must not split on
]

# The same for a table with a timestamp and text: forms of a time the reader's cast takes.
ORDER = "{n},2024-01-01 10:00:00.0,5,COMPLETE"
AWKWARD_ORDERS = [
    "9,2024-01-01 10:00:00,5,COMPLETE",
    "9,2024-01-01 10:00:00.123456,5,CLOSED",
    "9,2024-01-01,5,COMPLETE",
    "9,2024-01-01T10:00:00,5,COMPLETE",
    "9,2024-01-01 10:00:00+02,5,COMPLETE",
    "9,2024-02-30 10:00:00.0,5,COMPLETE",
    "9,2024-01-01 24:00:00.0,5,COMPLETE",
    "9,2024-01-01 10:00:00.1234567,5,COMPLETE",
    "9, 2024-01-01 10:00:00.0,5,COMPLETE",
    "9,2024-01-01 10:00:00.0,5,",  # empty text
    "9,2024-01-01 10:00:00.0,5, COMPLETE ",  # spaces kept
    "9,2024-01-01 10:00:00.0,5,NOT_A_STATUS",  # a warning
    "9,2024-01-01 10:00:00.0,5,COMP\x00LETE",  # a NUL in text
    "9,2024-01-01 10:00:00.0,5," + "X" * 46,  # too long
    "9,,5,COMPLETE",
    "order_id,order_date,order_customer_id,order_status",
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["order_items", "orders"]),
    typed=st.booleans(),
    files=st.lists(
        st.lists(st.integers(0, 120), min_size=1, max_size=12),
        min_size=1,
        max_size=4,
    ),
    trailing_newline=st.booleans(),
)
def test_any_mix_of_awkward_lines_checks_the_same_both_ways(
    kind, typed, files, trailing_newline
) -> None:
    """Line by line, ``_checked`` (every value, line number, reason and message) is the same
    whichever way a batch is read: by the reader as text, by the reader typed where it may
    (fast_path._read_typed_group), or by the validator alone."""
    table = RETAIL.table(kind)
    good, awkward = (GOOD, AWKWARD) if kind == "order_items" else (ORDER, AWKWARD_ORDERS)

    def line(x: int) -> bytes:  # a good line for most draws, else an awkward one
        value = awkward[x % len(awkward)] if x < 40 else good.format(n=x)
        return value if isinstance(value, bytes) else value.encode()

    texts = []
    for lines in files:
        encoded = [line(x) for x in lines]
        texts.append(b"\n".join(encoded) + (b"\n" if trailing_newline else b""))
    results = []
    for fast in (True, False):
        con = duckdb.connect()
        read = {
            i: loader._ReadFile(
                FileResult("", "", "", f"f{i}", "", 0, None),
                text,
                *loader.read_text(RETAIL, table, f"f{i}.csv", text),
                header=False,
            )
            for i, text in enumerate(texts)
        }
        may_type = fast_path._reads_typed if typed else lambda *args: False
        with mock.patch.object(fast_path, "_reads_typed", may_type):
            repeats = loader._check(con, RETAIL, table, read, [], fast).repeats
        # A valid row's text is not kept (only a rejected row's line is shown).
        checked = con.execute(
            "select * replace (case when problem is not null then line end as line) "
            "from _checked order by file_index, line_number"
        )
        results.append((repeats, checked.fetchall()))
        con.close()
    assert results[0] == results[1]
