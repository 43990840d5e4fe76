"""Derive per-port traffic parameters for `cruce simulate` from the BTS Border Crossing Entry Data.

The BTS file is 400k rows of monthly counts; the simulator needs a few numbers per port: mean daily inbound
counts per measure over the most recent full 12 months, how each calendar month differs from that mean,
the port's time zone and where it is. This script reads the public file once and writes the small JSON that
ships with cruce (src/cruce/scoring/data/ports.json), so the package never carries the source data.

BTS publishes monthly totals only, so the hour-of-day and day-of-week shapes written beside the ports are a
documented generic profile (see HOURLY_PROFILES and WEEKDAY_FACTORS), not measurements.

    python scripts/derive_port_parameters.py [--input ../shared/data/border/bts_border_crossing_entry.csv.gz]
        [--output src/cruce/scoring/data/ports.json] [--months 12] [--min-per-day 300]
"""

from __future__ import annotations

import argparse
import calendar
import csv
import gzip
import json
import sys
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = ROOT.parent / "shared" / "data" / "border" / "bts_border_crossing_entry.csv.gz"
DEFAULT_OUTPUT = ROOT / "src" / "cruce" / "scoring" / "data" / "ports.json"

MEASURES: dict[str, str] = {
    "Pedestrians": "pedestrians",
    "Personal Vehicles": "personal_vehicles",
    "Personal Vehicle Passengers": "personal_vehicle_passengers",
    "Buses": "buses",
    "Bus Passengers": "bus_passengers",
    "Trucks": "trucks",
    "Truck Containers Loaded": "truck_containers_loaded",
    "Truck Containers Empty": "truck_containers_empty",
}
"""BTS measures the simulator uses (trains and rail containers are left out: no rail mode is simulated)."""

PERSONAL = ("pedestrians", "personal_vehicles", "buses")
COMMERCIAL = ("trucks",)
CROSSING_MEASURES = (*PERSONAL, *COMMERCIAL)
"""Measures that count crossings (one pedestrian, one vehicle, one bus, one truck), used for size and mix."""

REQUIRED_PORTS = (
    "San Ysidro", "Otay Mesa", "Calexico", "Nogales", "El Paso", "Laredo", "Hidalgo", "Brownsville",
    "Detroit", "Buffalo Niagara Falls", "Blaine",
)  # fmt: skip
"""Ports that must be in the output whatever --min-per-day says; the script fails if one is missing."""

# Hour-of-day shapes (local time, hour 0 = midnight to 1 am), relative weights. Generic, not measured: BTS
# has monthly counts only. Personal traffic follows the commuter pattern reported in CBP wait-time data at
# large land ports (a morning rise from 5 am, a long plateau, an evening decline); commercial traffic
# follows the opening hours of cargo facilities (most open about 6 am to 10 pm, little overnight).
HOURLY_PROFILES: dict[str, list[float]] = {
    "personal": [1.2, 0.8, 0.6, 0.5, 0.8, 2.5, 4.5, 6.0, 6.2, 5.8, 5.5, 5.4,
                 5.4, 5.5, 5.7, 5.9, 5.9, 5.6, 5.0, 4.4, 3.8, 3.0, 2.3, 1.7],
    "commercial": [0.2, 0.2, 0.2, 0.2, 0.3, 0.8, 3.5, 6.5, 7.5, 7.8, 7.8, 7.6,
                   7.4, 7.5, 7.6, 7.4, 7.0, 6.3, 5.2, 4.0, 2.8, 1.5, 0.6, 0.3],
}  # fmt: skip

# Day-of-week factors, Monday first, mean 1 over the week. Generic: personal crossings rise at the weekend
# (shopping, family visits), trucks fall sharply (most shippers and brokers work Monday to Friday).
WEEKDAY_FACTORS: dict[str, list[float]] = {
    "personal": [0.92, 0.9, 0.92, 0.96, 1.08, 1.17, 1.05],
    "commercial": [1.2, 1.22, 1.22, 1.2, 1.16, 0.6, 0.4],
}

# IANA time zone by state, with the ports that sit in another zone than their state's default.
STATE_TIMEZONES: dict[str, str] = {
    "Alaska": "America/Anchorage", "Arizona": "America/Phoenix", "California": "America/Los_Angeles",
    "Idaho": "America/Los_Angeles", "Maine": "America/New_York", "Michigan": "America/Detroit",
    "Minnesota": "America/Chicago", "Montana": "America/Denver", "New Mexico": "America/Denver",
    "New York": "America/New_York", "North Dakota": "America/Chicago", "Texas": "America/Chicago",
    "Vermont": "America/New_York", "Washington": "America/Los_Angeles",
}  # fmt: skip
PORT_TIMEZONES: dict[str, str] = {
    # El Paso County keeps Mountain time; the rest of Texas is on Central time.
    "El Paso": "America/Denver", "Ysleta": "America/Denver", "Tornillo": "America/Denver",
    "Fabens": "America/Denver",
}  # fmt: skip


def _month(text: str) -> date:
    return datetime.strptime(text.strip(), "%b %Y").date()


