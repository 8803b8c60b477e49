"""A wrongly loaded file can be withdrawn (recorded, reversible), and the next build
rebuilds what it touched."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from typer.testing import CliRunner

from shopsight.build import build
from shopsight.cli import app
from shopsight.generate.export import generate_retail_db
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.ingest.withdraw import (
    PENDING_NAMED,
    WithdrawError,
    full_refresh_reasons,
    withdraw_file,
)
from shopsight.storage import Bucket

from support import START

WRONG = "landing/retail_db/orders/dt=2024-03-04/part-00001.csv"


def _orders(warehouse) -> set[tuple]:
    return set(warehouse.query("select order_id, order_date, order_status from retail_db.orders"))


@pytest.fixture
def store(tmp_path):
    bucket = Bucket(f"file://{tmp_path}/bucket")
    generate_retail_db(bucket, START, 4, 400, 3, "none")
    url = f"duckdb:///{tmp_path}/warehouse.duckdb"
    warehouse = connect(url)
    ingest(bucket, warehouse)
    before = _orders(warehouse)
    # A day copied from another store: ids that clash with ours, and ids we never had.
    ours = bucket.read_bytes("landing/retail_db/orders/dt=2024-03-02/part-00000.csv")
    clashing = [line.replace(b"COMPLETE", b"CLOSED") for line in ours.splitlines()[:5]]
    foreign = [
        b"990001,2024-03-04 10:00:00.0,1,COMPLETE",
        b"990002,2024-03-04 11:00:00.0,2,COMPLETE",
    ]
    bucket.write_bytes(WRONG, b"\n".join(clashing + foreign) + b"\n")
    [loaded] = ingest(bucket, warehouse).files
    assert loaded.path == WRONG and loaded.status == "loaded"
    yield bucket, url, warehouse, before, loaded.ingest_id
    warehouse.close()


def test_a_withdrawn_file_leaves_the_current_state_as_if_it_never_came(store) -> None:
    bucket, _, warehouse, before, ingest_id = store
    assert _orders(warehouse) != before
    done = withdraw_file(warehouse, ingest_id[:8], "a day copied from the Berlin store")
    assert (done.action, done.keys_changed, done.path) == ("withdrawn", 7, WRONG)
    assert _orders(warehouse) == before
    # The history keeps the rows; the ledger and the withdrawals keep who, when and why.
    [(kept,)] = warehouse.query(
        "select count(*) from retail_db.orders_history where _ingest_id = ?", [ingest_id]
    )
    assert kept == 7
    [(status,)] = warehouse.query(
        "select status from shopsight_ops.ingest_ledger where ingest_id = ?", [ingest_id]
    )
    [(action, why, who)] = warehouse.query(
        "select action, reason, acted_by from shopsight_ops.file_withdrawals"
    )
    assert status == "withdrawn" and action == "withdrawn" and who
    assert why == "a day copied from the Berlin store"
    assert ingest(bucket, warehouse).files == []  # not loaded again
    undone = withdraw_file(warehouse, WRONG, "it was ours after all", undo=True)
    assert undone.action == "restored" and _orders(warehouse) != before
    withdraw_file(warehouse, ingest_id, "no, it was not")
    assert _orders(warehouse) == before


def test_withdrawing_needs_a_reason_and_a_loaded_file(store) -> None:
    _, _, warehouse, _, ingest_id = store
    with pytest.raises(WithdrawError, match="say why"):
        withdraw_file(warehouse, ingest_id, " ")
    with pytest.raises(WithdrawError, match="no loaded file"):
        withdraw_file(warehouse, "ffffffff", "because")
    for pattern in ("%", "_"):  # not a LIKE pattern that matches some file
        with pytest.raises(WithdrawError, match="no loaded file"):
            withdraw_file(warehouse, pattern, "because")
    with pytest.raises(WithdrawError, match="no withdrawn file"):
        withdraw_file(warehouse, ingest_id, "because", undo=True)


def test_the_next_build_rebuilds_what_the_withdrawal_touched(store) -> None:
    _, url, warehouse, before, ingest_id = store
    warehouse.close()
    assert build(url).success
    warehouse = connect(url)
    withdraw_file(warehouse, ingest_id, "a day copied from the Berlin store")
    warehouse.close()
    built = CliRunner().invoke(app, ["build", "--warehouse", url, "--json"])
    assert built.exit_code == 0, built.output
    reason = json.loads(built.stdout)["plan"]["reason"]
    assert reason == f"a full refresh; {WRONG} withdrawn: a day copied from the Berlin store"
    warehouse = connect(url)
    marts = set(
        warehouse.query(
            "select order_id, cast(ordered_at as date), order_status from marts.fct_orders"
        )
    )
    expected = {(o, d.date() if hasattr(d, "date") else d, s) for o, d, s in before}
    assert marts == expected  # no foreign order, and ours with their own statuses
    [(pending,)] = warehouse.query(
        "select count(*) from shopsight_ops.full_refresh_requests where done_at is null"
    )
    assert pending == 0


def test_many_pending_requests_are_named_a_few_and_counted(store) -> None:
    _, url, warehouse, _, _ = store
    for n in range(PENDING_NAMED + 4):
        warehouse.execute(
            "insert into shopsight_ops.full_refresh_requests (requested_at, reason) values (?, ?)",
            [datetime(2024, 3, 5, 0, n), f"request {n}"],
        )
    warehouse.close()
    assert full_refresh_reasons(url) == [
        *(f"request {n}" for n in range(PENDING_NAMED)),
        "and 4 more full refresh requests",
    ]
