"""`shopsight build` builds only what changed since the last build, and nothing when
nothing did (src/shopsight/build_state.py)."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import shopsight.build
from delivery_schedules import mutated_project
from shopsight.build import DBT_PROJECT_DIR, build, dbt_target_dir, prepare_sources, run_dbt
from shopsight.build_state import (
    loaded_at_columns,
    models_reading_vars,
    plan_build,
    project_hash,
    record_build,
)
from shopsight.cli import app
from shopsight.generate.next_day import generate_next_day
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.storage import Bucket

from built_store import BuiltStore, build_store, copy_warehouse


def _build(url: str, *flags: str) -> dict:
    # In-process: this process's DuckDB instance holds the file (one writer per file).
    result = CliRunner().invoke(app, ["build", "--warehouse", url, "--json", *flags])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _marts(path: str) -> dict[str, list[tuple]]:
    connection = duckdb.connect(path)  # this process's instance may hold it: same config
    try:
        tables = connection.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('marts', 'web') and table_type = 'BASE TABLE' order by 1"
        ).fetchall()
        return {
            name: sorted(connection.execute(f"select * from {name}").fetchall(), key=repr)
            for (name,) in tables
        }
    finally:
        connection.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> BuiltStore:
    """A small store built as the daily run builds (its starting point recorded)."""
    return build_store(tmp_path_factory.mktemp("built"), "none", 3, 300, changed_only=True)


def _copy(store: BuiltStore, folder: Path) -> BuiltStore:
    """The store's bucket and warehouse, copied: each test changes its own."""
    shutil.copytree(store.bucket.url.removeprefix("file://"), folder / "bucket")
    database = copy_warehouse(store, folder)
    return replace(
        store, bucket=Bucket(f"file://{folder}/bucket"), warehouse_url=f"duckdb:///{database}"
    )


def test_a_build_with_nothing_new_is_skipped_and_says_why(built, tmp_path) -> None:
    assert built.build.success and built.build.plan["everything"]
    store = _copy(built, tmp_path)
    again = _build(store.warehouse_url)
    assert again["success"] and again["skipped"]
    assert again["plan"]["reason"].startswith("nothing new since the build of")
    assert again["models"] == {} and again["tests"] == {}


def test_the_daily_tests_look_at_the_new_rows_and_the_full_pass_at_every_row(
    built, tmp_path, monkeypatch
) -> None:
    store = _copy(built, tmp_path)
    generate_next_day(store.bucket)
    warehouse = connect(store.warehouse_url)
    ingest(store.bucket, warehouse)
    warehouse.close()
    connection = duckdb.connect(store.warehouse_url[len("duckdb:///") :])
    # An order line written twice behind ingestion's back, with a load time before the last
    # build: the daily test of the landing table's key does not look at it; the full pass
    # does. (The fact's own test sees it when the fact reads the line again.)
    connection.execute("""
        insert into retail_db.order_items
        select * replace (timestamp '2000-01-01' as _loaded_at)
        from retail_db.order_items order by order_item_id limit 1""")
    connection.close()
    source_test = "source_unique_retail_db_order_items_order_item_id"

    daily = build(store.warehouse_url, changed_only=True)

    assert daily.plan and daily.plan["tests_loaded_after"]
    assert daily.tests["pass"] > 10  # the day's rows were tested
    assert not [f for f in daily.failures if source_test in f["node"]], daily.failures
    # A scope left in the caller's environment does not narrow the full pass.
    monkeypatch.setenv("SHOPSIGHT_TESTS_LOADED_AFTER", daily.plan["tests_loaded_after"])
    result = CliRunner().invoke(
        app, ["build", "--warehouse", store.warehouse_url, "--json", "--all-tests"]
    )
    full = json.loads(result.stdout)
    assert result.exit_code == 1 and full["plan"]["tests_loaded_after"] is None
    assert [f for f in full["failures"] if source_test in f["node"]], full["failures"]
    assert sum(full["tests"].values()) > sum(daily.tests.values())
    # The repeat was found by the bitmap of the dense integer key (macros/unique_dense_keys.sql),
    # which text keys do not take. (Read from the full pass's own results: the facts below
    # the failed source test were skipped, and a skipped test's compiled file is an older one.)
    results = json.loads((dbt_target_dir(store.warehouse_url) / "run_results.json").read_text())
    by_bitmap = {
        r["unique_id"].split(".")[2]
        for r in results["results"]
        if r["status"] in ("pass", "fail") and "bitstring_agg" in (r["compiled_code"] or "")
    }
    assert {source_test, "unique_dim_customers_customer_key"} <= by_bitmap, by_bitmap
    # A product version's key spans product ids times 10^8: too sparse for a bitmap.
    assert not [name for name in by_bitmap if "product_key" in name], by_bitmap


