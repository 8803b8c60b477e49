"""Find landed files that the ledger has not seen, in the order they must load."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from shopsight.contracts.model import Contract
from shopsight.ingest.fingerprint import fingerprint_of_object
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import TEMPORARY_SUFFIX, Bucket

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class LandedFile:
    """An object under ``landing/<source>/<table>/dt=YYYY-MM-DD/``."""

    key: str
    table: str
    file_dt: str | None
    size: int
    modified: datetime | None = None
    etag: str | None = None  # the store's content checksum, if it lists one


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

    A landed file lies in a ``dt=YYYY-MM-DD`` folder of its table's location (deeper folders
    below it are allowed), the day a real date. Objects that are not landed files (a hidden
    name, the temporary object of an interrupted write, a link out of a local bucket, a key
    outside any ``dt=`` folder, a ``dt=`` value that is not a day such as ``dt=9999-99-99``)
    are appended to ``ignored`` with the reason, so they are reported rather than silently
    skipped, and never reach a batch: every value taken from the path is checked here.
    """
    order = list(contract.tables)
    wanted = tables or order
    for name in wanted:
        contract.table(name)
    found = []
    for name in wanted:
        prefix = contract.location(contract.table(name))
        for info in bucket.list(prefix):
            day, reason = _landing_day(info.key, prefix)
            reason = _not_a_landed_file(bucket, info.key) or reason
            if reason:
                if ignored is not None:
                    ignored.append(IgnoredObject(info.key, reason))
                continue
            found.append(LandedFile(info.key, name, day, info.size, info.modified, info.etag))
    return sorted(found, key=lambda f: (f.file_dt or "", order.index(f.table), f.key))


def _landing_day(key: str, prefix: str) -> tuple[str | None, str | None]:
    """The day of the ``dt=`` folder the object lies in right under ``prefix``, or why the
    key is not a landing path."""
    folder, _, rest = key[len(prefix) :].partition("/")
    if not folder.startswith("dt=") or not rest:
        return None, f"not inside a dt=YYYY-MM-DD folder of {prefix}"
    day = folder[3:]
    try:
        valid = bool(_DAY.fullmatch(day)) and date.fromisoformat(day).isoformat() == day
    except ValueError:
        valid = False
    if not valid:
        return None, f"{folder[:40]!r} is not a day (dt=YYYY-MM-DD, a real date)"
    return day, None


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

    A path the ledger holds at the same size and fingerprint (ingest/fingerprint.py: the
    store's ETag, or a hash of the first and last 4 KiB), last written before that load
    began, is taken as seen. One written since, or whose fingerprint differs, is read
    again: the same bytes are skipped, a change of content is quarantined as
    ``redelivered_with_new_content`` even when its size did not change. With ``verify``
    every file is read and compared by checksum instead.
    """
    loads: dict[str, list[tuple[int, datetime, str | None]]] = {}
    for path, size, started_at, known in warehouse.query(
        f"select path, size_bytes, started_at, fingerprint from {OPS_SCHEMA}.ingest_ledger "
        "where source = ?",
        [contract.source],
    ):
        loads.setdefault(path, []).append((int(size), started_at, known))
    files = list_landed_files(bucket, contract, tables, ignored)
    if verify:
        return files
    return [f for f in files if not _seen(bucket, f, loads.get(f.key, []))]


def _seen(
    bucket: Bucket, landed: LandedFile, loads: list[tuple[int, datetime, str | None]]
) -> bool:
    candidates = [
        known
        for size, started_at, known in loads
        if size == landed.size and (landed.modified is None or landed.modified < started_at)
    ]
    if not candidates:
        return False
    if any(known is None for known in candidates):  # loaded before fingerprints were kept
        return True
    current = fingerprint_of_object(bucket, landed.key, landed.size, landed.etag)
    return current in candidates
