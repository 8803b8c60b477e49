"""The quarantine in the bucket: every rejected row or file, kept verbatim with its reason."""

from __future__ import annotations

import json
from typing import Any

from shopsight.storage import Bucket


def quarantine_prefix(key: str) -> str:
    """``landing/<source>/...`` becomes ``quarantine/<source>/...``."""
    return "quarantine/" + key.split("/", 1)[1]


def write_rejected_rows(bucket: Bucket, key: str, checksum: str, rows: list[dict[str, Any]]) -> str:
    """Write a file's rejected lines as JSONL next to its quarantine path; return the key."""
    target = f"{quarantine_prefix(key)}.{checksum[:12]}.rejects.jsonl"
    body = "".join(json.dumps(row, sort_keys=True, default=str) + "\n" for row in rows)
    bucket.write_bytes(target, body.encode("utf-8"))
    return target


def write_rejected_file(
    bucket: Bucket, key: str, checksum: str, data: bytes, reason: str, message: str
) -> str:
    """Copy a whole rejected file into the quarantine with a reason file beside it."""
    target = f"{quarantine_prefix(key)}.{checksum[:12]}"
    bucket.write_bytes(target, data)
    note = {"source_key": key, "checksum": checksum, "reason": reason, "message": message}
    bucket.write_bytes(f"{target}.reason.json", json.dumps(note, indent=2).encode("utf-8"))
    return target
