"""Real exports: columns mapped by name, additive drift, the live dataset's notation, and
business rules that warn instead of throwing rows away. Files are written by hand in the
style of the live ``thelook_ecommerce`` tables and the real retail_db export."""

from __future__ import annotations

import json

from shopsight.ingest.drift import drift_report
from shopsight.ingest.loader import ingest
from shopsight.ingest.readmit import readmit
from shopsight.ingest.status import list_quarantine, list_row_warnings, table_status

USERS = (
    "id,first_name,last_name,email,age,gender,state,street_address,postal_code,city,"
    "country,latitude,longitude,traffic_source,created_at"
)
USER_1 = (
    "1,Ann,Lee,ann@example.com,34,F,Texas,1 Main St,75001,Dallas,United States,"
    "32.9,-96.8,Search,2024-06-23 23:41:55.000000 UTC"
)
USER_2 = (
    "2,Bo,Kim,bo@example.com,41,M,Ohio,2 Elm St,44101,Cleveland,United States,"
    "41.5,-81.7,Email,2023-01-02 03:04:05 UTC"
)
CENTERS = "id,name,latitude,longitude"
ORDERS = "order_id,user_id,status,gender,created_at,returned_at,shipped_at,delivered_at,num_of_item"
ITEMS = (
    "id,order_id,user_id,product_id,inventory_item_id,status,created_at,shipped_at,"
    "delivered_at,returned_at,sale_price"
)


def _land(bucket, source: str, table: str, day: str, *lines: str, name: str = "part-0.csv"):
    key = f"landing/{source}/{table}/dt={day}/{name}"
    bucket.write_bytes(key, "".join(line + "\n" for line in lines).encode())
    return key


def test_an_undeclared_column_loads_and_is_reported_as_drift(bucket, duckdb_warehouse) -> None:
    geom = ',"POINT(-96.8 32.9)"'
    _land(bucket, "thelook", "users", "2024-06-23", USERS + ",user_geom", USER_1 + geom)
    _land(bucket, "thelook", "users", "2024-06-24", USERS + ",user_geom", USER_2 + ",null")
    report = ingest(bucket, duckdb_warehouse, source="thelook")
    assert report.trusted
    assert [f.status for f in report.files] == ["loaded", "loaded"]
    rows = duckdb_warehouse.query("select id, user_geom from thelook.users order by id")
    assert rows == [(1, "POINT(-96.8 32.9)"), (2, None)]  # `null` is the source's null
    history = duckdb_warehouse.query("select count(user_geom) from thelook.users_history")
    assert history == [(1,)]
    [drift] = drift_report(duckdb_warehouse, "thelook")
    assert drift == {
        "source": "thelook",
        "table": "users",
        "column": "user_geom",
        "kind": "undeclared",
        "first_day": "2024-06-23",
        "last_day": "2024-06-24",
        "files": 2,
        "example_file": "landing/thelook/users/dt=2024-06-23/part-0.csv",
    }
    [status] = [s for s in table_status(duckdb_warehouse) if s["table"] == "users"]
    assert status["warnings"]["undeclared_column:user_geom"] == 2


def test_reordered_columns_load_by_name(bucket, duckdb_warehouse) -> None:
    _land(
        bucket,
        "thelook",
        "distribution_centers",
        "2024-06-23",
        "longitude,name,id,latitude",
        "-89.9,Memphis TN,1,35.1",
    )
    [result] = ingest(bucket, duckdb_warehouse, source="thelook").files
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    row = duckdb_warehouse.query(
        "select id, name, latitude, longitude from thelook.distribution_centers"
    )
    assert row == [(1, "Memphis TN", 35.1, -89.9)]
    assert drift_report(duckdb_warehouse) == []  # the same columns, in another order


