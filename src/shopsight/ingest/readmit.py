"""Re-admit quarantined rows or files through the same exactly-once path as any delivery.

A re-admission writes a new immutable object next to the original file
(``dt=<same day>/readmit-<checksum>-<name>``), so it sorts after the original and its rows
become the latest version; the object then loads like any landed file and gets its own
ledger row. The quarantine rows point at it (``readmitted_in``).
"""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from typing import Any

from shopsight.contracts.model import Contract, load_contract
from shopsight.ingest.batch import FileResult
from shopsight.ingest.discovery import LandedFile
from shopsight.ingest.ledger import OPS_SCHEMA, QUARANTINE_COLUMNS
from shopsight.ingest.loader import ensure_schema, ingest_files, read_lines
from shopsight.ingest.problems import acceptances
from shopsight.ingest.quarantine_ids import QuarantineIdError, resolve_ids
from shopsight.ingest.reader import GZIP_MAGIC, FileRejected, InflationLimits, decompress
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import Bucket


class ReadmitError(ValueError):
    """The quarantine ids cannot be re-admitted as asked."""


def find_quarantined(warehouse: Warehouse, typed: list[str]) -> list[dict[str, Any]]:
    """The quarantine rows with these ids (full, or unique prefixes such as `3f2a91c0:12`).
    Raises ReadmitError for an id that names no row, or several."""
    try:
        ids = resolve_ids(warehouse, typed)
    except QuarantineIdError as error:
        raise ReadmitError(str(error)) from None
    placeholders = ", ".join("?" for _ in ids)
    rows = warehouse.query(
        f"select {', '.join(QUARANTINE_COLUMNS)} from {OPS_SCHEMA}.quarantine "
        f"where quarantine_id in ({placeholders}) order by path, line_number",
        ids,
    )
    accepted = acceptances(warehouse)
    found = [
        {**row, "accepted": accepted.get(row["ingest_id"])}
        for row in (dict(zip(QUARANTINE_COLUMNS, values, strict=True)) for values in rows)
    ]
    missing = set(ids) - {row["quarantine_id"] for row in found}
    if missing:
        raise ReadmitError(
            f"no quarantined row or file with id {sorted(missing)[0]!r} "
            "(see `shopsight quarantine list`)"
        )
    return found


def readmit(
    bucket: Bucket,
    warehouse: Warehouse,
    ids: list[str],
    replacement: bytes | None = None,
    run_id: str = "readmit",
) -> list[FileResult]:
    """Re-admit quarantined rows (by their raw line, or ``replacement``) or whole files.

    ``replacement`` is a fixed line for a single row, or fixed file content for a file.

    Raises:
        ReadmitError: an id is unknown or already re-admitted, ``replacement`` is given
            for more than one id, or a replacement line holds several lines.
    """
    with warehouse.exclusive():
        return _readmit(bucket, warehouse, ids, replacement, run_id)


def _readmit(
    bucket: Bucket, warehouse: Warehouse, ids: list[str], replacement: bytes | None, run_id: str
) -> list[FileResult]:
    rows = find_quarantined(warehouse, ids)
    if replacement is not None and len(rows) != 1:
        raise ReadmitError("a replacement line or file fixes exactly one quarantined id")
    one_line = bool(rows) and rows[0]["line_number"] is not None
    if replacement is not None and one_line and b"\n" in replacement.rstrip(b"\r\n"):
        raise ReadmitError("a replacement line must be one line: it contains a newline")
    for row in rows:
        if row["readmitted_in"]:
            raise ReadmitError(
                f"{row['quarantine_id']} was already re-admitted in {row['readmitted_in']}"
            )
    results = []
    for (source, table, path), group in _by_file(rows).items():
        contract = load_contract(source)
        content = _content(bucket, contract, group, replacement)
        checksum = hashlib.sha256(content).hexdigest()
        parent = PurePosixPath(path)
        key = str(parent.with_name(f"readmit-{checksum[:12]}-{_name_for(parent.name, content)}"))
        _refuse_unreadable(contract, table, key, path, content)
        if not bucket.exists(key):
            bucket.write_bytes(key, content)
        ensure_schema(warehouse, contract)
        dt = next((p[3:] for p in parent.parts if p.startswith("dt=")), None)
        landed = LandedFile(key, table, dt, len(content))
        outcome = ingest_files(
            bucket, warehouse, contract, [landed], run_id, contract.max_reject_ratio
        )
        results += outcome
        if outcome[0].status == "quarantined":
            continue  # the new file is in the quarantine; the rows stay listed as they were
        marks = [row["quarantine_id"] for row in group]
        warehouse.execute(
            f"update {OPS_SCHEMA}.quarantine set readmitted_in = ? "
            f"where quarantine_id in ({', '.join('?' for _ in marks)})",
            [key, *marks],
        )
    return results


def _name_for(original: str, content: bytes) -> str:
    """The re-admitted object's name: the original's, its ``.gz`` suffix following what the
    bytes are (a fixed file is often sent uncompressed for a ``.csv.gz`` original)."""
    plain = original.removesuffix(".gz")
    return f"{plain}.gz" if content[:2] == GZIP_MAGIC else plain


def _refuse_unreadable(
    contract: Contract, table: str, key: str, original: str, content: bytes
) -> None:
    """Read the fixed file as the loader will, before anything is written: a file that
    cannot be read changes nothing (no new object, ledger row or open problem)."""
    try:
        read_lines(contract, contract.table(table), key, content)
    except FileRejected as rejection:
        raise ReadmitError(
            f"nothing re-admitted: the fixed file for {original} cannot be loaded "
            f"({rejection.reason}: {rejection.message}); {_advice(rejection.reason)}"
        ) from None


def _advice(reason: str) -> str:
    if reason in ("truncated_gzip", "unreadable_gzip"):
        return "compress it again whole, or give it uncompressed"
    if reason == "decompression_limit":
        return "give the file uncompressed, or split it"
    if reason in ("missing_column", "header_mismatch"):
        return "give it the header the contract declares (`shopsight contracts ddl`)"
    return "fix it and run the command again"


def _by_file(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["source"], row["table_name"], row["path"]), []).append(row)
    return groups


def _content(
    bucket: Bucket, contract: Contract, group: list[dict[str, Any]], replacement: bytes | None
) -> bytes:
    """The bytes of the file to re-admit: a whole file, a fixed line, or the rows' lines
    exactly as delivered (read from the file they came in, so bytes that were not UTF-8 or
    a NUL are refused again rather than loaded as their escaped text), after that file's
    header when the source has one (a fixed line follows the same header)."""
    if group[0]["line_number"] is None:  # a whole file
        return (
            replacement
            if replacement is not None
            else bucket.read_bytes(group[0]["quarantine_object"])
        )
    fmt = contract.format
    path = group[0]["path"]
    lines = decompress(path, bucket.read_bytes(path), InflationLimits.of(fmt)).split(b"\n")
    # The rows keep the header of the file they came in: its columns are mapped by name,
    # so a row delivered before (or after) the table gained a column loads as it was sent.
    header = lines[0].rstrip(b"\r") + b"\n" if fmt.header else b""
    if replacement is not None:
        return header + replacement.rstrip(b"\r\n") + b"\n"
    return header + b"".join(lines[row["line_number"] - 1] + b"\n" for row in group)
