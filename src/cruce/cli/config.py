"""Settings and the store, read once at the edge for every command (one place that reports bad settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cruce.cli.output import err_console
from cruce.core.errors import InputError
from cruce.core.extras import require_database_driver
from cruce.core.settings import Settings

if TYPE_CHECKING:  # SQLAlchemy, Alembic and the matcher load only when a command needs them
    from cruce.matching.matcher import Matcher
    from cruce.storage.store import Store


def load_settings() -> Settings:
    """Settings from the environment; a bad value is reported as the variable's name and the problem."""
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"CRUCE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise InputError("bad_setting", f"bad setting: {problems}") from exc
    if not 0.0 < settings.alert_threshold <= 1.0:
        raise InputError(
            "bad_setting",
            f"CRUCE_ALERT_THRESHOLD must be above 0 and at most 1, got {settings.alert_threshold}",
        )
    if settings.workers < 1:
        raise InputError("bad_setting", f"CRUCE_WORKERS must be 1 or more, got {settings.workers}")
    return settings


def database_url(settings: Settings | None = None) -> str:
    """The configured database (SQLite in the data directory by default), its folder created."""
    settings = settings or load_settings()
    settings.ensure_data_dir()
    url = settings.resolved_database_url()
    require_database_driver(url)
    return url


def open_configured_store(settings: Settings | None = None) -> Store:
    """The configured store, migrated to the newest schema."""
    from cruce.storage.store import open_store

    settings = settings or load_settings()
    return open_store(
        database_url(settings),
        write_wait_s=settings.write_wait_s,
        synchronous=settings.sqlite_synchronous,
    )


def load_matcher(settings: Settings) -> Matcher:
    """Every active list version, indexed; says what it is doing, since this is the slow part of start-up."""
    from cruce.service.index import load_matcher as matcher_of

    status = err_console.status("loading the watchlists and building the index...")
    with status, open_configured_store(settings) as store:
        return matcher_of(store, settings.alert_threshold)
