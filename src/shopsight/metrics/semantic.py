"""Metrics as MetricFlow defines them, compiled to SQL for the warehouse at hand.

The definitions live in ``dbt/models/marts/semantic/_semantic__models.yml``; dbt writes
them to ``semantic_manifest.json`` in its target folder when it parses the project.
MetricFlow compiles a metric query against that manifest into SQL for DuckDB or
PostgreSQL, and the SQL runs on the warehouse connection the caller already has: the
report, ``shopsight metrics`` and an analyst's ``mf query`` read the same definition.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from shopsight.build import DBT_PROJECT_DIR, BuildError, dbt_target_dir, run_dbt
from shopsight.ingest.warehouse import Warehouse


class MetricError(ValueError):
    """A metric query names something the semantic layer does not define."""


@dataclass(frozen=True)
class MetricQuery:
    """Metrics by dimensions, e.g. ``net_revenue`` by ``metric_time__day`` over a period."""

    metrics: Sequence[str]
    group_by: Sequence[str] = ("metric_time__day",)
    start: date | None = None
    end: date | None = None
    where: Sequence[str] = field(default_factory=tuple)
    order_by: Sequence[str] = field(default_factory=tuple)


# What a metric leaves out, shown beside it: the count of orders (or days) whose figures are
# unknown in the period, so a total over an incomplete day never reads as whole.
COMPANIONS = {
    "net_revenue": "incomplete_orders",
    "gross_revenue": "incomplete_orders",
    "units": "incomplete_orders",
    "average_order_value": "incomplete_orders",
    "web_net_revenue": "web_orders_unknown_revenue",
    "web_average_order_value": "web_orders_unknown_revenue",
    "revenue_per_session": "days_without_events",
}


def with_companions(query: MetricQuery) -> MetricQuery:
    """``query`` with the completeness count of each of its metrics added after them."""
    extra = [COMPANIONS[m] for m in query.metrics if m in COMPANIONS]
    added = [m for m in dict.fromkeys(extra) if m not in query.metrics]
    if not added:
        return query
    return MetricQuery(
        [*query.metrics, *added], query.group_by, query.start, query.end, query.where,
        query.order_by,
    )  # fmt: skip


# Spark SQL as MetricFlow renders it: it has no Spark dialect, and Databricks' is Spark SQL.
SPARK_DIALECT = "databricks"

PARSE_ONLY = "duckdb:///:memory:"  # the metrics' definitions need a parse, no warehouse


def definitions() -> dict[str, Any]:
    """The semantic manifest as dbt wrote it (parsing the project first if it is missing or
    older than a model file)."""
    manifest = dbt_target_dir(PARSE_ONLY) / "semantic_manifest.json"
    newest = max(path.stat().st_mtime for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"))
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        result = run_dbt(PARSE_ONLY, ["parse"])
        if not result.success or not manifest.exists():
            raise BuildError("dbt could not parse the project to read its metrics")
    return json.loads(manifest.read_text())  # type: ignore[no-any-return]


def metric_catalogue() -> list[dict[str, str]]:
    """Every metric: name, label, type and description."""
    return [
        {
            "name": metric["name"],
            "label": metric.get("label") or metric["name"],
            "type": metric["type"],
            "description": " ".join((metric.get("description") or "").split()),
        }
        for metric in sorted(definitions()["metrics"], key=lambda m: m["name"])
    ]


def compile_metric_sql(query: MetricQuery, dialect: str) -> str:
    """The SQL that answers ``query`` on ``dialect`` (duckdb, postgres or databricks).

    Raises:
        MetricError: a metric or dimension the semantic layer does not define.
    """
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    engine = _engine(dialect)
    request = MetricFlowQueryRequest.create(
        metric_names=list(query.metrics),
        group_by_names=list(query.group_by),
        time_constraint_start=_moment(query.start),
        time_constraint_end=_moment(query.end),
        where_constraints=list(query.where) or None,
        order_by_names=list(query.order_by) or None,
    )
    try:
        return str(engine.explain(request).sql_statement.sql)
    except Exception as error:  # noqa: BLE001 - MetricFlow's own types, for unknown names
        raise MetricError(f"cannot compile the metric query: {_reason(error)}") from None


def _reason(error: Exception) -> str:
    """MetricFlow's explanation on one line: the messages, without the banner and input."""
    text = str(error).split("Query Input:")[0].replace("Got error(s) during query resolution.", "")
    words = " ".join(line.strip() for line in text.splitlines() if line.strip())
    return (words.replace("Error #1: Message: ", "") or type(error).__name__)[:500]


