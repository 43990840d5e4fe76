"""Assistance requests and repatriation hand-overs between partner nodes, over the existing TAXII sync.

`release` puts every step this node took (a request asked or accepted, an offer made or marked delivered,
a hand-over sent, a receipt given) into a sharing collection as `cruce.sharing.respond` objects, each cut
for the one partner concerned and decided by the one release rule (`may_write_parts` on every marked part);
partners pull them with `cruce share sync`, as they pull sitreps. `receive` then reads what the sync
brought into this node's own tables (`RespondStore`), each step believed only from the node that took it
and applied only in order (an offer on a request that was asked, a delivery after the acceptance).

Both are idempotent: a step has one STIX id, so releasing it again stores nothing new, and receiving it
again finds it already in the request's history (or the transfer already held, the receipt already
given) and changes nothing. Every step released, received or refused is audited; a received step's audit
record commits with the change it makes. `receive` re-reads the collection's assistance and repatriation
objects each run (there are few): a step that arrived before the one it follows is applied on a later run.

Privacy: a hand-over carries only the manifest's given name, birth year, nationality and sex (no screening
result, case, hold or local reference); the receiving node keeps them as its own personal records for the
purpose of repatriation only, under its own retention (`RespondService.purge`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from cruce.core.errors import InputError, NotFoundError
from cruce.core.markings import Marking
from cruce.respond.humanitarian import Purpose
from cruce.service.respond import AssistanceState, RespondService, person_values
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.sharing.exchange import ObjectFilter, PagePosition, VersionPick
from cruce.sharing.notices import org_identity
from cruce.sharing.release import may_write_parts, reach_of
from cruce.sharing.respond import (
    ASSISTANCE_STEPS,
    ASSISTANCE_TYPE,
    REPATRIATION_TYPE,
    AssistanceStep,
    IncidentRef,
    MarkedText,
    RepatriationStep,
    assistance_objects,
    cut_request,
    envelope,
    extension_definitions,
    parts_of,
    portions_of,
    read_assistance,
    read_repatriation,
    repatriation_objects,
    step_id,
)
from cruce.sharing.stix import org_identity_id
from cruce.storage.accounts import Account
from cruce.storage.assess import Stored, reach_text
from cruce.storage.collections import AddResult, Reader
from cruce.storage.sharing import SharingStore


@dataclass(slots=True)
class Released:
    steps: list[str] = field(default_factory=list)  # "<request or transfer> <step> -> <partner>", new ones
    present: int = 0  # steps already in the collection
    denied: dict[str, str] = field(default_factory=dict)  # step -> why not


@dataclass(slots=True)
class Received:
    applied: list[str] = field(default_factory=list)  # "<request or transfer> <step> from <country>"
    waiting: list[str] = field(default_factory=list)  # steps whose predecessor has not arrived yet
    refused: list[str] = field(default_factory=list)  # why an object was not believed


# ---------------------------------------------------------------------------------------------- releasing


def _own_steps(service: RespondService, country: str) -> list[AssistanceStep | RepatriationStep]:
    store = service.store
    steps: list[AssistanceStep | RepatriationStep] = []
    for row in store.rows("assistance", country=country, either=("from_country", "to_country")):
        for entry in row["history"]:
            step = AssistanceStep(
                row["request_id"],
                row["from_country"],
                row["to_country"],
                entry["state"],
                entry["at"],
                entry["by"],
            )
            if step.mover != country:
                continue
            if step.step == AssistanceState.ASKED:
                step = _asked(service, row, step)
            steps.append(step)
    for row in store.rows("repatriations", country=country, either=("from_country", "to_country")):
        if row["from_country"] == country:
            people = store.rows(
                "person_records", where={"transfer_id": row["transfer_id"], "country": country}
            )
            manifest = tuple(
                {
                    "given_name": p["given_name"],
                    "birth_year": p["birth_year"],
                    "nationality": p["nationality"],
                    "sex": p["sex"],
                }
                for p in people
            )
            steps.append(
                RepatriationStep(
                    row["transfer_id"],
                    country,
                    row["to_country"],
                    "handover",
                    row["handover_at"].isoformat(),
                    row["created_by"],
                    row["port"],
                    row["handover_at"].isoformat(),
                    row["people"],
                    manifest,
                )
            )
        elif row["receipt"]:
            receipt = row["receipt"]
            steps.append(
                RepatriationStep(
                    row["transfer_id"],
                    row["from_country"],
                    country,
                    "receipt",
                    receipt["at"],
                    receipt["by"],
                    people=int(receipt["people_received"]),
                )
            )
    return steps


def _asked(service: RespondService, row: Stored, step: AssistanceStep) -> AssistanceStep:
    body = row.values.get("body") or {}
    owner = row["from_country"]
    incident = service.store.get("incidents", "incident_id", row["incident_id"])
    what = MarkedText(row["what"], Marking.parse(body.get("what_marking", "U"), owner))
    ref = IncidentRef(
        incident["incident_id"],
        incident["kind"],
        incident["name"],
        Marking.parse(incident["marking"], incident["country"]),
    )
    return AssistanceStep(
        step.request_id,
        step.from_country,
        step.to_country,
        step.step,
        step.at,
        step.by,
        ref,
        what,
        portions_of(body.get("portions"), owner),
    )


def release(service: RespondService, sharing: SharingStore, account: Account, collection_id: str) -> Released:
    """Release every step this node took to the partner concerned (a releasing officer's act)."""
    country = account.country
    user = account.user()
    out = Released()
    objects: list[dict[str, Any]] = [*extension_definitions(country), org_identity(country)]
    events: dict[str, AuditEvent] = {}  # object id -> its release record (kept only if the object is new)
    denials: list[AuditEvent] = []
    labels: dict[str, str] = {}
    for step in _own_steps(service, country):
        key = step.request_id if isinstance(step, AssistanceStep) else step.transfer_id
        label = f"{key} {step.step} -> {step.partner}"
        sent: AssistanceStep | RepatriationStep
        try:
            if isinstance(step, AssistanceStep):
                sent = cut_request(step) if step.step == AssistanceState.ASKED else step
                made = assistance_objects(sent)
                withheld = len(step.portions) - len(sent.portions)
            else:
                if step.step == "handover" and len(step.manifest) != step.people:
                    raise InputError(
                        "not_releasable",
                        f"{len(step.manifest)} of {step.people} personal records are left (deleted past "
                        "retention): the hand-over is not sent",
                    )
                sent, made, withheld = step, repatriation_objects(step), 0
        except InputError as exc:
            out.denied[label] = exc.message
            denials.append(
                _event(service, account, "release", key, exc.message, {"step": step.step}, Outcome.DENIED)
            )
            continue
        decision = may_write_parts(
            user, [[m] for m in parts_of(sent)], originators=[country], what=f"the {step.step} step"
        )
        if not decision.allowed:
            out.denied[label] = decision.reason
            denials.append(
                _event(service, account, "release", key, decision.reason, {"step": step.step}, Outcome.DENIED)
            )
            continue
        object_id = made[-1]["id"]
        labels[object_id] = label
        events[object_id] = _event(
            service,
            account,
            "release",
            key,
            decision.reason,
            {
                "step": step.step,
                "partner": step.partner,
                "marking": str(envelope(sent)),
                "withheld": withheld,
                "object": object_id,
            },
        )
        objects += made

    def keep(conn: Connection, stored: AddResult) -> None:
        if stored.failures:
            raise InputError("release_failed", f"{stored.failures[0][0]}: {stored.failures[0][1]}")
        new = {object_id for object_id, _ in stored.added}
        records = [e for object_id, e in events.items() if object_id in new] + denials
        if records:
            service.audit.append_on(conn, records)
        out.steps = [labels[i] for i in events if i in new]
        out.present = len(events) - len(out.steps)

    sharing.add_objects(collection_id, objects, also=keep)
    return out


# ---------------------------------------------------------------------------------------------- receiving


def receive(
    service: RespondService, sharing: SharingStore, collection_id: str, node_country: str
) -> Received:
    """Apply the steps partners released to this node (brought by `cruce share sync`) to its own tables."""
    out = Received()
    reader = Reader(frozenset({node_country}))
    own = org_identity_id(node_country)
    found: list[tuple[str, dict[str, Any]]] = []
    after: PagePosition | None = None
    flt_types = frozenset({ASSISTANCE_TYPE, REPATRIATION_TYPE})
    while True:
        page = sharing.page(
            collection_id,
            ObjectFilter(types=flt_types, picks=frozenset({VersionPick.ALL}), after=after),
            reader,
        )
        for stored in page.objects:
            if stored.origin:
                data = json.loads(stored.for_reader(reader))
                if data.get("created_by_ref") != own:  # ours, come back by a partner: ours is authoritative
                    found.append((stored.origin, data))
        after = page.last or after
        if not page.more:
            break
    order = {name: i for i, name in enumerate((*ASSISTANCE_STEPS, "handover", "receipt"))}
    found.sort(key=lambda item: order.get(str(item[1].get("step")), 99))
    for origin, data in found:
        try:
            if data.get("type") == ASSISTANCE_TYPE:
                _receive_assistance(service, read_assistance(data, origin), node_country, out)
            else:
                _receive_repatriation(service, read_repatriation(data, origin), node_country, out)
        except InputError as exc:
            out.refused.append(exc.message)
    return out


def _audit_received(  # noqa: PLR0917 - one audit event's fields
    service: RespondService,
    conn: Connection,
    node: str,
    sender: str,
    action: str,
    resource: str,
    reason: str,
    details: Mapping[str, Any],
) -> None:
    """Audit, on the receiving write's own connection, what a partner's step changed here."""
    event = AuditEvent(
        service.clock(), f"sync:{sender}", action, resource, Outcome.ALLOWED, reason, dict(details), node
    )
    service.audit.append_on(conn, [event])


def _receive_assistance(service: RespondService, step: AssistanceStep, node: str, out: Received) -> None:
    store = service.store
    if node != step.partner:
        raise InputError(
            "not_ours",
            f"request {step.request_id}: a step between {step.from_country} and "
            f"{step.to_country} is not {node}'s to receive",
        )
    label = f"{step.request_id} {step.step} from {step.mover}"
    row = service.store.find("assistance", "request_id", step.request_id)
    if step.step == AssistanceState.ASKED:
        if row is not None:
            return
        _ensure_incident(service, step)
        assert step.what is not None
        record = {"state": step.step, "at": step.at, "by": step.by}
        values = {
            "request_id": step.request_id,
            "incident_id": step.incident.incident_id if step.incident else "",
            "from_country": step.from_country,
            "to_country": step.to_country,
            "what": step.what.text,
            "state": step.step,
            "updated_at": datetime.fromisoformat(step.at),
            "history": [record],
            "body": {
                "what_marking": str(step.what.marking),
                "origin": step.mover,
                "portions": [{"marking": str(p.marking), "text": p.text} for p in step.portions],
            },
        }
        with store.write("store the partner's request for assistance") as conn:
            store.insert_on(conn, "assistance", values)
            _audit_received(
                service,
                conn,
                node,
                step.mover,
                "receive assistance asked",
                step.request_id,
                f"{step.from_country} asks {node} (by {step.by})",
                {"portions": len(step.portions)},
            )
        out.applied.append(label)
        return
    if row is None or row["from_country"] != step.from_country or row["to_country"] != step.to_country:
        out.waiting.append(f"{label}: the request is not held here yet")
        return
    if any(h["state"] == step.step for h in row["history"]):
        return  # received before
    before = AssistanceState.NEXT[step.step][0]
    if row["state"] != before:
        out.waiting.append(f"{label}: the request is {row['state']}, not {before}")
        return
    history = [*row["history"], {"state": step.step, "at": step.at, "by": step.by}]
    with store.write(f"mark the request {step.step}") as conn:
        if not store.update_on(
            conn,
            "assistance",
            "request_id",
            step.request_id,
            {"state": before},
            {"state": step.step, "updated_at": datetime.fromisoformat(step.at), "history": history},
        ):
            out.waiting.append(f"{label}: the request changed meanwhile")
            return
        _audit_received(
            service,
            conn,
            node,
            step.mover,
            f"receive assistance {step.step}",
            step.request_id,
            f"{step.mover} marks the request {step.step} (by {step.by})",
            {},
        )
    out.applied.append(label)


def _ensure_incident(service: RespondService, step: AssistanceStep) -> None:
    """The partner's incident a request is about, as far as it was released here (the request's rows
    refer to it); its reach is the incident's marking, or the request's envelope when that was withheld."""
    assert step.incident is not None
    store = service.store
    if store.find("incidents", "incident_id", step.incident.incident_id) is not None:
        return
    mark = step.incident.marking or envelope(step)
    reach = reach_of([mark])
    values = {
        "incident_id": step.incident.incident_id,
        "country": step.from_country,
        "kind": step.incident.kind,
        "name": step.incident.name,
        "status": "open",
        "opened_by": step.by,
        "opened_at": datetime.fromisoformat(step.at),
        "marking": str(mark),
        "reach": reach_text(reach),
        "level": int(reach.level),
        "noforn": reach.noforn,
        "details": {"received_from": step.from_country},
    }
    with store.write("store the partner's incident") as conn:
        store.insert_on(conn, "incidents", values)


def _receive_repatriation(service: RespondService, step: RepatriationStep, node: str, out: Received) -> None:
    store = service.store
    if node != step.partner:
        raise InputError(
            "not_ours",
            f"transfer {step.transfer_id} is between {step.from_country} and "
            f"{step.to_country}, not {node}'s to receive",
        )
    label = f"{step.transfer_id} {step.step} from {step.mover}"
    row = service.store.find("repatriations", "transfer_id", step.transfer_id)
    if step.step == "handover":
        if row is not None:
            return
        now = service.clock()
        records = [
            person_values(node, dict(p), [Purpose.REPATRIATION.value], now, transfer_id=step.transfer_id)
            for p in step.manifest
        ]
        with store.write("store the partner's repatriation hand-over") as conn:
            store.insert_on(
                conn,
                "repatriations",
                {
                    "transfer_id": step.transfer_id,
                    "from_country": step.from_country,
                    "to_country": node,
                    "port": step.port,
                    "handover_at": datetime.fromisoformat(step.handover_at),
                    "people": step.people,
                    "screening": [],
                    "created_by": step.by,
                    "receipt": None,
                },
            )
            for values in records:
                store.insert_on(conn, "person_records", values)
            _audit_received(
                service,
                conn,
                node,
                step.mover,
                "receive repatriation",
                step.transfer_id,
                f"{step.people} people from {step.from_country} at {step.port}; awaiting {node}'s receipt",
                {"personal_records": len(records), "purpose": Purpose.REPATRIATION.value},
            )
        out.applied.append(label)
        return
    if row is None or row["from_country"] != node or row["to_country"] != step.to_country:
        raise InputError(
            "transfer_not_found",
            f"a receipt for transfer {step.transfer_id}, not one of {node}'s to {step.to_country}",
        )
    if row["receipt"]:
        return
    if step.people != row["people"]:
        raise InputError(
            "manifest_mismatch",
            f"transfer {step.transfer_id}: receipt for {step.people}, {row['people']} on the manifest",
        )
    receipt = {"by": step.by, "country": step.to_country, "at": step.at, "people_received": step.people}
    with store.write("store the partner's receipt") as conn:
        if not store.update_on(
            conn, "repatriations", "transfer_id", step.transfer_id, {}, {"receipt": receipt}
        ):
            raise NotFoundError("transfer_not_found", f"no repatriation {step.transfer_id!r}")
        _audit_received(
            service,
            conn,
            node,
            step.mover,
            "receive receipt",
            step.transfer_id,
            f"{step.to_country} received {step.people} people (by {step.by})",
            {},
        )
    out.applied.append(label)


def forget_purged(service: RespondService, sharing: SharingStore, account: Account) -> list[str]:
    """After `RespondService.purge`: delete from every sharing collection the hand-over objects of this
    node's transfers (sent or received) of which any person's record was deleted, so no manifest entry
    outlives its retention in a collection; each deletion audited. Returns the transfers forgotten."""
    country = account.country
    forgotten: list[str] = []
    for row in service.store.rows("repatriations", country=country, either=("from_country", "to_country")):
        transfer_id = row["transfer_id"]
        kept = service.store.rows("person_records", where={"transfer_id": transfer_id, "country": country})
        if len(kept) >= row["people"]:
            continue  # every person's record is still held: the manifest is still within its retention
        object_id = step_id(REPATRIATION_TYPE, transfer_id, "handover")
        deleted = 0
        for collection in sharing.collections():
            flt = ObjectFilter(ids=frozenset({object_id}), picks=frozenset({VersionPick.ALL}))
            versions = [o.version for o in sharing.page(collection.id, flt, None, with_data=False).objects]
            if versions:
                deleted += sharing.delete_versions(collection.id, object_id, versions)
        if deleted:
            service.audit.append(
                _event(
                    service,
                    account,
                    "delete personal data",
                    transfer_id,
                    "the hand-over's personal records are past retention: its shared manifest is deleted",
                    {"object": object_id, "versions": deleted},
                )
            )
            forgotten.append(transfer_id)
    return forgotten


def _event(  # noqa: PLR0917 - one audit event's fields
    service: RespondService,
    account: Account,
    action: str,
    resource: str,
    reason: str,
    details: Mapping[str, Any],
    outcome: Outcome = Outcome.ALLOWED,
) -> AuditEvent:
    return AuditEvent(
        service.clock(), account.user_id, action, resource, outcome, reason, dict(details), account.country
    )
