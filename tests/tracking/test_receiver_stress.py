"""The receiver under stress: slow clients, too many connections, hostile bodies, and a
spool left by a worker whose PID now belongs to another process."""

from __future__ import annotations

import json
import os
import socket
import threading
from urllib.parse import urlparse

from shopsight.storage import Bucket
from shopsight.tracking.spool import Spool
from shopsight.tracking.worker import OWNER_LOCK, hold_folder, recover_orphans

from receiver_process import free_port, landed, post, running, start, tracking_event

SLOW = {
    "SHOPSIGHT_WEBHOOK_HEADER_TIMEOUT_SECONDS": "1",
    "SHOPSIGHT_WEBHOOK_READ_TIMEOUT_SECONDS": "1",
}


def _connect(url: str) -> socket.socket:
    address = urlparse(url)
    connection = socket.create_connection((address.hostname, address.port), timeout=20)
    return connection


def _closed_by_server(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes (bounded by the socket's timeout)."""
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    return received


def test_slow_headers_are_cut_off_and_others_are_still_served(tmp_path) -> None:
    bucket = f"file://{tmp_path}/bucket"
    with running(bucket, tmp_path / "spool", settings=SLOW) as url:
        slow = [_connect(url) for _ in range(50)]
        for connection in slow:
            connection.sendall(b"POST /webhooks/aftership HTTP/1.1\r\nHost: x\r\n")
        for connection in slow:
            assert _closed_by_server(connection) == b""  # closed, nothing answered
            connection.close()
        assert post(url, tracking_event(1)).status_code == 200


def _peak_memory_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def _send_until_cut_off(url: str, header_bytes: int) -> None:
    """Send one request whose header never ends, up to ``header_bytes``, until the server
    closes the connection."""
    connection = _connect(url)
    block = b"X-Pad: " + b"a" * (64 << 10) + b"\r\n"
    try:
        connection.sendall(b"POST /webhooks/aftership HTTP/1.1\r\nHost: x\r\nX-Big: ")
        for _ in range(header_bytes // len(block)):
            connection.sendall(block)
    except OSError:  # reset or broken pipe: the server cut it off
        pass
    finally:
        connection.close()


def test_headers_past_the_cap_get_431_and_memory_stays_bounded(tmp_path) -> None:
    port = free_port()
    process = start(f"file://{tmp_path}/bucket", tmp_path / "spool", port)
    url = f"http://127.0.0.1:{port}"
    try:
        assert post(url, tracking_event(1)).status_code == 200
        before = _peak_memory_kib(process.pid)
        # One request line and headers just past the 64 KiB cap: read whole, then 431.
        connection = _connect(url)
        connection.sendall(
            b"POST /webhooks/aftership?" + b"q" * (70 << 10) + b" HTTP/1.1\r\nHost: x\r\n"
        )
        answer = _closed_by_server(connection)
        connection.close()
        # Eight clients at once, each sending a 16 MiB header that never ends.
        clients = [
            threading.Thread(target=_send_until_cut_off, args=(url, 16 << 20)) for _ in range(8)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(timeout=120)
        grown_mib = (_peak_memory_kib(process.pid) - before) / 1024
        assert post(url, tracking_event(2)).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert answer.startswith(b"HTTP/1.1 431"), answer[:200]
    assert b"exceed 65536 bytes" in answer
    assert not any(client.is_alive() for client in clients)
    assert grown_mib < 32, f"the receiver held {grown_mib:.0f} MiB of 128 MiB of headers"


def test_a_slow_body_gets_408(tmp_path) -> None:
    with running(f"file://{tmp_path}/bucket", tmp_path / "spool", settings=SLOW) as url:
        connection = _connect(url)
        connection.sendall(
            b"POST /webhooks/aftership HTTP/1.1\r\nHost: x\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":'
        )
        answer = _closed_by_server(connection)
        connection.close()
    assert answer.startswith(b"HTTP/1.1 408")


def test_connections_beyond_the_cap_get_503(tmp_path) -> None:
    settings = {"SHOPSIGHT_WEBHOOK_MAX_CONNECTIONS": "3"}
    with running(f"file://{tmp_path}/bucket", tmp_path / "spool", settings=settings) as url:
        held = [_connect(url) for _ in range(3)]
        for connection in held:
            connection.sendall(b"POST /webhooks/aftership HTTP/1.1\r\n")
        refused = post(url, tracking_event(1))
        for connection in held:
            connection.close()
    assert refused.status_code == 503


def test_a_body_nested_too_deeply_goes_to_the_dead_letter(tmp_path) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    with running(bucket.url, tmp_path / "spool") as url:
        answer = post(url, b"[" * 5000 + b"]" * 5000)
    assert answer.status_code == 202
    assert answer.json()["reason"] == "JSON nested too deeply"
    [dead] = landed(bucket, "raw/aftership/dead_letter/")
    assert dead["reason"] == "JSON nested too deeply"


def test_a_dead_workers_spool_is_recovered_even_if_its_pid_was_reused(tmp_path) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    root = tmp_path / "spool"
    # worker-1: PID 1 is alive (it always is), but no process holds the folder's lock.
    orphan = root / "worker-1"
    with hold_folder(orphan):
        Spool(orphan, bucket).append(
            "event", {"received_at": "2024-06-01T10:00:00+00:00", "body": tracking_event(1)}
        )
    busy = root / f"worker-{os.getpid() + 1}"
    with hold_folder(busy):  # a live owner: left alone
        Spool(busy, bucket).append(
            "event", {"received_at": "2024-06-01T10:00:00+00:00", "body": tracking_event(2)}
        )
        assert recover_orphans(root, bucket) == 1
        assert busy.exists() and (busy / OWNER_LOCK).exists()
    assert not orphan.exists()
    assert [r["body"]["msg"]["id"] for r in landed(bucket)] == ["trk00000001"]
    assert json.dumps(landed(bucket))


def test_an_event_is_stored_as_signed_even_when_pretty_printed(tmp_path) -> None:
    bucket = Bucket(f"file://{tmp_path}/bucket")
    event = tracking_event(7)
    body = json.dumps(event, indent=2).encode()  # line breaks between tokens
    with running(bucket.url, tmp_path / "spool") as url:
        answer = post(url, body)
        assert answer.status_code == 200
        assert answer.json() == {"accepted": True, "event_id": event["event_id"]}
    [stored] = landed(bucket)
    assert stored["body"] == event and stored["received_at"].endswith("+00:00")