def query_metrics(
    warehouse: Warehouse, query: MetricQuery
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of ``query`` on ``warehouse``: the dimensions, then the metrics
    in the order asked (whatever order MetricFlow's SQL selects them in)."""
    return _in_order(warehouse.query_arrow(compile_metric_sql(query, warehouse.dialect)), query)


def query_metrics_on_spark(
    warehouse_url: str, query: MetricQuery
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """``query`` on a Spark warehouse's marts, in Spark SQL: MetricFlow's Databricks
    dialect, run by a Spark application of its own on the warehouse's master."""
    from pyspark.errors import PySparkException

    from shopsight.spark.session import open_session
    from shopsight.spark.warehouse import spark_dir, spark_master

    sql = compile_metric_sql(query, SPARK_DIALECT)
    session = open_session(spark_master(warehouse_url), "shopsight metrics", spark_dir())
    try:
        table = session.sql(sql).toArrow()
    except PySparkException as error:  # e.g. a catalog (SHOPSIGHT_SPARK_DIR) without the marts
        reason = str(error).strip().splitlines()[0][:300]
        raise MetricError(f"Spark could not run the metric query: {reason}") from None
    finally:
        session.stop()
    return _in_order(_nulls_last(_naive_utc(table), query.order_by), query)


def _nulls_last(table: Any, order_by: Sequence[str]) -> Any:
    """Rows in the query's order with nulls last, as DuckDB and PostgreSQL sort them (Spark
    sorts nulls first)."""
    import pyarrow.compute as pc

    keys = [
        (name.lstrip("-"), "descending" if name.startswith("-") else "ascending")
        for name in order_by
        if name.lstrip("-") in table.column_names
    ]
    if not keys:
        return table
    return table.take(pc.sort_indices(table, sort_keys=keys, null_placement="at_end"))


def _naive_utc(table: Any) -> Any:
    """Spark's timestamps as the warehouse's: UTC, without a zone (Arrow keeps the UTC
    instant when it drops the zone)."""
    import pyarrow as pa

    schema = pa.schema(
        pa.field(f.name, pa.timestamp(f.type.unit)) if pa.types.is_timestamp(f.type) else f
        for f in table.schema
    )
    return table.cast(schema)


def _in_order(table: Any, query: MetricQuery) -> tuple[list[str], list[tuple[Any, ...]]]:
    metrics = [name for name in query.metrics if name in table.column_names]
    columns = [name for name in table.column_names if name not in metrics] + metrics
    table = table.select(columns)
    return columns, [tuple(row.values()) for row in table.to_pylist()]


def read_only(warehouse: Warehouse) -> None:
    """Make this connection unable to write or to read files (a metric query only reads):
    DuckDB without external access, PostgreSQL's transactions read only."""
    if warehouse.dialect == "duckdb":
        warehouse.execute("set enable_external_access = false")
    else:
        warehouse.execute("set session characteristics as transaction read only")


def _moment(day: date | None) -> datetime | None:
    return datetime.combine(day, datetime.min.time()) if day else None


@cache
def _engine(dialect: str) -> Any:
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow_semantics.model.dbt_manifest_parser import (
        parse_manifest_from_dbt_generated_manifest,
    )
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    portable = _portable(definitions(), "`" if dialect == SPARK_DIALECT else '"')
    manifest = parse_manifest_from_dbt_generated_manifest(json.dumps(portable))
    return MetricFlowEngine(SemanticManifestLookup(manifest), _CompileOnly(dialect))


def _portable(manifest: dict[str, Any], quote: str) -> dict[str, Any]:
    """Relations as ``schema.table``, quoted as the engine quotes names: the same manifest
    serves every warehouse file and database (dbt writes the database it parsed against
    into each relation)."""
    relations = [model["node_relation"] for model in manifest["semantic_models"]]
    relations += [spine["node_relation"] for spine in _spines(manifest)]
    for relation in relations:
        relation["database"] = None
        schema, alias = relation["schema_name"], relation["alias"]
        relation["relation_name"] = f"{quote}{schema}{quote}.{quote}{alias}{quote}"
    return manifest


def _spines(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    return list(manifest.get("project_configuration", {}).get("time_spines", []))


class _CompileOnly:
    """A MetricFlow SQL client that only renders SQL for an engine; the caller runs it."""

    def __init__(self, dialect: str) -> None:
        from dbt_metricflow.cli.dbt_connectors.adapter_backed_client import (
            SupportedAdapterTypes,
        )

        self._adapter = SupportedAdapterTypes(dialect)

    @property
    def sql_engine_type(self) -> Any:
        return self._adapter.sql_engine_type

    @property
    def sql_plan_renderer(self) -> Any:
        return self._adapter.sql_plan_renderer

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"%({bind_parameter_key})s"

    def query(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("compile only: run the SQL on the warehouse")

    execute = dry_run = query

    def close(self) -> None:
        return None
