"""Assessment: distributions, cascades, Monte Carlo against analytic values, imports, products, incidents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cruce.assess.assets import Asset, AssetKind
from cruce.assess.detect import DetectorSettings, evaluate, simulate_counts
from cruce.assess.distributions import Distribution, parse_distribution
from cruce.assess.emergency import Incident, IncidentKind, run_incident
from cruce.assess.example import example_graph, example_scenarios
from cruce.assess.graph import Dependency, DependencyGraph
from cruce.assess.montecarlo import cascade, simulate
from cruce.assess.product import AssessmentMarkings, assessment_product
from cruce.assess.results import assess
from cruce.assess.scenarios import Mitigation, Selector, parse_scenarios
from cruce.assess.sources import RowsRefusedError, load_asset_mapping, read_assets, read_dependencies
from cruce.core.errors import CruceError, InputError
from cruce.sharing.products import tear_line


def _asset(asset_id: str, kind: AssetKind, trade_per_day: float = 0.0) -> Asset:
    return Asset(asset_id, asset_id, kind, "USA", 32.5, -117.0, trade_usd_per_day=trade_per_day)


def _chain(port_survive_hours: float) -> DependencyGraph:
    assets = [
        _asset("gen", AssetKind.POWER_GENERATION),
        _asset("sub", AssetKind.POWER_SUBSTATION),
        _asset("port", AssetKind.PORT_OF_ENTRY, trade_per_day=24_000.0),
        _asset("other-port", AssetKind.PORT_OF_ENTRY, trade_per_day=24_000.0),
    ]
    deps = [Dependency("sub", "gen", "power"), Dependency("port", "sub", "power", port_survive_hours)]
    return DependencyGraph(assets, deps)


def test_min_above_max_names_the_field() -> None:
    with pytest.raises(InputError, match=r"scenarios\[1\].threat: triangular min 5 is greater than max 1"):
        parse_distribution({"triangular": [5, 3, 1]}, "scenarios[1].threat")


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=30), st.floats(), st.lists(st.floats(), max_size=4),
                 st.dictionaries(st.sampled_from(["pert", "triangular", "lognormal", "x"]),
                                 st.lists(st.floats(allow_nan=True), max_size=4), max_size=2)))  # fmt: skip
def test_parse_distribution_never_crashes(value: object) -> None:
    try:
        dist = parse_distribution(value, "f")
    except InputError:
        return
    sample = dist.sample(np.random.default_rng(0), 10)
    assert sample.shape == (10,)


@pytest.mark.parametrize("dist", [Distribution.pert(1, 2, 9), Distribution.triangular(0, 1, 5),
                                  Distribution.lognormal(10, 40)])  # fmt: skip
def test_sampled_mean_and_quantiles_match_analytic(dist: Distribution) -> None:
    draws = dist.sample(np.random.default_rng(1), 200_000).astype(np.float64)
    assert draws.mean() == pytest.approx(dist.mean, rel=0.01)
    assert np.percentile(draws, 90) == pytest.approx(float(dist.ppf(0.9)), rel=0.02)


def test_cascade_reaches_the_port_after_its_backup_runs_out() -> None:
    graph = _chain(port_survive_hours=4.0)
    out = cascade(graph.edge_table(), np.array([0]), np.random.default_rng(0),
                  vulnerability=np.ones(3), outage_hours=np.full(3, 10.0))  # fmt: skip
    hours = {
        (int(e), graph.assets[int(n)].asset_id): h
        for e, n, h in zip(out.event, out.node, out.hours, strict=True)
    }
    assert hours[(0, "sub")] == pytest.approx(10.0)
    assert hours[(0, "port")] == pytest.approx(6.0)
    assert (0, "other-port") not in hours
    assert {graph.assets[int(o)].asset_id for o in out.origin} == {"gen"}


def test_backup_longer_than_the_outage_stops_the_cascade() -> None:
    graph = _chain(port_survive_hours=12.0)
    out = cascade(graph.edge_table(), np.array([0]), np.random.default_rng(0),
                  vulnerability=np.ones(2), outage_hours=np.full(2, 10.0))  # fmt: skip
    assert "port" not in {graph.assets[int(n)].asset_id for n in out.node}


SINGLE = """
scenarios:
  - id: quake
    threat: {triangular: [0.1, 0.3, 0.8]}
    vulnerability: 1
    outage_hours: 48
    targets: {assets: [port]}
