"""Settings: the only place configuration is read (environment prefix ``SHOPSIGHT_``)."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything ShopSight can be configured with. CLI flags override these values."""

    model_config = SettingsConfigDict(
        env_prefix="SHOPSIGHT_", extra="ignore", populate_by_name=True
    )

    bucket: str = Field("file://./var/bucket", description="file://, s3:// or memory:// URL")
    warehouse: str = Field(
        "duckdb:///./var/warehouse.duckdb",
        description="duckdb:///path or postgresql://user@host:port/db",
    )
    control_database: str = Field(
        "duckdb:///./var/control.duckdb",
        description="with a spark:// warehouse: where the ledger, quarantine and build "
        "state live (duckdb:///path or postgresql://...)",
    )
    spark_dir: str = Field(
        "./var/spark",
        description="with a spark:// warehouse: Spark's catalog and the marts' Parquet tables",
    )
    spark_shuffle_partitions: int = Field(
        200, ge=1, description="Spark's partitions per shuffle (a few for a small store)"
    )
    spark_executor_memory: str = Field(
        "512m",
        pattern=r"^[0-9]+[kmgt]?$",
        description="each Spark executor's memory (at most what a worker offers)",
    )
    spark_driver_memory: str = Field(
        "2g",
        pattern=r"^[0-9]+[kmgt]?$",
        description="the Spark driver's memory: the build's own process, where Spark "
        "gathers the small side of a broadcast join",
    )
    spark_driver_java_options: str = Field(
        "",
        pattern=r"^[-+:=.,/@%\w ]*$",
        description="extra JVM options of the Spark driver, e.g. -XX:TieredStopAtLevel=1 "
        "(about a quarter less CPU for a short local[N] build of a small store)",
    )
    s3_endpoint_url: str | None = Field(None, description="S3-compatible endpoint, e.g. moto")
    aws_access_key_id: SecretStr | None = Field(None, validation_alias="AWS_ACCESS_KEY_ID")
    aws_secret_access_key: SecretStr | None = Field(None, validation_alias="AWS_SECRET_ACCESS_KEY")
    aws_region: str = Field("us-east-1", validation_alias="AWS_DEFAULT_REGION")
    max_reject_ratio: float | None = Field(
        None, description="override the contract's per-file reject ratio that fails a run"
    )

    # The daily run and its alerts (docs/orchestration.md).
    timezone: str = Field("UTC", description="time zone of the 06:00 daily schedule")
    schedule_start: date = Field(
        date(2024, 1, 1), description="first day the DAG runs for (catchup backfills from it)"
    )
    catchup: bool = Field(
        False,
        description="run every missed day since SHOPSIGHT_SCHEDULE_START when the DAG is "
        "turned on (opt-in: each waits for its files)",
    )
    landing_deadline_minutes: float = Field(
        180, description="how long the daily run waits for the day's files before alerting"
    )
    landing_poke_seconds: int = Field(60, description="how often it looks for them meanwhile")
    task_timeout_minutes: int = Field(60, description="execution timeout of every task")
    retry_delay_seconds: float = Field(60, description="first retry delay (doubles each retry)")
    slack_webhook_url: SecretStr | None = Field(None, description="Slack incoming webhook")
    smtp_host: str | None = Field(None, description="SMTP server for alert emails")
    smtp_port: int = Field(25)
    smtp_user: str | None = Field(None)
    smtp_password: SecretStr | None = Field(None)
    smtp_starttls: bool = Field(False)
    alert_email_from: str = Field("shopsight@localhost")
    alert_email_to: str = Field("", description="comma-separated recipients of alert emails")
    reader_roles: str = Field(
        "",
        description="comma-separated PostgreSQL roles given read access to the marts after "
        "every build",
    )
    currency: str = Field(
        "USD", description="the store's currency, named on the report's money axes"
    )
    business_timezone: str = Field(
        "UTC", description="time zone the sales team counts days in (reconciliation)"
    )
    reconcile_tolerance: Decimal = Field(
        Decimal("0.01"),
        ge=0,
        description="largest unexplained revenue gap the daily control passes",
    )
    # AfterShip tracking (docs/tracking.md).
    aftership_webhook_secret: SecretStr | None = Field(
        None, description="webhook secret(s), comma-separated while one is rotated"
    )
    aftership_api_key: SecretStr | None = Field(None, description="as-api-key for the poller")
    webhook_max_body_bytes: int = Field(1 << 20, description="larger webhook bodies get 413")
    webhook_max_header_bytes: int = Field(
        64 << 10, ge=1024, description="a longer request line and headers get 431"
    )
    monitors: str | None = Field(
        None, description="a monitors file (YAML) instead of the shipped one (docs/anomalies.md)"
    )
    memory_limit: str = Field(
        "4GB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's memory limit in ingest, dbt and reconcile (it spills beyond)",
    )
    full_test_days: int = Field(
        7,
        ge=0,
        description="Days between two full test passes: the daily build tests only the rows "
        "loaded since the last build, and every row once this many days have passed (0: "
        "every build)",
    )
    ingest_memory_limit: str = Field(
        "1GB",
        pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's memory limit while ingesting: batches of 64 MB need far less "
        "than a build, and more only caches the warehouse (at 30 M orders the 4GB limit "
        "let ingest's peak reach 3.7 GB)",
    )
    threads: int | None = Field(
        None, ge=1, description="DuckDB worker threads (default: the machine's cores)"
    )
    temp_directory: str | None = Field(
        None, description="where DuckDB spills (default: <warehouse file>.tmp)"
    )
    state_dir: str = Field(
        default_factory=lambda: str(
            Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local/state") / "shopsight"
        ),
        description="ShopSight's own working files: dbt's target, logs and parse, per warehouse",
    )
    webhook_read_timeout_seconds: float = Field(
        10.0, gt=0, description="a webhook body slower than this gets 408"
    )
    webhook_header_timeout_seconds: float = Field(
        10.0, gt=0, description="a connection whose request headers are slower is closed"
    )
    webhook_max_connections: int = Field(
        1000, ge=1, description="connections beyond this get 503 (per receiver process)"
    )
    failpoint: str | None = Field(
        None, description="tests only: the point where the process kills itself (failpoints.py)"
    )
    airflow_base_url: str = Field(
        "http://localhost:8080", description="Airflow UI address, for links to task logs"
    )

    def webhook_secrets(self) -> list[str]:
        """The configured webhook secrets (more than one while rotating)."""
        if self.aftership_webhook_secret is None:
            return []
        raw = self.aftership_webhook_secret.get_secret_value()
        return [secret.strip() for secret in raw.split(",") if secret.strip()]

    def with_overrides(self, **values: object) -> Settings:
        """A copy with the given non-None values replaced (used for CLI flags)."""
        changes = {key: value for key, value in values.items() if value is not None}
        return self.model_copy(update=changes)


def duckdb_config(settings: Settings, database: str | None = None) -> dict[str, Any]:
    """DuckDB's resource settings from ours: memory limit, threads, spill folder."""
    config = {
        "memory_limit": settings.memory_limit,
        "threads": str(settings.threads or os.cpu_count() or 1),
    }
    if settings.temp_directory:
        config["temp_directory"] = settings.temp_directory
    elif database and database != ":memory:":
        single = "/" + database.lstrip("/") if database.startswith("/") else database
        config["temp_directory"] = f"{single}.tmp"  # DuckDB's own default, spelled out
    return config
