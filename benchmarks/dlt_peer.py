"""The dlt peer of bench_ingest.py: the same landed retail_db files loaded by dlt's
filesystem source (`read_csv_duckdb`) into a DuckDB destination. Runs in a virtualenv of its
own (dlt is not a dependency of ShopSight):

    python3 -m venv /tmp/dltvenv && /tmp/dltvenv/bin/pip install "dlt[duckdb,filesystem]"
    /tmp/dltvenv/bin/python benchmarks/dlt_peer.py BUCKET_FOLDER DATABASE_FILE

Prints the rows loaded per table as JSON.
"""

from __future__ import annotations

import json
import sys

import dlt
from dlt.sources.filesystem import filesystem, read_csv_duckdb

TABLES = ["departments", "categories", "products", "customers", "orders", "order_items"]


def main() -> None:
    bucket, database = sys.argv[1], sys.argv[2]
    pipeline = dlt.pipeline(
        pipeline_name="shopsight_peer",
        destination=dlt.destinations.duckdb(database),
        dataset_name="retail_db",
        pipelines_dir=database + ".dlt",
    )
    for table in TABLES:
        files = filesystem(
            bucket_url=f"file://{bucket}/landing/retail_db/{table}", file_glob="dt=*/*.csv"
        )
        pipeline.run((files | read_csv_duckdb(header=False)).with_name(table))
    with pipeline.sql_client() as client:
        counts = {
            table: client.execute_sql(f"select count(*) from {table}")[0][0] for table in TABLES
        }
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
