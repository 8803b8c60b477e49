"""The open Parquet history (docs/ingestion.md, "The loaded history") as Spark tables: the
contract between ingestion and every engine.

For each contract table that has a committed load, two views in the database named after
its source: ``<source>.<table>_history``, every version of every row as the layout holds it
with the contract's columns and the lineage (withdrawn loads are outside the layout, so
they are not here), and ``<source>.<table>``,
the current state: the latest version per primary key, ordered as ingestion orders them
(file day, file path, line). Spark reads the layout itself; nothing is copied.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from shopsight.contracts.ddl import LINEAGE_COLUMNS
from shopsight.contracts.model import Table, load_contract
from shopsight.contracts.sources import known_sources
from shopsight.spark.views import ensure_database, ensure_view

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class HistoryLocationError(ValueError):
    """The bucket is not one Spark can read here; the message says what would."""


@dataclass(frozen=True)
class HistoryTable:
    """One contract table's history, registered in Spark."""

    source: str
    table: str
    location: str  # the layout's folder for the table, as Spark reads it

    @property
    def history_view(self) -> str:
        return f"{self.source}.{self.table}_history"

    @property
    def current_view(self) -> str:
        return f"{self.source}.{self.table}"


def history_root(bucket_url: str) -> Path:
    """The local folder of the bucket's ``history/`` layout. Only ``file://`` buckets are
    read here: ``s3a://`` needs the hadoop-aws jars on the cluster (docs/spark.md)."""
    parsed = urlparse(bucket_url)
    if parsed.scheme != "file":
        raise HistoryLocationError(
            f"Spark reads the history from a file:// bucket here, not {parsed.scheme}://; "
            "on a cluster with hadoop-aws, point it at s3a:// (docs/spark.md)"
        )
    return (Path(parsed.netloc + parsed.path).expanduser().resolve()) / "history"


def landed_history(bucket_url: str, sources: list[str] | None = None) -> list[HistoryTable]:
    """The contract tables with at least one committed load in the layout."""
    root = history_root(bucket_url)
    found = []
    for source in sources or known_sources():
        for name in load_contract(source).tables:
            folder = root / source / name
            if any(folder.glob("dt=*/*.parquet")):
                found.append(HistoryTable(source, name, folder.as_uri()))
    return found


def register_history(spark: SparkSession, bucket_url: str) -> list[str]:
    """Make the history and current-state views of every landed table, and an empty view,
    typed as the contract says, of each table nothing has landed in yet (as the landing DDL
    creates them on DuckDB and PostgreSQL). A view that is already as it should be is kept
    (views.py); a table's first load turns its empty view into the history's. Returns the
    views it made (none when nothing landed in a new table since the last call)."""
    tables = landed_history(bucket_url)
    landed = {(table.source, table.table) for table in tables}
    wanted: list[tuple[str, str]] = []
    for source in known_sources():
        ensure_database(spark, source)
        for name, declared in load_contract(source).tables.items():
            if (source, name) not in landed:
                empty = empty_table_sql(declared)
                wanted += [(f"{source}.{name}_history", empty), (f"{source}.{name}", empty)]
    for table in tables:
        declared = load_contract(table.source).table(table.table)
        columns = ", ".join(declared.column_names + [name for name, _ in LINEAGE_COLUMNS])
        wanted += [
            (table.history_view, f"select {columns} from parquet.`{table.location}`"),
            (table.current_view, current_state_sql(table, declared)),
        ]
    made = [name for name, sql in wanted if ensure_view(spark, name, sql)]
    for table in tables:
        spark.catalog.refreshByPath(table.location)  # the loads committed since
    return made


SPARK_TYPES = {"float": "double", "timestamp": "timestamp", "varchar": "string", "bool": "boolean"}
LINEAGE_TYPES = {"_loaded_at": "timestamp", "_file_dt": "date", "_line_number": "bigint"}


def empty_table_sql(table: Table) -> str:
    """A select of no rows with the table's columns and lineage, typed as the contract says."""
    columns = [
        f"cast(null as {SPARK_TYPES.get(column.base_type, column.type)}) as {column.name}"
        if column.base_type != "int"
        else f"cast(null as {'bigint' if 'big' in column.type else 'int'}) as {column.name}"
        for column in table.columns
    ]
    columns += [
        f"cast(null as {LINEAGE_TYPES.get(name, 'string')}) as {name}"
        for name, _ in LINEAGE_COLUMNS
    ]
    return f"select {', '.join(columns)} where false"


def current_state_sql(registered: HistoryTable, table: Table) -> str:
    """The latest version of each key, as ingestion picks it (``ingest/batch.py``)."""
    keys = ", ".join(table.primary_key)
    columns = ", ".join(table.column_names + [name for name, _ in LINEAGE_COLUMNS])
    return f"""
        select {columns}
        from (
            select *, row_number() over (
                partition by {keys} order by _file_dt desc, _file_path desc, _line_number desc
            ) as _version_rank
            from {registered.history_view}
        ) as versions
        where _version_rank = 1"""
