"""The web console: server-rendered pages (Jinja2 + vendored htmx) over the same service calls as the API."""
