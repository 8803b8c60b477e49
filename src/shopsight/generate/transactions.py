"""The transactions feed: one JSON line per web-shop order, derived from the thelook simulation.

Same ``--start/--days/--users/--seed`` as ``generate thelook``, so every transaction is an
order of that export: ``transaction_id`` is the order id, the amount is the sum of its items'
sale prices (exact cents), and a purchase is a repeat when it is not the user's first order.
With ``faults="default"`` one record of each bad kind the loyalty transform must refuse is
written, and logged in ``manifests/transactions/``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from shopsight.generate.faults import FaultRecord, write_fault_manifest
from shopsight.generate.summary import GenerationSummary, check_request
from shopsight.generate.thelook import Order, TheLookSimulation
from shopsight.storage import Bucket

SOURCE = TABLE = "transactions"
CENT = Decimal("0.01")

# fault → (how the line is spoiled, the reason and column ingestion must report)
FAULTS: dict[str, tuple[Callable[[dict[str, object]], str], str, str | None]] = {
    "missing_user_id": (
        lambda r: json_line({k: v for k, v in r.items() if k != "user_id"}),
        "missing_value",
        "user_id",
    ),
    "amount_as_text": (
        lambda r: json_line({**r, "transaction_amount": f"{r['transaction_amount']} EUR"}),
        "wrong_json_type",
        "transaction_amount",
    ),
    "amount_not_finite": (
        lambda r: json_line(r).replace(f": {r['transaction_amount']},", ": NaN,", 1),
        "invalid_decimal",
        "transaction_amount",
    ),
    "amount_below_a_cent": (
        lambda r: json_line(r).replace(
            f": {r['transaction_amount']},", f": {r['transaction_amount']}5,", 1
        ),
        "invalid_decimal",
        "transaction_amount",
    ),
    "repeat_flag_as_text": (
        lambda r: json_line({**r, "is_repeat_purchase": "yes"}),
        "wrong_json_type",
        "is_repeat_purchase",
    ),
    "truncated_record": (lambda r: json_line(r)[:-7], "invalid_json", None),
}


def generate_transactions(
    bucket: Bucket,
    start: date,
    days: int,
    users: int,
    seed: int,
    faults: str = "none",
    on_day: Callable[[date], None] | None = None,
) -> GenerationSummary:
    """Write one ``landing/transactions/transactions/dt=<day>/part-00000.jsonl`` per day.

    Raises:
        GenerationError: days or users are not positive, or faults is unknown.
    """
    check_request(days, users, "--users", faults)
    simulation = TheLookSimulation(seed, start, days, users)
    by_day: dict[date, list[dict[str, object]]] = {}
    seen_users: set[int] = set()
    for order in sorted(simulation.orders, key=lambda o: (o.created_at, o.order_id)):
        by_day.setdefault(order.created_at.date(), []).append(transaction_record(order, seen_users))
    summary = GenerationSummary(start, days, rows={TABLE: 0})
    rng = random.Random(f"{seed}:transactions:faults")
    pending = list(FAULTS) if faults == "default" else []
    for offset in range(days):
        day = start + timedelta(days=offset)
        records = by_day.get(day, [])
        key = f"landing/{SOURCE}/{TABLE}/dt={day.isoformat()}/part-00000.jsonl"
        lines = [json_line(record) for record in records]
        # One fault per file big enough to stay well under the reject ratio.
        if pending and len(lines) >= 40:
            name = pending.pop(0)
            spoil, reason, column = FAULTS[name]
            index = rng.randrange(len(lines))
            lines[index] = spoil(records[index])
            summary.faults.append(
                FaultRecord(name, TABLE, key, index + 1, "rejected", reason, column)
            )
        bucket.write_bytes(key, "".join(line + "\n" for line in lines).encode("utf-8"))
        summary.files += 1
        summary.rows[TABLE] += len(lines)
        if on_day:
            on_day(day)
    summary.manifest = write_fault_manifest(bucket, SOURCE, start, days, summary.faults)
    return summary


def transaction_record(order: Order, seen_users: set[int]) -> dict[str, object]:
    amount = sum((Decimal(repr(p.retail_price)) for _, p, _, _ in order.items), Decimal(0))
    repeat = order.user.id in seen_users
    seen_users.add(order.user.id)
    return {
        "transaction_id": order.order_id,
        "user_id": order.user.id,
        "transaction_amount": amount.quantize(CENT),
        "is_repeat_purchase": repeat,
        "transacted_at": order.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def json_line(record: dict[str, object]) -> str:
    """A JSON line; a Decimal is written as a JSON number, digit for digit."""
    fields = (
        f"{json.dumps(k)}: {v if isinstance(v, Decimal) else json.dumps(v)}"
        for k, v in record.items()
    )
    return "{" + ", ".join(fields) + "}"
