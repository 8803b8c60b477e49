"""Real servers on 127.0.0.1 for tests and benchmarks: PostgreSQL and an S3 endpoint.

PostgreSQL is Debian's (``make postgres`` installs it), initialised in a temp folder; the S3
endpoint is moto in server mode.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    # initdb refuses to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a throwaway PostgreSQL server; yield its URL; stop and delete it."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL binaries not found: run `make postgres`")
    bin_dir = os.path.dirname(found[-1])
    data = tempfile.mkdtemp(prefix="shopsight-pg-")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    port = free_port()
    initdb = [f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    subprocess.run(_as_postgres(initdb), check=True, capture_output=True)
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = [f"{bin_dir}/pg_ctl", "-D", data, "-w", "-l", f"{data}/server.log", "-o", options]
    subprocess.run(_as_postgres([*start, "start"]), check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop = [f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]
        subprocess.run(_as_postgres(stop), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


@contextmanager
def running_s3() -> Iterator[str]:
    """Start moto's S3 server; yield its endpoint URL with test credentials in the env."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "SHOPSIGHT_S3_ENDPOINT_URL")
    previous = {name: os.environ.get(name) for name in names}
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(dict(zip(names, ("test", "test", endpoint), strict=True)))
    try:
        yield endpoint
    finally:
        server.stop()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
