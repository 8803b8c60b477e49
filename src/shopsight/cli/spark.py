"""`shopsight spark`: a Spark standalone cluster on this machine (`make spark`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shopsight import console
from shopsight.cli.app import CommandGroup, app
from shopsight.cli.options import JsonOption

if TYPE_CHECKING:
    from shopsight.spark.cluster import ClusterStatus


spark_app = CommandGroup("A Spark standalone cluster on this machine: start, status, stop.")
app.add_typer(spark_app, name="spark")


def cluster_dir() -> Path:
    """Where the cluster's record, logs and workers' scratch space live."""
    from shopsight.config import Settings

    return Path(Settings().state_dir).expanduser().resolve() / "spark" / "cluster"


def print_status(status: ClusterStatus) -> None:
    console.out.print(f"master   {status.master_url}")
    console.out.print(f"UI       {status.ui_url}")
    console.out.print(
        f"workers  {status.alive_workers} alive, {status.cores} cores, {status.memory_mb:,} MB"
    )
    running = ", ".join(status.active_apps) or "none"
    console.out.print(f"running  {running}")


@spark_app.command("start")
def start_command(
    port: Annotated[int, typer.Option(metavar="PORT", help="The master's port.")] = 7077,
    ui_port: Annotated[int, typer.Option(metavar="PORT", help="The master's web UI port.")] = 8089,
    workers: Annotated[int, typer.Option(min=1, metavar="N", help="Worker JVMs to start.")] = 2,
    worker_cores: Annotated[
        int, typer.Option(min=1, metavar="N", help="Cores each worker offers.")
    ] = 1,
    worker_memory: Annotated[
        str, typer.Option(metavar="SIZE", help="Memory each worker offers, e.g. 1g.")
    ] = "1g",
    json_output: JsonOption = False,
) -> None:
    """Start a master and its workers on 127.0.0.1, each a JVM of its own (Spark from the
    pyspark package, Java 17), and return once every worker has registered. They keep
    running after this command: `shopsight spark stop` stops them. Worker i's page is on
    the UI port + 2 + i. Exits 1 when a cluster started here is still running or the
    workers do not register within 3 minutes (a port taken, no Java)."""
    from shopsight.spark.cluster import ClusterError, ClusterSpec, start_cluster

    spec = ClusterSpec(
        port=port,
        ui_port=ui_port,
        workers=workers,
        worker_cores=worker_cores,
        worker_memory=worker_memory,
        worker_ui_ports_from=ui_port + 2,
    )
    if not json_output:
        console.err.print(f"starting a master and {workers} workers (about 20 s)...")
    try:
        status = start_cluster(spec, cluster_dir())
    except ClusterError as error:
        console.fail(str(error), code=1)
    if json_output:
        console.print_json(status.to_json())
        return
    print_status(status)
    console.out.print(f"Stop it with `shopsight spark stop`. Logs: {cluster_dir() / 'logs'}")


@spark_app.command("status")
def status_command(json_output: JsonOption = False) -> None:
    """What the master started here reports: workers, cores, memory, running applications.
    Exits 1 when none is running."""
    from shopsight.spark.cluster import cluster_status, recorded_spec

    spec = recorded_spec(cluster_dir())
    status = cluster_status(spec) if spec else None
    if status is None:
        console.fail("no Spark cluster is running from here (`shopsight spark start`)", code=1)
    if json_output:
        console.print_json(status.to_json())
        return
    print_status(status)


@spark_app.command("stop")
def stop_command(json_output: JsonOption = False) -> None:
    """Stop the master and workers `shopsight spark start` started (workers first)."""
    from shopsight.spark.cluster import stop_cluster

    stopped = stop_cluster(cluster_dir())
    if json_output:
        console.print_json({"stopped_processes": stopped})
        return
    console.out.print(
        f"stopped {stopped} Spark processes" if stopped else "no Spark cluster was running"
    )
