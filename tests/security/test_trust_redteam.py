"""Trust between partners, replayed against the merged fixes of issue 13 (a red-team pass): each test is a
variation that still broke, named after the OWASP ASVS (v4.0.3) requirement it covers.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from trust_fixtures import PASSWORD, SHARED, indicator, node

from cruce.core.errors import InputError
from cruce.core.markings import Marking
from cruce.service.sharing import TAXII_MEDIA
from cruce.sharing.access import Organisation, Role, User
from cruce.sharing.exchange import PagePosition
from cruce.sharing.release import may_write_parts
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

ACS = "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce"
HEADERS = {"Content-Type": TAXII_MEDIA, "Accept": TAXII_MEDIA}


def acs(**control: Any) -> dict[str, Any]:
    """An ACS 3.0 definition as another producer writes it (uuid4 id, `ORG.SUB` originator)."""
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": f"marking-definition--{uuid.uuid4()}",
        "created": "2026-01-01T00:00:00.000Z",
        "extensions": {
            ACS: {
                "extension_type": "property-extension",
                "identifier": f"isa:guide.19001.ACS-V3.0_{uuid.uuid4()}",
                "create_date_time": "2026-01-01T00:00:00Z",
                "responsible_entity_custodian": "USA.DHS",
                "responsible_entity_originator": "USA.DHS.CBP",
                "policy_reference": "urn:isa:policy:acs:ns:v3.0?privdefault=deny",
                "authority_reference": ["urn:isa:authority:misa"],
                "control_set": control,
            }
        },
    }


def test_asvs_4_1_3_every_portion_is_judged_alone_so_an_analyst_cannot_release_behind_a_noforn_one() -> None:
    """The roll-up of a NOFORN portion and a REL TO portion stays home, but a tear line serves the REL TO
    portion to the partner: deciding on the roll-up let an analyst release it (API products, publish)."""
    analyst = User("usa.a", Organisation("cbp", "USA"), Marking.parse("S").classification, "USA",
                   roles=frozenset({Role.ANALYST}))  # fmt: skip
    releaser = User("usa.r", Organisation("cbp", "USA"), Marking.parse("S").classification, "USA",
                    roles=frozenset({Role.ANALYST, Role.RELEASING_OFFICER}))  # fmt: skip
    parts = [(Marking.parse("S//REL TO USA, MEX"),), (Marking.parse("S//NF"),)]
    refused = may_write_parts(analyst, parts)
    assert not refused.allowed and "releasing_officer" in refused.reason
    assert may_write_parts(analyst, [(Marking.parse("S//NF"),), (Marking.parse("C//NF"),)]).allowed
    assert may_write_parts(releaser, parts).allowed


def test_asvs_4_1_3_the_api_refuses_an_analysts_product_whose_rel_to_title_hides_behind_a_noforn_portion(
    tmp_path: Path,
) -> None:
    from api_fixtures import prepare
    from fastapi.testclient import TestClient

    from cruce.api.app import create_app
    from cruce.storage.credentials import FAST_POLICY

    world = prepare(tmp_path)
    product = {
        "product_id": "report:hidden-release",
        "owner": "USA",
        "title": {"text": "A title MEX must not get from an analyst", "marking": "S//REL TO USA, MEX"},
        "portions": [{"text": "home only", "marking": "S//NF"}],
    }
    with TestClient(create_app(world.settings, passwords=FAST_POLICY)) as client:
        refused = client.post("/api/v1/products", json=product, headers=world.headers("usa.analyst"))
        assert refused.status_code == 403, refused.text
        assert "releasing officer" in refused.json()["error"]["message"]
        seen = client.get("/api/v1/products", headers=world.headers("mex.analyst")).json()["items"]
        assert all(item["product_id"] != "report:hidden-release" for item in seen)


def test_asvs_4_2_1_an_organisation_belongs_to_one_country_so_its_collections_stay_its_own(
    tmp_path: Path,
) -> None:
    """A MEX administrator creating a MEX account "in CBP" took CBP's collection rights (org:CBP)."""
    with node(tmp_path) as taxii, open_store(taxii.url) as store:
        sharing = SharingStore(store.engine)
        for org in ("cbp", "CBP", " Cbp "):
            with pytest.raises(InputError, match="another country's"):
                sharing.add_account(f"mex.in-{org.strip()}", organisation=org, country="MEX",
                                    clearance="S", roles=["analyst"], password=PASSWORD,
                                    scrypt_n=2**12)  # fmt: skip
        sharing.add_account("usa.second", organisation="cbp", country="USA", clearance="S",
                            roles=["analyst"], password=PASSWORD, scrypt_n=2**12)  # fmt: skip