def test_a_missing_nullable_column_loads_as_null_with_a_warning(bucket, duckdb_warehouse) -> None:
    header = ORDERS.replace("returned_at,", "")
    _land(
        bucket,
        "thelook",
        "orders",
        "2024-06-23",
        header,
        "7,1,Shipped,F,2024-06-23 10:00:00 UTC,2024-06-24 09:00:00.000000 UTC,null,1",
    )
    [result] = ingest(bucket, duckdb_warehouse, source="thelook").files
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    assert result.warnings["missing_column:returned_at"] == 1
    row = duckdb_warehouse.query(
        "select returned_at, shipped_at, delivered_at from thelook.orders where order_id = 7"
    )
    assert str(row[0][1]) == "2024-06-24 09:00:00" and row[0][0] is None and row[0][2] is None
    [drift] = drift_report(duckdb_warehouse)
    assert (drift["column"], drift["kind"]) == ("returned_at", "missing")


def test_a_missing_required_column_quarantines_the_file_naming_it(bucket, duckdb_warehouse):
    header = ORDERS.replace("created_at,", "created,")
    _land(
        bucket,
        "thelook",
        "orders",
        "2024-06-23",
        header,
        "7,1,Shipped,F,2024-06-23 10:00:00 UTC,null,null,null,1",
    )
    report = ingest(bucket, duckdb_warehouse, source="thelook")
    [result] = report.files
    assert not report.trusted
    assert (result.status, result.reason) == ("quarantined", "missing_column")
    assert "required column created_at" in result.message
    [held] = list_quarantine(duckdb_warehouse)
    assert held["reason"] == "missing_column"


def test_a_header_naming_a_column_twice_is_refused(bucket, duckdb_warehouse) -> None:
    _land(bucket, "thelook", "distribution_centers", "2024-06-23", "id,name,latitude,Name")
    [result] = ingest(bucket, duckdb_warehouse, source="thelook").files
    assert (result.status, result.reason) == ("quarantined", "header_mismatch")
    assert "appears twice" in result.message


def test_hostile_column_names_become_plain_identifiers(bucket, duckdb_warehouse) -> None:
    _land(
        bucket,
        "thelook",
        "distribution_centers",
        "2024-06-23",
        CENTERS + ',"x""; drop table thelook.users; --",select,_loaded_at',
        "1,Memphis TN,35.1,-89.9,a,b,c",
    )
    [result] = ingest(bucket, duckdb_warehouse, source="thelook").files
    assert result.status == "loaded"
    columns = [d["column"] for d in drift_report(duckdb_warehouse)]
    assert columns == ["select", "x___drop_table_thelook_users____", "x_loaded_at"]
    row = duckdb_warehouse.query(
        'select "select", x_loaded_at, _loaded_at is not null from thelook.distribution_centers'
    )
    assert row == [("b", "c", True)]


def test_live_notation_loads_as_such(bucket, duckdb_warehouse) -> None:
    """``null`` in nullable fields, six-digit microseconds with `` UTC``, float money."""
    _land(
        bucket,
        "thelook",
        "order_items",
        "2024-06-23",
        ITEMS,
        "1,7,1,3,9,Processing,2024-06-23 23:41:55.000000 UTC,null,null,null,0.0199999995529651",
        "2,7,1,3,9,Complete,2024-06-23 23:41:55.123456 UTC,2024-06-24 01:00:00.000000 UTC,"
        "2024-06-25 01:00:00 UTC,null,59.990000000000002",
    )
    [result] = ingest(bucket, duckdb_warehouse, source="thelook").files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 0)
    rows = duckdb_warehouse.query(
        "select id, cast(created_at as varchar), shipped_at, returned_at, sale_price "
        "from thelook.order_items order by id"
    )
    assert rows[0] == (1, "2024-06-23 23:41:55", None, None, 0.0199999995529651)
    assert rows[1][1] == "2024-06-23 23:41:55.123456" and rows[1][4] == 59.99


