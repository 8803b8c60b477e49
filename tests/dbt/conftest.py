"""Stores ingested and built once per session for the warehouse tests."""

from __future__ import annotations

import pytest

from built_store import BuiltStore, build_store


@pytest.fixture(scope="session")
def faulty_store(tmp_path_factory) -> BuiltStore:
    """75 days with every fault class: long enough for products to stall."""
    return build_store(tmp_path_factory.mktemp("faulty"), "default", days=75, orders=9000)


@pytest.fixture(scope="session")
def clean_store(tmp_path_factory) -> BuiltStore:
    return build_store(tmp_path_factory.mktemp("clean"), "none", days=20, orders=3000)
