"""Steps for the failure drills: one that fails only on its first try, one that always
fails (with a secret in its error), and one that must never run after it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from shopsight.pipeline import Step, StepContext


def _marks() -> Path:
    return Path(os.environ["DRILL_MARKS"])


def flaky(context: StepContext, _: str | None) -> dict[str, Any]:
    tries = _marks() / "flaky-tries"
    count = int(tries.read_text()) + 1 if tries.exists() else 1
    tries.write_text(str(count))
    if count == 1:
        raise RuntimeError("transient: the bucket timed out")
    return {"tries": count}


def broken(context: StepContext, _: str | None) -> dict[str, Any]:
    raise RuntimeError(
        "warehouse unreachable at postgresql://loader:hunter2@db:5432/shop\nconnection refused"
    )


def after_broken(context: StepContext, _: str | None) -> dict[str, Any]:
    (_marks() / "after-broken-ran").write_text("yes")
    return {}


STEPS = [
    Step("flaky", "fails once, then works", flaky, writes_warehouse=False),
    Step("broken", "always fails", broken, upstream=("flaky",), writes_warehouse=False),
    Step("after_broken", "downstream", after_broken, upstream=("broken",), writes_warehouse=False),
]
