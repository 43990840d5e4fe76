"""Batch work at scale: Parquet beside CSV, DuckDB analytics over batch outputs, and the Spark engine."""
