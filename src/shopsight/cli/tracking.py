"""`shopsight tracking`: AfterShip webhook receiver, API poller, simulator and loader."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shopsight import console
from shopsight.cli.app import CommandGroup, app
from shopsight.cli.options import BucketOption, JsonOption, WarehouseOption, expected, open_store

tracking_app = CommandGroup(
    "AfterShip shipment tracking: webhook receiver, API poller, simulator, loader."
)
app.add_typer(tracking_app, name="tracking")


@tracking_app.command("serve")
def serve_command(
    bucket: BucketOption = None,
    host: Annotated[
        str, typer.Option(metavar="HOST", help="Interface to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(metavar="PORT", help="Port to listen on.")] = 8081,
    flush_seconds: Annotated[
        int,
        typer.Option(
            metavar="SECONDS",
            min=1,
            max=3600,
            help="Upload the spool to the bucket this often (60: within a minute).",
        ),
    ] = 60,
    spool_dir: Annotated[
        Path,
        typer.Option(
            metavar="DIR", help="Local folder where events are durable before they are acked."
        ),
    ] = Path("var/spool/aftership"),
    workers: Annotated[
        int,
        typer.Option(metavar="N", min=1, help="uvicorn worker processes (each spools separately)."),
    ] = 1,
) -> None:
    """Receive AfterShip webhooks on POST /webhooks/aftership and land them in the bucket.

    Each event is acknowledged only once it is fsynced to the spool; every --flush-seconds
    the spool is uploaded as raw/aftership/webhooks/dt=YYYY-MM-DD/hour=HH/<ts>-<batch>.jsonl.gz.
    Secrets: SHOPSIGHT_AFTERSHIP_WEBHOOK_SECRET (comma-separated while rotating). Also serves
    GET /healthz and GET /metrics (Prometheus).
    """
    import os

    import uvicorn

    from shopsight.config import Settings
    from shopsight.storage import Bucket
    from shopsight.tracking.http_protocol import (
        HEADER_TIMEOUT_ENV,
        MAX_HEADER_BYTES_ENV,
        GuardedHttpToolsProtocol,
    )
    from shopsight.tracking.worker import FLUSH_SECONDS_ENV, SPOOL_DIR_ENV

    settings = Settings().with_overrides(bucket=bucket)
    if not settings.webhook_secrets():
        console.fail(
            "SHOPSIGHT_AFTERSHIP_WEBHOOK_SECRET is not set: every webhook would be refused"
        )
    try:
        Bucket(settings.bucket, settings)
    except expected() as error:
        console.fail(str(error))
    try:
        spool_dir.mkdir(parents=True, exist_ok=True)
        probe = spool_dir / ".writable"
        probe.touch()
        probe.unlink()
    except OSError as error:
        console.fail(f"--spool-dir {spool_dir}: expected a writable folder ({error.strerror})")
    os.environ |= {
        "SHOPSIGHT_BUCKET": settings.bucket,
        SPOOL_DIR_ENV: str(spool_dir.resolve()),
        FLUSH_SECONDS_ENV: str(flush_seconds),
        HEADER_TIMEOUT_ENV: str(settings.webhook_header_timeout_seconds),
        MAX_HEADER_BYTES_ENV: str(settings.webhook_max_header_bytes),
    }
    uvicorn.run(
        "shopsight.tracking.worker:create_worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=GuardedHttpToolsProtocol,
        limit_concurrency=settings.webhook_max_connections,
        log_level="warning",
        access_log=False,
    )


@tracking_app.command("poll")
def poll_command(
    bucket: BucketOption = None,
    base_url: Annotated[
        str,
        typer.Option(
            metavar="URL", help="AfterShip API base URL (any server speaking the contract)."
        ),
    ] = "https://api.aftership.com",
    version: Annotated[
        str, typer.Option(metavar="YYYY-MM", help="API version (YYYY-MM).")
    ] = "2025-07",
    overlap_minutes: Annotated[
        int, typer.Option(metavar="MINUTES", help="Re-read this many minutes before the watermark.")
    ] = 10,
    json_output: JsonOption = False,
) -> None:
    """Fetch trackings updated since the last poll from AfterShip's REST API into the bucket.

    Pages land as raw/aftership/api/dt=YYYY-MM-DD/<newest>-<hash>.jsonl.gz; the watermark
    (state/aftership/api_watermark.json) advances only after every page has landed, so a
    crashed run is simply rerun. Key: SHOPSIGHT_AFTERSHIP_API_KEY.
    """
    from datetime import timedelta

    from shopsight.config import Settings
    from shopsight.storage import Bucket
    from shopsight.tracking.poller import Poller, PollError

    settings = Settings().with_overrides(bucket=bucket)
    if settings.aftership_api_key is None:
        console.fail("SHOPSIGHT_AFTERSHIP_API_KEY is not set")
    try:
        poller = Poller(
            Bucket(settings.bucket, settings),
            base_url,
            settings.aftership_api_key.get_secret_value(),
            version,
            timedelta(minutes=overlap_minutes),
        )
        with console.progress_bar("polling AfterShip", json_output) as bar:
            task = bar.add_task("pages", total=None)
            report = poller.poll(on_page=lambda _: bar.advance(task))
    except expected(PollError) as error:
        console.fail(str(error))
    if json_output:
        console.print_json(report.to_json())
        return
    console.out.print(
        f"{report.trackings} trackings in {report.pages} pages since {report.window_start} "
        f"({report.rate_limited} rate-limited, {report.retried} retried); "
        f"watermark {report.watermark}"
    )


@tracking_app.command("simulate")
def simulate_command(
    url: Annotated[
        str, typer.Option(metavar="URL", help="The receiver's webhook URL (`tracking serve`).")
    ] = "http://127.0.0.1:8081/webhooks/aftership",
    rate: Annotated[
        float, typer.Option(metavar="PER_SECOND", min=0.1, help="Events per second.")
    ] = 50.0,
    duration: Annotated[
        float | None,
        typer.Option(metavar="SECONDS", help="Stop after this many seconds (default: all events)."),
    ] = None,
    seed: Annotated[
        int, typer.Option(metavar="N", help="Random seed; same seed, same events.")
    ] = 7,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Send signed AfterShip webhook events for the web shop's shipped order lines.

    Reads the shipped lines from web.fct_order_items (run `shopsight run` first); each gets
    a tag progression with failed attempts, pickups, exceptions and expiries now and then,
    delivered with duplicates and out of order as AfterShip's retries would. Signs with the
    first secret of SHOPSIGHT_AFTERSHIP_WEBHOOK_SECRET. Exits 1 when there is nothing to
    send or an event was not acknowledged.
    """
    from shopsight.config import Settings
    from shopsight.ingest.warehouse import require_built
    from shopsight.tracking.simulate import (
        delivery_order,
        send_events,
        shipped_lines,
        tracking_events,
    )

    settings = Settings().with_overrides(warehouse=warehouse)
    secrets = settings.webhook_secrets()
    if not secrets:
        console.fail("SHOPSIGHT_AFTERSHIP_WEBHOOK_SECRET is not set: nothing could be signed")
    try:
        with open_store(None, warehouse, must_exist=True) as (_, _, wh):
            require_built(wh, "web.fct_order_items")
            rows = wh.query(
                "select order_item_id, order_id, shipped_at, delivered_at "
                "from web.fct_order_items where shipped_at is not null order by order_item_id"
            )
    except expected() as error:
        console.fail(str(error))
    events = delivery_order(tracking_events(shipped_lines(rows), seed), seed)
    if not events:
        console.fail("no shipped order lines in web.fct_order_items: nothing to send", code=1)
    with console.progress_bar("sending webhooks", json_output) as bar:
        task = bar.add_task("events", total=len(events))
        report = send_events(
            url, events, secrets[0], rate, duration, on_sent=lambda: bar.advance(task)
        )
    if json_output:
        console.print_json(report.__dict__)
    else:
        console.out.print(
            f"sent {report.sent} events in {report.seconds} s: {report.acknowledged} "
            f"acknowledged, {report.failed} failed"
        )
    if report.failed:
        raise typer.Exit(1)  # an event the receiver did not acknowledge was not delivered


@tracking_app.command("load")
def load_command(
    bucket: BucketOption = None,
    warehouse: WarehouseOption = None,
    json_output: JsonOption = False,
) -> None:
    """Load new tracking objects (webhooks and API pages) and build only the tracking models.

    Cheap enough to run every minute for the 1-minute configuration: the ledger skips what
    is loaded, and dbt rebuilds stg_aftership__tracking_updates and what depends on it.
    Exits 1 if a file was quarantined whole or a model or test failed.
    """
    from shopsight.build import build
    from shopsight.cli.ingest import print_ingest, run_ingest
    from shopsight.config import Settings

    try:
        report = run_ingest(bucket, warehouse, "aftership", None, False, json_output)
        settings = Settings().with_overrides(warehouse=warehouse)
        summary = build(settings.warehouse, ["stg_aftership__tracking_updates+"])
    except expected() as error:
        console.fail(str(error))
    if json_output:
        console.print_json({"ingest": report.to_json(), "build": summary.to_json()})
    else:
        print_ingest(report)
        console.out.print(
            f"tracking models: {summary.models}, tests: {summary.tests} in {summary.seconds} s"
        )
    if not report.trusted or not summary.success:
        raise typer.Exit(1)