def test_shipped_before_created_loads_with_a_warning(bucket, duckdb_warehouse) -> None:
    _land(
        bucket,
        "thelook",
        "order_items",
        "2024-06-23",
        ITEMS,
        "1,7,1,3,9,Shipped,2024-06-23 10:00:00 UTC,2024-06-22 08:00:00 UTC,null,null,19.99",
    )
    [result] = ingest(bucket, duckdb_warehouse, source="thelook").files
    assert (result.rows_loaded, result.rows_rejected) == (1, 0)
    assert result.warnings["shipped_before_created"] == 1
    total, [row] = list_row_warnings(duckdb_warehouse, reason="shipped_before_created")
    assert total == 1 and row["line"] == 2 and row["table"] == "order_items"


def test_a_zero_price_loads_and_is_warned_row_by_row(bucket, duckdb_warehouse) -> None:
    """Seven real retail_db products cost 0.00: the seed DDL allows it, so they load."""
    _land(
        bucket,
        "retail_db",
        "products",
        "2024-06-23",
        "1,2,Quest Q64 10 FT. x 10 FT. Slant Leg Instant U,,59.98,http://images.acme.com/1",
        "38,3,Nike Men's Hypervenom Phantom Premium FG,,0.0,http://images.acme.com/38",
    )
    [result] = ingest(bucket, duckdb_warehouse).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert result.warnings["out_of_range:product_price"] == 1
    loaded = duckdb_warehouse.query(
        "select product_price from retail_db.products where product_id = 38"
    )
    assert loaded == [(0.0,)]
    total, [row] = list_row_warnings(duckdb_warehouse, "retail_db", "products")
    assert (total, row["line"], row["column"], row["reason"]) == (
        1,
        2,
        "product_price",
        "out_of_range",
    )
    assert row["message"] == "product_price: expected more than 0, found '0.0'"
    assert list_quarantine(duckdb_warehouse) == []


def test_a_row_quarantined_before_a_column_was_added_is_readmitted_after(
    bucket, duckdb_warehouse
) -> None:
    bad = USER_2.replace(",41,", ",forty-one,")
    _land(bucket, "thelook", "users", "2024-06-23", USERS, USER_1, bad)
    ingest(bucket, duckdb_warehouse, source="thelook")
    [held] = list_quarantine(duckdb_warehouse)
    assert (held["reason"], held["line"]) == ("invalid_integer", 3)
    # The next day's export carries a new column; the landing tables gain it.
    third = USER_1.replace("1,Ann", "3,Cy", 1) + ',"POINT(0 0)"'
    _land(bucket, "thelook", "users", "2024-06-24", USERS + ",user_geom", third)
    ingest(bucket, duckdb_warehouse, source="thelook")
    fixed = held["raw"].replace(",forty-one,", ",41,")
    [again] = readmit(bucket, duckdb_warehouse, [held["id"]], fixed.encode())
    assert (again.status, again.rows_loaded) == ("loaded", 1)
    rows = duckdb_warehouse.query("select id, age, user_geom from thelook.users order by id")
    assert rows == [(1, 34, None), (2, 41, None), (3, 34, "POINT(0 0)")]
    versions = duckdb_warehouse.query(
        "select _file_path like '%readmit-%' from thelook.users_history where id = 2"
    )
    assert versions == [(True,)]
    assert list_quarantine(duckdb_warehouse) == []


def test_a_file_refused_for_its_old_header_rule_can_be_readmitted(bucket, duckdb_warehouse):
    """A file quarantined whole keeps its bytes: once readable, it loads as delivered."""
    _land(bucket, "thelook", "distribution_centers", "2024-06-23", "id,name,latitude")
    [first] = ingest(bucket, duckdb_warehouse, source="thelook").files
    assert (first.status, first.reason) == ("quarantined", "missing_column")
    [held] = list_quarantine(duckdb_warehouse)
    fixed = f"{CENTERS},distribution_center_geom\n1,Memphis TN,35.1,-89.9,POINT(1 2)\n"
    [again] = readmit(bucket, duckdb_warehouse, [held["id"]], fixed.encode())
    assert (again.status, again.rows_loaded) == ("loaded", 1)
    assert json.loads(json.dumps(again.warnings)) == {
        "undeclared_column:distribution_center_geom": 1
    }
