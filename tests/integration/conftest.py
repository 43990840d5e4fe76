"""Database fixtures for integration tests: a fresh SQLite file, or a private schema in PostgreSQL.

PostgreSQL comes from `CRUCE_TEST_POSTGRES_URL` (default: the local trust-auth server). When it does not
answer, PostgreSQL tests skip with the reason, unless `CRUCE_REQUIRE_POSTGRES=1` (set by CI), where they fail:
a CI run that silently skipped them would prove nothing about PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import URL, make_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _libpq_url(url: URL) -> str:
    """The same URL in the form psycopg.connect takes (no `+psycopg`, no SQLAlchemy-only parts)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_server_url() -> URL:
    """The PostgreSQL server the tests may use; skips (or fails under CRUCE_REQUIRE_POSTGRES) if down."""
    raw = os.environ.get("CRUCE_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    url = make_url(raw)
    try:
        import psycopg

        psycopg.connect(_libpq_url(url), connect_timeout=3).close()
    except Exception as exc:  # any failure: driver missing, refused, bad auth, no database
        reason = f"PostgreSQL at {url.render_as_string(hide_password=True)} is not usable: {exc}".strip()
        if os.environ.get("CRUCE_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} (CRUCE_REQUIRE_POSTGRES=1 forbids skipping)", pytrace=False)
        pytest.skip(reason)
    return url


@pytest.fixture
def postgres_url(postgres_server_url: URL) -> Iterator[str]:
    """A SQLAlchemy URL whose connections live in a new, empty schema, dropped after the test.

    The schema is chosen through libpq's `options=-csearch_path=...`, so the code under test needs no
    knowledge of it, parallel workers never see each other's tables, and re-runs start clean.
    """
    import psycopg
    from psycopg import sql

    schema = f"cruce_test_{uuid.uuid4().hex[:12]}"
    admin = _libpq_url(postgres_server_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        url = postgres_server_url.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database of each backend in turn."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    # A directory that does not exist yet: open_store must create it.
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'nested' / 'cruce.db'}"
