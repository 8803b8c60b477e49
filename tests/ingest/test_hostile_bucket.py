"""A hostile bucket, through the command a user runs: objects at paths that are not landing
paths (dt=9999-99-99, dt=2024-02-30, no dt= folder), a byte-order mark, a header of 5,000
columns, and a same-size re-delivery dated in the past, all in one batch with clean files.
Each run ends with 0, 1 or 2 and no traceback; the clean files load; the next run is not
blocked (issue 29, "done when")."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

from shopsight.generate.thelook_export import generate_thelook
from shopsight.storage import Bucket

from support import shopsight

USERS = "landing/thelook/users/dt={day}/part-00000.csv"
ORDERS_DAY_1 = "landing/thelook/orders/dt=2024-03-01/part-00000.csv"
LONG_AGO = 946_684_800  # 2000-01-01


def _ingest(bucket: Path, warehouse: Path) -> tuple[int, dict]:
    done = shopsight(
        "ingest", "--source", "thelook", "--bucket", f"file://{bucket}",
        "--warehouse", f"duckdb:///{warehouse}", "--json",
    )  # fmt: skip
    assert done.returncode in (0, 1, 2), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "unexpected" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}


def test_a_hostile_bucket_blocks_nothing(tmp_path) -> None:
    root = tmp_path / "bucket"
    generate_thelook(Bucket(f"file://{root}"), date(2024, 3, 1), 2, 100, 5, "none")
    clean = root / USERS.format(day="2024-03-02")
    for bad in ("9999-99-99", "2024-02-30"):
        (root / USERS.format(day=bad)).parent.mkdir(parents=True)
        shutil.copy(clean, root / USERS.format(day=bad))
    shutil.copy(clean, root / "landing/thelook/users/part-00000.csv")  # no dt= folder
    bom = root / USERS.format(day="2024-03-01")
    bom.write_bytes(b"\xef\xbb\xbf" + bom.read_bytes())
    wide = root / ORDERS_DAY_1
    header, rest = wide.read_text().split("\n", 1)
    wide.write_text(header + "".join(f",extra_{n}" for n in range(5000)) + "\n" + rest)
    warehouse = tmp_path / "wh.duckdb"

    code, first = _ingest(root, warehouse)
    status = {f["path"]: (f["status"], f["reason"]) for f in first["files"]}
    ignored = {item["key"]: item["reason"] for item in first["ignored_objects"]}

    assert code == 1  # the wide file is quarantined: the run cannot be trusted
    assert status[ORDERS_DAY_1] == ("quarantined", "header_too_wide")
    assert status[USERS.format(day="2024-03-01")] == ("loaded", None)  # the BOM was dropped
    assert status[USERS.format(day="2024-03-02")] == ("loaded", None)
    assert {USERS.format(day="9999-99-99"), USERS.format(day="2024-02-30")} <= set(ignored)
    assert "landing/thelook/users/part-00000.csv" in ignored
    clean_files = [p for p in status if p != ORDERS_DAY_1]
    assert clean_files and all(status[p] == ("loaded", None) for p in clean_files)

    code, second = _ingest(root, warehouse)  # the next run: nothing new, nothing blocked
    assert code == 1 and second["files"] == []  # still untrusted until someone resolves it
    assert {item["key"] for item in second["ignored_objects"]} == set(ignored)  # still shown

    # The clean users file re-delivered with the same size, other content and an old time.
    data = bytearray(clean.read_bytes())
    data[-3] = ord("7") if data[-3] != ord("7") else ord("3")
    clean.write_bytes(bytes(data))
    os.utime(clean, (LONG_AGO, LONG_AGO))
    code, third = _ingest(root, warehouse)
    assert code == 1
    assert [(f["path"], f["reason"]) for f in third["files"]] == [
        (USERS.format(day="2024-03-02"), "redelivered_with_new_content")
    ]
    code, fourth = _ingest(root, warehouse)
    assert fourth["files"] == []
