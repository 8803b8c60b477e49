"""A copy of a landed retail_db store with 1 % of every file's lines broken, every fault
class in turn: the ingestion benchmark's "bad day" (the generator's own faults are one of
each class per store, too few to cost anything)."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

from shopsight.contracts.model import load_contract

Fault = Callable[[list[bytes], list[bytes]], list[bytes]]  # (fields, header) -> fields


def _unterminated_quote(fields: list[bytes], header: list[bytes]) -> list[bytes]:
    return [fields[0], b'"' + fields[1], *fields[2:]]


def _not_a_number(fields: list[bytes], header: list[bytes]) -> list[bytes]:
    return [b"N/A", *fields[1:]]


def _invalid_utf8(fields: list[bytes], header: list[bytes]) -> list[bytes]:
    return [*fields[:-1], fields[-1] + b"\xff"]


FAULTS: dict[str, Fault] = {
    "unterminated_quote": _unterminated_quote,
    "too_many_fields": lambda fields, header: [*fields, b"7"],
    "too_few_fields": lambda fields, header: fields[:-1],
    "invalid_value": _not_a_number,
    "missing_value": lambda fields, header: [b"", *fields[1:]],
    "invalid_utf8": _invalid_utf8,
    "nul_character": lambda fields, header: [*fields[:-1], fields[-1] + b"\x00"],
    "unexpected_header": lambda fields, header: header,
    "space_before_quote": lambda fields, header: [fields[0], b' "' + fields[1] + b'"', *fields[2:]],
}


def break_one_percent(landed: Path, target: Path, seed: int = 7) -> int:
    """Copy the bucket at ``landed`` to ``target``, breaking 1 % of each file's lines
    (fault classes in turn); returns how many lines were broken."""
    shutil.copytree(landed, target)
    contract = load_contract("retail_db")
    rng = random.Random(seed)
    names = list(FAULTS)
    broken = 0
    for path in sorted((target / "landing" / "retail_db").glob("*/*/*.csv")):
        header = [name.encode() for name in contract.table(path.parts[-3]).column_names]
        lines = path.read_bytes().split(b"\n")
        last = len(lines) - 1 if lines[-1] == b"" else len(lines)
        if not last:
            continue
        for index in rng.sample(range(last), max(1, last // 100)):
            fault = FAULTS[names[broken % len(names)]]
            lines[index] = b",".join(fault(lines[index].split(b","), header))
            broken += 1
        path.write_bytes(b"\n".join(lines))
    return broken
