"""A Spark standalone cluster on this machine: a master and its workers, each a JVM of its
own, started from the Spark that the `pyspark` wheel ships (no download) and Debian's Java.

`start_cluster` leaves the JVMs running after the command that started them exits (`make
spark`), and records them in ``<state dir>/spark/cluster.json``; `stop_cluster` stops exactly
those processes. The master's status page (``http://HOST:UI_PORT/json/``) is the one source
of truth for what runs: the workers that registered and the applications they serve.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyspark

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
START_TIMEOUT_SECONDS = 180.0  # JVM start-up is 5-10 s a process on 2 busy cores
STOP_TIMEOUT_SECONDS = 30.0


class ClusterError(RuntimeError):
    """The cluster could not be started, found or stopped; the message says what to do."""


@dataclass(frozen=True)
class ClusterSpec:
    """What to start: where the master listens and what each worker offers."""

    host: str = "127.0.0.1"
    port: int = 7077
    ui_port: int = 8089
    workers: int = 2
    worker_cores: int = 1
    worker_memory: str = "1g"
    worker_ui_ports_from: int = 8091  # worker i serves its page on this port + i; 0: any

    @property
    def master_url(self) -> str:
        return f"spark://{self.host}:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.ui_port}"

    def worker_ui_port(self, index: int) -> int:
        return self.worker_ui_ports_from + index if self.worker_ui_ports_from else 0


@dataclass
class ClusterStatus:
    """The master's own account of the cluster."""

    master_url: str
    ui_url: str
    alive_workers: int
    cores: int
    memory_mb: int
    active_apps: list[str] = field(default_factory=list)
    completed_apps: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def spark_home() -> Path:
    """The Spark installation inside the `pyspark` package (its `bin/` and `jars/`)."""
    return Path(pyspark.__file__).parent


def java_command() -> str:
    """The `java` on the PATH (Spark needs 17 or later), or a ClusterError saying how to
    install it."""
    java = shutil.which("java")
    if java is None:
        raise ClusterError(
            "java not found: Spark needs Java 17 (Debian: apt-get install "
            "openjdk-17-jre-headless; `make spark` installs it)"
        )
    return java


def start_cluster(spec: ClusterSpec, work_dir: Path) -> ClusterStatus:
    """Start a master and ``spec.workers`` workers, and return once every worker has
    registered with the master. Logs go to ``work_dir/logs``. Raises ClusterError when one
    is already recorded there and alive, a port is taken, or the workers do not register in
    time (the JVMs started are then stopped, and the error quotes the master's log)."""
    java_command()
    if _alive_pids(work_dir):
        raise ClusterError(
            f"a cluster is already running from {work_dir} (`shopsight spark status`; "
            "`shopsight spark stop` stops it)"
        )
    logs = work_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    master = _launch(
        [
            MASTER_CLASS,
            "--host",
            spec.host,
            "--port",
            str(spec.port),
            "--webui-port",
            str(spec.ui_port),
        ],
        logs / "master.log",
    )
    pids = [master.pid]
    _record(work_dir, spec, pids)
    try:
        _wait_for(lambda: _master_json(spec) is not None, spec, logs / "master.log", "master")
        for index in range(spec.workers):
            worker = _launch(
                [
                    WORKER_CLASS,
                    spec.master_url,
                    "--host",
                    spec.host,
                    "--cores",
                    str(spec.worker_cores),
                    "--memory",
                    spec.worker_memory,
                    "--webui-port",
                    str(spec.worker_ui_port(index)),
                    "--work-dir",
                    str(work_dir / f"worker-{index}"),
                ],
                logs / f"worker-{index}.log",
            )
            pids.append(worker.pid)
            _record(work_dir, spec, pids)
        _wait_for(
            lambda: (
                (status := cluster_status(spec)) is not None
                and status.alive_workers >= spec.workers
            ),
            spec,
            logs / "worker-0.log",
            f"{spec.workers} workers",
        )
    except ClusterError:
        stop_cluster(work_dir)
        raise
    status = cluster_status(spec)
    assert status is not None  # it answered just above
    return status


def stop_cluster(work_dir: Path) -> int:
    """Stop the JVMs recorded in ``work_dir`` (workers first), waiting for each to exit.
    Returns how many were running."""
    pids = _alive_pids(work_dir)
    for pid in reversed(pids):
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while (left := [pid for pid in pids if _is_spark_process(pid)]) and time.monotonic() < deadline:
        _reap(pids)
        time.sleep(0.2)
    for pid in left:
        _signal(pid, signal.SIGKILL)
    _reap(pids)
    (work_dir / "cluster.json").unlink(missing_ok=True)
    return len(pids)


def recorded_spec(work_dir: Path) -> ClusterSpec | None:
    """The spec of the cluster started from ``work_dir``, if one is recorded there."""
    try:
        record = json.loads((work_dir / "cluster.json").read_text())
    except FileNotFoundError:
        return None
    return ClusterSpec(**record["spec"])


def cluster_status(spec: ClusterSpec) -> ClusterStatus | None:
    """What the master at ``spec`` reports, or None when nothing answers there."""
    state = _master_json(spec)
    if state is None:
        return None
    alive = [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]
    return ClusterStatus(
        master_url=spec.master_url,
        ui_url=spec.ui_url,
        alive_workers=len(alive),
        cores=sum(int(w.get("cores", 0)) for w in alive),
        memory_mb=sum(int(w.get("memory", 0)) for w in alive),
        active_apps=[app.get("name", "") for app in state.get("activeapps", [])],
        completed_apps=[app.get("name", "") for app in state.get("completedapps", [])],
    )


def _launch(arguments: list[str], log: Path) -> subprocess.Popen[bytes]:
    """One Spark JVM in a session of its own, so it outlives the command that started it."""
    home = spark_home()
    environment = {
        **os.environ,
        "SPARK_HOME": str(home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "SPARK_NO_DAEMONIZE": "1",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(home / "bin" / "spark-class"), *arguments],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
            start_new_session=True,
        )


def _record(work_dir: Path, spec: ClusterSpec, pids: list[int]) -> None:
    record = {"spec": asdict(spec), "pids": pids}
    (work_dir / "cluster.json").write_text(json.dumps(record, indent=2))


def _alive_pids(work_dir: Path) -> list[int]:
    try:
        record = json.loads((work_dir / "cluster.json").read_text())
    except FileNotFoundError:
        return []
    return [pid for pid in record["pids"] if _is_spark_process(pid)]


def _is_spark_process(pid: int) -> bool:
    """Whether ``pid`` is still one of Spark's JVMs (a recycled pid is not)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    return b"org.apache.spark.deploy" in command and _state(pid) != "Z"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return "Z"


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def _reap(pids: list[int]) -> None:
    """Collect the exit of those this process started (the others' parent does)."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def _master_json(spec: ClusterSpec) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"{spec.ui_url}/json/", timeout=5) as response:
            return dict(json.load(response))
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return None


def _wait_for(ready: Any, spec: ClusterSpec, log: Path, what: str) -> None:
    """Poll ``ready`` until it holds, for at most START_TIMEOUT_SECONDS."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not ready():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
            raise ClusterError(
                f"the {what} did not come up at {spec.master_url} within "
                f"{START_TIMEOUT_SECONDS:.0f} s (is port {spec.port} or {spec.ui_port} taken?); "
                f"{log}: {' | '.join(tail) or 'empty'}"
            )
        time.sleep(0.5)
