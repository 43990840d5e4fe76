"""Prometheus metrics of a cruce node, served at `/metrics` (see cruce.api.observability).

Counts only, never who or which country: no label carries a country, a user, an entity or a path with an
id in it (routes are their templates, `/api/v1/alerts/{alert_id}`), so a scrape tells a partner nothing it
may not see. With `cruce serve --workers N` the values are summed over the workers (prometheus-client's
multiprocess mode, PROMETHEUS_MULTIPROC_DIR set by `cruce serve`).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Latency buckets (seconds) around the API's targets: p99 <= 50 ms for a screening.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)

REQUESTS = Counter(
    "cruce_http_requests", "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)  # fmt: skip
LATENCY = Histogram(
    "cruce_http_request_duration_seconds", "Time to answer an HTTP request, by method and route template.",
    ["method", "route"], buckets=LATENCY_BUCKETS,
)  # fmt: skip
SCREENINGS = Counter("cruce_screenings", "Single screenings answered (API and console).")
ALERTS_RAISED = Counter("cruce_alerts_raised", "New alerts raised (screenings, batch jobs, referrals).")
SIGNIN_FAILURES = Counter("cruce_signin_failures", "Failed sign-ins (API, console, TAXII).")
