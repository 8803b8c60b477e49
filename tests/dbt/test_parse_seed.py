"""A new DuckDB warehouse's first dbt command starts from the parse dbt kept for another
warehouse of the same name, not from a full parse (src/shopsight/dbt_parse.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from shopsight.build import dbt_target_dir, run_dbt
from shopsight.dbt_parse import PARSE_FILE


def parse(url: str) -> list[str]:
    """`dbt parse` of the project for ``url``: dbt's messages about how it parsed."""
    said: list[str] = []

    def on_event(event: Any) -> None:
        if "Pars" in event.info.name:
            said.append(event.info.msg)

    assert run_dbt(url, ["parse"], on_event).success
    return said


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSIGHT_STATE_DIR", str(tmp_path / "state"))


def test_a_new_warehouse_starts_from_the_parse_of_one_with_its_name(tmp_path: Path) -> None:
    first, second = (f"duckdb:///{tmp_path}/{d}/warehouse.duckdb" for d in ("one", "two"))
    assert any("saved manifest not found" in line for line in parse(first))
    # Another folder, the same database name: dbt checks the copy and uses it whole (every
    # model's file unchanged; a variable read while parsing would make it parse them all).
    said = parse(second)
    assert "Partial parsing enabled: 0 files deleted, 0 files added, 0 files changed." in said
    assert not any("Unable to do partial parsing" in line for line in said), said
    # Another name is another database in every relation dbt parsed: a full parse.
    other = parse(f"duckdb:///{tmp_path}/three/wh.duckdb")
    assert any("saved manifest not found" in line for line in other)


def test_a_copy_dbt_cannot_read_costs_only_a_full_parse(tmp_path: Path) -> None:
    """The sibling's parse half-written (or from another dbt): the new warehouse parses in
    full and keeps a parse of its own."""
    broken = dbt_target_dir(f"duckdb:///{tmp_path}/one/warehouse.duckdb") / PARSE_FILE
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"\x93not a manifest")
    second = f"duckdb:///{tmp_path}/two/warehouse.duckdb"
    said = parse(second)
    assert not any("Partial parsing enabled" in line for line in said), said
    kept = dbt_target_dir(second) / PARSE_FILE
    assert kept.stat().st_size > 100_000 and kept.read_bytes() != broken.read_bytes()
