"""Trust between partners (issue 13), markings half: each test is one finding, named after the OWASP ASVS
4.0 requirement it covers, attacking the TAXII server as a partner's account (or another producer) would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trust_fixtures import PASSWORD, SHARED, definition, indicator, node, setup

from cruce.core.markings import ALL, Marking
from cruce.core.settings import Settings
from cruce.service.sharing import TAXII_MEDIA, Remote, publish, pull, push
from cruce.sharing.audit import Outcome
from cruce.sharing.definitions import TLP2_EXTENSION, TLP2_IDS, read_definition
from cruce.sharing.products import Portion, Product, ProductKind, tear_line
from cruce.sharing.stix import export_product, import_bundle
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

DATA = Path(__file__).resolve().parent.parent / "data" / "acs30"
NOFORN = "S//NOFORN"
REL_MEX = "S//REL TO USA, MEX"


def _texts(objects: list[dict[str, Any]]) -> str:
    return json.dumps(objects)


def _product() -> Product:
    return Product(
        "report:trust-1",
        ProductKind.INTELLIGENCE_REPORT,
        "USA",
        Portion("Crossing report", Marking.parse("U")),
        (
            Portion("Tunnel exit under a warehouse.", Marking.parse(REL_MEX)),
            Portion("Source is a cartel accountant.", Marking.parse(NOFORN)),
        ),
        author="usa.analyst",
    )


# -- 1. marking-definition poisoning --------------------------------------------------------------------


def test_asvs_4_2_1_a_marking_definition_id_cannot_be_given_other_content(tmp_path: Path) -> None:
    """A definition carrying the id of USA's SECRET//NOFORN with releasable content is refused, by anyone,
    in any collection; a NOFORN product published afterwards never reaches MEX, CAN or an uncleared user."""
    noforn = definition(NOFORN)
    forged = {**definition("U"), "id": noforn["id"]}
    with node(tmp_path) as n:
        for user in ("mex.analyst", "mex.ro", "usa.uncleared", "usa.ro"):
            status = n.post(user, [forged])
            assert status["failure_count"] == 1 and status["success_count"] == 0
        # another producer's (non-derived) id: the first content stays, a second content is refused node-wide
        theirs = {
            **definition("U", owner="MEX"),
            "id": "marking-definition--4b0e1f52-8a0c-4a5e-9d5b-2f1c3d4e5f60",
        }
        assert n.post("mex.ro", [theirs])["success_count"] == 1
        changed = json.loads(json.dumps(theirs))
        ext = next(iter(changed["extensions"].values()))
        ext["control_set"]["formal_determination"] = ["NF"]
        for collection in (SHARED, "other"):
            status = n.post("mex.ro", [changed], collection)
            assert status["failure_count"] == 1 and "immutable" in status["failures"][0]["message"]
        with open_store(n.url) as store:
            sharing = SharingStore(store.engine)
            publish(sharing, AuditLog(store.engine), sharing.account("usa.ro"), SHARED, _product())
        for user in ("mex.analyst", "can.analyst", "usa.uncleared"):
            assert "cartel accountant" not in _texts(n.objects(user))
        assert "cartel accountant" in _texts(n.objects("usa.ro"))


# -- 2. inherited markings ------------------------------------------------------------------------------


def test_asvs_4_1_1_object_level_and_parent_selector_markings_apply_to_every_portion() -> None:
    """NOFORN on object_marking_refs, or on a parent selector (`x_cruce_portions` over `[0]`), is applied."""
    bundle = json.loads(export_product(_product()).serialize())
    noforn = definition(NOFORN)
    report = next(o for o in bundle["objects"] if o["type"] == "report")
    bundle["objects"].append(noforn)
    object_level = json.loads(json.dumps(bundle))
    next(o for o in object_level["objects"] if o["type"] == "report")["object_marking_refs"].append(
        noforn["id"]
    )
    (received,) = import_bundle(json.dumps(object_level))
    assert received.banner.noforn and tear_line(received, "MEX").is_empty
    report["granular_markings"].append({"marking_ref": noforn["id"], "selectors": ["x_cruce_portions"]})
    (received,) = import_bundle(json.dumps(bundle))
    assert all(p.marking.noforn for p in received.portions)
    assert not tear_line(received, "MEX").portions


# -- 3. release needs a releasing officer and clearance -------------------------------------------------


def test_asvs_4_1_3_an_analyst_cannot_release_over_taxii_and_clearance_covers_what_is_written(
    tmp_path: Path,
) -> None:
    rel = definition(REL_MEX)
    ts = definition("TS//REL TO USA, MEX")
    with node(tmp_path) as n:
        assert n.post("usa.ro", [rel, ts])["success_count"] == 2  # a releasing officer introduces markings
        status = n.post("usa.analyst", [indicator(1, rel["id"])])
        assert status["failure_count"] == 1 and "releasing_officer" in status["failures"][0]["message"]
        status = n.post("usa.uncleared", [indicator(2, rel["id"])])
        assert status["failure_count"] == 1 and "clearance" in status["failures"][0]["message"]
        assert (
            n.post("usa.analyst", [indicator(3, definition(NOFORN)["id"])])["failure_count"] == 1
        )  # unknown
        assert not [o for o in n.objects("mex.analyst") if o["type"] == "indicator"]
        with open_store(n.url) as store:
            denied = [r.event for r in AuditLog.of(store).latest(50) if r.event.outcome is Outcome.DENIED]
        assert any(e.actor == "usa.analyst" and "releasing_officer" in e.reason for e in denied)


# -- 4. nobody passes as another country; pulling is not a user write -----------------------------------


@pytest.mark.parametrize(
    "claim",
    [
        "usa_marking",
        "usa_identity",
        "identity_in_envelope",
        "author",
    ],
)
def test_asvs_4_2_1_a_partner_cannot_post_as_another_country(tmp_path: Path, claim: str) -> None:
    mex = definition("S//REL TO MEX, USA", owner="MEX")
    usa = definition(REL_MEX)
    with node(tmp_path) as n:
        assert n.post("mex.ro", [mex])["success_count"] == 1
        assert n.post("usa.ro", [usa])["success_count"] == 1
        objects: list[dict[str, Any]] = {
            "usa_marking": [indicator(1, usa["id"])],
            "usa_identity": [indicator(1, mex["id"], created_by_ref=export_identity("USA"))],
            "identity_in_envelope": [
                {
                    "type": "identity",
                    "spec_version": "2.1",
                    "id": "identity--7d3a1b1e-2b65-4a36-9d64-35f4a8e0c001",
                    "created": "2026-01-01T00:00:00Z",
                    "modified": "2026-01-01T00:00:00Z",
                    "name": "USA",
                    "object_marking_refs": [mex["id"]],
                },
                indicator(1, mex["id"], created_by_ref="identity--7d3a1b1e-2b65-4a36-9d64-35f4a8e0c001"),
            ],
            "author": [indicator(1, mex["id"], x_cruce_author="usa.analyst")],
        }[claim]
        status = n.post("mex.ro", objects)
        assert status["failure_count"] >= 1 and status["success_count"] == 0
        assert n.post("mex.ro", [indicator(1, mex["id"], x_cruce_author="mex.ro")])["success_count"] == 1


def export_identity(country: str) -> str:
    bundle = json.loads(export_product(_product(), owner=country).serialize())
    return str(next(o["id"] for o in bundle["objects"] if o["type"] == "identity"))


def test_asvs_4_1_1_pulled_objects_are_the_partners_release_but_cannot_poison_definitions(
    tmp_path: Path,
) -> None:
    with node(tmp_path, "usa") as usa_node, node(tmp_path, "mex", country="MEX") as mex_node:
        rel = definition(REL_MEX)
        assert usa_node.post("usa.ro", [rel, indicator(1, rel["id"])])["success_count"] == 2
        forged = {**definition("U"), "id": definition(NOFORN)["id"]}
        with open_store(mex_node.url) as store:
            sharing, audit = SharingStore(store.engine), AuditLog(store.engine)
            remote = Remote("http://testserver/cruce/", user="mex.analyst", password=PASSWORD, country="USA")
            report = pull(sharing, audit, remote, SHARED, client=usa_node.client, node_country="MEX")
            assert report.added == 2  # USA-owned objects, stored as received: not refused as a MEX write
            assert sharing.add_objects(SHARED, [forged], origin="USA").failures  # still no forged id
        assert "indicator 1" in _texts(mex_node.objects("mex.analyst"))


# -- 11. ACS 3.0 as other producers write it -----------------------------------------------------------


def _acs_schema_validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    schema = json.loads((DATA / "isa-acs-3-0.json").read_text(encoding="utf-8"))
    timestamp = json.loads((DATA / "timestamp.json").read_text(encoding="utf-8"))
    stamp_uri = "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/common/timestamp.json"
    registry = referencing.Registry().with_resource(
        stamp_uri,
        referencing.Resource.from_contents(timestamp, default_specification=referencing.jsonschema.DRAFT4),
    )
    return jsonschema.Draft7Validator(schema, registry=registry)


def test_asvs_5_1_4_exported_and_producer_acs_definitions_validate_against_the_acs_30_schema() -> None:
    validator = _acs_schema_validator()
    bundle = json.loads(export_product(_product()).serialize())
    producer = json.loads((DATA / "producer_bundle.json").read_text(encoding="utf-8"))
    definitions = [o for o in bundle["objects"] + producer["objects"] if o["type"] == "marking-definition"]
    acs = [o["extensions"][k] for o in definitions for k in o["extensions"] if k.endswith("cb2d778a83ce")]
    assert len(acs) >= 6
    for extension in acs:
        errors = [e.message for e in validator.iter_errors(extension)]
        assert not errors, errors
    bad = {**acs[0], "responsible_entity_custodian": "USA"}  # the schema does catch what cruce once wrote
    assert list(validator.iter_errors(bad))


def test_asvs_5_1_3_acs_30_definitions_are_read_by_their_content_and_served_accordingly(
    tmp_path: Path,
) -> None:
    producer = json.loads((DATA / "producer_bundle.json").read_text(encoding="utf-8"))
    by_id = {o["id"]: o for o in producer["objects"]}
    meanings = {
        i[-2:]: read_definition(o).marking for i, o in by_id.items() if o["type"] == "marking-definition"
    }
    assert str(meanings["01"]) == "SECRET//NOFORN"
    assert (
        str(meanings["02"]) == "SECRET//REL TO USA, MEX//LES"
    )  # the producer's name is not a banner: ignored
    assert (
        meanings["03"] is not None
        and not meanings["03"].releasable("CAN")
        and meanings["03"].releasable("MEX")
    )
    assert meanings["04"] is not None and ALL in meanings["04"].releasable_to
    lying = {**by_id["marking-definition--f88d31f6-486f-44da-b317-01333bde0b01"], "name": "UNCLASSIFIED"}
    with pytest.raises(Exception, match="disagrees"):
        read_definition(lying)  # name and content disagree: refused rather than guessed
    with node(tmp_path) as n:
        status = n.post("usa.ro", producer["objects"])
        assert status["failure_count"] == 0, status["failures"]
        mex = {o["id"]: o for o in n.objects("mex.analyst") if o["type"] == "indicator"}
        can = {o["id"]: o for o in n.objects("can.analyst") if o["type"] == "indicator"}
        first = "indicator--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"
        assert set(mex) == {first, first[:-1] + "2", first[:-1] + "3"} and set(can) == {first[:-1] + "3"}
        assert "description" not in mex[first] and "accountant" not in _texts(list(mex.values()))


# -- 12. redaction, not withholding; every endpoint agrees ----------------------------------------------


def test_asvs_8_3_4_a_granular_marked_property_is_redacted_and_endpoints_agree(tmp_path: Path) -> None:
    u, noforn = definition("U"), definition(NOFORN)
    report = {
        "type": "report", "spec_version": "2.1", "id": "report--3a2c8b8e-1d4e-4f0a-9a5b-6c7d8e9f0a11",
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": "Source is a cartel accountant", "published": "2026-01-01T00:00:00Z",
        "object_refs": ["indicator--00000000-0000-4000-8000-000000000001"], "object_marking_refs": [u["id"]],
        "granular_markings": [{"marking_ref": noforn["id"], "selectors": ["name"]}],
    }  # fmt: skip
    ind = indicator(1, u["id"], description="seen by our source", granular_markings=[
        {"marking_ref": noforn["id"], "selectors": ["description"]}])  # fmt: skip
    with node(tmp_path) as n:
        assert n.post("usa.ro", [u, noforn, ind, report])["failure_count"] == 0
        served = {o["id"]: o for o in n.objects("mex.analyst")}
        assert "description" not in served[ind["id"]] and "granular_markings" not in served[ind["id"]]
        assert served[report["id"]]["name"] == "(not releasable)"
        assert "accountant" not in _texts(list(served.values())) and noforn["id"] not in served
        for obj in (ind, report):
            one = n.get("mex.analyst", f"objects/{obj['id']}/").json()["objects"]
            assert one == [served[obj["id"]]]
            assert n.get("mex.analyst", f"objects/{obj['id']}/versions/").json()["versions"]
        manifest = {m["id"] for m in n.get("mex.analyst", "manifest/").json()["objects"]}
        assert manifest == set(served)
        home = {o["id"]: o for o in n.objects("usa.analyst")}
        assert home[ind["id"]] == ind  # the owner gets the stored object untouched


# -- 13. discovery under the mount, DELETE --------------------------------------------------------------


def test_asvs_13_1_1_discovery_names_api_roots_that_resolve_under_cruce_serve(tmp_path: Path) -> None:
    from cruce.api.app import create_app
    from cruce.storage.credentials import FAST_POLICY

    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'cruce.db'}")
    setup(settings.resolved_database_url())
    with TestClient(create_app(settings, passwords=FAST_POLICY)) as http:
        for path in ("/taxii2/", "/taxii2/taxii2/"):
            found = http.get(path, auth=("usa.ro", PASSWORD), headers={"Accept": TAXII_MEDIA})
            assert found.status_code == 200, (path, found.text)
            root = found.json()["default"]
            assert root == "http://testserver/taxii2/cruce/" and found.json()["api_roots"] == [root]
            assert http.get(root, auth=("usa.ro", PASSWORD)).status_code == 200
    with node(tmp_path) as n:  # the standalone server keeps /taxii2/ with root /cruce/
        assert (
            n.client.get("/taxii2/", auth=("usa.ro", PASSWORD)).json()["default"]
            == "http://testserver/cruce/"
        )


def test_asvs_4_1_1_delete_needs_the_write_right_and_the_writer_check(tmp_path: Path) -> None:
    noforn, rel = definition(NOFORN), definition(REL_MEX)
    with node(tmp_path) as n:
        ind = indicator(1, rel["id"])
        newer = {**ind, "modified": "2026-01-02T00:00:00.000Z", "name": "newer"}
        assert n.post("usa.ro", [noforn, rel, ind, newer, indicator(2, noforn["id"])])["failure_count"] == 0
        url = f"/cruce/collections/{SHARED}/objects/{ind['id']}/"
        assert (
            n.client.delete(url, auth=("mex.ro", PASSWORD)).status_code == 403
        )  # MEX may read it, not own it
        secret = f"/cruce/collections/{SHARED}/objects/{indicator(2)['id']}/"
        assert n.client.delete(secret, auth=("mex.ro", PASSWORD)).status_code == 404  # not even visible
        assert n.client.delete(url, auth=("usa.analyst", PASSWORD)).status_code == 403  # released content
        first = n.client.delete(
            url, params={"match[version]": "2026-01-01T00:00:00.000Z"}, auth=("usa.ro", PASSWORD)
        )
        assert first.status_code == 200
        left = n.get("usa.ro", f"objects/{ind['id']}/versions/").json()["versions"]
        assert left == ["2026-01-02T00:00:00.000000Z"]
        assert n.client.delete(url, auth=("usa.ro", PASSWORD)).status_code == 200
        assert n.get("usa.ro", f"objects/{ind['id']}/").status_code == 404
        with open_store(n.url) as store:
            actions = [(r.event.action, r.event.outcome) for r in AuditLog.of(store).latest(30)]
        assert ("delete", Outcome.ALLOWED) in actions and ("delete", Outcome.DENIED) in actions


# -- 10. malformed objects are a TAXII failure, never a 500 ---------------------------------------------

_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_FIELDS = ["object_marking_refs", "granular_markings", "extensions", "created", "modified", "id", "type",
           "created_by_ref", "spec_version", "x_cruce_author", "description"]  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(_FIELDS), _JUNK, max_size=4))
def test_asvs_13_2_1_malformed_objects_are_refused_per_object_never_a_500(
    tmp_path_factory: pytest.TempPathFactory, junk: dict[str, Any]
) -> None:
    shared = _shared_node(tmp_path_factory)
    obj = {**indicator(7), **junk}
    response = shared.client.post(
        f"/cruce/collections/{SHARED}/objects/", content=json.dumps({"objects": [obj, 5, "x"]}),
        headers={"Content-Type": TAXII_MEDIA}, auth=("usa.ro", PASSWORD),
    )  # fmt: skip
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/taxii+json")


_NODES: dict[str, Any] = {}


def _shared_node(factory: pytest.TempPathFactory) -> Any:
    if "node" not in _NODES:
        context = node(factory.mktemp("junk"))
        _NODES["node"] = context.__enter__()
        _NODES["context"] = context
    return _NODES["node"]


@pytest.fixture(autouse=True, scope="module")
def _close_shared_node() -> Any:
    yield
    if "context" in _NODES:
        _NODES.pop("context").__exit__(None, None, None)
        _NODES.clear()


# -- TLP 2.0 onward sharing across three nodes ----------------------------------------------------------


def test_asvs_8_1_1_tlp_red_received_from_a_partner_never_reaches_a_third_country(tmp_path: Path) -> None:
    """MEX's TLP:RED content, pulled by the USA node or posted there by a MEX account, reaches USA and MEX
    readers only, and the USA node never pushes it to CAN; USA's own TLP:RED goes where its markings say."""
    tlp_red = {
        "type": "marking-definition", "spec_version": "2.1", "id": TLP2_IDS["red"], "name": "TLP:RED",
        "created": "2022-10-01T00:00:00.000Z", "extensions": {TLP2_EXTENSION: {
            "extension_type": "property-extension", "tlp_2_0": "red"}},
    }  # fmt: skip
    mex_u, usa_u = definition("U", owner="MEX"), definition("U")
    with (
        node(tmp_path, "usa", country="USA") as usa,
        node(tmp_path, "mex", country="MEX") as mex,
        node(tmp_path, "can", country="CAN") as can,
    ):
        assert (
            mex.post("mex.ro", [tlp_red, mex_u, indicator(1, mex_u["id"], TLP2_IDS["red"])])["failure_count"]
            == 0
        )
        assert (
            usa.post("mex.ro", [tlp_red, mex_u, indicator(2, mex_u["id"], TLP2_IDS["red"])])["failure_count"]
            == 0
        )
        assert usa.post("usa.ro", [usa_u, indicator(3, usa_u["id"], TLP2_IDS["red"])])["failure_count"] == 0
        with open_store(usa.url) as store:
            sharing, audit = SharingStore(store.engine), AuditLog(store.engine)
            from_mex = Remote("http://testserver/cruce/", user="usa.ro", password=PASSWORD, country="MEX")
            pull(sharing, audit, from_mex, SHARED, client=mex.client, node_country="USA")
            to_can = Remote("http://testserver/cruce/", user="usa.ro", password=PASSWORD, country="CAN")
            pushed = push(sharing, audit, to_can, SHARED, partner_country="CAN", client=can.client)
            assert pushed.received >= 1
        ids = {n: indicator(n)["id"] for n in (1, 2, 3)}
        at_usa = {o["id"] for o in usa.objects("usa.analyst")}
        assert {ids[1], ids[2], ids[3]} <= at_usa
        assert {ids[1], ids[2]} <= {o["id"] for o in usa.objects("mex.analyst")}
        can_at_usa = {o["id"] for o in usa.objects("can.analyst")}
        assert ids[1] not in can_at_usa and ids[2] not in can_at_usa and ids[3] in can_at_usa
        at_can = {o["id"] for o in can.objects("can.analyst")}
        assert ids[3] in at_can and ids[1] not in at_can and ids[2] not in at_can
