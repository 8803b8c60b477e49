"""What the warehouse holds: per table, files, rows, rejects by reason, and open quarantine."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from shopsight.contracts.model import ContractError, load_contract
from shopsight.contracts.sources import known_sources
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.problems import acceptances
from shopsight.ingest.warehouse import Warehouse


def table_status(warehouse: Warehouse) -> list[dict[str, Any]]:
    """One entry per (source, table) in the ledger, in a stable order."""
    settled = (
        f"select ingest_id from {OPS_SCHEMA}.accepted_problems union "
        f"select ingest_id from {OPS_SCHEMA}.quarantine "
        "where line_number is null and readmitted_in is not null"
    )
    rows = warehouse.query(f"""
        select source, table_name,
            count(*) filter (where status = 'loaded'),
            count(*) filter (where status = 'quarantined'),
            count(*) filter (where status = 'quarantined' and ingest_id not in ({settled})),
            coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
            coalesce(sum(rows_rejected), 0), max(file_dt), max(finished_at)
        from {OPS_SCHEMA}.ingest_ledger group by 1, 2 order by 1, 2""")
    # Still open: neither re-admitted nor accepted by a person with its file.
    reasons = warehouse.query(f"""
        select source, table_name, reason, count(*) from {OPS_SCHEMA}.quarantine
        where readmitted_in is null
            and ingest_id not in (select ingest_id from {OPS_SCHEMA}.accepted_problems)
        group by 1, 2, 3 order by 1, 2, 3""")
    warnings: dict[tuple[str, str], Counter[str]] = {}
    for source, table, text in warehouse.query(
        f"select source, table_name, warnings from {OPS_SCHEMA}.ingest_ledger"
    ):
        warnings.setdefault((source, table), Counter()).update(json.loads(text))
    result = []
    for source, table, loaded, quarantined, untrusted, read, ok, rejected, last_dt, last_at in rows:
        open_reasons = {r: int(n) for s, t, r, n in reasons if (s, t) == (source, table)}
        result.append(
            {
                "source": source,
                "table": table,
                "files_loaded": int(loaded),
                "files_quarantined": int(quarantined),
                "files_untrusted": int(untrusted),
                "rows_read": int(read),
                "rows_loaded": int(ok),
                "rows_rejected": int(rejected),
                "open_quarantine_by_reason": open_reasons,
                "warnings": dict(sorted(warnings.get((source, table), Counter()).items())),
                "latest_file_dt": str(last_dt) if last_dt else None,
                "last_loaded_at": str(last_at) if last_at else None,
            }
        )
    return result


def list_quarantine(
    warehouse: Warehouse,
    include_readmitted: bool = False,
    table: str | None = None,
    reason: str | None = None,
    source: str | None = None,
) -> list[dict[str, Any]]:
    """Quarantined rows and files, oldest file first."""
    clauses, params = [], []
    if source:
        clauses.append("source = ?")
        params.append(source)
    if not include_readmitted:
        clauses.append("readmitted_in is null")
    if table:
        clauses.append("table_name = ?")
        params.append(table)
    if reason:
        clauses.append("reason = ?")
        params.append(reason)
    where = f"where {' and '.join(clauses)}" if clauses else ""
    rows = warehouse.query(
        f"select quarantine_id, source, table_name, path, line_number, column_name, reason, "
        f"message, raw_line, readmitted_in from {OPS_SCHEMA}.quarantine {where} "
        f"order by path, line_number",
        params,
    )
    keys = [
        "id",
        "source",
        "table",
        "path",
        "line",
        "column",
        "reason",
        "message",
        "raw",
        "readmitted_in",
    ]
    accepted = acceptances(warehouse)
    return [
        {**row, "accepted": accepted.get(str(row["id"]).split(":", 1)[0])}
        for row in (dict(zip(keys, values, strict=True)) for values in rows)
    ]


def list_row_warnings(
    warehouse: Warehouse,
    source: str | None = None,
    table: str | None = None,
    reason: str | None = None,
    limit: int = 1000,
) -> tuple[int, list[dict[str, Any]]]:
    """Rows that loaded although they broke a rule of severity ``warn``: the count, and up
    to ``limit`` of them, oldest file first (the row is in the landing history at its
    file and line)."""
    clauses, params = [], []
    for name, value in (("source", source), ("table_name", table), ("reason", reason)):
        if value:
            clauses.append(f"{name} = ?")
            params.append(value)
    where = f"where {' and '.join(clauses)}" if clauses else ""
    total = warehouse.query(f"select count(*) from {OPS_SCHEMA}.row_warnings {where}", params)
    rows = warehouse.query(
        f"select source, table_name, path, line_number, row_key, column_name, reason, message "
        f"from {OPS_SCHEMA}.row_warnings {where} order by path, line_number, reason "
        f"limit {int(limit)}",
        params,
    )
    keys = ["source", "table", "path", "line", "key", "column", "reason", "message"]
    return int(total[0][0]), [dict(zip(keys, row, strict=True)) for row in rows]


def check_filters(source: str | None, table: str | None) -> None:
    """Refuse a source or table no contract declares, naming the ones that exist.

    Raises:
        ContractError: the source or table is unknown.
    """
    sources = [source] if source else known_sources()
    contracts = [load_contract(s) for s in sources]  # raises for an unknown source
    tables = sorted({t for c in contracts for t in c.tables})
    if table and table not in tables:
        where = f"source {source!r}" if source else "any source"
        raise ContractError(f"{where} has no table {table!r}; the tables are: {', '.join(tables)}")


def check_reason(warehouse: Warehouse, reason: str) -> None:
    """Refuse a reason no quarantined row carries, naming the reasons that do.

    Raises:
        ContractError: no row or file in the quarantine has that reason.
    """
    reasons = [
        r
        for (r,) in warehouse.query(
            f"select distinct reason from {OPS_SCHEMA}.quarantine order by 1"
        )
    ]
    if reason not in reasons:
        known = ", ".join(reasons) if reasons else "none (the quarantine is empty)"
        raise ContractError(f"no quarantined row has reason {reason!r}; the reasons are: {known}")
