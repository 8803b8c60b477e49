"""Every batch is stamped later than every batch before it, to the microsecond, even when
two land in the same second or the clock is behind the last stamp: the incremental models
read what loaded after the latest stamp they saw (ingest/loader.py `load_stamp`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from shopsight.generate.export import generate_retail_db
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect

from built_store import FIRST_DAY
from support import fresh_bucket


def _stamps(warehouse) -> list[datetime]:
    return [
        row[0]
        for row in warehouse.query(
            "select distinct _loaded_at from retail_db.orders_history order by 1"
        )
    ]


def test_each_day_loaded_after_a_stamp_ahead_of_the_clock_is_stamped_after_it(tmp_path) -> None:
    bucket = fresh_bucket()
    warehouse = connect(f"duckdb:///{tmp_path}/w.duckdb")
    generate_retail_db(bucket, FIRST_DAY, 1, 50, 5, "none")
    ingest(bucket, warehouse)
    (first,) = _stamps(warehouse)
    # A stamp an hour ahead of this machine's clock (a clock set back since, or another
    # machine's): every later batch must still be stamped after it.
    ahead = first + timedelta(hours=1)
    warehouse.execute(f"update shopsight_ops.ingest_ledger set finished_at = '{ahead}'")

    for day in (1, 2):  # two ingests within the same second or two
        generate_retail_db(bucket, FIRST_DAY + timedelta(days=day), 1, 50, 5, "none")
        ingest(bucket, warehouse)

    stamps = _stamps(warehouse)
    assert len(stamps) == 3, stamps
    assert first < ahead < stamps[1] < stamps[2] <= ahead + timedelta(seconds=1), stamps
    ledger = warehouse.query(
        "select count(distinct finished_at), max(finished_at) from shopsight_ops.ingest_ledger "
        f"where finished_at > '{ahead}'"
    )
    assert ledger[0][1] >= stamps[2] and ledger[0][0] >= 2, ledger
    warehouse.close()
