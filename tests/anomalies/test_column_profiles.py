"""The landed tables' column profiles (anomalies/profile.py) on a real ingest of the web
shop: a day whose events arrive without the visitor's id is found by its column, every
other day is quiet, and a kept profile is computed again only when its day's files change."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from shopsight.anomalies.check import check_anomalies
from shopsight.anomalies.monitors import load_monitors
from shopsight.anomalies.profile import PROFILES, measures, profiles
from shopsight.contracts.model import load_contract
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import Warehouse, connect
from shopsight.ingest.withdraw import withdraw_file
from shopsight.storage import Bucket

from support import web_shop_without_user_ids

START, DAYS = date(2024, 5, 1), 36
LOST = START + timedelta(days=33)  # a Monday with four Mondays before it
EPOCH = datetime(2000, 1, 1)


@pytest.fixture(scope="module")
def web_shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, str]:
    root = tmp_path_factory.mktemp("profiles")
    bucket = Bucket(f"file://{root}/bucket")
    lost = web_shop_without_user_ids(bucket, START, DAYS, LOST)
    warehouse = connect(f"duckdb:///{root}/warehouse.duckdb")
    assert ingest(bucket, warehouse, "thelook").trusted
    yield warehouse, lost
    warehouse.close()


def _columns(found: list[dict]) -> list[dict]:
    return [a for a in found if a["monitor"].endswith(".columns")]


def test_a_day_of_events_without_the_visitors_id_is_found_by_its_column(
    web_shop: tuple[Warehouse, str],
) -> None:
    warehouse, _ = web_shop
    check = check_anomalies(warehouse, load_monitors(), None, EPOCH)
    assert check.errors == []
    (lost,) = _columns(check.anomalies)
    assert (lost["day"], lost["monitor"]) == (LOST.isoformat(), "landed.thelook.events.columns")
    assert {part["name"] for part in lost["parts"]} == {"user_id"}
    assert "user_id without a value in 100 % of rows (usual Monday" in lost["sentence"]
    assert "user_id 0.00 distinct values per row" in lost["sentence"]
    # Independently, from the history: every event of the day lacks a user id, and no
    # earlier Monday came near (the usual share is the band's, trend included: test_band).
    shares = dict(
        warehouse.query(
            "select _file_dt, avg(case when user_id is null then 1.0 else 0 end) "
            "from thelook.events_history group by 1"
        )
    )
    assert shares[LOST] == 1.0
    assert max(shares[LOST - timedelta(days=7 * n)] for n in (1, 2, 3, 4)) < 0.9


def test_a_kept_profile_is_read_until_its_days_files_change(
    web_shop: tuple[Warehouse, str],
) -> None:
    warehouse, lost_key = web_shop
    table = "thelook.events"
    first, last = START, START + timedelta(days=DAYS - 1)
    kept = profiles(warehouse, table, first, last)
    names = {"rows"} | {m.name for m in measures(load_contract("thelook").tables["events"])}
    assert set(kept[LOST]) == names
    ((rows,),) = warehouse.query(
        "select count(*) from thelook.events_history where _file_dt = ?", [START]
    )
    assert kept[START]["rows"] == (rows, rows)

    # Rows taken out behind the ledger's back: the kept profile is what a check reads.
    for stored in ("events", "events_superseded"):  # the history view's two tables
        warehouse.execute(f"delete from thelook.{stored} where _file_dt = ?", [START])
    assert profiles(warehouse, table, first, last)[START] == kept[START]

    # A withdrawn file changes its day's files: the day leaves the profiles, and the
    # kept rows of that day are replaced when it has files again.
    ((ingest_id,),) = warehouse.query(
        f"select ingest_id from {OPS_SCHEMA}.ingest_ledger where path = ?", [lost_key]
    )
    withdraw_file(warehouse, ingest_id, "a tracking-tag change")
    assert LOST not in profiles(warehouse, table, first, last)
    after = check_anomalies(warehouse, load_monitors(), None, EPOCH)
    assert _columns(after.anomalies) == []
    withdraw_file(warehouse, ingest_id, "it was right after all", undo=True)
    assert profiles(warehouse, table, first, last)[LOST] == kept[LOST]
    ((count,),) = warehouse.query(
        f"select count(*) from {PROFILES} where table_name = ? and file_dt = ?", [table, LOST]
    )
    assert count == len(names)
