"""Security regression tests: each named after the OWASP ASVS 4.0 requirement it covers.

The sharing helpers live beside the integration tests; they are shared rather than copied.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "integration"))