"""


def test_expected_loss_and_interval_agree_with_the_analytic_values() -> None:
    graph = _chain(0.0)
    scenarios = parse_scenarios(SINGLE, "test").scenarios
    run = simulate(graph, scenarios, samples=100_000, seed=3)
    rate_per_hour = 1000.0
    threat = scenarios[0].threat
    analytic_mean = threat.mean * 48 * rate_per_hour
    total = run.total_loss[0]
    assert total.mean() == pytest.approx(analytic_mean, rel=0.03)
    low, high = np.percentile(total, [5, 95])
    assert low < analytic_mean < high
    # The interval is the factor's uncertainty: close to T's own 5th and 95th percentiles × loss per event.
    assert low == pytest.approx(float(threat.ppf(0.05)) * 48 * rate_per_hour, rel=0.35)
    assert high == pytest.approx(float(threat.ppf(0.95)) * 48 * rate_per_hour, rel=0.15)


def test_two_workers_give_the_same_result_as_one() -> None:
    graph, scenarios = example_graph(), example_scenarios().scenarios
    one = simulate(graph, scenarios, samples=4000, seed=5, workers=1)
    two = simulate(graph, scenarios, samples=4000, seed=5, workers=2)
    np.testing.assert_allclose(one.scenario_loss, two.scenario_loss)
    np.testing.assert_allclose(one.asset_loss, two.asset_loss)


def test_backup_power_at_ports_avoids_loss_and_substations_rank_as_critical() -> None:
    graph = example_graph()
    result = assess(graph, example_scenarios(), samples=4000, seed=2)
    by_id = {m.mitigation_id: m for m in result.mitigations()}
    assert by_id["port-backup-72h"].avoided.mean > 0
    assert by_id["port-backup-72h"].avoided_per_usd.low >= 0  # common random numbers: never worse
    top = result.asset_ranking(10)
    assert any(a.kind == "power_substation" for a in top)
    assert result.tornado()


def test_dependency_cycle_and_unknown_asset_are_refused_with_the_rows(tmp_path: Path) -> None:
    assets = [_asset("a", AssetKind.TELECOM), _asset("b", AssetKind.POWER_SUBSTATION)]
    path = tmp_path / "deps.csv"
    path.write_text("dependent,provider,input,survive_hours\na,b,power,2\nb,a,telecom,1\n")
    with pytest.raises(CruceError, match=r"dependency cycle: .*a.*b.*line 2, line 3"):
        DependencyGraph(assets, read_dependencies(path))
    path.write_text("dependent,provider\na,zzz\n")
    with pytest.raises(CruceError, match=r"line 2: provider 'zzz' is not a known asset id"):
        DependencyGraph(assets, read_dependencies(path))


def test_asset_without_location_is_named_and_nothing_imported(tmp_path: Path) -> None:
    path = tmp_path / "assets.csv"
    path.write_text(
        "asset_id,kind,owner_country,latitude,longitude\n"
        "s1,substation,USA,32.5,-117\n"
        "s2,substation,USA,,\n"
        "s3,reactor,MEX,30,-110\n"
    )
    with pytest.raises(RowsRefusedError) as info:
        read_assets(path, load_asset_mapping())
    message = info.value.message
    assert "line 3: latitude: has no location" in message
    assert "line 4" in message and "unknown asset kind 'reactor'" in message


def test_geojson_assets_take_their_location_from_the_geometry(tmp_path: Path) -> None:
    path = tmp_path / "assets.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point",'
        ' "coordinates": [-106.45, 31.76]}, "properties": {"asset_id": "t1", "kind": "telecom",'
        ' "owner_country": "MEX"}}]}'
    )
    mapping = load_asset_mapping()
    (asset,) = read_assets(path, mapping)
    assert (asset.latitude, asset.longitude, asset.owner_country) == (31.76, -106.45, "MEX")


def test_mexico_tear_line_of_the_assessment_holds_no_noforn_portion() -> None:
    result = assess(example_graph(), example_scenarios(), samples=1000, seed=1, mitigations=())
    markings = AssessmentMarkings.from_dict(
        {"assets": {"default": "S//REL TO USA, CAN, MEX", "kind:power_substation": "S//NOFORN"}}
    )
    product = assessment_product(result, markings, product_id="assessment:test")
    version = tear_line(product, "MEX")
    assert not any("power_substation" in p.text for p in version.portions)
    assert any("power_substation" in p.text for p in product.portions)
    assert version.summary is not None
    with pytest.raises(InputError, match=r"markings\.assets\.default"):
        AssessmentMarkings.from_dict({"assets": {"default": "S//NOFORN//REL TO USA, MEX"}})


def test_substation_failure_closes_the_port_and_traffic_diverts_to_neighbours() -> None:
    graph = example_graph()
    incident = Incident("i1", IncidentKind.HURRICANE, "Hurricane", None, 72.0, 1.0,
                        asset_ids=frozenset({"sub:2301"}))  # fmt: skip
    # Expected capacity lost at Brownsville is 0.613 (0.6 × 68/72 direct, 0.4 × 0.7 × 12/72 via water),
    # just above CLOSED_AT 0.6: 4,000 draws (standard error 0.007) so the verdict is not a coin flip.
    result = run_incident(graph, incident, seed=1, draws=4000)
    closed = [p.asset.name for p in result.closed()]
    assert closed == ["Brownsville"]
    receivers = {p.asset.name: p for p in result.ports if p.status == "receiving"}
    assert "Hidalgo" in receivers and receivers["Hidalgo"].diverted_in_per_day > 0
    assert receivers["Hidalgo"].expected_wait_min > receivers["Hidalgo"].normal_wait_min
    port = next(i for i in result.impacts if i.asset.asset_id == "port:2301")
    assert port.cause == "sub:2301"


def test_detectors_find_planted_changes_with_few_false_alarms() -> None:
    planted = simulate_counts(np.random.default_rng(11), ports=60, days=240, baseline=20, factor=2.0)
    for method in ("cusum", "ewma"):
        evaluation = evaluate(planted, DetectorSettings(method=method))
        assert evaluation.detected == evaluation.changes > 0
        assert evaluation.median_delay_days <= 3
        assert evaluation.false_alarms_per_1000_days < 10


def test_mitigation_selector_applies_only_to_chosen_dependencies() -> None:
    graph = _chain(0.0)
    mitigation = Mitigation("b", "backup", 1.0, add_survive_hours=24.0, input="power",
                            dependents=Selector(asset_ids=frozenset({"port"})))  # fmt: skip
    extra, _ = mitigation.edge_changes(graph)
    assert extra.tolist() == [0.0, 24.0]
