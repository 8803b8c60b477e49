"""The demo's story: every fault the generator injected was caught exactly as its manifest
says, and what is left open is listed with the command that resolves it.

``make run`` ends with this check: the daily run itself stays red on the demo store (its
faults make files untrusted, as they should), while the demo as a whole succeeds when ShopSight
caught each fault the way the manifests in ``manifests/<source>/`` predict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from shopsight.generate.export import reexport_key
from shopsight.generate.faults import FaultRecord, read_fault_manifests
from shopsight.ingest.ledger import OPS_SCHEMA
from shopsight.ingest.problems import Problem, open_problems
from shopsight.ingest.warehouse import Warehouse
from shopsight.storage import Bucket

SOURCES = ("retail_db", "thelook", "transactions")


@dataclass
class DemoCheck:
    """Faults injected, how many were caught as predicted, and the ones that were not."""

    faults: int = 0
    missed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)  # links, oldest first
    # Untrusted files the store re-exported whole: (problem, the re-export's local file).
    reexports: list[tuple[Problem, str]] = field(default_factory=list)

    @property
    def caught(self) -> bool:
        return self.faults > 0 and not self.missed

    def to_json(self) -> dict[str, Any]:
        return {
            "faults": self.faults,
            "caught_as_predicted": self.faults - len(self.missed),
            "missed": self.missed,
            "open_problems": [p.to_json() for p in self.problems],
            "reports": self.reports,
        }


def check_demo(bucket: Bucket, warehouse: Warehouse) -> DemoCheck:
    """Compare every manifest's faults with the ledger and the quarantine."""
    check = DemoCheck()
    ledger = {
        path: (status, reason, json.loads(warnings))
        for path, status, reason, warnings in warehouse.query(
            f"select path, status, reason, warnings from {OPS_SCHEMA}.ingest_ledger"
        )
    }
    quarantine = {
        (path, line): (reason, column)
        for path, line, reason, column in warehouse.query(
            f"select path, line_number, reason, column_name from {OPS_SCHEMA}.quarantine"
        )
    }
    for source in SOURCES:
        for fault in read_fault_manifests(bucket, source):
            check.faults += 1
            problem = _mismatch(fault, ledger.get(fault.path), quarantine)
            if problem:
                check.missed.append(f"{fault.fault} in {fault.path}: {problem}")
    check.problems = open_problems(warehouse)
    check.reports = [bucket.link(info.key) for info in bucket.list("reports/")]
    for untrusted in check.problems:
        fixed = bucket.local_path(reexport_key(untrusted.path))
        if fixed and bucket.exists(reexport_key(untrusted.path)):
            check.reexports.append((untrusted, fixed))
    return check


def _mismatch(
    fault: FaultRecord,
    ledger: tuple[str, str | None, dict[str, int]] | None,
    quarantine: dict[tuple[str, int | None], tuple[str, str | None]],
) -> str | None:
    """What differs from the manifest's prediction, or None when the fault was caught so."""
    if ledger is None:
        return "the file was never ingested"
    status, reason, warnings = ledger
    kept = quarantine.get((fault.path, fault.line))
    if fault.outcome == "file_quarantined":
        ok = (status, reason) == ("quarantined", fault.reason)
        return None if ok else f"expected the file quarantined as {fault.reason}, got {status}"
    if fault.outcome == "rejected":
        ok = kept == (fault.reason, fault.column)
        return None if ok else f"expected line {fault.line} quarantined as {fault.reason}"
    if fault.outcome == "warning":
        codes = {code.split(":")[0] for code in warnings}  # per rule: reason:column
        ok = fault.reason in codes and kept is None
        return None if ok else f"expected a {fault.reason} warning"
    return None if status == "loaded" and kept is None else "expected it loaded as is"
