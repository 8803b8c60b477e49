"""Ingest a landing folder into a throwaway PostgreSQL and print each table's fingerprint.

    .venv/bin/python benchmarks/postgres_fingerprints.py BUCKET_FOLDER > after.json

The fingerprint of a table is its row count and the sum of an md5 hash of every row, the
load ids and load times left out (they differ between two loads of the same files). Run it
from two checkouts on the same folder and compare the outputs: equal fingerprints mean the
two codes loaded, superseded and quarantined the same rows (decision 0052 compared the
text and the binary COPY this way).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import psycopg  # noqa: E402

from shopsight.ingest.ledger import OPS_SCHEMA  # noqa: E402
from shopsight.ingest.loader import ingest  # noqa: E402
from shopsight.ingest.warehouse import connect  # noqa: E402
from shopsight.storage import Bucket  # noqa: E402

from servers import running_postgres  # noqa: E402

# Columns whose values belong to one load, not to the rows: ids, times, run names.
PER_LOAD = {
    "_ingest_id", "_loaded_at", "ingest_id", "loaded_at", "run_id", "started_at",
    "finished_at", "quarantine_id", "quarantined_at", "quarantine_object", "readmitted_in",
    "id", "warning_id",
}  # fmt: skip


def fingerprints(url: str, schemas: list[str]) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    with psycopg.connect(url) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(%s) and table_type = 'BASE TABLE' order by 1, 2",
            [schemas],
        ).fetchall()
        for schema, table in tables:
            columns = [
                name
                for (name,) in connection.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = %s and table_name = %s order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if name not in PER_LOAD
            ]
            row = " || '|' || ".join(f"coalesce({c}::text, '<null>')" for c in columns)
            count, total = connection.execute(
                f"select count(*), sum(('x' || substr(md5({row}), 1, 15))::bit(60)::bigint) "
                f"from {schema}.{table}"
            ).fetchone()
            found[f"{schema}.{table}"] = [count, str(total)]
    return found


def main() -> None:
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "landing").is_dir():
        raise SystemExit("usage: postgres_fingerprints.py BUCKET_FOLDER (holding landing/)")
    work = Path(tempfile.mkdtemp(prefix="shopsight-fingerprints-"))
    try:
        shutil.copytree(Path(sys.argv[1]) / "landing", work / "landing")
        with running_postgres() as url:
            warehouse = connect(url)
            try:
                ingest(Bucket(f"file://{work}"), warehouse)
            finally:
                warehouse.close()
            print(json.dumps(fingerprints(url, ["retail_db", OPS_SCHEMA]), indent=1))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
