"""Two partner nodes (USA, MEX), each its own database and TAXII server, syncing by pull as in production.

USA asks MEX for assistance (one portion NOFORN), MEX offers, USA accepts, MEX marks it delivered: each step
travels over the sync and both nodes end with the same history; the NOFORN portion never reaches MEX. USA
hands a repatriation over to MEX (a minimised manifest), MEX receives it and its receipt comes back. Running
every sync and receive again changes nothing. A third country's sync account gets none of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sharing_fixtures import FAST_SCRYPT_N, PASSWORD, serve
from sqlalchemy import func, select

from cruce.respond.humanitarian import PersonRecord, Purpose, ScreeningResult
from cruce.service.respond import RespondForbiddenError, RespondService
from cruce.service.respond_sync import forget_purged, receive, release
from cruce.service.sharing import Remote, pull
from cruce.storage.accounts import Account
from cruce.storage.assess import TABLES, RespondStore
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore
from cruce.storage.store import Store, open_store
from cruce.storage.tables import ShareObjectRow

COLLECTION = "respond"
SECRET = "The tankers are needed because the plant's backup was sabotaged (source ORCHID)."
SHARED = "Brownsville's water plant is down; 40,000 people without drinking water."
SCREEN_REASON = "possible list match (score 0.93)"


@dataclass
class Node:
    country: str
    base: str
    store: Store

    @property
    def sharing(self) -> SharingStore:
        return SharingStore(self.store.engine)

    @property
    def service(self) -> RespondService:
        return RespondService(RespondStore(self.store.engine), AuditLog(self.store.engine))

    @property
    def officer(self) -> Account:
        return self.sharing.account(f"{self.country.lower()}.officer")

    def pull_from(self, other: Node) -> int:
        remote = Remote(f"{other.base}/cruce/", user=f"{self.country.lower()}.sync", password=PASSWORD,
                        country=other.country)  # fmt: skip
        return pull(
            self.sharing, AuditLog(self.store.engine), remote, COLLECTION, node_country=self.country
        ).added

    def release(self) -> list[str]:
        return release(self.service, self.sharing, self.officer, COLLECTION).steps

    def receive(self) -> list[str]:
        got = receive(self.service, self.sharing, COLLECTION, self.country)
        assert got.refused == [], got.refused
        return got.applied

    def objects(self) -> list[dict[str, object]]:
        with self.store.engine.connect() as conn:
            return [json.loads(t) for t in conn.scalars(select(ShareObjectRow.data))]

    def count(self, table: object) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]

    def dump(self, table: str) -> str:
        with self.store.engine.connect() as conn:
            return json.dumps([dict(r._mapping) for r in conn.execute(select(TABLES[table]))], default=str)


def _setup(store: Store, country: str, partners: tuple[str, ...]) -> None:
    sharing = SharingStore(store.engine)
    sharing.add_account(
        f"{country.lower()}.officer", organisation=f"{country.lower()}-border", country=country,
        clearance="S", roles=("analyst", "releasing_officer"), password=PASSWORD, scrypt_n=FAST_SCRYPT_N,
    )  # fmt: skip
    sharing.add_collection(COLLECTION, "Joint response", "assistance and repatriations between partners")
    sharing.grant(COLLECTION, f"user:{country.lower()}.officer", read=True, write=True)
    for partner in partners:
        sharing.add_account(
            f"{partner.lower()}.sync", organisation=f"{partner.lower()}-border", country=partner,
            clearance="S", roles=("analyst",), password=PASSWORD, scrypt_n=FAST_SCRYPT_N,
        )  # fmt: skip
        sharing.grant(COLLECTION, f"user:{partner.lower()}.sync", read=True, write=False)


@pytest.fixture
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Node]]:
    with ExitStack() as stack:
        out: dict[str, Node] = {}
        for country, partners in (("USA", ("MEX", "CAN")), ("MEX", ("USA",))):
            url = f"sqlite:///{tmp_path_factory.mktemp(country.lower()) / 'node.db'}"
            store = stack.enter_context(open_store(url))
            _setup(store, country, partners)
            out[country] = Node(country, stack.enter_context(serve(url, node_country=country)), store)
        yield out


def _sync(usa: Node, mex: Node) -> tuple[list[str], list[str]]:
    """Both directions, as each node's operator runs `cruce share sync` and `cruce incidents receive`."""
    mex.pull_from(usa)
    usa.pull_from(mex)
    return usa.receive(), mex.receive()


def _history(node: Node, request_id: str) -> list[tuple[str, datetime, str]]:
    return list(node.service.assistance(node.officer, request_id).history)


