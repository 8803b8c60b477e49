"""Withdraw a loaded file (a wrong delivery: a day copied from another store), and undo it.

A withdrawal is recorded, never a deletion: the file's rows stay in the history (superseded) with
their lineage, ``shopsight_ops.file_withdrawals`` keeps who withdrew it, when and why, and
its ledger row says ``withdrawn`` (so the same file is not loaded again). In the current
state every key the file touched goes back to its latest version from the files that are
still loaded, as if the file had never come; a key only that file delivered leaves it.
Restoring (``--undo``) reverses both, by the same rule. The next daily run rebuilds the
marts in full (``shopsight_ops.full_refresh_requests``): an incremental build only sees
rows added, never rows taken away.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from shopsight.contracts.ddl import history_table, superseded_table
from shopsight.contracts.model import load_contract
from shopsight.ingest import history
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.problems import current_user
from shopsight.ingest.superseded import columns_of
from shopsight.ingest.validation import quoted
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import Bucket

# How many pending full refresh requests a build's reason names by their own words.
PENDING_NAMED = 3


class WithdrawError(ValueError):
    """The file cannot be withdrawn or restored as asked."""


@dataclass(frozen=True)
class Withdrawal:
    """What a withdrawal (or its undoing) did."""

    ingest_id: str
    source: str
    table: str
    path: str
    action: str  # withdrawn | restored
    keys_changed: int  # keys of the current state that changed or left
    reason: str
    by: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def withdraw_file(
    warehouse: Warehouse,
    file_id: str,
    reason: str,
    undo: bool = False,
    bucket: Bucket | None = None,
) -> Withdrawal:
    """Withdraw the loaded file ``file_id`` (its ingest id, a unique prefix, or its path),
    or with ``undo`` restore a withdrawn one. Its Parquet history leaves the bucket's layout
    (or returns) once the warehouse has committed; without ``bucket``, or after a crash in
    between, the next ingest moves it (ingest/history.py).

    Raises:
        WithdrawError: no reason, or the id names no such file, or several.
    """
    if not reason.strip():
        raise WithdrawError("say why (--reason): it is recorded with the withdrawal")
    wanted, state = ("withdrawn", "restored") if undo else ("loaded", "withdrawn")
    ingest_id, source, table_name, path = _find(warehouse, file_id, wanted)
    table = load_contract(source).table(table_name)
    who, now = current_user(), datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with warehouse.exclusive(), warehouse.transaction():
        warehouse.execute(
            f"update {OPS_SCHEMA}.ingest_ledger set status = ? where ingest_id = ?",
            ["loaded" if undo else "withdrawn", ingest_id],
        )
        changed = _rebuild_current(warehouse, source, table, ingest_id)
        warehouse.execute(
            f"insert into {OPS_SCHEMA}.file_withdrawals "
            "(ingest_id, path, action, reason, acted_by, acted_at) values (?, ?, ?, ?, ?, ?)",
            [ingest_id, path, state, reason.strip(), who, now],
        )
        warehouse.execute(
            f"insert into {OPS_SCHEMA}.full_refresh_requests (requested_at, reason) values (?, ?)",
            [now, f"{path} {state}: {reason.strip()}"],
        )
    if bucket is not None:
        day = _file_day(warehouse, ingest_id)
        history.place(bucket, history.history_key(source, table_name, day, ingest_id), not undo)
    return Withdrawal(ingest_id, source, table_name, path, state, changed, reason.strip(), who)


def _file_day(warehouse: Warehouse, ingest_id: str) -> str | None:
    [(day,)] = warehouse.query(
        f"select file_dt from {OPS_SCHEMA}.ingest_ledger where ingest_id = ?", [ingest_id]
    )
    return str(day) if day else None


def _find(warehouse: Warehouse, file_id: str, status: str) -> tuple[str, str, str, str]:
    prefix = file_id.split(":", 1)[0]
    # An id is hex digits; anything else is a path (never a LIKE pattern: "%" matches all).
    pattern = f"{prefix}%" if re.fullmatch(r"[0-9a-f]+", prefix) else None
    rows = warehouse.query(
        f"select ingest_id, source, table_name, path from {OPS_SCHEMA}.ingest_ledger "
        "where status = ? and (ingest_id like ? or path = ?)",
        [status, pattern, file_id],
    )
    if not file_id.strip() or not rows:
        what = "loaded" if status == "loaded" else "withdrawn"
        raise WithdrawError(f"no {what} file with id or path {file_id!r} (`shopsight status`)")
    if len(rows) > 1:
        raise WithdrawError(f"{file_id!r} matches {len(rows)} files: give more of the id")
    ingest_id, source, table, path = rows[0]
    return str(ingest_id), str(source), str(table), str(path)


def _rebuild_current(warehouse: Warehouse, source: str, table: Any, ingest_id: str) -> int:
    """Put every key the file delivered back to its latest version among the loaded files
    (the loader's order: file day, path, line); every other version of those keys is
    superseded. Returns how many keys that touched."""
    keys = ", ".join(table.primary_key)
    current = f"{source}.{table.name}"
    superseded = f"{source}.{superseded_table(table)}"
    history = f"{source}.{history_table(table)}"
    columns = ", ".join(quoted(name) for name in columns_of(warehouse, source, table.name))
    warehouse.execute("drop table if exists _touched")
    warehouse.execute(
        f"create temp table _touched as select distinct {keys} from {history} where _ingest_id = ?",
        [ingest_id],
    )
    touched = f"({keys}) in (select {keys} from _touched)"
    warehouse.execute("drop table if exists _touched_versions")
    warehouse.execute(f"""
        create temp table _touched_versions as
        select *, row_number() over (
            partition by {keys}
            order by _live desc, _file_dt desc, _file_path desc, _line_number desc
        ) as _rank
        from (
            select *, _ingest_id in (
                select ingest_id from {OPS_SCHEMA}.ingest_ledger where status = 'loaded'
            ) as _live
            from {history} where {touched}
        ) versions""")
    warehouse.execute(f"delete from {current} where {touched}")
    warehouse.execute(f"delete from {superseded} where {touched}")
    winner = "_rank = 1 and _live"
    warehouse.execute(
        f"insert into {current} ({columns}) select {columns} from _touched_versions where {winner}"
    )
    warehouse.execute(
        f"insert into {superseded} ({columns}) "
        f"select {columns} from _touched_versions where not ({winner})"
    )
    return int(warehouse.query("select count(*) from _touched")[0][0])


def full_refresh_requested(warehouse_url: str) -> bool:
    """Whether the next build must rebuild in full (``full_refresh_reasons``)."""
    return bool(full_refresh_reasons(warehouse_url))


def full_refresh_reasons(warehouse_url: str) -> list[str]:
    """Why the next build must rebuild in full, if it must: a withdrawal (or its undoing)
    asks it, and so do retail marts built before their keys became integers (decision 0047)
    and marts built by another version of the dbt project (decision 0067)."""
    import shopsight.build
    from shopsight.build_state import project_changed
    from shopsight.ingest.warehouse import WarehouseError, connect

    try:
        warehouse = connect(warehouse_url, create=False)
    except WarehouseError:
        return []
    try:
        reasons = _pending(warehouse)
        if _text_keyed_marts(warehouse):
            reasons.append("retail marts still hold text keys (decision 0047)")
        if project_changed(warehouse, shopsight.build.DBT_PROJECT_DIR):
            reasons.append(
                "the dbt project changed since the marts were built: an incremental build "
                "would keep the rows the old code wrote"
            )
        return reasons
    finally:
        warehouse.close()


def complete_full_refresh(warehouse: Warehouse, built_since: datetime) -> None:
    """After a build of every layer that started at ``built_since`` (UTC): mark done the
    requests made before it, and remember the dbt project it built with."""
    import shopsight.build
    from shopsight.build_state import record_built_project

    with warehouse.transaction():
        warehouse.execute(
            f"update {OPS_SCHEMA}.full_refresh_requests set done_at = ? "
            "where done_at is null and requested_at <= ?",
            [datetime.now(UTC).replace(tzinfo=None), built_since],
        )
    record_built_project(warehouse, shopsight.build.DBT_PROJECT_DIR)


def _text_keyed_marts(warehouse: Warehouse) -> bool:
    """Whether a retail mart still holds md5 text keys: an incremental build would append
    integer keys to them (or fail on the changed type), so the first build rebuilds them."""
    rows = warehouse.query(
        "select count(*) from information_schema.columns where table_schema = 'marts' "
        "and column_name in ('customer_key', 'product_key') and table_name in "
        "('dim_customers', 'dim_products', 'fct_order_items', 'fct_orders', "
        "'fct_product_price_changes') and lower(data_type) <> 'bigint'"
    )
    return bool(rows[0][0])


def _pending(warehouse: Warehouse) -> list[str]:
    """The reasons of the requests not done yet."""
    try:
        rows = warehouse.query(
            f"select reason from {OPS_SCHEMA}.full_refresh_requests where done_at is null "
            "order by requested_at"
        )
    except Exception:  # noqa: BLE001 - a warehouse from before withdrawals: none pending
        return []
    reasons = [str(reason) for (reason,) in rows]
    if len(reasons) > PENDING_NAMED:  # a summary names a few and counts the rest
        left = len(reasons) - PENDING_NAMED
        reasons = [*reasons[:PENDING_NAMED], f"and {left} more full refresh requests"]
    return reasons
