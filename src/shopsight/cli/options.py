"""Options every command shares, and the errors the CLI turns into one clear line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from shopsight import console

if TYPE_CHECKING:
    from shopsight.config import Settings
    from shopsight.ingest.warehouse import Warehouse
    from shopsight.storage import Bucket

BucketOption = Annotated[
    str | None,
    typer.Option(
        "--bucket",
        metavar="URL",
        help="Bucket URL (file://, s3://, memory://). Default: SHOPSIGHT_BUCKET.",
    ),
]
WarehouseOption = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        metavar="URL",
        help="duckdb:///path or postgresql://host/db. Default: SHOPSIGHT_WAREHOUSE.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def expected(*more: type[Exception]) -> tuple[type[Exception], ...]:
    """The errors a command turns into one clear line (exit 2), and ``more`` of its own.

    Called in an ``except`` clause, which Python evaluates only when an exception reaches
    it: the modules that define them are imported then, not when the command starts, so a
    command imports only what it runs (decision 0061)."""
    from shopsight.anomalies.monitors import MonitorError
    from shopsight.anomalies.record import AnomalyError
    from shopsight.build import BuildError
    from shopsight.contracts.model import ContractError
    from shopsight.generate.summary import GenerationError
    from shopsight.ingest.loader import FailedAfterCommit
    from shopsight.ingest.problems import ProblemError
    from shopsight.ingest.readmit import ReadmitError
    from shopsight.ingest.warehouse import WarehouseError
    from shopsight.ingest.withdraw import WithdrawError
    from shopsight.report.data import NoReportData
    from shopsight.spark.warehouse import SparkWarehouseError
    from shopsight.storage import StorageError

    return (
        AnomalyError,
        MonitorError,
        SparkWarehouseError,
        StorageError,
        WarehouseError,
        ContractError,
        GenerationError,
        ReadmitError,
        WithdrawError,
        ProblemError,
        BuildError,
        NoReportData,
        FailedAfterCommit,
        *more,
    )


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def parse_day(value: str, option: str) -> date:
    """A command's day option (YYYY-MM-DD within the years a store can have), or one line."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        console.fail(f"{option} {value!r}: expected a date like 2024-03-01")
    if not FIRST_DAY <= day <= LAST_DAY:
        console.fail(f"{option} {value!r}: expected a date between {FIRST_DAY} and {LAST_DAY}")
    return day


def parse_zone(value: str, option: str) -> ZoneInfo:
    """An IANA time zone name such as Europe/Berlin, or one line."""
    try:
        return ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # a path, an unknown name, an unreadable file
        console.fail(f"{option} {value!r}: expected an IANA time zone such as Europe/Berlin")


@contextmanager
def open_store(
    bucket: str | None,
    warehouse: str | None,
    must_exist: bool = False,
    bucket_must_exist: bool = False,
) -> Iterator[tuple[Settings, Bucket, Warehouse]]:
    """Settings with the flags applied, the bucket, and the warehouse (ops tables ready);
    the warehouse is closed on the way out, whatever happens. ``must_exist`` (commands that
    only read) refuses a warehouse, or a --bucket given, that does not exist instead of
    creating it (the default bucket is then not created either). ``bucket_must_exist``
    (commands that read landed files) refuses a bucket that does not exist before anything
    is created, the warehouse included."""
    from shopsight.config import Settings
    from shopsight.ingest.ledger import OPS_DDL
    from shopsight.ingest.warehouse import connect, raise_unless_warehouse_url
    from shopsight.storage import Bucket

    settings = Settings().with_overrides(bucket=bucket, warehouse=warehouse)
    raise_unless_warehouse_url(settings.warehouse)
    target = Bucket(settings.bucket, settings, create=not (must_exist or bucket_must_exist))
    if (must_exist and bucket is not None) or bucket_must_exist:
        target.require()
    wh = connect(settings.warehouse, create=not must_exist)
    try:
        wh.execute_script(OPS_DDL)
        yield settings, target, wh
    finally:
        wh.close()