def test_assistance_asked_offered_accepted_delivered_across_two_nodes(nodes: dict[str, Node]) -> None:
    usa, mex = nodes["USA"], nodes["MEX"]
    incident = usa.service.open_incident(
        usa.officer, kind="hurricane", name="Beryl", marking="C//REL TO USA, MEX"
    )
    asked = usa.service.request_assistance(
        usa.officer, incident.incident_id, "MEX", "Two water tankers at Brownsville",
        marking="C//REL TO USA, MEX", portions=[("S//NOFORN", SECRET), ("C//REL TO USA, MEX", SHARED)],
    )  # fmt: skip
    rid = asked.request_id
    assert usa.release() == [f"{rid} asked -> MEX"]
    assert _sync(usa, mex) == ([], [f"{rid} asked from USA"])

    # MEX holds the request (and the incident it is about) with only the portion released to it.
    held = mex.service.assistance(mex.officer, rid)
    assert (held.from_country, held.to_country, held.state) == ("USA", "MEX", "asked")
    assert held.portions == (("CONFIDENTIAL//REL TO USA, MEX", SHARED),)
    assert mex.service.incident(mex.officer, incident.incident_id).name == "Beryl"
    assert [a.request_id for a in mex.service.assistance_of(mex.officer, incident.incident_id)] == [rid]

    # MEX may not accept its own offer; USA may not offer on MEX's behalf (the service's rules still hold).
    with pytest.raises(RespondForbiddenError):
        usa.service.advance(usa.officer, rid, "offered")
    mex.service.advance(mex.officer, rid, "offered")
    assert mex.release() == [f"{rid} offered -> USA"]
    assert _sync(usa, mex) == ([f"{rid} offered from MEX"], [])
    assert usa.service.assistance(usa.officer, rid).state == "offered"

    usa.service.advance(usa.officer, rid, "accepted")
    assert usa.release() == [f"{rid} accepted -> MEX"]
    assert _sync(usa, mex) == ([], [f"{rid} accepted from USA"])
    mex.service.advance(mex.officer, rid, "delivered")
    assert mex.release() == [f"{rid} delivered -> USA"]
    assert _sync(usa, mex) == ([f"{rid} delivered from MEX"], [])

    states = ["asked", "offered", "accepted", "delivered"]
    assert [s for s, _, _ in _history(usa, rid)] == states
    assert _history(usa, rid) == _history(mex, rid)
    assert [by for _, _, by in _history(mex, rid)] == [
        "usa.officer",
        "mex.officer",
        "usa.officer",
        "mex.officer",
    ]

    # The NOFORN portion stays home: not in MEX's collection, not in MEX's tables; USA still reads it.
    assert SECRET not in json.dumps(mex.objects()) and SECRET not in mex.dump("assistance")
    assert SHARED in json.dumps(mex.objects())
    assert ("SECRET//NOFORN", SECRET) in usa.service.assistance(usa.officer, rid).portions
    steps = [o for o in mex.objects() if o["type"] == "x-cruce-assistance"]
    assert len(steps) == 4 and all(o["object_marking_refs"] for o in steps)

    # Audited on both sides: each node's release and each step received.
    def actions(node: Node) -> list[str]:
        return [r.event.action for r in AuditLog(node.store.engine).latest(200) if r.event.resource == rid]

    assert {"receive assistance offered", "receive assistance delivered"} <= set(actions(usa))
    assert {"receive assistance asked", "receive assistance accepted"} <= set(actions(mex))
    assert actions(usa).count("release") == 2 and actions(mex).count("release") == 2

    # Again, everything: nothing new anywhere (objects, rows, history, audit records of the request; a sync
    # run and the partner's read of the collection are audited as such, as ever).
    def state(node: Node) -> tuple[int, int, list[str]]:
        return node.count(ShareObjectRow), node.count(TABLES["assistance"]), actions(node)

    before = [state(usa), state(mex)]
    assert usa.release() == [] and mex.release() == []
    assert _sync(usa, mex) == ([], [])
    assert [state(usa), state(mex)] == before
    assert _history(usa, rid) == _history(mex, rid) and len(_history(mex, rid)) == 4

    # CAN's sync account on the USA node receives none of it (REL TO USA, MEX only).
    remote = Remote(f"{usa.base}/cruce/", user="can.sync", password=PASSWORD, country="USA")
    with open_store(f"sqlite:///{usa.store.engine.url.database}.can") as can_store:
        pull(
            SharingStore(can_store.engine), AuditLog(can_store.engine), remote, COLLECTION, node_country="CAN"
        )
        with can_store.engine.connect() as conn:
            for_can = [json.loads(t) for t in conn.scalars(select(ShareObjectRow.data))]
    assert [o["type"] for o in for_can if o["type"].startswith("x-cruce")] == []
    assert SHARED not in json.dumps(for_can)


