"""What the warehouse holds: per table, files, rows, rejects by reason, and open quarantine."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.warehouse import Warehouse


def table_status(warehouse: Warehouse) -> list[dict[str, Any]]:
    """One entry per (source, table) in the ledger, in a stable order."""
    rows = warehouse.query(f"""
        select source, table_name,
            count(*) filter (where status = 'loaded'),
            count(*) filter (where status = 'quarantined'),
            coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0),
            coalesce(sum(rows_rejected), 0), max(file_dt), max(finished_at)
        from {OPS_SCHEMA}.ingest_ledger group by 1, 2 order by 1, 2""")
    reasons = warehouse.query(f"""
        select source, table_name, reason, count(*) from {OPS_SCHEMA}.quarantine
        where readmitted_in is null group by 1, 2, 3 order by 1, 2, 3""")
    warnings: dict[tuple[str, str], Counter[str]] = {}
    for source, table, text in warehouse.query(
        f"select source, table_name, warnings from {OPS_SCHEMA}.ingest_ledger"
    ):
        warnings.setdefault((source, table), Counter()).update(json.loads(text))
    result = []
    for source, table, loaded, quarantined, read, ok, rejected, last_dt, last_at in rows:
        open_reasons = {r: int(n) for s, t, r, n in reasons if (s, t) == (source, table)}
        result.append(
            {
                "source": source,
                "table": table,
                "files_loaded": int(loaded),
                "files_quarantined": int(quarantined),
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
) -> list[dict[str, Any]]:
    """Quarantined rows and files, oldest file first."""
    clauses, params = [], []
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
    return [dict(zip(keys, row, strict=True)) for row in rows]
