"""`cruce serve`: the REST API (and, later, the console) on the configured store.

The app is named to uvicorn as an import string with a factory that reads the settings at start-up (the
API's edge), so the CLI layer never imports the API layer, and `--workers` processes each build their own.
The database is migrated here, once, before any worker starts, so workers never race to migrate it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cruce.cli.output import err_console

SERVER_FACTORY = "cruce.api.app:app_from_settings"


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes.")] = 1,
) -> None:
    """Serve the REST API (OpenAPI at /docs) on the embedded store, or CRUCE_DATABASE_URL's."""
    import uvicorn

    from cruce.cli.config import open_configured_store
    from cruce.storage.backup import mark_serving

    store = open_configured_store()  # migrate once, and fail here on a bad setting or URL
    database = store.engine.url.database if store.engine.dialect.name == "sqlite" else None
    store.close()
    if database and database != ":memory:" and not database.startswith("file:"):
        mark_serving(Path(database))  # held until exit: `cruce restore` refuses meanwhile
    err_console.print(f"cruce API on http://{host}:{port}/api/v1 (OpenAPI: /docs)", soft_wrap=True)

    import os
    import tempfile

    metrics_dir = None
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # /metrics sums every worker's counters (prometheus-client's multiprocess mode): each worker
        # writes its values to files here, which any worker reads when scraped.
        metrics_dir = tempfile.TemporaryDirectory(prefix="cruce-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir.name
    uvicorn.run(
        SERVER_FACTORY, factory=True, host=host, port=port, workers=workers, log_level="warning",
        timeout_graceful_shutdown=10,
    )  # fmt: skip
    if metrics_dir is not None:
        metrics_dir.cleanup()