def read_counts(
    path: Path,
) -> tuple[dict[tuple[str, str], dict[str, dict[date, float]]], dict[str, dict[str, Any]]]:
    """Monthly values per (port code, port name) and measure, and each port's descriptive fields."""
    counts: dict[tuple[str, str], dict[str, dict[date, float]]] = defaultdict(lambda: defaultdict(dict))
    info: dict[str, dict[str, Any]] = {}
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            measure = MEASURES.get(row["Measure"])
            if measure is None:
                continue
            key = (row["Port Code"].strip(), row["Port Name"].strip())
            month = _month(row["Date"])
            cell = counts[key][measure]
            cell[month] = cell.get(month, 0.0) + float(row["Value"] or 0)
            info[key[0]] = {
                "state": row["State"].strip(),
                "border": row["Border"].strip().removesuffix(" Border"),
                "latitude": round(float(row["Latitude"]), 4) if row["Latitude"] else None,
                "longitude": round(float(row["Longitude"]), 4) if row["Longitude"] else None,
            }
    return counts, info


def last_months(counts: dict[tuple[str, str], dict[str, dict[date, float]]], months: int) -> list[date]:
    """The most recent `months` months in the file, oldest first (the newest month is the last published)."""
    newest = max(m for measures in counts.values() for cells in measures.values() for m in cells)
    out = []
    year, month = newest.year, newest.month
    for _ in range(months):
        out.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return sorted(out)


def _days(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def derive(path: Path, months: int, min_per_day: float) -> dict[str, Any]:
    counts, info = read_counts(path)
    window = last_months(counts, months)
    total_days = sum(_days(m) for m in window)
    ports = []
    for (code, name), measures in counts.items():
        daily = {
            measure: round(sum(measures.get(measure, {}).get(m, 0.0) for m in window) / total_days, 2)
            for measure in MEASURES.values()
        }
        per_day = sum(daily[m] for m in CROSSING_MEASURES)
        if per_day < min_per_day and name not in REQUIRED_PORTS:
            continue
        factors = {}
        for group, group_measures in (("personal", PERSONAL), ("commercial", COMMERCIAL)):
            mean = sum(daily[m] for m in group_measures)
            by_calendar_month = [1.0] * 12
            if mean > 0:
                for m in window:
                    month_daily = sum(measures.get(g, {}).get(m, 0.0) for g in group_measures) / _days(m)
                    by_calendar_month[m.month - 1] = round(month_daily / mean, 3)
            factors[group] = by_calendar_month
        details = info[code]
        ports.append(
            {
                "code": code,
                "name": name,
                "state": details["state"],
                "border": details["border"],
                "timezone": PORT_TIMEZONES.get(name, STATE_TIMEZONES.get(details["state"], "UTC")),
                "latitude": details["latitude"],
                "longitude": details["longitude"],
                "crossings_per_day": round(per_day, 1),
                "daily_mean": daily,
                "month_factors": factors,
            }
        )
    ports.sort(key=lambda p: -p["crossings_per_day"])
    missing = [name for name in REQUIRED_PORTS if name not in {p["name"] for p in ports}]
    if missing:
        raise SystemExit(f"error: required ports missing from {path}: {', '.join(missing)}")
    return {
        "source": "US Bureau of Transportation Statistics, Border Crossing Entry Data (public domain); "
        "monthly inbound crossings per port",
        "source_file": path.name,
        "months": [f"{m:%Y-%m}" for m in window],
        "days": total_days,
        "derived_by": "scripts/derive_port_parameters.py",
        "min_crossings_per_day": min_per_day,
        "notes": [
            "daily_mean: each BTS measure summed over the months listed, divided by their days.",
            "crossings_per_day: pedestrians + personal vehicles + buses + trucks (trains left out).",
            "month_factors: a calendar month's daily mean over the 12-month daily mean, for personal "
            "(pedestrians, personal vehicles, buses) and commercial (trucks) traffic.",
            "hourly_profiles and weekday_factors are generic shapes, not measured: BTS is monthly.",
        ],
        "hourly_profiles": HOURLY_PROFILES,
        "weekday_factors": WEEKDAY_FACTORS,
        "ports": ports,
    }


def to_json(data: dict[str, Any]) -> str:
    """Readable and diff-friendly: the header indented, one line per port and per profile."""
    lines = ["{"]
    items = list(data.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if key == "notes" or (isinstance(value, list) and value and isinstance(value[0], dict)):
            inner = [f"  {json.dumps(v, ensure_ascii=False)}" for v in value]
            lines.append(f" {json.dumps(key)}: [\n" + ",\n".join(inner) + f"\n ]{comma}")
        elif isinstance(value, dict):
            inner = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()]
            lines.append(f" {json.dumps(key)}: {{\n" + ",\n".join(inner) + f"\n }}{comma}")
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    return "\n".join(lines) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="BTS CSV (.csv.gz)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON")
    parser.add_argument("--months", type=int, default=12, help="how many recent months to average")
    parser.add_argument("--min-per-day", type=float, default=300.0, help="smallest port kept")
    args = parser.parse_args(argv)
    if not args.input.is_file():
        print(f"error: {args.input} not found; give --input", file=sys.stderr)
        return 2
    data = derive(args.input, args.months, args.min_per_day)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(to_json(data), encoding="utf-8")
    print(
        f"wrote {args.output}: {len(data['ports'])} ports, months {data['months'][0]}..{data['months'][-1]}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