def _screen(person: PersonRecord) -> ScreeningResult:
    flagged = person.given_name.startswith("Jose")
    return ScreeningResult(person.person_ref, flagged, SCREEN_REASON if flagged else "")


def test_a_repatriation_hand_over_and_its_receipt_across_two_nodes(nodes: dict[str, Node]) -> None:
    usa, mex = nodes["USA"], nodes["MEX"]
    manifest = [
        {"given_name": "Jose Luis", "birth_year": 1991, "nationality": "MEX", "sex": "M", "legal_hold": True},
        {"given_name": "Ana", "birth_year": 2004, "nationality": "MEX"},
    ]
    at = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    sent = usa.service.repatriate(usa.officer, to_country="MEX", port="Nogales", handover_at=at,
                                  manifest=manifest, screen=_screen)  # fmt: skip
    tid = sent.transfer_id
    assert sent.alerts == 1
    assert usa.release() == [f"{tid} handover -> MEX"]
    assert _sync(usa, mex) == ([], [f"{tid} handover from USA"])

    received = mex.service.repatriation(mex.officer, tid)
    assert (received.from_country, received.port, received.handover_at, received.people) == (
        "USA",
        "Nogales",
        at,
        2,
    )
    assert not received.acknowledged
    # Minimised: what receiving people at the port needs, nothing of the sender's screening, holds or refs.
    usa_refs = [json.loads(usa.dump("person_records"))[i]["person_ref"] for i in range(2)]
    shipped = json.dumps(mex.objects()) + mex.dump("person_records") + mex.dump("repatriations")
    for absent in (SCREEN_REASON, 'legal_hold": true', *usa_refs):
        assert absent not in shipped, absent
    people = json.loads(mex.dump("person_records"))
    assert sorted(p["given_name"] for p in people) == ["Ana", "Jose Luis"]
    assert {tuple(p["purposes"]) for p in people} == {("repatriation",)} and {
        p["country"] for p in people
    } == {"MEX"}
    # ... readable at MEX for the repatriation only.
    with pytest.raises(RespondForbiddenError, match="collected for repatriation, not case"):
        mex.service.person(mex.officer, people[0]["person_ref"], "case")
    assert mex.service.person(mex.officer, people[0]["person_ref"], "repatriation").nationality == "MEX"

    # Only MEX acknowledges, on its node; the receipt travels back to the USA.
    with pytest.raises(RespondForbiddenError):
        usa.service.acknowledge(usa.officer, tid, 2)
    mex.service.acknowledge(mex.officer, tid, 2)
    assert mex.release() == [f"{tid} receipt -> USA"]
    assert _sync(usa, mex) == ([f"{tid} receipt from MEX"], [])
    back = usa.service.repatriation(usa.officer, tid)
    assert (back.acknowledged, back.receipt_by, back.received) == (True, "mex.officer", 2)
    audit = [r.event for r in AuditLog(usa.store.engine).latest(100) if r.event.resource == tid]
    assert [e.action for e in audit if e.action.startswith("receive")] == ["receive receipt"]

    # Again: nothing new; MEX holds the two people once.
    assert usa.release() == [] and mex.release() == []
    assert _sync(usa, mex) == ([], [])
    assert mex.count(TABLES["person_records"]) == 2 and mex.count(TABLES["repatriations"]) == 1

    # Retention ends at MEX: its records go, and so does the manifest in its sharing collection (audited).
    ended = {purpose: timedelta(0) for purpose in Purpose}
    assert len(mex.service.purge(mex.officer, retention=ended).deleted) == 2
    assert forget_purged(mex.service, mex.sharing, mex.officer) == [tid]
    assert "Jose Luis" not in json.dumps(mex.objects()) and mex.count(TABLES["person_records"]) == 0
    # At the USA, Ana's record goes while Jose Luis's stays (a legal hold of the USA's own, never sent): the
    # shared manifest naming Ana goes too, and the incomplete hand-over is not released again.
    assert "Ana" in json.dumps(usa.objects()) and forget_purged(usa.service, usa.sharing, usa.officer) == []
    assert len(usa.service.purge(usa.officer, retention=ended).deleted) == 1
    assert forget_purged(usa.service, usa.sharing, usa.officer) == [tid]
    assert "Ana" not in json.dumps(usa.objects())
    again = release(usa.service, usa.sharing, usa.officer, COLLECTION)
    assert again.steps == [] and "personal records are left" in again.denied[f"{tid} handover -> MEX"]