def test_asvs_4_1_1_definitions_anywhere_in_a_bundle_apply_and_granular_ones_redact(tmp_path: Path) -> None:
    """Producers put marking-definitions anywhere in a bundle, often last: the objects using them are not
    refused (over-withholding), and a granular NOFORN still redacts the property for MEX."""
    rel = acs(classification="S", permitted_nationalities=["USA", "MEX"])
    rel["extensions"][ACS]["access_privilege"] = [{
        "privilege_action": "CISAUSES", "rule_effect": "permit",
        "privilege_scope": {"permitted_nationalities": ["USA", "MEX"], "permitted_organizations": ["ALL"],
                            "shareability": ["ALL"], "entity": ["ALL"]},
    }]  # fmt: skip
    nf = acs(classification="S", formal_determination=["NF"])
    obj = indicator(1, rel["id"], description="NOFORN detail",
                    granular_markings=[{"marking_ref": nf["id"], "selectors": ["description"]}])  # fmt: skip
    with node(tmp_path) as taxii:
        status = taxii.post("usa.ro", [obj, nf, rel])
        assert status["failure_count"] == 0 and status["success_count"] == 3, status
        mex = taxii.objects("mex.analyst", **{"match[id]": obj["id"]})
        assert len(mex) == 1 and "description" not in mex[0] and "granular_markings" not in mex[0]
        usa = taxii.objects("usa.analyst", **{"match[id]": obj["id"]})
        assert usa[0]["description"] == "NOFORN detail"


@pytest.mark.parametrize("seq", [2**63, 2**64 + 5, -1])
def test_asvs_5_1_3_a_taxii_next_token_outside_the_database_range_is_a_400(tmp_path: Path, seq: int) -> None:
    token = base64.urlsafe_b64encode(f"2026-01-01T00:00:00.000000Z|{seq}".encode()).decode().rstrip("=")
    with pytest.raises(InputError):
        PagePosition.decode(token)
    with node(tmp_path) as taxii:
        for path in ("objects/", "manifest/"):
            response = taxii.get("usa.analyst", path, next=token)
            assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"objects": [' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"]}",  # deeper than the JSON parser goes
        b'{"objects": [{"type": "indicator", "id": "indicator--\\ud800"}]}',  # a lone surrogate
    ],
    ids=["deep-nesting", "lone-surrogate-id"],
)
def test_asvs_5_1_4_taxii_bodies_no_parser_or_encoder_can_take_are_a_400_before_anything_is_stored(
    tmp_path: Path, body: bytes
) -> None:
    with node(tmp_path) as taxii:
        good = json.dumps(indicator(7)).encode()
        response = taxii.client.post(
            f"/cruce/collections/{SHARED}/objects/",
            content=body.replace(b'{"objects": [', b'{"objects": [' + good + b",", 1),
            headers=HEADERS, auth=("usa.ro", PASSWORD),
        )  # fmt: skip
        assert response.status_code == 400, response.text
        assert taxii.objects("usa.ro") == []


@pytest.mark.parametrize("text", ["nul\x00inside", "surrogate \ud800 inside"])
def test_asvs_7_2_2_an_object_refused_for_its_text_is_a_failure_and_the_rest_is_stored_and_audited(
    tmp_path: Path, text: str
) -> None:
    """A NUL (or lone surrogate) in a field or an id is a per-object failure; recording that failure never
    breaks the request after the good objects were stored (a side effect without its audit record)."""
    with node(tmp_path) as taxii:
        bad = indicator(2, name=text) if "\x00" in text else indicator(3)
        objects = [indicator(1), bad, {**indicator(4), "id": "indicator--\x00"}]
        status = taxii.post("usa.ro", objects)
        assert status["success_count"] == (2 if "\x00" not in text else 1), status
        assert status["failure_count"] == len(objects) - status["success_count"]
        with open_store(taxii.url) as store:
            from cruce.storage.audit import AuditLog

            events = [r.event for r in AuditLog(store.engine).records(None, 1000)]
        writes = [e for e in events if e.action == "write" and e.resource == f"collection:{SHARED}"]
        assert writes and writes[-1].outcome.value == "denied"
        assert any("\\x00" in e.resource for e in events)