def test_a_new_test_scope_does_not_make_dbt_parse_the_project_again(built, tmp_path) -> None:
    """Each daily build scopes its tests from a new instant. It reaches dbt in the
    environment and is read only while dbt executes: read while dbt parses, it would be
    recorded in the parsed project, and every daily build would parse it again."""
    store = _copy(built, tmp_path)
    events: dict[int, list[str]] = {}
    for hour in (10, 11):
        events[hour] = []
        result = run_dbt(
            store.warehouse_url,
            ["build", "--select", "stg_retail_db__orders"],
            lambda event, hour=hour: events[hour].append(event.info.name),
            datetime(2024, 1, 3, hour),
        )
        assert result.success
        compiled = [r.node.compiled_code for r in result.result.results if r.node.compiled_code]
        scoped = [sql for sql in compiled if f"cast('2024-01-03 {hour}:00:00' as timestamp)" in sql]
        assert scoped, compiled  # the day's instant reached the tests
    assert "PartialParsingSkipParsing" in events[11], [e for e in events[11] if "Pars" in e]
    assert "PartialParsingFile" not in events[11]


def test_the_daily_tests_filter_on_the_columns_read_before_dbt_starts(built, tmp_path) -> None:
    """Which column says when a relation's rows were loaded is read from the catalog once,
    before dbt starts, and handed to every scoped test; a relation the list does not name is
    described by the test itself (decision 0059)."""
    store = _copy(built, tmp_path)
    warehouse = connect(store.warehouse_url)
    try:
        columns = loaded_at_columns(warehouse)
    finally:
        warehouse.close()
    assert columns["retail_db.order_items"] == "_loaded_at"  # a landing table
    assert columns["staging.stg_retail_db__orders"] == "loaded_at"  # a view over one
    assert columns["marts.fct_order_items"] == "source_loaded_at"  # an incremental fact
    assert columns["marts.dim_date"] == ""  # every row is tested
    since = datetime(2024, 1, 3, 10)

    def run(scope_columns: dict[str, str]):
        return run_dbt(
            store.warehouse_url, ["build", "--select", "stg_retail_db__orders"], None, since,
            scope_columns,
        )  # fmt: skip

    def scoped_on(scope_columns: dict[str, str]) -> list[str]:
        result = run(scope_columns)
        assert result.success
        tests = [r.node for r in result.result.results if r.node.resource_type == "test"]
        assert tests
        return [n.compiled_code for n in tests if "cast('2024-01-03 10:00:00'" in n.compiled_code]

    # The list is what the tests filter on: naming no column for the view, it leaves every
    # test of the view unscoped.
    assert scoped_on({**columns, "staging.stg_retail_db__orders": ""}) == []
    # Without the list, each test describes its relation and finds the view's column.
    described = scoped_on({})
    assert described and all("loaded_at >= cast(" in sql for sql in described), described
    # The list's value becomes SQL: anything but a loaded-at column's name is refused.
    hostile = run({**columns, "staging.stg_retail_db__orders": "1=1 or loaded_at"})
    assert not hostile.success
    assert "names 1=1 or loaded_at for staging.stg_retail_db__orders, not one of" in str(
        [r.message for r in hostile.result.results]
    )


def _price_warnings(summary: dict) -> int:
    return sum(
        w["failing_rows"]
        for w in summary["warnings"]
        if w["test"] == "assert_charged_price_is_the_list_price"
    )


