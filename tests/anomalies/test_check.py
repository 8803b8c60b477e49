"""The anomalies step against a real warehouse's ledger."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from shopsight.anomalies.check import check_anomalies
from shopsight.anomalies.monitors import load_monitors
from shopsight.ingest.ledger import OPS_DDL, OPS_SCHEMA
from shopsight.ingest.warehouse import connect


def test_a_file_loaded_in_the_runs_first_second_is_checked(tmp_path: Path) -> None:
    """The ledger keeps whole seconds: a header-only events file that finished loading at
    12:00:00 belongs to a run that started at 12:00:00.700, and its empty day is found."""
    warehouse = connect(f"duckdb:///{tmp_path}/warehouse.duckdb")
    try:
        warehouse.execute_script(OPS_DDL)
        loaded = datetime(2024, 5, 8, 12, 0, 0)
        warehouse.execute(
            f"insert into {OPS_SCHEMA}.ingest_ledger (ingest_id, run_id, source, table_name, "
            "path, checksum, size_bytes, file_dt, status, rows_read, rows_loaded, "
            "rows_rejected, warnings, started_at, finished_at) values "
            "('i1', 'r1', 'thelook', 'events', 'landing/thelook/events/dt=2024-05-08/a.csv', "
            "'c1', 10, ?, 'loaded', 0, 0, 0, '{}', ?, ?)",
            [date(2024, 5, 8), loaded, loaded],
        )
        check = check_anomalies(
            warehouse, load_monitors(), None, loaded.replace(microsecond=700_000)
        )
    finally:
        warehouse.close()
    assert [a["monitor"] for a in check.anomalies] == ["landed.thelook.events"]
    assert "thelook.events delivered no rows for 2024-05-08" in check.anomalies[0]["sentence"]


def test_an_anomaly_of_an_earlier_file_day_says_its_day_in_the_runs_reasons() -> None:
    from shopsight.pipeline import _on_its_day

    run_day = date(2024, 2, 22)
    rows = "retail_db.orders rows +40 % vs the usual Monday (433 against 308.92)"
    assert _on_its_day("2024-02-05", rows, run_day) == f"on 2024-02-05, {rows}"
    assert _on_its_day("2024-02-22", rows, run_day) == rows
    empty = "thelook.events delivered no rows for 2024-02-12 (a file with a header only)"
    assert _on_its_day("2024-02-12", empty, run_day) == empty
