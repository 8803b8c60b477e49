"""The loyalty step of the daily run: land new transaction files, then rescore every user.

New feed files load through the same ingest path as every source (ledger, quarantine,
exactly once), so a bad record is quarantined with its reason and can be re-admitted. The
scores are then recomputed from every accepted transaction with the vectorized twin of
:func:`shopsight.transforms.loyalty.compute_loyalty_scores` and replace
``transactions.loyalty_scores`` in one transaction. Nothing new loaded and the table already
scored: nothing is written, so a rerun changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from shopsight.ingest.loader import IngestReport, ingest
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import Bucket
from shopsight.transforms.loyalty import compute_loyalty_scores_arrow

SCORES_TABLE = "transactions.loyalty_scores"
SCORES_DDL = f"""
create table if not exists {SCORES_TABLE} (
    user_id int primary key,
    loyalty_score decimal(20, 2) not null,
    first_seen_rank bigint not null
);
create table if not exists {SCORES_TABLE}_source (
    fingerprint varchar(256) not null
);
"""
FINGERPRINT_SQL = (
    "select count(*), count(distinct _ingest_id), max(_loaded_at) from transactions.transactions"
)


@dataclass
class LoyaltyReport:
    """What the step did: the feed's ingest report, and whether and how users were scored."""

    ingest: IngestReport
    rescored: bool
    users: int
    transactions: int

    def to_json(self) -> dict[str, Any]:
        return {
            "ingest": self.ingest.to_json(),
            "rescored": self.rescored,
            "users": self.users,
            "transactions": self.transactions,
        }


def refresh_loyalty_scores(
    bucket: Bucket,
    warehouse: Warehouse,
    on_plan: Any = None,
    on_file: Any = None,
    until: date | None = None,
) -> LoyaltyReport:
    """Ingest new transaction files (of days up to ``until``, when given); rescore all users
    if the accepted transactions changed."""
    report = ingest(
        bucket, warehouse, "transactions", on_plan=on_plan, on_file=on_file, until=until
    )
    ensure_scores_table(warehouse)
    state = warehouse.query(FINGERPRINT_SQL)[0]
    fingerprint, transactions = repr(state), int(state[0])
    if warehouse.query(f"select fingerprint from {SCORES_TABLE}_source") == [(fingerprint,)]:
        scored = warehouse.query(f"select count(*) from {SCORES_TABLE}")[0][0]
        return LoyaltyReport(report, False, int(scored), transactions)
    rows = warehouse.query(
        "select user_id, transaction_amount, is_repeat_purchase from transactions.transactions "
        "order by transacted_at, transaction_id"
    )
    feed = pa.table(
        {
            "user_id": pa.array([r[0] for r in rows], pa.int64()),
            "transaction_amount": pa.array([r[1] for r in rows], pa.decimal128(18, 2)),
            "is_repeat_purchase": pa.array([r[2] for r in rows], pa.bool_()),
        }
    )
    scores = compute_loyalty_scores_arrow(feed).to_pylist()
    with warehouse.transaction():
        warehouse.execute(f"delete from {SCORES_TABLE}")
        warehouse.insert_rows(
            SCORES_TABLE,
            ["user_id", "loyalty_score", "first_seen_rank"],
            [[s["user_id"], s["loyalty_score"], rank] for rank, s in enumerate(scores, 1)],
        )
        warehouse.execute(f"delete from {SCORES_TABLE}_source")
        warehouse.insert_rows(f"{SCORES_TABLE}_source", ["fingerprint"], [[fingerprint]])
    return LoyaltyReport(report, True, len(scores), transactions)


def ensure_scores_table(warehouse: Warehouse) -> None:
    """Create the scores table (and the feed's landing tables) if they do not exist."""
    warehouse.execute_script("create schema if not exists transactions;" + SCORES_DDL)
