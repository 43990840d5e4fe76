"""A referral travels over the existing TAXII sync: node A (USA) refers a case to MEX into a collection,
node B (MEX) pulls it; B receives the case's tear-line version and nothing withheld. CAN's sync gets none."""

from __future__ import annotations

import json
from pathlib import Path

from sharing_fixtures import COLLECTION, PASSWORD, serve, setup_accounts
from sqlalchemy import select

from cruce.service.cases import CaseService
from cruce.service.demo import _store_case
from cruce.service.sharing import Remote, pull
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store
from cruce.storage.tables import ShareObjectRow
from cruce.synthetic.ring import smuggling_ring


def test_a_referral_reaches_the_partner_node_as_its_tear_line(tmp_path: Path) -> None:
    a_url, b_url = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    ring = smuggling_ring(17)
    with open_store(a_url) as store:
        sharing = SharingStore(store.engine)
        setup_accounts(sharing)  # usa.analyst: analyst and releasing officer, writes the collection
        service = CaseService(store.engine, sharing=sharing)
        user = sharing.account("usa.analyst").user()
        case = _store_case(service, user, ring.us)
        referral = service.refer(user, case, "MEX", collection=COLLECTION)
        assert referral.objects_added > 0
    with serve(a_url) as base, open_store(b_url) as store_b:
        sharing_b = SharingStore(store_b.engine)
        report = pull(
            sharing_b,
            AuditLog(store_b.engine),
            Remote(f"{base}/cruce/", user="mex.sync", password=PASSWORD, country="USA"),
            COLLECTION,
        )
        assert report.added > 0
        with store_b.engine.connect() as conn:
            objects = [json.loads(t) for t in conn.scalars(select(ShareObjectRow.data))]
        can = Remote(f"{base}/cruce/", user="can.analyst", password=PASSWORD, country="USA")
        with open_store(f"sqlite:///{tmp_path / 'c.db'}") as store_c:
            pull(SharingStore(store_c.engine), AuditLog(store_c.engine), can, COLLECTION)
            with store_c.engine.connect() as conn:
                for_can = [json.loads(t) for t in conn.scalars(select(ShareObjectRow.data))]
    grouping = next(o for o in objects if o["type"] == "grouping")
    assert grouping["x_cruce_case_id"] == case and grouping["x_cruce_partner"] == "MEX"
    assert set(grouping["object_refs"]) <= {o["id"] for o in objects}
    text = json.dumps(objects, ensure_ascii=False)
    assert ring.broker_phone in text and ring.broker not in text  # the U.S. case knows only his number
    assert "Source DELTA" not in text and "pays drivers per head" not in text
    assert [o for o in for_can if o["type"] != "marking-definition"] == []
