"""A command imports what it runs, not what the other commands run (decision 0061): the
command tree, every command's help and a usage error load none of the engines, and an
expected error still ends in one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# What the commands run on: none of it is needed to list, explain or refuse a command.
ENGINES = ("duckdb", "pyarrow", "numpy", "dbt", "pyspark", "metricflow", "matplotlib", "boto3")

PROBE = """
import json, sys
sys.argv = ["shopsight", *json.loads(sys.argv[1])]
from shopsight.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


def modules_loaded(*arguments: str) -> tuple[set[str], str]:
    """The top-level modules a `shopsight` process loaded to answer ``arguments``, and its
    output."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(arguments)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    *said, loaded = done.stderr.strip().splitlines()
    return set(json.loads(loaded)), done.stdout + "\n".join(said)


@pytest.mark.parametrize(
    "arguments",
    [
        ("--help",),
        ("build", "--help"),
        ("generate", "thelook", "--help"),
        ("ingest", "--source", "nope", "--help"),
        ("run", "--date", "2024-13-01"),  # a usage error: one line, before anything runs
        ("report", "--no-such-option"),
    ],
    ids=" ".join,
)
def test_help_and_usage_errors_load_no_engine(arguments: tuple[str, ...]) -> None:
    loaded, output = modules_loaded(*arguments)
    assert output.strip(), arguments  # it answered
    assert sorted(loaded & set(ENGINES)) == [], output[-500:]


def test_a_command_still_loads_what_it_runs_and_names_an_expected_error(tmp_path) -> None:
    """`status` on a warehouse that does not exist: the warehouse code ran (DuckDB is
    loaded) and its error, raised inside the command, is one line."""
    missing = tmp_path / "nowhere.duckdb"
    loaded, output = modules_loaded("status", "--warehouse", f"duckdb:///{missing}")
    assert "duckdb" in loaded
    assert output.strip().startswith("error:") and len(output.strip().splitlines()) == 1, output
    assert "Traceback" not in output and not missing.exists()
