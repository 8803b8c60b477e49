"""The loyalty step: the feed lands exactly once, bad records are quarantined, scores are exact."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal

from shopsight.generate.transactions import generate_transactions
from shopsight.ingest.readmit import readmit
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import Bucket
from shopsight.transforms.loyalty_scores import SCORES_TABLE, refresh_loyalty_scores

from support import assert_every_fault_handled


def expected_scores(bucket: Bucket, skip: set[tuple[str, int]]) -> dict[int, Decimal]:
    """Sum + 10 × repeats per user, straight from the files with Python's json and Decimal."""
    scores: dict[int, Decimal] = defaultdict(Decimal)
    for info in bucket.list("landing/transactions/"):
        text = bucket.read_bytes(info.key).decode()
        for number, line in enumerate(text.splitlines(), start=1):
            if (info.key, number) in skip:
                continue
            record = json.loads(line, parse_float=Decimal)
            bonus = 10 if record["is_repeat_purchase"] else 0
            scores[record["user_id"]] += Decimal(record["transaction_amount"]) + bonus
    return dict(scores)


def stored_scores(warehouse: Warehouse) -> dict[int, Decimal]:
    return dict(warehouse.query(f"select user_id, loyalty_score from {SCORES_TABLE}"))


def test_feed_is_scored_exactly_and_bad_records_are_quarantined(
    bucket: Bucket, duckdb_warehouse: Warehouse
) -> None:
    summary = generate_transactions(bucket, date(2024, 1, 1), 30, 2000, 5, "default")
    assert {f.fault for f in summary.faults} >= {"amount_not_finite", "truncated_record"}

    report = refresh_loyalty_scores(bucket, duckdb_warehouse)

    assert report.rescored and report.ingest.trusted
    assert_every_fault_handled(duckdb_warehouse, summary)
    bad = {(f.path, f.line) for f in summary.faults if f.line is not None}
    expected = expected_scores(bucket, bad)
    assert stored_scores(duckdb_warehouse) == expected
    assert report.users == len(expected)
    assert any(score != score.to_integral_value() for score in expected.values())


def test_rerun_changes_nothing_and_readmit_rescores(
    bucket: Bucket, duckdb_warehouse: Warehouse
) -> None:
    summary = generate_transactions(bucket, date(2024, 1, 1), 20, 1500, 8, "default")
    refresh_loyalty_scores(bucket, duckdb_warehouse)
    before = stored_scores(duckdb_warehouse)

    again = refresh_loyalty_scores(bucket, duckdb_warehouse)

    assert not again.rescored and not again.ingest.files
    assert stored_scores(duckdb_warehouse) == before

    # The record with "yes" as its repeat flag, fixed and re-admitted.
    fault = next(f for f in summary.faults if f.fault == "repeat_flag_as_text")
    line = bucket.read_bytes(fault.path).decode().splitlines()[fault.line - 1]
    record = json.loads(line, parse_float=Decimal)
    (quarantine_id,) = duckdb_warehouse.query(
        "select quarantine_id from shopsight_ops.quarantine where path = ? and line_number = ?",
        [fault.path, fault.line],
    )[0]
    readmit(bucket, duckdb_warehouse, [quarantine_id], line.replace('"yes"', "true").encode())

    rescored = refresh_loyalty_scores(bucket, duckdb_warehouse)

    assert rescored.rescored
    after = stored_scores(duckdb_warehouse)
    user = record["user_id"]
    assert after[user] == before.get(user, Decimal(0)) + record["transaction_amount"] + 10
    assert {u: s for u, s in after.items() if u != user} == {
        u: s for u, s in before.items() if u != user
    }
