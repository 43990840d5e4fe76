"""Watchlist storage: SQLAlchemy tables, Alembic migrations and the `Store` façade (see `store.py`)."""

from cruce.storage.store import SourceFile, Store, VersionInfo, open_store
from cruce.storage.tables import VersionStatus

__all__ = ["SourceFile", "Store", "VersionInfo", "VersionStatus", "open_store"]
