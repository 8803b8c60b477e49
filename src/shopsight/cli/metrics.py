"""`shopsight metrics list|query`: the semantic layer's metrics, by any of its dimensions."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import metrics_app
from shopsight.cli.options import (
    BucketOption,
    JsonOption,
    WarehouseOption,
    expected,
    open_store,
    parse_day,
)


@metrics_app.command("list")
def metrics_list(json_output: JsonOption = False) -> None:
    """List every metric the semantic layer defines, with what it means."""
    from shopsight.metrics.semantic import metric_catalogue

    try:
        catalogue = metric_catalogue()
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"metrics": catalogue})
        return
    console.print_table(
        f"{len(catalogue)} metrics (dbt/models/marts/semantic/_semantic__models.yml)",
        ["metric", "type", "description"],
        [[m["name"], m["type"], m["description"]] for m in catalogue],
    )


@metrics_app.command("query")
def metrics_query(
    metrics: Annotated[
        list[str],
        typer.Argument(
            metavar="METRIC...", help="Metric names, e.g. net_revenue units (see `list`)."
        ),
    ],
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            metavar="DIMENSION",
            help="Group by (repeatable): metric_time__day, __week or __month, or a "
            "dimension such as session__traffic_source (see `metrics list`).",
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="First day, YYYY-MM-DD.")
    ] = None,
    end: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Last day, YYYY-MM-DD.")
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option(
            metavar="FILTER",
            help="Filter, e.g. \"{{ Dimension('session__browser') }} = 'Chrome'\".",
        ),
    ] = None,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL instead of running it.")
    ] = False,
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Query metrics through the semantic layer (one definition for every consumer).

    Beside a revenue metric comes the count of orders of unknown revenue in each row
    (incomplete_orders, web_orders_unknown_revenue; days_without_events for revenue per
    session): a total over an incomplete day never reads as whole.
    """
    from shopsight.ingest.warehouse import require_built
    from shopsight.metrics.filters import FilterError, check_filter
    from shopsight.metrics.semantic import (
        SPARK_DIALECT,
        MetricError,
        MetricQuery,
        compile_metric_sql,
        query_metrics,
        query_metrics_on_spark,
        read_only,
        with_companions,
    )
    from shopsight.spark.warehouse import is_spark

    query = MetricQuery(
        metrics=metrics,
        group_by=tuple(by or ["metric_time__day"]),
        start=parse_day(start, "--start") if start else None,
        end=parse_day(end, "--end") if end else None,
        where=tuple(where or ()),
        order_by=tuple(by or ["metric_time__day"]),
    )
    query = with_companions(query)
    try:
        for text in query.where:
            check_filter(text)  # a where-filter of dimensions and values, never raw SQL
        with open_store(bucket, warehouse, must_exist=True) as (settings, _, wh):
            read_only(wh)
            on_spark = is_spark(settings.warehouse)
            if sql:
                dialect = SPARK_DIALECT if on_spark else wh.dialect
                console.out.print(compile_metric_sql(query, dialect), highlight=False)
                return
            require_built(wh, "marts.metricflow_time_spine")
            if not on_spark:
                columns, rows = query_metrics(wh, query)
        if on_spark:  # Spark SQL on the warehouse's master, the control database closed
            columns, rows = query_metrics_on_spark(settings.warehouse, query)
    except expected(MetricError, FilterError) as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"columns": columns, "rows": [list(row) for row in rows]})
        return
    # A dimension's header breaks after its entity (`web_order__` / `customer_type`) so the
    # table fits 80 columns without cutting a name mid-word.
    console.print_table(
        ", ".join(metrics),
        [column.replace("__", "__\n") for column in columns],
        [[_shown(value) for value in row] for row in rows],
    )


def _shown(value: object) -> object:
    """Ratios to four places; a day, week or month as its date (MetricFlow gives midnight)."""
    if isinstance(value, float):
        return Decimal(f"{value:.4f}")
    if isinstance(value, datetime) and value.time() == time():
        return value.date()
    return value
