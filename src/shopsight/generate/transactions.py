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
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shopsight.generate.faults import FaultRecord, write_fault_manifest
from shopsight.generate.summary import GenerationSummary, check_request
from shopsight.generate.thelook import TheLookSimulation
from shopsight.storage import Bucket

SOURCE = TABLE = "transactions"
EPOCH = datetime(1970, 1, 1)

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
    feed = Transactions.of(TheLookSimulation(seed, start, days, users))
    summary = GenerationSummary(start, days, rows={TABLE: 0})
    rng = random.Random(f"{seed}:transactions:faults")
    pending = list(FAULTS) if faults == "default" else []
    for offset in range(days):
        day = start + timedelta(days=offset)
        placed = feed.placed_on(day)
        key = f"landing/{SOURCE}/{TABLE}/dt={day.isoformat()}/part-00000.jsonl"
        lines = feed.lines(placed)
        # One fault per file big enough to stay well under the reject ratio.
        if pending and len(lines) >= 40:
            name = pending.pop(0)
            spoil, reason, column = FAULTS[name]
            index = rng.randrange(len(lines))
            lines[index] = spoil(feed.record(int(placed[index])))
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


@dataclass
class Transactions:
    """Every order's transaction as columns, in placing order (then order id)."""

    order_id: np.ndarray
    user_id: np.ndarray
    placed: np.ndarray  # epoch seconds
    cents: np.ndarray
    repeat: np.ndarray

    @classmethod
    def of(cls, simulation: TheLookSimulation, day: date | None = None) -> Transactions:
        """Every transaction of the store, or only those placed on ``day`` (the next day's
        feed: the lines the whole feed has for that day, without sorting every order)."""
        return cls(*simulation.order_amounts(day))

    def placed_on(self, day: date) -> np.ndarray:
        """Positions of the transactions placed on ``day``."""
        start = int((datetime.combine(day, datetime.min.time()) - EPOCH).total_seconds())
        low, high = np.searchsorted(self.placed, [start, start + 86_400])
        return np.arange(low, high)

    def record(self, i: int) -> dict[str, object]:
        """One transaction as its JSON object's fields."""
        return {
            "transaction_id": int(self.order_id[i]),
            "user_id": int(self.user_id[i]),
            "transaction_amount": Decimal(int(self.cents[i])).scaleb(-2),
            "is_repeat_purchase": bool(self.repeat[i]),
            "transacted_at": (EPOCH + timedelta(seconds=int(self.placed[i]))).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
        }

    def lines(self, positions: np.ndarray) -> list[str]:
        """The transactions' JSON lines, as json_line writes each record, made in Arrow."""

        def text(values: np.ndarray) -> pa.Array:
            return pc.cast(pa.array(values[positions]), pa.string())

        cents = self.cents[positions]
        amount = pc.binary_join_element_wise(
            pc.cast(pa.array(cents // 100), pa.string()),
            pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0"),
            ".",
        )
        moment = pc.cast(pa.array(self.placed[positions].astype("datetime64[s]")), pa.string())
        line = pc.binary_join_element_wise(
            '{"transaction_id": ',
            text(self.order_id),
            ', "user_id": ',
            text(self.user_id),
            ', "transaction_amount": ',
            amount,
            ', "is_repeat_purchase": ',
            pa.array(np.where(self.repeat[positions], "true", "false")),
            ', "transacted_at": "',
            pc.replace_substring(moment, " ", "T"),
            'Z"}',
            "",
        )
        return line.to_pylist()


def json_line(record: dict[str, object]) -> str:
    """A JSON line; a Decimal is written as a JSON number, digit for digit."""
    fields = (
        f"{json.dumps(k)}: {v if isinstance(v, Decimal) else json.dumps(v)}"
        for k, v in record.items()
    )
    return "{" + ", ".join(fields) + "}"
