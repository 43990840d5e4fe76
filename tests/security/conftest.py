"""Security regression tests drive the real app in process (FastAPI TestClient) on the integration
fixtures: an invented watchlist, one account per role and partner (tests/integration/api_fixtures.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
