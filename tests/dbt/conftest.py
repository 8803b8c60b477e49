"""Stores ingested and built once per session for the warehouse tests."""

from __future__ import annotations

import pytest

from built_store import BuiltStore, build_store, build_web_store


@pytest.fixture(scope="session")
def faulty_store(tmp_path_factory) -> BuiltStore:
    """75 days with every fault class: long enough for products to stall."""
    return build_store(tmp_path_factory.mktemp("faulty"), "default", days=75, orders=9000)


@pytest.fixture(scope="session")
def clean_store(tmp_path_factory) -> BuiltStore:
    return build_store(tmp_path_factory.mktemp("clean"), "none", days=20, orders=3000)


@pytest.fixture(scope="session")
def web_store(tmp_path_factory) -> BuiltStore:
    """The web shop without faults: every count can be checked exactly against the files."""
    return build_web_store(tmp_path_factory.mktemp("web"), "none", days=21, users=1500)


@pytest.fixture(scope="session")
def faulty_web_store(tmp_path_factory) -> BuiltStore:
    return build_web_store(tmp_path_factory.mktemp("faulty-web"), "default", days=14, users=1200)
