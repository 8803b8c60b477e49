"""A batch's rows are split by file for the Parquet history without losing or reordering a
row: in runs as DuckDB stages them, and in no useful order (sorted first)."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from shopsight.ingest import history


def batch(order: list[tuple[str, int]]) -> pa.Table:
    return pa.table({"_ingest_id": [load for load, _ in order], "line": [n for _, n in order]})


def by_load(order: list[tuple[str, int]]) -> dict[str, list[int]]:
    expected: dict[str, list[int]] = {}
    for load, line in order:
        expected.setdefault(load, []).append(line)
    return expected


def split(rows: pa.Table) -> dict[str, list[int]]:
    return {
        load: part.column("line").to_pylist() for load, part in history._split_by_load(rows).items()
    }


def test_runs_of_each_file_are_put_together_in_the_batchs_order() -> None:
    # Two threads' shares of a scan: each file's rows come in two runs.
    order = [("a", 1), ("a", 2), ("b", 1), ("a", 3), ("b", 2), ("b", 3), ("c", 1)]
    assert split(batch(order)) == by_load(order)


@pytest.mark.parametrize("max_runs", [0, 1_000_000])
def test_rows_in_no_useful_order_are_sorted_stably_or_kept_in_runs(monkeypatch, max_runs) -> None:
    shuffle = random.Random(7)
    order = [(f"load{shuffle.randrange(5)}", line) for line in range(2_000)]
    monkeypatch.setattr(history, "MAX_RUNS", max_runs)
    assert split(batch(order)) == by_load(order)


def test_an_empty_batch_has_no_parts() -> None:
    assert history._split_by_load(batch([])) == {}
