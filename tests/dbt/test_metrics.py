"""The semantic layer: a metric through MetricFlow equals the marts' figure, the report's
figure and a recount of the files; the command line answers with it."""

from __future__ import annotations

import json
import os
from decimal import Decimal

import pytest
from test_campaigns import _attribution, _cents, _latest, _sessions
from typer.testing import CliRunner

from shopsight.cli import app
from shopsight.ingest.warehouse import connect
from shopsight.metrics.semantic import MetricQuery, query_metrics
from shopsight.report.data import gather_report_data

from built_store import BuiltStore, copy_warehouse, query
from support import shopsight


def _metric(store: BuiltStore, metric_query: MetricQuery) -> list[tuple]:
    warehouse = connect(store.warehouse_url)
    try:
        return query_metrics(warehouse, metric_query)[1]
    finally:
        warehouse.close()


def test_net_revenue_equals_the_marts_and_the_report(faulty_store: BuiltStore) -> None:
    through_metrics = {
        day.date() if hasattr(day, "date") else day: (net, units)
        for day, net, units in _metric(faulty_store, MetricQuery(["net_revenue", "units"]))
    }
    from_marts = {
        day: (net, units)
        for day, net, units in query(
            faulty_store,
            "select order_date, sum(net_revenue), "
            "sum(case when is_net_revenue then units else 0 end) "
            "from marts.fct_orders group by 1",
        )
    }
    assert through_metrics == from_marts
    last = max(from_marts)
    warehouse = connect(faulty_store.warehouse_url)
    try:
        report = gather_report_data(warehouse, last, None)
    finally:
        warehouse.close()
    assert report.revenue
    for day, net, units in report.revenue:
        expected_net, expected_units = from_marts[day]
        assert (net, units) == (expected_net or Decimal(0), expected_units or 0)


def test_web_metrics_by_source_equal_a_recount_of_the_files(web_store: BuiltStore) -> None:
    sessions = _sessions(web_store)
    expected_sessions: dict[str, int] = {}
    converted: dict[str, int] = {}
    for session in sessions.values():
        expected_sessions[session.source] = expected_sessions.get(session.source, 0) + 1
        converted[session.source] = converted.get(session.source, 0) + bool(session.purchases)
    rates = {
        source: (count, converted[source] / count) for source, count in expected_sessions.items()
    }
    found = {
        source: (count, float(rate))
        for source, count, rate in _metric(
            web_store,
            MetricQuery(
                ["sessions", "conversion_rate"],
                group_by=["session__traffic_source"],
                order_by=["session__traffic_source"],
            ),
        )
    }
    assert found.keys() == rates.keys()
    for source, (count, rate) in rates.items():
        assert found[source][0] == count and abs(found[source][1] - rate) < 1e-9, source

    net: dict[str, Decimal] = {}
    for item in _latest(web_store, "order_items", "id").values():
        if item["status"] not in ("Cancelled", "Returned"):
            net[item["order_id"]] = net.get(item["order_id"], Decimal(0)) + _cents(
                item["sale_price"]
            )
    by_source: dict[str, Decimal] = {}
    for order_id, (last, _, _) in _attribution(web_store).items():
        source = sessions[last].source if last else "Unknown"
        by_source[source] = by_source.get(source, Decimal(0)) + net.get(order_id, Decimal(0))
    revenue = dict(
        _metric(
            web_store,
            MetricQuery(["web_net_revenue"], group_by=["web_order__last_touch_source"]),
        )
    )
    assert {s: v for s, v in revenue.items() if v} == {s: v for s, v in by_source.items() if v}
    # Revenue per session divides like by like and cuts by source: last-touch revenue per
    # session of the same source.
    per_session = {
        source: ratio
        for source, ratio in _metric(
            web_store,
            MetricQuery(["revenue_per_session"], group_by=["channel_day__traffic_source"]),
        )
        if ratio is not None
    }
    assert per_session.keys() == expected_sessions.keys()
    for source, ratio in per_session.items():
        recount = by_source.get(source, Decimal(0)) / expected_sessions[source]
        assert abs(Decimal(str(ratio)) - recount) < Decimal("0.000001"), source


def test_averages_divide_like_by_like(faulty_store: BuiltStore) -> None:
    """The average order value counts only the orders whose revenue it adds up."""
    [(_, average)] = _metric(
        faulty_store, MetricQuery(["average_order_value"], group_by=["metric_time__year"])
    )[-1:]
    [(net, complete, incomplete)] = query(
        faulty_store,
        "select sum(net_revenue), count(*) filter (where is_net_revenue and is_complete), "
        "count(*) filter (where is_net_revenue and not is_complete) from marts.fct_orders "
        "where order_date >= (select date_trunc('year', max(order_date)) from marts.fct_orders)",
    )
    assert incomplete > 0  # the faulty store has orders of unknown revenue
    assert abs(Decimal(str(average)) - net / complete) < Decimal("0.0001")


