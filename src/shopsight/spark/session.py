"""A SparkSession as ShopSight opens it: on a cluster (``spark://HOST:PORT``) or in this
process (``local[N]``), with a persistent catalog of its own (an embedded Derby metastore
and a warehouse folder), UTC session time. Parquet schemas are not merged across files (a
job per table): every load's file has the contract's columns, typed as it says, and the
views select those (a column a drifted header added is in its loads' files only)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from shopsight.config import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

LOG_CONFIG = Path(__file__).with_name("log4j2.properties")  # errors only, on stderr


def session_config(catalog_dir: Path) -> dict[str, str]:
    """The settings ShopSight gives every Spark application (also dbt-spark's profile)."""
    metastore = catalog_dir / "metastore_db"
    settings = Settings()
    return {
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(catalog_dir / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={metastore};create=true"
        ),
        "spark.driver.extraJavaOptions": " ".join(
            [
                f"-Dderby.system.home={catalog_dir}",
                f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}",
                *settings.spark_driver_java_options.split(),
            ]
        ),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        # Naive Parquet timestamps are UTC, as the warehouse reads them (not timestamp_ntz).
        "spark.sql.parquet.inferTimestampNTZ.enabled": "false",
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.executor.memory": settings.spark_executor_memory,
        "spark.driver.memory": settings.spark_driver_memory,
        # A join's side is broadcast only when adaptive execution has measured it small at
        # run time, never on the planner's guess from compressed Parquet sizes: at 5 M
        # orders a side it let through did not fit the driver (decision 0050).
        "spark.sql.autoBroadcastJoinThreshold": "-1",
        "spark.sql.adaptive.autoBroadcastJoinThreshold": "10MB",
        "spark.ui.enabled": "false",  # the cluster's own UI shows the application
        "spark.ui.showConsoleProgress": "false",
    }


def open_session(master: str, app_name: str, catalog_dir: Path) -> SparkSession:
    """A session on ``master`` (``spark://HOST:PORT`` or ``local[N]``)."""
    from pyspark.sql import SparkSession

    catalog_dir.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.master(master).appName(app_name).enableHiveSupport()
    for key, value in session_config(catalog_dir).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    # pyspark logs each failed query's JVM stack trace as JSON on stderr; ShopSight says
    # what failed in one line of its own.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    return session
