"""A real Spark standalone cluster for the module's tests (a master and two workers, each a
JVM of its own), started and stopped with `shopsight spark` as `make spark` does, on free
ports and with a state folder of its own."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator

import pytest

from shopsight.spark.cluster import ClusterSpec

from support import shopsight


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterSpec]:
    env = {**os.environ, "SHOPSIGHT_STATE_DIR": str(tmp_path_factory.mktemp("spark-state"))}
    spec = ClusterSpec(port=free_port(), ui_port=free_port(), workers=2)
    started = shopsight(
        "spark",
        "start",
        "--port",
        str(spec.port),
        "--ui-port",
        str(spec.ui_port),
        "--workers",
        "2",
        "--json",
        env=env,
    )
    assert started.returncode == 0, started.stderr
    status = json.loads(shopsight("spark", "status", "--json", env=env).stdout)
    assert (status["alive_workers"], status["master_url"]) == (2, spec.master_url)
    again = shopsight("spark", "start", "--port", str(spec.port), env=env)
    assert again.returncode == 1 and "already running" in again.stderr
    yield spec
    stopped = shopsight("spark", "stop", "--json", env=env)
    assert json.loads(stopped.stdout) == {"stopped_processes": 3}
    assert shopsight("spark", "status", env=env).returncode == 1
