"""Synthetic labelled import declarations, in the `customs-declarations` column layout.

Tests and the demo need labelled cargo history without the shared dataset. The generator plants the kinds
of signal a real risk model learns from, each visible only through history: importers who keep cheating,
fraud "templates" whose declared value and mass recur, commodities undervalued against their usual price
per kilogram, and a share of fraud no history predicts (so no model gets it all). Seeded: the same seed
gives the same file.
"""

from __future__ import annotations

import datetime as dt
import string

import numpy as np
import pandas as pd

COLUMNS = (
    "Declaration ID",
    "Date",
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Declarant ID",
    "Importer ID",
    "Seller ID",
    "Courier ID",
    "HS6 Code",
    "Country of Departure",
    "Country of Origin",
    "Tax Rate",
    "Tax Type",
    "Country of Origin Indicator",
    "Net Mass",
    "Item Price",
    "Fraud",
    "Critical Fraud",
)
_ORIGINS = ("CN", "US", "MX", "CA", "JP", "DE", "KR", "VN", "CO", "IN")
_HS_CODES = (
    "870323",
    "851712",
    "620462",
    "940360",
    "090111",
    "300490",
    "392690",
    "847130",
    "611030",
    "220300",
    "440890",
    "690722",
    "711319",
    "950300",
    "870899",
)


def _ids(rng: np.random.Generator, count: int) -> list[str]:
    alphabet = np.array(list(string.ascii_uppercase + string.digits))
    return ["".join(rng.choice(alphabet, 7)) for _ in range(count)]


def generate_declarations(
    rows: int, *, seed: int = 0, start: dt.date = dt.date(2025, 1, 1), days: int = 365
) -> pd.DataFrame:
    """`rows` declarations over `days` days from `start`, with Fraud and Critical Fraud labels."""
    rng = np.random.default_rng(seed)
    importers = _ids(rng, max(20, rows // 12))
    cheaters = set(rng.choice(importers, size=max(2, len(importers) // 15), replace=False).tolist())
    declarants = _ids(rng, max(5, rows // 80))
    sellers = _ids(rng, max(10, rows // 15))
    price_per_kg = {code: float(np.exp(rng.uniform(0.5, 6.0))) for code in _HS_CODES}
    templates = [(str(rng.choice(_HS_CODES)), round(float(rng.uniform(100, 5000)), 1)) for _ in range(8)]

    day_offsets = np.sort(rng.integers(0, days, rows))
    importer = rng.choice(importers, rows)
    hs = rng.choice(_HS_CODES, rows)
    origin = rng.choice(_ORIGINS, rows, p=[0.35, 0.12, 0.1, 0.06, 0.08, 0.06, 0.07, 0.08, 0.04, 0.04])
    departure = np.where(rng.random(rows) < 0.85, origin, rng.choice(_ORIGINS, rows))
    mass = np.round(np.exp(rng.normal(5.0, 1.5, rows)), 1)
    unit_price = np.array([price_per_kg[code] for code in hs]) * np.exp(rng.normal(0.0, 0.3, rows))

    cheater = np.isin(importer, list(cheaters))
    template_row = rng.random(rows) < 0.04
    fraud = (cheater & (rng.random(rows) < 0.7)) | template_row | (rng.random(rows) < 0.03)
    undervalued = fraud & (rng.random(rows) < 0.6)
    unit_price = np.where(undervalued, unit_price * rng.uniform(0.05, 0.3, rows), unit_price)
    value = np.round(unit_price * mass, 2)
    for row in np.flatnonzero(template_row):
        code, template_mass = templates[int(rng.integers(len(templates)))]
        hs[row], mass[row] = code, template_mass
        value[row] = round(price_per_kg[code] * template_mass * 0.1, 2)
    critical = fraud & ((value > np.quantile(value, 0.8)) | template_row) & (rng.random(rows) < 0.3)

    dates = [(start + dt.timedelta(days=int(offset))).isoformat() for offset in day_offsets]
    frame = pd.DataFrame(
        {
            "Declaration ID": [f"{10_000_000 + i}" for i in range(rows)],
            "Date": dates,
            "Office ID": rng.choice(["10", "20", "30", "40"], rows),
            "Process Type": rng.choice(["A", "B"], rows, p=[0.2, 0.8]),
            "Import Type": rng.choice(["11", "21", "29"], rows),
            "Import Use": rng.choice(["21", "11"], rows),
            "Payment Type": rng.choice(["11", "13"], rows),
            "Mode of Transport": rng.choice(["10", "40"], rows, p=[0.6, 0.4]),
            "Declarant ID": rng.choice(declarants, rows),
            "Importer ID": importer,
            "Seller ID": rng.choice(sellers, rows),
            "Courier ID": np.where(rng.random(rows) < 0.2, "CR01", ""),
            "HS6 Code": hs,
            "Country of Departure": departure,
            "Country of Origin": origin,
            "Tax Rate": np.round(rng.choice([0.0, 5.0, 8.0, 13.0], rows), 1),
            "Tax Type": rng.choice(["A", "FCN1", "FEU1"], rows),
            "Country of Origin Indicator": rng.choice(["G", "B", "Y"], rows),
            "Net Mass": mass,
            "Item Price": value,
            "Fraud": fraud.astype(int),
            "Critical Fraud": np.where(critical, 2, np.where(fraud, 1, 0)),
        }
    )
    return frame[list(COLUMNS)]
