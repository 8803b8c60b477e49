"""Warehouse connections: DuckDB (embedded default) and PostgreSQL, behind one small API.

Ingestion validates every file in DuckDB (the ``validator`` connection); a warehouse only has
to take rows from it (:meth:`Warehouse.append`, :meth:`Warehouse.stage`) and run portable SQL
inside one transaction per batch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from shopsight.config import Settings, duckdb_config
from shopsight.redact import redact

if TYPE_CHECKING:  # Arrow is imported where rows go through it: a query alone needs none
    import pyarrow as pa

    from shopsight.contracts.ddl import Dialect


class WarehouseError(RuntimeError):
    """The warehouse URL is malformed or the warehouse cannot be reached."""


class Warehouse(ABC):
    """A warehouse connection. ``validator`` is the DuckDB connection that checks files."""

    dialect: Dialect
    validator: duckdb.DuckDBPyConnection

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        """A query's result as an Arrow table, named as the query names its columns."""

    @abstractmethod
    def insert_rows(self, table: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows given as Python values (ledger rows; a reconciliation's sales orders)."""

    @abstractmethod
    def transaction(self) -> Any: ...

    @abstractmethod
    def stage(self, name: str, select_sql: str, like_table: str, columns: list[str]) -> None:
        """Make temporary table ``name`` in the warehouse from a validator query whose
        columns are ``like_table``'s ``columns``, so named and in that order."""

    @abstractmethod
    def append(self, table: str, columns: list[str], select_sql: str) -> None:
        """Append a validator query's rows to ``table``'s ``columns``, in that order."""

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the warehouse's ingest lock: one ingest or readmission at a time (DuckDB's
        file lock already gives that; PostgreSQL takes an advisory lock)."""
        yield

    def execute_script(self, sql: str) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                self.execute(statement)

    @abstractmethod
    def close(self) -> None: ...

    @property
    def validator_is_warehouse(self) -> bool:
        """Whether the validator's connection is the warehouse's own (DuckDB): its rows are
        then written by the same connection that checked them."""
        return self.validator is getattr(self, "connection", None)

    @contextmanager
    def validating_on(self, connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
        """Use ``connection`` (the validator's, or another one to its database) as the
        validator for the block: a batch checked aside is staged from where it was checked."""
        before, self.validator = self.validator, connection
        try:
            yield
        finally:
            self.validator = before


class DuckDBWarehouse(Warehouse):
    """A DuckDB file; it validates files on its own connection, so staging is a copy."""

    dialect: Dialect = "duckdb"

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise WarehouseError(
                    f"cannot create the warehouse folder {Path(path).parent}: {error.strerror}"
                ) from None
        try:
            self.connection = duckdb.connect(path)
        except duckdb.IOException as error:
            raise WarehouseError(f"cannot open DuckDB warehouse {path}: {error}") from error
        self.connection.execute("set enable_progress_bar = false").fetchall()
        apply_resources(self.connection, path)
        self.validator = self.connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.execute(sql, list(params)).fetchall()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, list(params)).fetchall()

    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        return self.connection.sql(sql, params=list(params)).to_arrow_table()

    def insert_rows(self, table: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
        # DuckDB's executemany costs about a millisecond a row; an Arrow scan does not.
        import pyarrow as pa

        data = pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
        self.connection.register("_rows_arrow", data)
        names = ", ".join(columns)
        try:
            self.connection.execute(
                f"insert into {table} ({names}) select {names} from _rows_arrow"
            ).fetchall()
        except BaseException:
            # The failed insert aborted the transaction, which refuses the unregister too;
            # its error would hide the insert's (the next register replaces the view).
            with suppress(duckdb.Error):
                self.connection.unregister("_rows_arrow")
            raise
        self.connection.unregister("_rows_arrow")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.connection.execute("begin transaction")
        try:
            yield
        except BaseException:
            self.connection.execute("rollback")
            raise
        self.connection.execute("commit")

    def stage(self, name: str, select_sql: str, like_table: str, columns: list[str]) -> None:
        self.connection.execute(f"create or replace temp table {name} as {select_sql}")

    def append(self, table: str, columns: list[str], select_sql: str) -> None:
        self.connection.execute(f"insert into {table} ({', '.join(columns)}) {select_sql}")

    def close(self) -> None:
        self.connection.close()


class PostgresWarehouse(Warehouse):
    """A PostgreSQL database; validated batches arrive by COPY, never row by row."""

    dialect: Dialect = "postgres"

    def __init__(self, url: str) -> None:
        import psycopg

        try:
            self.connection = psycopg.connect(url, autocommit=True)
        except psycopg.Error as error:  # unreachable, refused, or a malformed URL
            raise WarehouseError(
                redact(f"cannot connect to PostgreSQL at {url}: {error}")
            ) from None
        self.validator = duckdb.connect()
        apply_resources(self.validator)
        self.validator.execute("set enable_progress_bar = false")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._run(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._run(sql, params).fetchall()

    def insert_rows(self, table: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
        sql = f"copy {table} ({', '.join(columns)}) from stdin"
        with self.connection.cursor() as cursor, cursor.copy(sql.encode()) as copy:
            for row in rows:
                copy.write_row(row)

    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        cursor = self._run(sql, params)
        names = [column.name for column in cursor.description]
        columns = list(zip(*cursor.fetchall(), strict=True)) or [()] * len(names)
        import pyarrow as pa

        return pa.table({name: list(values) for name, values in zip(names, columns, strict=True)})

    def _run(self, sql: str, params: Sequence[Any]) -> Any:
        # Without parameters, a literal % must reach the server unescaped.
        if not params:
            return self.connection.execute(sql.encode())
        return self.connection.execute(sql.replace("?", "%s").encode(), list(params))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.connection.transaction():
            yield

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        self.connection.execute("select pg_advisory_lock(%s)", [_INGEST_LOCK])
        try:
            yield
        finally:
            self.connection.execute("select pg_advisory_unlock(%s)", [_INGEST_LOCK])

    def stage(self, name: str, select_sql: str, like_table: str, columns: list[str]) -> None:
        names = ", ".join(columns)
        self.connection.execute(f"drop table if exists {name}")
        # As the table's columns are typed, without its constraints.
        self.connection.execute(
            f"create temp table {name} as select {names} from {like_table} limit 0"
        )
        self.append(name, columns, select_sql)

    def append(self, table: str, columns: list[str], select_sql: str) -> None:
        """By one COPY, streamed: the validator's rows come out as Arrow batches; this
        thread encodes each while a worker thread sends the ones before. Binary where every
        column's type has an encoder (pg_binary.py: the server parses no text), else CSV
        (every text quoted, so an empty text is not NULL). Nothing lands on disk."""
        from psycopg.copy import QueuedLibpqWriter

        from shopsight.ingest import pg_binary

        reader = self.validator.sql(select_sql).to_arrow_reader(_COPY_BATCH_ROWS)
        pg_types = self._column_types(table, columns)
        binary = pg_binary.encodable(pg_types)
        notation = "binary" if binary else "csv"
        sql = f"copy {table} ({', '.join(columns)}) from stdin (format {notation})"
        with self.connection.cursor() as cursor:
            writer = QueuedLibpqWriter(cursor)
            with cursor.copy(sql.encode(), writer=writer) as copy:
                if binary:
                    _copy_binary(copy, reader, pg_types)
                else:
                    _copy_csv(copy, reader)

    def _column_types(self, table: str, columns: list[str]) -> list[str]:
        """Each column's type name (pg_type.typname) in ``table``, in ``columns``' order
        (a quoted name, as an undeclared column's, unquoted); "unknown" for a name not
        found (the caller then copies text)."""
        found: dict[str, str] = dict(
            self.connection.execute(
                "select a.attname, t.typname from pg_attribute a "
                "join pg_type t on t.oid = a.atttypid "
                "where a.attrelid = %s::regclass and a.attnum > 0 and not a.attisdropped",
                [table],
            ).fetchall()
        )
        return [found.get(name.strip('"'), "unknown") for name in columns]

    def close(self) -> None:
        try:
            self.connection.close()
        finally:
            self.validator.close()


def _copy_binary(copy: Any, reader: pa.RecordBatchReader, pg_types: list[str]) -> None:
    from shopsight.ingest import pg_binary

    copy.write(pg_binary.HEADER)
    for batch in reader:
        copy.write(pg_binary.encode_batch(batch, pg_types))
    copy.write(pg_binary.TRAILER)


def _copy_csv(copy: Any, reader: pa.RecordBatchReader) -> None:
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    options = pa_csv.WriteOptions(include_header=False)
    for batch in reader:
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(batch, sink, options)
        copy.write(sink.getvalue())


def connect(url: str, create: bool = True) -> Warehouse:
    """Open the warehouse at ``duckdb:///path`` or ``postgresql://user@host:port/db``.

    With ``create=False`` (commands that only read), a DuckDB file that does not exist is an
    error instead of a new empty warehouse.

    Raises:
        WarehouseError: the URL has another scheme or the warehouse cannot be opened.
    """
    raise_unless_warehouse_url(url)
    if url.startswith("spark://"):  # the marts are Spark's; everything else is here
        return connect(Settings().control_database, create)
    if url.startswith("duckdb://"):
        path = url[len("duckdb://") :]
        path = path[1:] if path.startswith("/./") else path or ":memory:"
        if not create and path != ":memory:" and not Path(path).exists():
            raise WarehouseError(
                f"warehouse {url} does not exist: check --warehouse or SHOPSIGHT_WAREHOUSE "
                "(`shopsight ingest` creates it)"
            )
        return DuckDBWarehouse(path)
    return PostgresWarehouse(url)


def raise_unless_warehouse_url(url: str) -> None:
    """Refuse a warehouse URL of another scheme, before anything is opened or created."""
    if not url.startswith(("duckdb://", "postgresql://", "postgres://", "spark://")):
        raise WarehouseError(
            f"warehouse URL {redact(url)!r} must be duckdb:///path, "
            "postgresql://user@host:port/db or spark://HOST:PORT"
        )
    if url.startswith("spark://"):
        from shopsight.spark.warehouse import spark_master

        spark_master(url)  # names a master, or one clear error


def apply_resources(connection: Any, database: str | None = None) -> None:
    """Set DuckDB's memory limit, threads and spill folder from the settings. SET, not a
    connect-time config: the process's other connections to the same file (dbt's, in
    `shopsight run`) must share one configuration."""
    for name, value in duckdb_config(Settings(), database).items():
        if name == "temp_directory" and _current_setting(connection, name) == str(value):
            continue  # DuckDB refuses to set it again once something has spilled there
        text = str(value).replace("'", "''")
        connection.execute(f"set {name} = '{text}'").fetchall()


@contextmanager
def ingest_memory(connection: Any) -> Iterator[None]:
    """Hold DuckDB to the ingest's memory limit (``SHOPSIGHT_INGEST_MEMORY_LIMIT``) on this
    connection's database for the block, then give back the warehouse's own
    (``SHOPSIGHT_MEMORY_LIMIT``: DuckDB shows a limit rounded, so it is set again, not read
    back)."""
    settings = Settings()
    connection.execute(f"set memory_limit = '{settings.ingest_memory_limit}'").fetchall()
    try:
        yield
    finally:
        connection.execute(f"set memory_limit = '{settings.memory_limit}'").fetchall()


def _current_setting(connection: Any, name: str) -> str:
    return str(connection.execute(f"select current_setting('{name}')").fetchall()[0][0])


def require_built(warehouse: Warehouse, *tables: str) -> None:
    """Raise WarehouseError naming the first of ``tables`` (schema.name) that does not exist
    yet: a command that reads the marts before the first build gets one clear line."""
    for table in tables:
        schema, name = table.split(".")
        found = warehouse.query(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        )
        if not found[0][0]:
            raise WarehouseError(
                f"the warehouse has no {table} yet: build it first (`shopsight build`, or "
                "`shopsight run`)"
            )


_COPY_BATCH_ROWS = 100_000  # per CSV block handed to COPY
_INGEST_LOCK = 0x5B0951  # the advisory lock key of "one ingest at a time"
