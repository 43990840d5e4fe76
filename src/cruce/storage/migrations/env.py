"""Alembic environment for cruce's schema.

`open_store` runs the upgrade itself and hands its open connection over in `config.attributes`, so the
product never needs an alembic.ini in the working directory. For developers writing a new revision:

    alembic -c src/cruce/storage/migrations/alembic.ini -x url=sqlite:///tmp/dev.db \
        revision --autogenerate -m "what changed"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from cruce.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def _url_from_command_line() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("give the database as: alembic -x url=<sqlalchemy url> ...")
    return url


def _configure(connection: Connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    if context.is_offline_mode():
        context.configure(url=_url_from_command_line(), target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    engine = create_engine(_url_from_command_line(), poolclass=pool.NullPool)
    with engine.begin() as conn:
        _configure(conn)
    engine.dispose()


run()