def test_metrics_command_lists_and_answers(faulty_store: BuiltStore) -> None:
    where = ["--warehouse", faulty_store.warehouse_url, "--bucket", faulty_store.bucket.url]
    listed = shopsight("metrics", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    names = {m["name"] for m in json.loads(listed.stdout)["metrics"]}
    assert {"net_revenue", "gross_revenue", "conversion_rate", "average_order_value"} <= names
    # In-process: after its build, dbt's DuckDB instance in this process holds the file.
    answered = CliRunner().invoke(
        app, ["metrics", "query", "net_revenue", "--by", "metric_time__month", *where, "--json"]
    )
    assert answered.exit_code == 0, answered.output
    result = json.loads(answered.stdout)
    # Beside revenue, the orders it leaves out: a month with an incomplete day says so.
    assert result["columns"] == ["metric_time__month", "net_revenue", "incomplete_orders"]
    total = sum(Decimal(str(net)) for _, net, _ in result["rows"] if net is not None)
    [(expected, incomplete)] = query(
        faulty_store,
        "select sum(net_revenue), count(*) filter (where not is_complete) from marts.fct_orders",
    )
    assert total == expected
    assert incomplete and sum(int(n) for *_, n in result["rows"]) == incomplete
    unknown = CliRunner().invoke(app, ["metrics", "query", "revenue", *where])
    assert unknown.exit_code == 2
    assert "does not exactly match any known metrics" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


def test_a_metrics_table_at_80_columns_cuts_no_name_and_no_figure(
    faulty_store: BuiltStore, tmp_path
) -> None:
    """At 80 columns a table that fits stays within 80, a dimension's header breaking after
    its entity rather than mid-word; one too wide for 80 is printed wider, never with a
    figure or a name cut. Money is shown with separators, days as dates."""
    where = ["--warehouse", f"duckdb:///{copy_warehouse(faulty_store, tmp_path)}"]
    narrow = {**os.environ, "COLUMNS": "80"}

    def asked(*metrics: str) -> tuple[list[str], dict]:
        command = ["metrics", "query", *metrics, "--by", "metric_time__month", *where]
        text = shopsight(*command, env=narrow)
        assert text.returncode == 0, text.stderr
        answer = json.loads(shopsight(*command, "--json").stdout)
        return text.stdout.splitlines(), answer

    lines, answer = asked("net_revenue", "orders", "units")  # and incomplete_orders beside
    assert all(len(line) <= 80 for line in lines), lines
    assert " ".join(lines[2:4]).split() == ["metric_time__", "month", *answer["columns"][1:]]
    lines, answer = asked("net_revenue", "average_order_value", "revenue_orders", "gross_revenue")
    assert max(len(line) for line in lines) > 80  # too wide to fit: printed wider, not cut
    assert " ".join(lines[2:4]).split() == ["metric_time__", "month", *answer["columns"][1:]]
    for month, *figures in answer["rows"]:
        shown = [month[:10]] + [
            f"{Decimal(str(v)):,}" if isinstance(v, int | str) else f"{v:.4f}" for v in figures
        ]
        assert any(line.split() == shown for line in lines), (shown, lines)


@pytest.mark.parametrize(
    "where",
    [
        "1=1 group by 1; create table main.pwned as select 1; select 1 --",
        "{{ Dimension('store_order__order_status') }} = 'x' or read_csv('/etc/passwd') is null",
        "{{ Dimension('store_order__order_status' }} = 'x'",
        "{{ Dimension('store_order__order_status') }} = 'x'; drop table marts.fct_orders",
    ],
)
def test_a_metric_filter_is_a_where_filter_never_sql(
    faulty_store: BuiltStore, tmp_path, where: str
) -> None:
    copy = copy_warehouse(faulty_store, tmp_path)
    asked = shopsight(
        "metrics", "query", "orders", "--where", where, "--warehouse", f"duckdb:///{copy}"
    )
    assert asked.returncode == 2, asked.stderr
    assert len(asked.stderr.strip().splitlines()) == 1 and "Traceback" not in asked.stderr
    assert "--where" in asked.stderr
    import duckdb

    connection = duckdb.connect(str(copy), read_only=True)
    tables = {
        row[0] for row in connection.execute("select table_name from duckdb_tables()").fetchall()
    }
    connection.close()
    assert "pwned" not in tables and "fct_orders" in tables


def test_a_metric_filter_on_a_dimension_answers(faulty_store: BuiltStore, tmp_path) -> None:
    copy = copy_warehouse(faulty_store, tmp_path)
    where = "{{ Dimension('store_order__order_status') }} = 'COMPLETE'"
    asked = shopsight(
        "metrics", "query", "orders", "--by", "metric_time__year", "--where", where,
        "--warehouse", f"duckdb:///{copy}", "--json",
    )  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    [(_, orders)] = json.loads(asked.stdout)["rows"]
    [(expected,)] = query(
        faulty_store, "select count(*) from marts.fct_orders where order_status = 'COMPLETE'"
    )
    assert int(orders) == expected
