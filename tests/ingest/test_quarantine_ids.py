"""Quarantine ids a person can type: short in every listing, any unique prefix accepted."""

from __future__ import annotations

import pytest

from shopsight.ingest.loader import ingest
from shopsight.ingest.quarantine_ids import QuarantineIdError, resolve_ids, short_ids
from shopsight.ingest.status import list_quarantine
from shopsight.ingest.warehouse import connect

from support import fresh_bucket, generate_small_store


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    bucket = fresh_bucket()
    generate_small_store(bucket)
    warehouse = connect(f"duckdb:///{tmp_path_factory.mktemp('ids')}/wh.duckdb")
    ingest(bucket, warehouse)
    yield warehouse
    warehouse.close()


def test_short_ids_are_unique_and_name_their_row_back(warehouse) -> None:
    full = [row["id"] for row in list_quarantine(warehouse)]
    assert len(full) >= 5
    shortened = short_ids(warehouse, full)
    assert len(set(shortened.values())) == len(full)
    assert all(len(short) <= len(long) - 24 for long, short in shortened.items())
    assert resolve_ids(warehouse, list(shortened.values())) == full


def test_an_ambiguous_or_unknown_prefix_is_refused_with_the_way_out(warehouse) -> None:
    rows = list_quarantine(warehouse)
    by_file: dict[str, list[str]] = {}
    for row in rows:
        by_file.setdefault(row["id"].split(":")[0], []).append(row["id"])
    several = next(ids for ids in by_file.values() if len(ids) > 1)
    with pytest.raises(QuarantineIdError, match=r"matches \d+ rows: add :LINE"):
        resolve_ids(warehouse, [several[0].split(":")[0][:8]])
    with pytest.raises(QuarantineIdError, match="no quarantined row"):
        resolve_ids(warehouse, ["00000000:1"])
    with pytest.raises(QuarantineIdError, match="expected hex digits"):
        resolve_ids(warehouse, ["x%:1"])
