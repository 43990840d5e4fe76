"""Backups of a PostgreSQL store with PostgreSQL's own tools: `pg_dump` and `pg_restore`.

`backup` runs `pg_dump --format=custom` (one consistent snapshot while the service runs) on the database of
CRUCE_DATABASE_URL; `restore` checks the archive (`pg_restore --list`), then replaces the store's objects
with the archive's in one transaction (`--clean --if-exists --single-transaction --exit-on-error`): it either
completes or changes nothing. When the URL chooses a schema (`options=-csearch_path=NAME`), only that schema
is dumped and restored. The password travels in PGPASSWORD, never on a command line (`ps` shows those).

The tools come with the PostgreSQL client (`apt-get install postgresql-client`); their major version must be
at least the server's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from cruce.core.errors import InputError, StorageError

_SEARCH_PATH = re.compile(r"-c\s*search_path\s*=\s*([A-Za-z_][A-Za-z0-9_$]*)")
TIMEOUT_S = 6 * 3600


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InputError(
            "pg_tools_missing",
            f"{name} is not installed; install the PostgreSQL client (apt-get install postgresql-client), "
            "of the server's major version or newer",
        )
    return found


def _connection(url: URL) -> tuple[list[str], dict[str, str], str | None]:
    """Command-line options, environment and schema (from search_path) for the tools, from `url`."""
    args = ["--no-password"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    schema = None
    for key, value in url.query.items():
        text = value if isinstance(value, str) else " ".join(value)
        if key == "sslmode":
            env["PGSSLMODE"] = text
        elif key == "options":
            env["PGOPTIONS"] = text
            if match := _SEARCH_PATH.search(text):
                schema = match.group(1)
    return args, env, schema


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise StorageError(f"{what}_failed", f"{what} did not finish in {TIMEOUT_S} s") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"exit status {done.returncode}"
        raise StorageError(f"{what}_failed", f"{command[0].rsplit('/', 1)[-1]} failed: {reason}")


def backup(url: str, target: Path) -> int:
    """Dump the PostgreSQL store at `url` to `target` (a new file); returns its size in bytes."""
    if target.exists():
        raise InputError("backup_exists", f"{target} exists already; choose a new file for the backup")
    parsed = make_url(url)
    pg_dump = _tool("pg_dump")
    args, env, schema = _connection(parsed)
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [pg_dump, *args, "--format=custom", "--no-owner", "--file", str(target)]
    if schema:
        command += ["--schema", schema]
    command += ["--dbname", parsed.database or "postgres"]
    try:
        _run(command, env, "backup")
    except StorageError:
        target.unlink(missing_ok=True)
        raise
    return target.stat().st_size


def restore(backup_file: Path, url: str) -> None:
    """Replace the PostgreSQL store at `url` by the archive `backup_file` (all or nothing).

    Stop `cruce serve` first: a server would keep its index and cached state from before.
    """
    if not backup_file.is_file():
        raise InputError("backup_not_found", f"no backup file {backup_file}")
    parsed = make_url(url)
    pg_restore = _tool("pg_restore")
    listing = subprocess.run(
        [pg_restore, "--list", str(backup_file)], capture_output=True, text=True, timeout=600, check=False
    )
    if listing.returncode != 0:
        problem = (listing.stderr.strip().splitlines() or ["unreadable"])[-1]
        raise InputError(
            "bad_backup", f"{backup_file} is not a usable pg_dump archive: {problem}; nothing was changed"
        )
    args, env, _schema = _connection(parsed)
    command = [
        pg_restore, *args, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
        "--dbname", parsed.database or "postgres", str(backup_file),
    ]  # fmt: skip
    _run(command, env, "restore")
