"""Security regression tests: each named after the OWASP ASVS 4.0 requirement it covers.

The sharing helpers live beside the integration tests; they are shared rather than copied. The API tests
drive the real app in process (FastAPI TestClient) on the integration fixtures (api_fixtures.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
