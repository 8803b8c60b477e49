"""The marts dbt-spark built, readable where ShopSight's readers look: after each Spark build,
every table of the dbt project's schemas becomes a view of the same name in the control
database over the table's own Parquet files. The run's reconciliation, verdict and report,
`status`, `reconcile` and `report` then read what Spark built through the control database,
as they read DuckDB's marts (decision 0032). The files are Spark's, so a view always shows
the table's last committed state; nothing is copied."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shopsight.ingest.warehouse import Warehouse, WarehouseError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

BUILT_SCHEMAS = ("staging", "intermediate", "marts", "web")  # dbt_project.yml's +schema


def publish_marts(spark: SparkSession, control: Warehouse) -> list[str]:
    """Create or replace a view in ``control`` for every table Spark has in the built
    schemas, and drop the views of tables Spark no longer has. Returns ``schema.table``s.

    Raises:
        WarehouseError: the control database is not DuckDB (PostgreSQL cannot read Parquet),
            or it holds a table (not a view) of a mart's name.
    """
    if control.dialect != "duckdb":
        raise WarehouseError(
            "a Spark warehouse's marts are read through a DuckDB control database "
            "(SHOPSIGHT_CONTROL_DATABASE=duckdb:///...): PostgreSQL cannot read Parquet"
        )
    databases = {row.namespace for row in spark.sql("show databases").collect()}
    published = []
    for schema in (s for s in BUILT_SCHEMAS if s in databases):
        control.execute(f'create schema if not exists "{schema}"')
        tables = [
            t.name
            for t in spark.catalog.listTables(schema)
            if t.tableType in ("MANAGED", "EXTERNAL")
        ]
        for table in tables:
            _publish(spark, control, schema, table)
            published.append(f"{schema}.{table}")
        _drop_stale_views(control, schema, set(tables))
    return published


def _publish(spark: SparkSession, control: Warehouse, schema: str, table: str) -> None:
    location = table_location(spark, f"{schema}.{table}")
    columns = ", ".join(f'"{field.name}"' for field in spark.table(f"{schema}.{table}").schema)
    files = f"{location.rstrip('/')}/**/*.parquet".replace("'", "''")
    try:
        control.execute(
            f'create or replace view "{schema}"."{table}" as select {columns} '
            f"from read_parquet('{files}', hive_partitioning = true)"
        )
    except Exception as error:  # noqa: BLE001 - DuckDB's catalog error, said plainly
        if "is of type Table" not in str(error):
            raise
        raise WarehouseError(
            f"the control database holds a table {schema}.{table} (a DuckDB build?): a Spark "
            "warehouse needs a control database of its own (SHOPSIGHT_CONTROL_DATABASE)"
        ) from None


def table_location(spark: SparkSession, name: str) -> str:
    """Where a table's files are, as DuckDB reads them (a local path, or s3:// for s3a://)."""
    rows = spark.sql(f"describe table extended {name}").where("col_name = 'Location'").collect()
    location = str(rows[0][1])
    if location.startswith("file:"):
        return "/" + location[len("file:") :].lstrip("/")
    return location.replace("s3a://", "s3://", 1)


def _drop_stale_views(control: Warehouse, schema: str, tables: set[str]) -> None:
    """Drop this module's views (over Parquet) of tables Spark no longer has; any other view
    in the schema is not ShopSight's to drop."""
    for (view,) in control.query(
        "select view_name from duckdb_views() where schema_name = ? and not internal "
        "and sql like '%read_parquet(%'",
        [schema],
    ):
        if view not in tables:
            control.execute(f'drop view "{schema}"."{view}"')
