"""Faults injected into the thelook export: the retail_db classes that apply to it.

Each is logged with the outcome ingestion must produce (see faults.FaultRecord).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from shopsight.generate.faults import FaultRecord
from shopsight.generate.thelook import HEADERS

Mutation = Callable[[list[str]], list[str]]


@dataclass(frozen=True)
class TheLookFault:
    table: str
    column: str | None
    outcome: str
    reason: str | None
    mutate: Mutation


def _set(position: int, value: str) -> Mutation:
    def mutate(fields: list[str]) -> list[str]:
        fields[position] = value
        return fields

    return mutate


def _date_part(position: int) -> Mutation:
    def mutate(fields: list[str]) -> list[str]:
        fields[position] = fields[position][:4] + "-02-30" + fields[position][10:]
        return fields

    return mutate


# Column positions follow thelook.HEADERS (the contract's order).
ROW_FAULTS: dict[str, TheLookFault] = {
    "non_numeric_amount": TheLookFault(
        "order_items", "sale_price", "rejected", "invalid_number", _set(10, "N/A")
    ),
    "empty_not_null_number": TheLookFault(
        "order_items", "product_id", "rejected", "missing_value", _set(3, "")
    ),
    "orphan_product": TheLookFault(
        "order_items", "product_id", "warning", "orphan_reference", _set(3, "99999999")
    ),
    "impossible_date": TheLookFault(
        "events", "created_at", "rejected", "invalid_timestamp", _date_part(4)
    ),
    "too_many_fields": TheLookFault(
        "events", None, "rejected", "too_many_fields", lambda f: [*f, "extra"]
    ),
    "not_accepted_value": TheLookFault(
        "events", "browser", "warning", "not_accepted_value", _set(9, "Netscape")
    ),
    "unterminated_quote": TheLookFault(
        "users", None, "rejected", "unterminated_quote", lambda f: [f[0], '"' + f[1], *f[2:]]
    ),
    "out_of_range": TheLookFault("users", "age", "warning", "out_of_range", _set(4, "-3")),
}


def apply_row_fault(rng: random.Random, name: str, lines: list[str], path: str) -> FaultRecord:
    """Break one data line of a file (lines[0] is the header) as the named fault says.

    The mutation sees the fields in the contract's order, whatever order the file's header
    gives them (``--drift`` files reorder and add columns).
    """
    fault = ROW_FAULTS[name]
    candidates = [i for i in range(1, len(lines)) if '"' not in lines[i]]
    index = rng.choice(candidates)
    header, declared = lines[0].split(","), HEADERS[fault.table]
    fields = dict(zip(header, lines[index].split(","), strict=True))
    mutated = fault.mutate([fields[column] for column in declared])
    fields.update(zip(declared, mutated, strict=False))
    lines[index] = ",".join([fields[column] for column in header] + mutated[len(declared) :])
    return FaultRecord(
        name, fault.table, path, index + 1, fault.outcome, fault.reason, fault.column
    )


def duplicate_key_in_file(rng: random.Random, lines: list[str], path: str) -> list[FaultRecord]:
    """An event line repeated with another event type: same id, different values."""
    index = rng.choice([i for i in range(1, len(lines)) if '"' not in lines[i]])
    fields = lines[index].split(",")
    fields[-1] = "cart" if fields[-1] != "cart" else "product"
    lines.append(",".join(fields))
    return [
        FaultRecord(
            "duplicate_key_in_file", "events", path, line, "rejected", "duplicate_key", "id"
        )
        for line in (index + 1, len(lines))
    ]


def renamed_required_column(lines: list[str], path: str) -> FaultRecord:
    """The header with required column ``created_at`` renamed ``created``: the file cannot
    load without it and is refused whole, naming it (the other columns are mapped by name,
    so a reordered header loads)."""
    columns = lines[0].split(",")
    columns[columns.index("created_at")] = "created"
    lines[0] = ",".join(columns)
    return FaultRecord(
        "missing_column", path.split("/")[2], path, None, "file_quarantined", "missing_column"
    )