def _deliver_late_version(store: BuiltStore, database: str) -> tuple[int, str]:
    """The product with the most order lines, delivered again renamed (same price) in a late
    products file for the store's second day: a version valid from that day, which re-keys
    the product's lines ordered since. Returns the product's id and that day."""
    connection = duckdb.connect(database)
    product_id, file_path, line_number = connection.execute("""
        select products.product_id, products._file_path, products._line_number
        from retail_db.products as products
        inner join retail_db.order_items as lines
            on lines.order_item_product_id = products.product_id
        group by all order by count(*) desc, products.product_id limit 1""").fetchone()
    connection.close()
    bucket = Path(store.bucket.url.removeprefix("file://"))
    row = next(itertools.islice(csv.reader((bucket / file_path).open()), line_number - 1, None))
    row[2] += " (renamed)"
    day = "2024-01-02"
    with (bucket / f"landing/retail_db/products/dt={day}/part-00001.csv").open("w") as late:
        csv.writer(late, lineterminator="\n").writerow(row)
    return product_id, day


def test_the_daily_price_check_looks_at_the_lines_a_new_product_version_can_rekey(
    built, tmp_path
) -> None:
    store = _copy(built, tmp_path)
    database = store.warehouse_url[len("duckdb:///") :]
    renamed, valid_from = _deliver_late_version(store, database)
    connection = duckdb.connect(database)
    # Two lines, stamped (with their orders) as loaded long ago, so that no load-time rule
    # reads them again. One of the renamed product, ordered on the late version's day and
    # charged 1000 more than its list price in the landed file: the late version re-keys
    # it, the build reads it again for that, and the daily check must see it. One of
    # another product, charged 1000 more in the built table: no build reads it again, only
    # the full pass sees it.
    rekeyed, untouched = connection.execute(f"""
        select
            min(order_item_id) filter (
                where product_id = {renamed} and order_date = date '{valid_from}'),
            min(order_item_id) filter (where product_id <> {renamed})
        from marts.fct_order_items
        where product_key in (select product_key from marts.dim_products where not is_unknown)
        """).fetchone()
    assert rekeyed is not None and untouched is not None
    long_ago = "timestamp '2000-01-01'"
    # The store's products and customers stamped as loaded long ago too: loads are stamped
    # to the second, and a build reads again what loaded in the second of its watermark.
    connection.execute(f"""
        update retail_db.products set _loaded_at = {long_ago};
        update retail_db.products_superseded set _loaded_at = {long_ago};
        update retail_db.customers set _loaded_at = {long_ago};
        update retail_db.customers_superseded set _loaded_at = {long_ago};
        update retail_db.order_items
        set order_item_product_price = order_item_product_price + 1000
        where order_item_id = {rekeyed};
        update marts.fct_order_items set unit_price = unit_price + 1000
        where order_item_id = {untouched};
        update marts.fct_order_items set source_loaded_at = {long_ago}
        where order_item_id in ({rekeyed}, {untouched});
        update retail_db.order_items set _loaded_at = {long_ago}
        where order_item_id in ({rekeyed}, {untouched});
        update retail_db.orders set _loaded_at = {long_ago}
        where order_id in (select order_id from marts.fct_order_items
            where order_item_id in ({rekeyed}, {untouched}))""")
    connection.close()
    warehouse = connect(store.warehouse_url)
    ingest(store.bucket, warehouse)  # the late products file only
    warehouse.close()

    daily = _build(store.warehouse_url)
    result = CliRunner().invoke(
        app, ["build", "--warehouse", store.warehouse_url, "--json", "--all-tests"]
    )

    assert "retail_db.order_items" not in daily["plan"]["changed_tables"], daily["plan"]
    assert _price_warnings(daily) == 1, daily["warnings"]
    assert _price_warnings(json.loads(result.stdout)) == 2, result.stdout


def test_a_new_day_builds_what_is_downstream_of_it_and_equals_a_full_build(built, tmp_path) -> None:
    store = _copy(built, tmp_path)
    generate_next_day(store.bucket)
    warehouse = connect(store.warehouse_url)
    ingest(store.bucket, warehouse)
    warehouse.close()
    database = store.warehouse_url[len("duckdb:///") :]
    full_copy = tmp_path / "full.duckdb"
    shutil.copy(database, full_copy)

    daily = _build(store.warehouse_url)

    plan = daily["plan"]
    assert not plan["everything"] and not daily["skipped"]
    assert {"retail_db.orders", "retail_db.order_items"} <= set(plan["changed_tables"])
    # The next day's departments file is empty: nothing downstream of it alone is rebuilt.
    assert "retail_db.departments" not in plan["changed_tables"]
    assert 0 < daily["models"]["success"] < built.build.models["success"]
    full = build(f"duckdb:///{full_copy}", full_refresh=True)
    assert full.success
    assert _marts(database) == _marts(str(full_copy))


