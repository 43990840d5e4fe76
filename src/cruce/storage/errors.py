"""Database failures as cruce errors: one reading of a driver's message, one wrapping of reads and writes.

Every store turns SQLAlchemy's exceptions into `StorageError` (the database failed) or, for a broken
constraint, `InputError("conflict")` (the request clashes with what is stored), with the driver's first line
as the reason, so no caller ever sees a raw driver error or a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from cruce.core.errors import InputError, StorageError
from cruce.storage.transactions import begin_write


def database_reason(exc: SQLAlchemyError) -> str:
    """The first line of what the driver said, without SQLAlchemy's wrapping and SQL echo."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


@contextmanager
def reading(engine: Engine, what: str = "the database") -> Iterator[Connection]:
    """A connection for reads; a failure mid-read says which tables could not be read."""
    try:
        with engine.connect() as conn:
            yield conn
    except SQLAlchemyError as exc:
        raise StorageError("database_error", f"{what} could not be read: {database_reason(exc)}") from exc


@contextmanager
def writing(engine: Engine, what: str) -> Iterator[Connection]:
    """A write transaction that waits its turn (`transactions.begin_write`); `what` ("store the access
    token") names the write in any error."""
    try:
        with begin_write(engine, what) as conn:
            yield conn
    except IntegrityError as exc:
        raise InputError("conflict", f"could not {what}: {database_reason(exc)}") from exc
    except SQLAlchemyError as exc:
        raise StorageError("database_error", f"could not {what}: {database_reason(exc)}") from exc
