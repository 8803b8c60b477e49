"""The quarantine in the bucket: every rejected row or file, kept verbatim with its reason."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from shopsight.storage import Bucket


def quarantine_prefix(key: str) -> str:
    """``landing/<source>/...`` becomes ``quarantine/<source>/...``."""
    return "quarantine/" + key.split("/", 1)[1]


# json.dumps with options makes an encoder per call; the rows of a batch share one.
_ROW = json.JSONEncoder(sort_keys=True, default=str)


def write_rejected_rows(bucket: Bucket, key: str, checksum: str, rows: list[dict[str, Any]]) -> str:
    """Write a file's rejected lines as JSONL next to its quarantine path, each with the
    file's path; return the key."""
    target = f"{quarantine_prefix(key)}.{checksum[:12]}.rejects.jsonl"
    body = "".join(_ROW.encode({"path": key, **row}) + "\n" for row in rows)
    bucket.write_bytes(target, body.encode("utf-8"))
    return target


def write_rejected_rows_of(
    bucket: Bucket, files: dict[int, tuple[str, str, list[dict[str, Any]]]]
) -> dict[int, str]:
    """:func:`write_rejected_rows` for several files (key, checksum, rows) at once, their
    writes overlapping: on S3 each is a request, on a disk a flush. Returns each file's
    object key; raises the first failure."""
    if len(files) < 2:
        return {i: write_rejected_rows(bucket, *file) for i, file in files.items()}
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="quarantine") as writers:
        written = {i: writers.submit(write_rejected_rows, bucket, *f) for i, f in files.items()}
        return {i: future.result() for i, future in written.items()}


def write_rejected_file(
    bucket: Bucket, key: str, checksum: str, data: bytes, reason: str, message: str
) -> str:
    """Copy a whole rejected file into the quarantine with a reason file beside it."""
    target = f"{quarantine_prefix(key)}.{checksum[:12]}"
    bucket.write_bytes(target, data)
    note = {"source_key": key, "checksum": checksum, "reason": reason, "message": message}
    bucket.write_bytes(f"{target}.reason.json", json.dumps(note, indent=2).encode("utf-8"))
    return target
