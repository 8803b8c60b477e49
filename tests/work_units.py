"""The suite's work units for `--dist loadfile` (decision 0064).

pytest-xdist gives each worker whole test files, so that a file's module fixtures are made
once. The stores tests/dbt/conftest.py builds once per session are built once per
*worker*: a file using one on each worker built it twice (20-50 s each, four stores).
The files sharing those stores are therefore one work unit, run by one worker.
"""

from __future__ import annotations

import pytest
from xdist.scheduler import LoadFileScheduling

# The session fixtures of tests/dbt/conftest.py, and the files that use them.
BUILT_ONCE = frozenset({"faulty_store", "clean_store", "web_store", "faulty_web_store"})
SHARING = frozenset(
    f"tests/dbt/{name}.py"
    for name in (
        "test_campaigns",
        "test_completeness",
        "test_docs",
        "test_marts",
        "test_metrics",
        "test_reconcile",
        "test_resources",
        "test_web_marts",
    )
)
SHARED_UNIT = "tests/dbt, the files using the stores built once"


class FilesAndSharedStores(LoadFileScheduling):
    """A work unit per file, but one for the files in SHARING."""

    def _split_scope(self, nodeid: str) -> str:
        path = super()._split_scope(nodeid)
        return SHARED_UNIT if path in SHARING else path


def check_sharing(items: list[pytest.Item]) -> None:
    """A test file under tests/dbt that uses a store built once must be in SHARING."""
    using = {
        item.nodeid.split("::")[0]
        for item in items
        if item.path.parent.name == "dbt" and BUILT_ONCE & set(item.fixturenames)
    }
    if missing := sorted(using - SHARING):
        raise pytest.UsageError(
            f"{', '.join(missing)}: uses a store of tests/dbt/conftest.py; add it to "
            "SHARING in tests/work_units.py"
        )
