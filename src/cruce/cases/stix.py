"""A case (a partner's tear-line version of it) as STIX 2.1 objects, each part marked on its own.

The layout, documented here because part of it is a cruce extension:

* `grouping` (context `suspicious-activity`): the case itself. `name` is its title; `x_cruce_case_id`,
  `x_cruce_status` and `x_cruce_partner` its metadata; `object_refs` every object below. Marked with the
  title's marking.
* `identity` per person (`identity_class: individual`) or organisation subject, with `x_cruce_subject_kind`,
  `x_cruce_identifiers`, `x_cruce_role`, `x_cruce_prior_offences`.
* `x-cruce-subject` (custom object) per vehicle, phone, address, account or vessel: `kind`, `name`,
  `identifiers`.
* `observed-data`-like events are `x-cruce-event` (custom object): kind, time, place, description and the
  counts a prosecutor's guideline reads (migrants, minors, deaths, endangered, seized_usd).
* `x-cruce-evidence` (custom object): description, the sha256 of the content at intake, its size, the holder.
* `note` (standard) per note, its `object_refs` the grouping.
* `relationship` (`involves`) from each event to each subject it names.

Every object carries exactly its part's marking as `object_marking_refs` (an ACS 3.0 marking-definition,
`cruce.sharing.stix.marking_definition`), so the TAXII store computes each object's reach from its own
content: a part withheld from a partner is not even in its version, and a part released to it is served to
no one its marking does not admit. Ids are derived from the case, the partner and the part, so re-sending
the same version adds nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from cruce.cases.casefile import Case, SubjectKind
from cruce.core.markings import Marking
from cruce.sharing.stix import NAMESPACE, marking_definition

SPEC = "2.1"


def _id(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join(parts))}"


def _ts(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def case_objects(view: Case, partner: str, *, modified: datetime) -> list[dict[str, Any]]:
    """The STIX objects of `view` (a case or a partner's version of it) as sent to `partner`."""
    stamp = _ts(modified)
    definitions: dict[str, dict[str, Any]] = {}

    def mark(marking: Marking) -> list[str]:
        definition = json.loads(marking_definition(marking).serialize())
        definitions[definition["id"]] = definition
        return [definition["id"]]

    def base(kind: str, key: str, marking: Marking) -> dict[str, Any]:
        return {
            "type": kind,
            "spec_version": SPEC,
            "id": _id(kind, view.case_id, partner, key),
            "created": stamp,
            "modified": stamp,
            "object_marking_refs": mark(marking),
        }

    objects: list[dict[str, Any]] = []
    subject_ids: dict[str, str] = {}
    for s in view.subjects:
        if s.kind in (SubjectKind.PERSON, SubjectKind.ORGANISATION):
            obj = base("identity", f"subject|{s.subject_id}", s.marking)
            individual = s.kind is SubjectKind.PERSON
            obj.update(name=s.name, identity_class="individual" if individual else "organization")
        else:
            obj = base("x-cruce-subject", f"subject|{s.subject_id}", s.marking)
            obj.update(name=s.name, kind=s.kind.value)
        obj.update(
            x_cruce_subject_id=s.subject_id,
            x_cruce_subject_kind=s.kind.value,
            x_cruce_identifiers=dict(s.identifiers),
            x_cruce_role=s.role,
            x_cruce_prior_offences=s.prior_offences,
        )
        if s.birth_date:
            obj["x_cruce_birth_date"] = s.birth_date
        if s.nationality:
            obj["x_cruce_nationality"] = s.nationality
        subject_ids[s.subject_id] = obj["id"]
        objects.append(obj)
    for e in view.events:
        obj = base("x-cruce-event", f"event|{e.event_id}", e.marking)
        obj.update(
            x_cruce_event_id=e.event_id,
            kind=e.kind.value,
            occurred=_ts(e.at),
            place=e.place,
            description=e.description,
            migrants=e.migrants,
            minors=e.minors,
            deaths=e.deaths,
            endangered=e.endangered,
            seized_usd=e.seized_usd,
        )
        objects.append(obj)
        for sid in e.subjects:
            if sid in subject_ids:
                rel = base("relationship", f"rel|{e.event_id}|{sid}", e.marking)
                rel.update(relationship_type="involves", source_ref=obj["id"], target_ref=subject_ids[sid])
                objects.append(rel)
    for v in view.evidence:
        obj = base("x-cruce-evidence", f"evidence|{v.evidence_id}", v.marking)
        obj.update(
            x_cruce_evidence_id=v.evidence_id,
            description=v.description,
            sha256=v.sha256,
            size_bytes=v.size_bytes,
            received=_ts(v.received_at),
            holder=v.holder,
            media_type=v.media_type,
        )
        objects.append(obj)
    grouping = base("grouping", "case", view.title_marking)
    for n in view.notes:
        note = base("note", f"note|{n.note_id}", n.marking)
        note.update(content=n.text, authors=[n.author], object_refs=[grouping["id"]])
        objects.append(note)
    grouping.update(
        name=view.title,
        context="suspicious-activity",
        object_refs=[o["id"] for o in objects] or [grouping["id"]],
        x_cruce_case_id=view.case_id,
        x_cruce_status=view.status.value,
        x_cruce_partner=partner,
        x_cruce_owner=view.owner,
    )
    if not objects:
        grouping["object_refs"] = [_id("identity", "org", view.owner)]
    return [*definitions.values(), grouping, *objects]
