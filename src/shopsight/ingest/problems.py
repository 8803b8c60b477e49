"""Open problems: untrusted files that keep every run red until a person resolves them.

A file is untrusted when it was quarantined whole, or when more of its rows are still in the
quarantine than its source's reject ratio allows. It stays an open problem, whatever run
found it, until it is re-admitted (its quarantined rows or file load through the normal path)
or a person accepts it with a reason (``shopsight quarantine accept``), which is recorded
with who and when. Only then can a run be green again.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from shopsight.contracts.model import load_contract
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse


class ProblemError(ValueError):
    """A problem id that does not name an open problem."""


@dataclass(frozen=True)
class Problem:
    """One untrusted file: why, and the command that resolves it."""

    problem_id: str  # the file's ingest id
    source: str
    table: str
    path: str
    file_dt: str | None
    kind: str  # file_quarantined | over_reject_ratio
    reason: str
    detail: str
    first_seen_at: str | None

    @property
    def short_id(self) -> str:
        """The first digits of the id, which the quarantine commands accept (unique prefix)."""
        return self.problem_id[:8]

    @property
    def resolve_command(self) -> str:
        if self.kind == "file_quarantined":
            return f"shopsight quarantine readmit {self.short_id}:file --file FIXED"
        return f"shopsight quarantine list --source {self.source} --table {self.table}"

    @property
    def accept_command(self) -> str:
        return f'shopsight quarantine accept {self.short_id} --reason "..."'

    @property
    def summary(self) -> str:
        """One line a person can act on."""
        return f"{self.path}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "resolve": self.resolve_command, "accept": self.accept_command}


def open_problems(warehouse: Warehouse, max_reject_ratio: float | None = None) -> list[Problem]:
    """Every untrusted file not yet re-admitted or accepted, oldest first.

    ``max_reject_ratio`` overrides each source's contract ratio (as the ingest step does).
    """
    problems = _quarantined_files(warehouse) + _over_ratio_files(warehouse, max_reject_ratio)
    return sorted(problems, key=lambda p: (p.first_seen_at or "", p.path))


_NOT_ACCEPTED = f"l.ingest_id not in (select ingest_id from {OPS_SCHEMA}.accepted_problems)"


def _quarantined_files(warehouse: Warehouse) -> list[Problem]:
    rows = warehouse.query(f"""
        select l.ingest_id, l.source, l.table_name, l.path, l.file_dt, l.reason, l.message,
            l.finished_at
        from {OPS_SCHEMA}.ingest_ledger l
        inner join {OPS_SCHEMA}.quarantine q on q.quarantine_id = l.ingest_id || ':file'
        where l.status = 'quarantined' and q.readmitted_in is null and {_NOT_ACCEPTED}""")
    return [
        Problem(
            *(ingest_id, source, table, path, _text(dt)),
            *("file_quarantined", reason, f"quarantined whole ({reason}): {message}"),
            _text(at),
        )
        for ingest_id, source, table, path, dt, reason, message, at in rows
    ]


def _over_ratio_files(warehouse: Warehouse, max_reject_ratio: float | None) -> list[Problem]:
    rows = warehouse.query(f"""
        select l.ingest_id, l.source, l.table_name, l.path, l.file_dt, l.rows_read,
            count(*) as still_rejected, l.finished_at
        from {OPS_SCHEMA}.ingest_ledger l
        inner join {OPS_SCHEMA}.quarantine q on q.ingest_id = l.ingest_id
        where l.status = 'loaded' and q.line_number is not null and q.readmitted_in is null
            and {_NOT_ACCEPTED}
        group by l.ingest_id, l.source, l.table_name, l.path, l.file_dt, l.rows_read,
            l.finished_at""")
    problems, ratios = [], {}
    for ingest_id, source, table, path, dt, read, rejected, at in rows:
        if source not in ratios:
            contract_ratio = load_contract(source).max_reject_ratio
            ratios[source] = contract_ratio if max_reject_ratio is None else max_reject_ratio
        if read and rejected / read > ratios[source]:
            detail = (
                f"{rejected} of {read} rows still quarantined "
                f"(over the {ratios[source]:.0%} reject ratio)"
            )
            problems.append(
                Problem(
                    *(ingest_id, source, table, path, _text(dt)),
                    *("over_reject_ratio", "over_reject_ratio", detail),
                    _text(at),
                )
            )
    return problems


def _files_with_held_rows(warehouse: Warehouse, wanted: str) -> list[Problem]:
    """Loaded files whose id starts with ``wanted`` and that still hold quarantined rows
    within the reject ratio: not untrusted, but their rows' orders stay incomplete, so a
    person may accept those rows as lost too."""
    rows = warehouse.query(
        f"""
        select l.ingest_id, l.source, l.table_name, l.path, l.file_dt, count(*), l.finished_at
        from {OPS_SCHEMA}.ingest_ledger l
        inner join {OPS_SCHEMA}.quarantine q on q.ingest_id = l.ingest_id
        where l.status = 'loaded' and q.line_number is not null and q.readmitted_in is null
            and l.ingest_id like ? and {_NOT_ACCEPTED}
        group by l.ingest_id, l.source, l.table_name, l.path, l.file_dt, l.finished_at""",
        [f"{wanted}%"],
    )
    return [
        Problem(
            *(ingest_id, source, table, path, _text(dt)),
            *("rows_quarantined", "rows_quarantined", f"{held} rows still quarantined"),
            _text(at),
        )
        for ingest_id, source, table, path, dt, held, at in rows
    ]


def accept_problem(warehouse: Warehouse, problem_id: str, reason: str) -> Problem:
    """Record that a person accepts an open problem as it is (with who, when and why).

    ``problem_id`` is the file's ingest id, a unique prefix of it, or its ``<id>:file``
    quarantine id; or the id of a file (or of a row of it) whose quarantined rows are
    within the reject ratio, whose rows are then accepted as lost.

    Raises:
        ProblemError: the id names no open problem, or more than one; the reason is empty.
    """
    if not reason.strip():
        raise ProblemError("say why the problem is accepted (--reason)")
    wanted = problem_id.split(":", 1)[0]  # a file's id, or the file part of a row's id
    if not wanted:
        raise ProblemError("give the id of the file to accept (`shopsight status`)")
    matches = [p for p in open_problems(warehouse) if p.problem_id.startswith(wanted)]
    if not matches and re.fullmatch(r"[0-9a-f]+", wanted):  # an id, never a LIKE pattern
        matches = _files_with_held_rows(warehouse, wanted)
    if not matches:
        raise ProblemError(
            f"no open problem with id {problem_id!r} (see `shopsight status` for the open ones)"
        )
    if len(matches) > 1:
        raise ProblemError(f"{problem_id!r} matches {len(matches)} problems: give more of the id")
    problem = matches[0]
    with warehouse.transaction():
        warehouse.execute(
            f"insert into {OPS_SCHEMA}.accepted_problems "
            "(ingest_id, path, reason, accepted_by, accepted_at) values (?, ?, ?, ?, ?)",
            [problem.problem_id, problem.path, reason.strip(), current_user(), _now()],
        )
    return problem


@dataclass(frozen=True)
class AcceptedGap:
    """An untrusted file a person accepted as it is: a known, owned gap in the data."""

    problem_id: str
    path: str
    file_dt: str | None
    file_reason: str  # why the file was untrusted (truncated_gzip, over_reject_ratio...)
    reason: str  # why the person accepted it
    accepted_by: str
    accepted_at: str

    @property
    def summary(self) -> str:
        """One line: the file, and who accepted it, when and why."""
        return (
            f"{self.path} ({self.file_reason}) accepted by {self.accepted_by} on "
            f"{self.accepted_at[:16]} UTC: {self.reason}"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def accepted_gaps(
    warehouse: Warehouse, first: date | None = None, last: date | None = None
) -> list[AcceptedGap]:
    """The accepted files, of days from ``first`` to ``last`` (default: every day), oldest
    day first."""
    clauses, params = [], []
    if first is not None:
        clauses.append("(l.file_dt is null or l.file_dt >= ?)")
        params.append(first)
    if last is not None:
        clauses.append("(l.file_dt is null or l.file_dt <= ?)")
        params.append(last)
    where = f"where {' and '.join(clauses)}" if clauses else ""
    rows = warehouse.query(
        f"""
        select a.ingest_id, a.path, l.file_dt, coalesce(l.reason, 'quarantined rows'),
            a.reason, a.accepted_by, a.accepted_at
        from {OPS_SCHEMA}.accepted_problems a
        inner join {OPS_SCHEMA}.ingest_ledger l on l.ingest_id = a.ingest_id
        {where}
        order by l.file_dt, a.path""",
        params,
    )
    return [
        AcceptedGap(str(i), str(path), _text(dt), str(why_file), str(why), str(who), str(at))
        for i, path, dt, why_file, why, who, at in rows
    ]


def acceptances(warehouse: Warehouse) -> dict[str, dict[str, str]]:
    """Every acceptance by the file's ingest id: who accepted it, when and why."""
    return {
        str(ingest_id): {"by": str(who), "at": str(at)[:19], "reason": str(why)}
        for ingest_id, who, at, why in warehouse.query(
            f"select ingest_id, accepted_by, accepted_at, reason "
            f"from {OPS_SCHEMA}.accepted_problems"
        )
    }


def unalerted(warehouse: Warehouse, problems: list[Problem]) -> list[Problem]:
    """The problems no alert has named yet."""
    alerted = {
        row[0] for row in warehouse.query(f"select ingest_id from {OPS_SCHEMA}.problem_alerts")
    }
    return [p for p in problems if p.problem_id not in alerted]


def mark_alerted(warehouse: Warehouse, problems: list[Problem]) -> None:
    """Record that an alert named these problems (so the next run does not repeat it)."""
    with warehouse.transaction():
        warehouse.insert_rows(
            f"{OPS_SCHEMA}.problem_alerts",
            ["ingest_id", "alerted_at"],
            [[p.problem_id, _now()] for p in problems],
        )


def current_user() -> str:
    """Who is running the command (recorded with acceptances and withdrawals)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment (a container)
        return "unknown"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
