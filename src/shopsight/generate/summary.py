"""What every generator shares: the request check, its error, and the run's summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shopsight.generate.faults import FaultRecord


class GenerationError(ValueError):
    """The request cannot be generated (e.g. it conflicts with what the bucket holds)."""


def check_request(days: int, amount: int, amount_option: str, faults: str) -> None:
    """Raise GenerationError for a non-positive size or an unknown fault mode."""
    if days < 1 or amount < 1:
        raise GenerationError(f"--days and {amount_option} must be at least 1")
    if faults not in ("none", "default"):
        raise GenerationError(f"--faults must be 'none' or 'default', not {faults!r}")


@dataclass
class GenerationSummary:
    """What a generate run wrote: files, rows per table, and the faults it injected."""

    start: date
    days: int
    rows: dict[str, int]
    files: int = 0
    faults: list[FaultRecord] = field(default_factory=list)
    manifest: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat(),
            "days": self.days,
            "files": self.files,
            "rows": self.rows,
            "faults": len(self.faults),
            "manifest": self.manifest,
        }
