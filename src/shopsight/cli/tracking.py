"""`shopsight tracking`: the AfterShip webhook receiver (and, in later steps, the poller)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import app
from shopsight.cli.options import EXPECTED, BucketOption
from shopsight.config import Settings
from shopsight.storage import Bucket

tracking_app = typer.Typer(help="AfterShip shipment tracking: webhook receiver.")
app.add_typer(tracking_app, name="tracking")


@tracking_app.command("serve")
def serve_command(
    bucket: BucketOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8081,
    flush_seconds: Annotated[
        int,
        typer.Option(
            min=1, max=3600, help="Upload the spool to the bucket this often (60: within a minute)."
        ),
    ] = 60,
    spool_dir: Annotated[
        Path, typer.Option(help="Local folder where events are durable before they are acked.")
    ] = Path("var/spool/aftership"),
) -> None:
    """Receive AfterShip webhooks on POST /webhooks/aftership and land them in the bucket.

    Each event is acknowledged only once it is fsynced to the spool; every --flush-seconds
    the spool is uploaded as raw/aftership/webhooks/dt=YYYY-MM-DD/hour=HH/<ts>-<batch>.jsonl.gz.
    Secrets: SHOPSIGHT_AFTERSHIP_WEBHOOK_SECRET (comma-separated while rotating). Also serves
    GET /healthz and GET /metrics (Prometheus).
    """
    import uvicorn

    from shopsight.tracking.receiver import Flusher, create_app
    from shopsight.tracking.spool import Spool

    settings = Settings().with_overrides(bucket=bucket)
    secrets = settings.webhook_secrets()
    if not secrets:
        console.fail(
            "SHOPSIGHT_AFTERSHIP_WEBHOOK_SECRET is not set: every webhook would be refused"
        )
    try:
        spool = Spool(spool_dir, Bucket(settings.bucket, settings))
    except EXPECTED as error:
        console.fail(str(error))
    flusher = Flusher(spool, flush_seconds)
    flusher.flush_once()  # whatever a previous process left behind
    flusher.start()
    try:
        uvicorn.run(
            create_app(spool, secrets, settings.webhook_max_body_bytes),
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
        )
    finally:
        flusher.stop()
        spool.close()
