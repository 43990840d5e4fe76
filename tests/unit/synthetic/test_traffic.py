"""A generated port day: reproducible from its seed, and shaped like the port's BTS-derived parameters."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

from cruce.core.errors import InputError
from cruce.core.model import Entity
from cruce.scoring.crossings import Mode, Role
from cruce.scoring.ports import find_port, load_ports
from cruce.synthetic.traffic import TrafficDay, generate_day, make_vin, vin_check_digit

DAY = date(2025, 6, 4)


@pytest.fixture(scope="module")
def laredo(watchlist: list[Entity]) -> TrafficDay:
    return generate_day(find_port("Laredo"), DAY, 7, watchlist, scale=0.05, listed_share=0.01)


def test_same_seed_gives_the_same_day_and_another_seed_another(
    watchlist: list[Entity], laredo: TrafficDay
) -> None:
    again = generate_day(find_port("Laredo"), DAY, 7, watchlist, scale=0.05, listed_share=0.01)
    assert again.crossings == laredo.crossings
    assert again.contraband == laredo.contraband and again.vehicle_history == laredo.vehicle_history
    other = generate_day(find_port("Laredo"), DAY, 8, watchlist, scale=0.05, listed_share=0.01)
    assert other.crossings != laredo.crossings


def test_volumes_and_mode_mix_track_the_port_parameters(laredo: TrafficDay) -> None:
    port = laredo.port
    total = len(laredo.crossings)
    expected_total = sum(laredo.expected.values())
    assert abs(total - expected_total) < 4 * expected_total**0.5
    for mode in Mode:
        expected = port.expected_per_day(mode, DAY) * 0.05
        assert laredo.expected[mode] == pytest.approx(expected)
        assert abs(laredo.count(mode) - expected) < 4 * max(expected, 1) ** 0.5 + 1, mode
    vehicles = [c for c in laredo.crossings if c.mode is Mode.PASSENGER_VEHICLE]
    per_vehicle = sum(len(c.travelers) for c in vehicles) / len(vehicles)
    assert per_vehicle == pytest.approx(port.persons_per_vehicle, rel=0.1)
    trucks = [c for c in laredo.crossings if c.mode is Mode.COMMERCIAL_TRUCK]
    empty = sum(c.empty_truck for c in trucks) / len(trucks)
    assert empty == pytest.approx(port.empty_truck_share, abs=0.05)


def test_traffic_follows_the_hour_of_day_profile(laredo: TrafficDay) -> None:
    zone = laredo.port.zone
    hours = Counter(c.arrived_at.astimezone(zone).hour for c in laredo.crossings)
    assert set(hours) <= set(range(24))
    assert hours[8] > 4 * hours[3]  # the morning rush against the dead of night
    times = [c.arrived_at for c in laredo.crossings]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)


def test_crossings_are_well_formed(laredo: TrafficDay) -> None:
    ids = [c.id for c in laredo.crossings]
    assert len(set(ids)) == len(ids) and ids[0].startswith("crossing:2304:20250604:")
    for c in laredo.crossings:
        roles = [t.role for t in c.travelers]
        if c.mode is Mode.PEDESTRIAN:
            assert roles == [Role.PEDESTRIAN] and c.vehicle is None
        else:
            assert roles[0] is Role.DRIVER and c.vehicle is not None
            assert vin_check_digit(c.vehicle.vin) == c.vehicle.vin[8]
        if c.cargo is not None:
            assert c.mode is Mode.COMMERCIAL_TRUCK and len(c.cargo.hs6) == 6 and c.cargo.net_mass_kg > 0
        if c.trusted_program:
            assert c.trusted_program in {"sentri", "fast"}
            assert c.id not in laredo.listed or c.cargo is not None  # enrolled people are never listed


def test_listed_people_and_contraband_are_planted_and_correlate_with_signals(laredo: TrafficDay) -> None:
    assert laredo.listed, "listed parties in disguise"
    assert laredo.contraband
    listed_rate = sum(c in laredo.contraband for c in laredo.listed) / len(laredo.listed)
    overall = len(laredo.contraband) / len(laredo.crossings)
    assert listed_rate > 3 * overall


def test_a_canadian_port_has_more_canadians_than_a_mexican_one(watchlist: list[Entity]) -> None:
    blaine = generate_day(find_port("Blaine"), DAY, 7, watchlist, scale=0.05)
    nationalities = Counter(t.nationality for c in blaine.crossings for t in c.travelers)
    assert nationalities["CA"] / sum(nationalities.values()) > 0.06
    assert all(c.trusted_program in (None, "nexus", "fast") for c in blaine.crossings)


def test_vin_check_digit() -> None:
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"  # the textbook example
    assert all(vin_check_digit(v) == v[8] for v in (make_vin("car", random.Random(n)) for n in range(50)))


def test_bad_scale_is_refused(watchlist: list[Entity]) -> None:
    with pytest.raises(InputError, match="scale"):
        generate_day(find_port("Laredo"), DAY, 7, watchlist, scale=0)


def test_shipped_ports_include_the_large_ones_with_their_source() -> None:
    catalog = load_ports()
    names = {p.name for p in catalog.ports}
    for name in ("San Ysidro", "Otay Mesa", "Calexico", "Nogales", "El Paso", "Laredo", "Hidalgo",
                 "Brownsville", "Detroit", "Buffalo Niagara Falls", "Blaine"):  # fmt: skip
        assert name in names
    assert "Transportation Statistics" in catalog.source and len(catalog.months) == 12
    assert find_port("San Ysidro").crossings_per_day > 50_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [("san ysidro", "San Ysidro"), ("2304", "Laredo"), ("Buffalo", "Buffalo Niagara Falls"),
     ("Eastport, Maine", "Eastport"), ("Calexico", "Calexico")],
)  # fmt: skip
def test_find_port_by_name_code_or_prefix(text: str, expected: str) -> None:
    assert find_port(text).name == expected


def test_unknown_or_ambiguous_port_names_the_close_ones() -> None:
    with pytest.raises(InputError, match="did you mean San Ysidro"):
        find_port("San Isidro")
    with pytest.raises(InputError, match="ambiguous: 'Eastport, Idaho', 'Eastport, Maine'"):
        find_port("Eastport")


def test_the_population_enrols_into_memberships_the_booth_finds_and_only_good_ones_are_expedited(
    laredo: TrafficDay,
) -> None:
    from cruce.programs.model import MembershipState
    from cruce.programs.recognition import load_agreement
    from cruce.programs.standing import crossing_standing, traveler_keys
    from cruce.synthetic.memberships import enrol

    agreement = load_agreement()
    directory, states = enrol(laredo.members, agreement, 7, laredo.crossings[0].arrived_at)
    assert sum(states.values()) == len(laredo.members) == len(directory)
    assert states[MembershipState.ACTIVE] > 0.9 * len(directory)
    assert all(states[s] > 0 for s in MembershipState), states  # every path is exercised
    expedited = fast = referred = 0
    for crossing in laredo.crossings:
        standing = crossing_standing(crossing, directory, agreement, "USA", crossing.arrived_at)
        found = [directory.find(traveler_keys(t)) for t in crossing.travelers]
        if standing.expedite is not None:
            expedited += 1
            fast += crossing.mode is Mode.COMMERCIAL_TRUCK
            assert all(s is not None and s.state is MembershipState.ACTIVE for s in found), crossing.id
            assert crossing.trusted_program is not None and crossing.mode is not Mode.BUS
        if any(s is not None and s.state is MembershipState.SUSPENDED for s in found):
            assert standing.referrals and standing.expedite is None
            referred += 1
        if crossing.trusted_program is None:  # no card, no membership: nobody is expedited by a flag
            assert standing.expedite is None
    assert expedited > 0.5 * sum(1 for c in laredo.crossings if c.trusted_program) and fast > 0
