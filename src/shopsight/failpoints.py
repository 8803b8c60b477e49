"""Named fail points: a test makes a process kill itself exactly where a crash matters.

``SHOPSIGHT_FAILPOINT=<point>`` makes the process SIGKILL itself the first time it reaches
``<point>``; ``<point>:<n>`` the n-th time. ``<point>:raise`` (or ``<point>:<n>:raise``)
raises :class:`FailPointError` there instead, from the n-th time on: a poison pill, for the
tests of what survives a failing stage. Unset (always, outside tests), :func:`failpoint` is a
no-op costing one comparison. Crash tests use this instead of killing a process after a
sleep, which races with how fast the machine is.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass

# Every point the code declares; a typo in a test's setting is an error, not a silent pass.
POINTS = frozenset(
    {
        "ingest.after_read",  # a file's lines are read, not validated yet
        "ingest.fast_path_copied",  # files copied to the scratch folder, not read yet
        "ingest.after_validate",  # the batch is validated, nothing staged yet
        "ingest.after_stage",  # the batch is staged, nothing of it written yet
        "ingest.history_pending",  # the batch's Parquet is staged in the bucket, not committed
        "ingest.before_commit",  # rows, quarantine and ledger written, not committed
        "ingest.after_commit",  # committed, the Parquet not yet moved into the layout
        "ingest.quarantine_object_written",  # a file's quarantine object exists, no ledger row
        "ingest.before_quarantine_commit",  # a whole file's quarantine row, not committed
        "spool.after_upload",  # a segment is in the bucket, not yet removed from the spool
        "spool.before_upload",  # a segment is closed, not yet in the bucket
        "poller.after_page",  # a page of trackings landed, the watermark not yet moved
    }
)

_hits: dict[str, int] = {}
_armed: list[FailPoint | None] = []  # empty until the setting is read, once


class FailPointError(RuntimeError):
    """Raised by a fail point armed with ``raise``."""


@dataclass(frozen=True)
class FailPoint:
    name: str
    nth: int = 1
    raises: bool = False


def _armed_point() -> FailPoint | None:
    if not _armed:
        from shopsight.config import Settings

        _armed.append(parse_failpoint(Settings().failpoint))
    return _armed[0]


def arm(value: str | None) -> None:
    """Arm ``value`` (the setting's syntax) in this process, or disarm with None: for tests
    that run the code under test in their own process."""
    _armed[:] = [parse_failpoint(value)]
    _hits.clear()


def parse_failpoint(value: str | None) -> FailPoint | None:
    """``"point"``, ``"point:n"``, ``"point:raise"`` or ``"point:n:raise"``; None when unset.

    Raises:
        ValueError: the point is not one of :data:`POINTS`, or n is not a positive integer.
    """
    if not value:
        return None
    name, *rest = value.split(":")
    raises = bool(rest) and rest[-1] == "raise"
    if raises:
        rest.pop()
    if name not in POINTS:
        raise ValueError(f"unknown fail point {name!r}; known: {', '.join(sorted(POINTS))}")
    count = rest[0] if rest else "1"
    if len(rest) > 1 or not count.isdigit() or int(count) < 1:
        raise ValueError(f"fail point count must be a positive integer, not {':'.join(rest)!r}")
    return FailPoint(name, int(count), raises)


def failpoint(name: str) -> None:
    """Act if ``name`` is the armed point and its hit is due: SIGKILL, or raise."""
    armed = _armed_point()
    if armed is None or armed.name != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if armed.raises and _hits[name] >= armed.nth:
        raise FailPointError(f"fail point {name} armed to raise")
    if _hits[name] == armed.nth:
        os.kill(os.getpid(), signal.SIGKILL)