def test_marts_built_with_text_keys_are_rebuilt_whole_by_the_next_build(built, tmp_path) -> None:
    """A warehouse built before the retail keys became integers (decision 0047): its next
    build rebuilds every mart, even with nothing new loaded, and asks nothing of a person."""
    store = _copy(built, tmp_path)
    database = store.warehouse_url[len("duckdb:///") :]
    before = _marts(database)
    connection = duckdb.connect(database)
    for table, key in [("dim_customers", "customer_key"), ("fct_order_items", "product_key")]:
        connection.execute(f"alter table marts.{table} alter {key} type varchar")
    connection.close()

    rebuilt = _build(store.warehouse_url)

    assert rebuilt["plan"]["everything"]
    assert (
        rebuilt["plan"]["reason"]
        == "a full refresh; retail marts still hold text keys (decision 0047)"
    )
    assert _marts(database) == before
    assert _build(store.warehouse_url)["skipped"]  # and once only


def test_a_changed_project_rebuilds_the_marts_from_scratch(built, tmp_path, monkeypatch) -> None:
    """An upgrade that changes a model's code: an incremental build would keep the rows the
    old code wrote, so the next build is a full refresh and every row is the new code's."""
    store = _copy(built, tmp_path)
    database = store.warehouse_url[len("duckdb:///") :]
    assert _build(store.warehouse_url)["skipped"]  # and the shipped project is recorded
    upgraded = mutated_project(
        tmp_path,
        "models/marts/dim_customers.sql",
        "        city,\n",
        "        'new ' || city as city,\n",
    )
    monkeypatch.setattr(shopsight.build, "DBT_PROJECT_DIR", upgraded)

    rebuilt = CliRunner().invoke(app, ["build", "--warehouse", store.warehouse_url])

    assert rebuilt.exit_code == 0, rebuilt.output
    assert "built everything: a full refresh; the dbt project changed" in rebuilt.output
    connection = duckdb.connect(database)
    try:
        cities = connection.execute(
            "select count(*), count(*) filter (where city like 'new %') "
            "from marts.dim_customers where not is_unknown"
        ).fetchone()
        landed = connection.execute(
            "select count(*), count(customer_city) from retail_db.customers"
        ).fetchone()
    finally:
        connection.close()
    assert cities == landed  # no customer kept the city the old code wrote
    assert _build(store.warehouse_url)["skipped"]  # and once only


def test_a_changed_var_rebuilds_the_models_that_read_it() -> None:
    readers = models_reading_vars(DBT_PROJECT_DIR, ["run_date"])
    assert "fct_daily_product_sales" in readers
    assert "dim_customers" not in readers


def test_a_changed_project_or_var_is_seen(tmp_path) -> None:
    project = tmp_path / "dbt"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    prepare_sources(f"duckdb:///{tmp_path}/w.duckdb")  # every source's tables, empty
    warehouse = connect(f"duckdb:///{tmp_path}/w.duckdb")
    plan = plan_build(warehouse, "all", project, {"run_date": "2024-01-03"})
    assert plan.everything and plan.reason == "first build"
    record_build(warehouse, plan)
    assert plan_build(warehouse, "all", project, {"run_date": "2024-01-03"}).nothing_new
    moved = plan_build(warehouse, "all", project, {"run_date": "2024-01-04"})
    assert moved.changed_vars == ["run_date"] and not moved.everything
    assert "fct_daily_product_sales+" in moved.selectors(project)
    before = project_hash(project)
    model = project / "models" / "marts" / "dim_customers.sql"
    model.write_text(model.read_text() + "\n-- a comment is a change\n")
    assert project_hash(project) != before
    changed = plan_build(warehouse, "all", project, {"run_date": "2024-01-03"})
    assert changed.everything and "project changed" in changed.reason
    warehouse.close()
