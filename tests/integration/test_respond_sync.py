"""Two nodes on loopback: USA writes a sitrep with a NOFORN portion and publishes it; MEX's node pulls the
collection over TAXII 2.1 and holds MEX's tear line of it, never the NOFORN portion."""

from __future__ import annotations

import json
from pathlib import Path

from sharing_fixtures import COLLECTION, PASSWORD, serve, setup_accounts

from cruce.service.respond import RespondService
from cruce.service.sharing import Remote, pull
from cruce.sharing.exchange import ObjectFilter
from cruce.storage.assess import RespondStore
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store

SECRET = "A source inside the utility says the backup was sabotaged."
SHARED = "Brownsville is closed; traffic diverts to Hidalgo and Progreso."


def test_a_sitrep_reaches_the_partner_node_at_its_tear_line(tmp_path: Path) -> None:
    a_url = f"sqlite:///{tmp_path / 'usa.db'}"
    with open_store(a_url) as store:
        sharing = SharingStore(store.engine)
        setup_accounts(sharing)
        usa = sharing.account("usa.analyst")
        service = RespondService(RespondStore(store.engine), AuditLog(store.engine))
        incident = service.open_incident(usa, kind="hurricane", name="Beryl", marking="C//REL TO USA, MEX")
        report = service.write_sitrep(usa, incident.incident_id, "Sitrep 1",
                                      [("S//NOFORN", SECRET), ("S//REL TO USA, MEX", SHARED)])  # fmt: skip
        assert service.publish_sitrep(usa, report.entry_id, sharing, COLLECTION).released_to == ("MEX",)
    b_url = f"sqlite:///{tmp_path / 'mex.db'}"
    with serve(a_url) as base, open_store(b_url) as store:
        mex = SharingStore(store.engine)
        pull(
            mex,
            AuditLog(store.engine),
            Remote(f"{base}/cruce/", user="mex.sync", password=PASSWORD),
            COLLECTION,
        )
        received = [json.loads(o.data) for o in mex.page(COLLECTION, ObjectFilter(limit=1000), None).objects]
    reports = [o for o in received if o["type"] == "report"]
    # MEX's tear-line report, and the full report with every portion not released to MEX cut out at the
    # serving node (granular markings): the NOFORN portion's text never leaves the USA node.
    tear_line = [r for r in reports if r.get("x_cruce_partner") == "MEX"]
    assert len(tear_line) == 1 and tear_line[0]["x_cruce_product_id"] == report.entry_id
    assert tear_line[0]["x_cruce_portions"] == [SHARED]
    text = json.dumps(received)
    assert SHARED in text and SECRET not in text
