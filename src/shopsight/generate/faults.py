"""Faults a real export delivers, injected into a day's files and logged to a manifest.

Each fault names the outcome ingestion must produce: the row loads, loads with a warning,
is quarantined with a reason (and column), or the whole file is quarantined.
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date

from shopsight.contracts.model import load_contract
from shopsight.storage import Bucket

CsvFile = list[bytes]  # lines without their newline
Apply = Callable[[random.Random, CsvFile, set[int]], list[int]]  # returns 0-based line indexes


@dataclass
class FaultRecord:
    """One injected fault and the outcome ingestion must produce."""

    fault: str
    table: str
    path: str
    line: int | None
    outcome: str  # loaded | warning | rejected | file_quarantined
    reason: str | None = None
    column: str | None = None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class _Injection:
    table: str
    outcome: str
    reason: str | None
    column: str | None
    apply: Apply


def _fields(line: bytes) -> list[bytes]:
    return line.split(b",")


def _pick(rng: random.Random, lines: CsvFile, avoid: set[int]) -> int:
    """A line without quotes that no other fault touched yet (0-based)."""
    candidates = [i for i, line in enumerate(lines) if i not in avoid and b'"' not in line]
    index = rng.choice(candidates)
    avoid.add(index)
    return index


def _set_field(position: int, value: bytes) -> Apply:
    def apply(rng: random.Random, lines: CsvFile, avoid: set[int]) -> list[int]:
        index = _pick(rng, lines, avoid)
        fields = _fields(lines[index])
        fields[position] = value if value != b"<negative>" else b"-" + fields[position]
        lines[index] = b",".join(fields)
        return [index]

    return apply


def _mutate(
    change: Callable[[list[bytes]], list[bytes]],
) -> Apply:
    def apply(rng: random.Random, lines: CsvFile, avoid: set[int]) -> list[int]:
        index = _pick(rng, lines, avoid)
        lines[index] = b",".join(change(_fields(lines[index])))
        return [index]

    return apply


def _duplicate_key_in_file(rng: random.Random, lines: CsvFile, avoid: set[int]) -> list[int]:
    index = _pick(rng, lines, avoid)
    fields = _fields(lines[index])
    fields[3] = b"ON_HOLD" if fields[3] != b"ON_HOLD" else b"PROCESSING"
    lines.append(b",".join(fields))
    avoid.add(len(lines) - 1)
    return [index, len(lines) - 1]


def _append_orphan_product(rng: random.Random, lines: CsvFile, avoid: set[int]) -> list[int]:
    lines.append(
        b"%d,9000,Orphan Test Product,No category was ever delivered,19.99,"
        b"https://images.example.com/products/orphan.jpg" % (800000 + rng.randint(1, 999))
    )
    avoid.add(len(lines) - 1)
    return [len(lines) - 1]


def _first_quoted_line(rng: random.Random, lines: CsvFile, avoid: set[int]) -> list[int]:
    """Not a fault to inject: a quoted name with a comma must simply load."""
    return [next(i for i, line in enumerate(lines) if b'"' in line)]


def _subtotal_plus_one(fields: list[bytes]) -> list[bytes]:
    fields[4] = repr(round(float(fields[4]) + 1.0, 2)).encode()
    return fields


def _zero_quantity(fields: list[bytes]) -> list[bytes]:
    fields[3], fields[4] = b"0", b"0.0"
    return fields


def _unterminated_quote(fields: list[bytes]) -> list[bytes]:
    fields[3] = b'"' + fields[3]
    return fields


def _impossible_date(fields: list[bytes]) -> list[bytes]:
    fields[1] = fields[1][:4] + b"-02-30" + fields[1][10:]
    return fields


# Row-level faults, in a fixed order so that a seed always gives the same manifest.
ROW_FAULTS: dict[str, _Injection] = {
    "embedded_comma": _Injection(
        "products",
        "loaded",
        None,
        None,
        _first_quoted_line,
    ),
    "unterminated_quote": _Injection(
        "orders", "rejected", "unterminated_quote", None, _mutate(_unterminated_quote)
    ),
    "too_many_fields": _Injection(
        "order_items", "rejected", "too_many_fields", None, _mutate(lambda f: [*f, b"7"])
    ),
    "too_few_fields": _Injection(
        "orders", "rejected", "too_few_fields", None, _mutate(lambda f: f[:-1])
    ),
    "non_numeric_amount": _Injection(
        "order_items", "rejected", "invalid_number", "order_item_subtotal", _set_field(4, b"N/A")
    ),
    "impossible_date": _Injection(
        "orders", "rejected", "invalid_timestamp", "order_date", _mutate(_impossible_date)
    ),
    "empty_not_null_number": _Injection(
        "order_items", "rejected", "missing_value", "order_item_quantity", _set_field(3, b"")
    ),
    "empty_not_null_date": _Injection(
        "orders", "rejected", "missing_value", "order_date", _set_field(1, b"")
    ),
    "empty_not_null_text": _Injection(
        "customers", "warning", "empty_text", "customer_street", _set_field(5, b"")
    ),
    "duplicate_key_in_file": _Injection(
        "orders", "rejected", "duplicate_key", "order_id", _duplicate_key_in_file
    ),
    "orphan_product": _Injection(
        "order_items",
        "warning",
        "orphan_reference",
        "order_item_product_id",
        _set_field(2, b"999999"),
    ),
    "orphan_customer": _Injection(
        "orders", "warning", "orphan_reference", "order_customer_id", _set_field(2, b"999999")
    ),
    "orphan_category": _Injection(
        "products", "warning", "orphan_reference", "product_category_id", _append_orphan_product
    ),
    # Business expectations: the row loads, with a warning per broken rule.
    "zero_quantity": _Injection(
        "order_items", "warning", "out_of_range", "order_item_quantity", _mutate(_zero_quantity)
    ),
    "negative_price": _Injection(
        "order_items",
        "warning",
        "out_of_range",
        "order_item_product_price",
        _set_field(5, b"<negative>"),
    ),
    "subtotal_mismatch": _Injection(
        "order_items", "warning", "subtotal_mismatch", None, _mutate(_subtotal_plus_one)
    ),
    "invalid_utf8": _Injection(
        "customers", "rejected", "invalid_utf8", None, _set_field(2, b"M\xfcller\xff")
    ),
    "duplicate_key_across_files": _Injection(
        "order_items", "warning", "duplicate_of_loaded_row", None, lambda rng, lines, avoid: []
    ),  # needs yesterday
    "header_line": _Injection(
        "order_items", "rejected", "unexpected_header", None, lambda rng, lines, avoid: []
    ),  # inserted last, see apply_row_faults
}

# The order_items header, as a file that should have none would carry it.
HEADER_LINE = ",".join(load_contract("retail_db").table("order_items").column_names).encode()


def apply_row_faults(
    rng: random.Random, table: str, names: list[str], lines: CsvFile, path: str, previous: CsvFile
) -> list[FaultRecord]:
    """Inject the named row faults into one file's lines; return what each must produce.

    ``previous`` is the same table's file of the day before (for cross-file duplicates).
    """
    records: list[FaultRecord] = []
    touched: set[int] = set()
    for name in names:
        injection = ROW_FAULTS[name]
        if name == "duplicate_key_across_files" and previous:
            lines.append(rng.choice([line for line in previous if b'"' not in line]))
            touched.add(len(lines) - 1)
            records.append(
                FaultRecord(
                    name,
                    table,
                    path,
                    len(lines),
                    injection.outcome,
                    injection.reason,
                    injection.column,
                )
            )
        if name in ("header_line", "duplicate_key_across_files"):
            continue
        for index in injection.apply(rng, lines, touched):
            records.append(
                FaultRecord(
                    name,
                    table,
                    path,
                    index + 1,
                    injection.outcome,
                    injection.reason,
                    injection.column,
                )
            )
    if "header_line" in names:
        lines.insert(0, HEADER_LINE)
        for record in records:
            record.line = record.line + 1 if record.line else record.line
        records.append(FaultRecord("header_line", table, path, 1, "rejected", "unexpected_header"))
    return records


def truncate_gzip(content: bytes) -> bytes:
    """A gzip stream cut short, as an interrupted upload leaves it."""
    packed = gzip.compress(content, mtime=0)
    return packed[: max(20, len(packed) // 2)]


def plan_row_faults(day_offsets: int) -> dict[int, list[str]]:
    """Spread the row faults over a request's days (offset from its first day).

    The last day is kept free for the file-level faults, and no day takes more than its
    share, so no file goes over the reject ratio that fails a run.
    """
    usable = max(1, day_offsets - 1)
    plan: dict[int, list[str]] = {}
    for k, name in enumerate(ROW_FAULTS):
        # The first day carries the whole catalog and a month of customers: big enough files.
        first_day_only = ROW_FAULTS[name].table in ("products", "customers")
        offset = 0 if first_day_only else (k * 5 + 1) % usable
        if name == "duplicate_key_across_files":  # copies a loaded line of the day before
            offset = max(1, offset)
            if offset >= usable:
                continue
        plan.setdefault(offset, []).append(name)
    return plan


def write_fault_manifest(
    bucket: Bucket, source: str, start: date, days: int, records: list[FaultRecord]
) -> str:
    """Log a generate run's faults as ``manifests/<source>/faults-<start>-<days>d.jsonl``."""
    key = f"manifests/{source}/faults-{start.isoformat()}-{days}d.jsonl"
    lines = [json.dumps(record.to_json(), sort_keys=True) for record in records]
    bucket.write_bytes(key, ("\n".join(lines) + "\n" if lines else "").encode())
    return key


def read_fault_manifests(bucket: Bucket, source: str = "retail_db") -> list[FaultRecord]:
    """Every fault recorded in the bucket's manifests for a source."""
    records = []
    for info in bucket.list(f"manifests/{source}/"):
        if info.key.rsplit("/", 1)[-1].startswith("faults-"):
            for line in bucket.read_bytes(info.key).decode().splitlines():
                records.append(FaultRecord(**json.loads(line)))
    return records
