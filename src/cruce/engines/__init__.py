"""Engines beyond one machine. Only this package imports pyspark (an import-linter contract says so)."""
