"""Named fail points: a test makes a process kill itself exactly where a crash matters.

``SHOPSIGHT_FAILPOINT=<point>`` makes the process SIGKILL itself the first time it reaches
``<point>``; ``<point>:<n>`` the n-th time. Unset (always, outside tests), :func:`failpoint`
is a no-op costing one comparison. Crash tests use this instead of killing a process after a
sleep, which races with how fast the machine is.
"""

from __future__ import annotations

import os
import signal

# Every point the code declares; a typo in a test's setting is an error, not a silent pass.
POINTS = frozenset(
    {
        "ingest.after_stage",  # the batch is staged, nothing of it written yet
        "ingest.before_commit",  # rows, quarantine and ledger written, not committed
        "ingest.quarantine_object_written",  # a file's quarantine object exists, no ledger row
        "ingest.before_quarantine_commit",  # a whole file's quarantine row, not committed
        "spool.after_upload",  # a segment is in the bucket, not yet removed from the spool
        "spool.before_upload",  # a segment is closed, not yet in the bucket
        "poller.after_page",  # a page of trackings landed, the watermark not yet moved
    }
)

_hits: dict[str, int] = {}
_armed: list[tuple[str, int] | None] = []  # empty until the setting is read, once


def _armed_point() -> tuple[str, int] | None:
    if not _armed:
        from shopsight.config import Settings

        _armed.append(parse_failpoint(Settings().failpoint))
    return _armed[0]


def parse_failpoint(value: str | None) -> tuple[str, int] | None:
    """``"point"`` or ``"point:n"`` as (point, n); None when unset.

    Raises:
        ValueError: the point is not one of :data:`POINTS`, or n is not a positive integer.
    """
    if not value:
        return None
    name, _, count = value.partition(":")
    if name not in POINTS:
        raise ValueError(f"unknown fail point {name!r}; known: {', '.join(sorted(POINTS))}")
    if count and (not count.isdigit() or int(count) < 1):
        raise ValueError(f"fail point count must be a positive integer, not {count!r}")
    return name, int(count or 1)


def failpoint(name: str) -> None:
    """Kill this process with SIGKILL if ``name`` is the armed point and its hit is due."""
    armed = _armed_point()
    if armed is None or armed[0] != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == armed[1]:
        os.kill(os.getpid(), signal.SIGKILL)
