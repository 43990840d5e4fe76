"""Suite-wide settings."""

from __future__ import annotations

import os

from hypothesis import settings

# CI explores a fixed sequence of examples, so a submission is judged on the same cases every run; local runs
# keep exploring new ones (and remember failures in .hypothesis/).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
