"""Options every command shares, and the errors the CLI turns into one clear line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from shopsight.build import BuildError
from shopsight.config import Settings
from shopsight.contracts.model import ContractError
from shopsight.generate.summary import GenerationError
from shopsight.ingest.ledger import OPS_DDL
from shopsight.ingest.problems import ProblemError
from shopsight.ingest.readmit import ReadmitError
from shopsight.ingest.warehouse import Warehouse, WarehouseError, connect
from shopsight.report.data import NoReportData
from shopsight.storage import Bucket, StorageError

BucketOption = Annotated[
    str | None,
    typer.Option(
        "--bucket", help="Bucket URL (file://, s3://, memory://). Default: SHOPSIGHT_BUCKET."
    ),
]
WarehouseOption = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        help="duckdb:///path or postgresql://user@host:port/db. Default: SHOPSIGHT_WAREHOUSE.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
EXPECTED = (
    StorageError,
    WarehouseError,
    ContractError,
    GenerationError,
    ReadmitError,
    ProblemError,
    BuildError,
    NoReportData,
)


@contextmanager
def open_store(
    bucket: str | None, warehouse: str | None, must_exist: bool = False
) -> Iterator[tuple[Settings, Bucket, Warehouse]]:
    """Settings with the flags applied, the bucket, and the warehouse (ops tables ready);
    the warehouse is closed on the way out, whatever happens. ``must_exist`` (commands that
    only read) refuses a warehouse, or a --bucket given, that does not exist instead of
    creating it (the default bucket is then not created either)."""
    settings = Settings().with_overrides(bucket=bucket, warehouse=warehouse)
    target = Bucket(settings.bucket, settings, create=not must_exist)
    if must_exist and bucket is not None:
        target.require()
    wh = connect(settings.warehouse, create=not must_exist)
    try:
        wh.execute_script(OPS_DDL)
        yield settings, target, wh
    finally:
        wh.close()
