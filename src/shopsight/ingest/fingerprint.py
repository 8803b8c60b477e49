"""A landed file's fingerprint: a cheap sign that its content changed, without reading it.

Discovery skips a path the ledger holds at the same size, written before that load began.
A re-delivery that keeps the size and an older modification time (``rsync -t``,
``aws s3 sync`` keep times) would be skipped with it. The fingerprint catches it cheaply:

- an object store that lists a checksum (S3's ETag) gives it for free, with the listing;
- otherwise the first and last 4 KiB and the size are hashed (two ranged reads per file
  the ledger holds, whatever the file's size).

Which re-deliveries each mode sees is in docs/ingestion.md: the ETag sees any change; the
ends hash sees a change within the first or last 4 KiB (every change to a file of 8 KiB or
less); ``ingest --verify`` reads and hashes every file whole.
"""

from __future__ import annotations

import hashlib

from shopsight.storage import Bucket

ENDS_BYTES = 4096


def fingerprint(etag: str | None, size: int, head: bytes, tail: bytes) -> str:
    """``etag:<etag>`` when the store lists one, else ``ends:<hash of size, head, tail>``."""
    if etag:
        return "etag:" + etag.strip('"')[:120]
    digest = hashlib.sha256(b"%d\n" % size + head + b"\n" + tail).hexdigest()
    return f"ends:{digest[:40]}"


def fingerprint_of_bytes(data: bytes, etag: str | None) -> str:
    """The fingerprint of content in hand (a file being loaded)."""
    return fingerprint(etag, len(data), data[:ENDS_BYTES], data[-ENDS_BYTES:])


def fingerprint_of_object(bucket: Bucket, key: str, size: int, etag: str | None) -> str:
    """The fingerprint of a landed object, by at most two ranged reads (none with an ETag)."""
    if etag:
        return fingerprint(etag, size, b"", b"")
    if size <= 2 * ENDS_BYTES:
        data = bucket.read_bytes(key)
        return fingerprint_of_bytes(data, None)
    head = bucket.read_range(key, 0, ENDS_BYTES)
    tail = bucket.read_range(key, size - ENDS_BYTES, size)
    return fingerprint(None, size, head, tail)
