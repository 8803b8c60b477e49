"""Quarantine ids a person can type: ``<ingest id>:<line>`` (or ``:file``) shortened to the
shortest prefix of the ingest id that is still unique, at least 8 hex digits, and any
unique prefix accepted back."""

from __future__ import annotations

import re

from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse

SHORTEST = 8
TYPED_ID = re.compile(r"(?P<head>[0-9a-f]{4,64})(?::(?P<tail>\d+|file))?")


class QuarantineIdError(ValueError):
    """A quarantine id names no row, or more than one."""


def short_ids(warehouse: Warehouse, ids: list[str]) -> dict[str, str]:
    """Each full quarantine id and its short form."""
    ingest_ids = [
        i for (i,) in warehouse.query(f"select distinct ingest_id from {OPS_SCHEMA}.quarantine")
    ]
    length = SHORTEST
    while length < 32 and len({i[:length] for i in ingest_ids}) < len(ingest_ids):
        length += 1
    shortened = {}
    for full in ids:
        head, _, tail = full.partition(":")
        shortened[full] = f"{head[:length]}:{tail}" if tail else head[:length]
    return shortened


def resolve_ids(warehouse: Warehouse, typed: list[str]) -> list[str]:
    """The full quarantine ids that ``typed`` (full ids or unique prefixes) name, in order.

    Raises:
        QuarantineIdError: an id is malformed, names no quarantined row, or several.
    """
    resolved = []
    for given in typed:
        match = TYPED_ID.fullmatch(given.strip().lower())
        if not match:
            raise QuarantineIdError(
                f"quarantine id {given!r}: expected hex digits, then :LINE or :file "
                "(as `shopsight quarantine list` shows them)"
            )
        pattern = match["head"] + "%" + (f":{match['tail']}" if match["tail"] else "")
        candidates = [  # hex digits, a colon and digits or "file": nothing LIKE reads as special
            q
            for (q,) in warehouse.query(
                f"select quarantine_id from {OPS_SCHEMA}.quarantine where quarantine_id like ?",
                [pattern],
            )
        ]
        found = [given] if given in candidates else candidates
        if not found:
            raise QuarantineIdError(
                f"no quarantined row or file with id {given!r} (see `shopsight quarantine list`)"
            )
        if len(found) > 1:
            raise QuarantineIdError(
                f"quarantine id {given!r} matches {len(found)} rows: add :LINE, or more digits"
            )
        resolved.append(found[0])
    return resolved
