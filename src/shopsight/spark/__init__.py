"""Apache Spark: a standalone cluster on this machine, and the engine that reads the open
Parquet history (docs/spark.md)."""
