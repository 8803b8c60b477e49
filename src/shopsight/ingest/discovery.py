"""Find landed files that the ledger has not seen, in the order they must load."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shopsight.contracts.model import Contract
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import TEMPORARY_SUFFIX, Bucket

_DT = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/")


@dataclass(frozen=True)
class LandedFile:
    """An object under ``landing/<source>/<table>/dt=YYYY-MM-DD/``."""

    key: str
    table: str
    file_dt: str | None
    size: int


@dataclass(frozen=True)
class IgnoredObject:
    """An object under a table's location that is not a landed file, and why."""

    key: str
    reason: str


def list_landed_files(
    bucket: Bucket,
    contract: Contract,
    tables: list[str] | None = None,
    ignored: list[IgnoredObject] | None = None,
) -> list[LandedFile]:
    """Every landed file of the source's tables, parents before children within a day.

    Objects that are not landed files (a hidden name, the temporary object of an interrupted
    write, a link out of a local bucket, a key outside any ``dt=`` folder) are appended to
    ``ignored`` with the reason, so they are reported rather than silently skipped.
    """
    order = list(contract.tables)
    wanted = tables or order
    for name in wanted:
        contract.table(name)
    found = []
    for name in wanted:
        prefix = contract.location(contract.table(name))
        for info in bucket.list(prefix):
            reason = _not_a_landed_file(bucket, info.key)
            if reason:
                if ignored is not None:
                    ignored.append(IgnoredObject(info.key, reason))
                continue
            match = _DT.search(info.key)
            found.append(LandedFile(info.key, name, match.group(1) if match else None, info.size))
    return sorted(found, key=lambda f: (f.file_dt or "", order.index(f.table), f.key))


def _not_a_landed_file(bucket: Bucket, key: str) -> str | None:
    name = key.rsplit("/", 1)[-1]
    if name.endswith(TEMPORARY_SUFFIX):  # ours (.<name>.<random>.tmp) or any other writer's
        return "the temporary object of an interrupted write"
    if name.startswith("."):
        return "a hidden name (starts with a dot)"
    if key.count("/") < 3:
        return "not inside a table's folder"
    if bucket.escapes(key):
        return "a link to outside the bucket"
    return None


def list_new_files(
    bucket: Bucket,
    warehouse: Warehouse,
    contract: Contract,
    tables: list[str] | None = None,
    verify: bool = False,
    ignored: list[IgnoredObject] | None = None,
) -> list[LandedFile]:
    """Landed files the ledger does not hold yet (``ignored`` as :func:`list_landed_files`).

    A path already in the ledger with the same size is taken as seen (no download); with
    ``verify`` every file is read and compared by checksum instead.
    """
    seen: dict[str, set[int]] = {}
    for path, size in warehouse.query(
        f"select path, size_bytes from {OPS_SCHEMA}.ingest_ledger where source = ?",
        [contract.source],
    ):
        seen.setdefault(path, set()).add(int(size))
    files = list_landed_files(bucket, contract, tables, ignored)
    if verify:
        return files
    return [f for f in files if f.size not in seen.get(f.key, set())]
