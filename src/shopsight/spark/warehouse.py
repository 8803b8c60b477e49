"""A Spark warehouse (``--warehouse spark://HOST:PORT``, or ``spark://local[N]`` for Spark in
ShopSight's own process): dbt-spark builds the marts as Parquet tables under
``SHOPSIGHT_SPARK_DIR``, reading the sources from the open Parquet history in the bucket;
the ledger, the quarantine and the build state stay in the control database
(``SHOPSIGHT_CONTROL_DATABASE``, DuckDB by default), the one transactional writer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from shopsight.config import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SCHEME = "spark://"
_LOCAL = re.compile(r"local(\[(\d+|\*)\])?")
_HOST_PORT = re.compile(r"[A-Za-z0-9.-]+:\d{1,5}")


class SparkWarehouseError(ValueError):
    """A spark:// URL that names no master."""


def is_spark(warehouse_url: str) -> bool:
    return warehouse_url.startswith(SCHEME)


def spark_master(warehouse_url: str) -> str:
    """The master a ``spark://`` warehouse URL names: ``local[N]`` or ``spark://HOST:PORT``."""
    rest = warehouse_url[len(SCHEME) :]
    if _LOCAL.fullmatch(rest):
        return rest
    if _HOST_PORT.fullmatch(rest):
        return f"{SCHEME}{rest}"
    raise SparkWarehouseError(
        f"warehouse URL {warehouse_url!r}: expected spark://HOST:PORT (a standalone "
        "cluster's master) or spark://local[N] (Spark in this process, N cores)"
    )


def spark_dir() -> Path:
    """Spark's catalog (an embedded metastore), the marts' Parquet tables and the control
    tables' snapshots."""
    return Path(Settings().spark_dir).expanduser().resolve()


def dbt_environment(warehouse_url: str) -> dict[str, str]:
    """What dbt/profiles.yml's `spark` target reads."""
    from shopsight.spark.session import session_config

    conf = {**session_config(spark_dir()), "spark.master": spark_master(warehouse_url)}
    return {"SHOPSIGHT_DBT_TARGET": "spark", "SHOPSIGHT_SPARK_CONF": repr(conf)}


@contextmanager
def spark_application(warehouse_url: str, name: str) -> Iterator[None]:
    """One Spark application for everything inside (the daily run's builds join it: each
    build that opened its own paid about 13 s more to start and warm up), stopped after.
    Nothing on another warehouse."""
    if not is_spark(warehouse_url):
        yield
        return
    from pyspark.sql import SparkSession as Session

    from shopsight.spark.session import open_session

    if Session.getActiveSession() is not None:
        yield
        return
    session = open_session(spark_master(warehouse_url), name, spark_dir())
    try:
        yield
    finally:
        session.stop()


@contextmanager
def spark_sources(warehouse_url: str) -> Iterator[SparkSession]:
    """Open the build's Spark application (dbt-spark's session method joins it), with the
    bucket's history and the control tables registered as the dbt sources, and stop it
    after. A session this process already has is used, and left running."""
    from pyspark.sql import SparkSession as Session

    from shopsight.ingest.warehouse import connect
    from shopsight.spark.control import register_control_tables, snapshot_control_tables
    from shopsight.spark.history import register_history
    from shopsight.spark.session import open_session

    settings = Settings()
    running = Session.getActiveSession()
    session = running or open_session(spark_master(warehouse_url), "shopsight build", spark_dir())
    try:
        register_history(session, settings.bucket)
        control = connect(settings.control_database)
        try:
            snapshots = snapshot_control_tables(control, spark_dir() / "control")
        finally:
            control.close()
        register_control_tables(session, snapshots)
        yield session
    finally:
        if running is None:
            session.stop()


def publish_built_marts(session: SparkSession) -> list[str]:
    """The tables this build left, as views in the control database (spark/marts.py)."""
    from shopsight.ingest.warehouse import connect
    from shopsight.spark.marts import publish_marts

    control = connect(Settings().control_database)
    try:
        return publish_marts(session, control)
    finally:
        control.close()
