"""Assistance between partners and repatriation hand-overs as STIX 2.1 objects (documented in
docs/respond-sync.md), cut to what the partner may receive, and read back with the checks a receiving
node makes before it believes them.

Both are *new SDOs* declared by an `extension-definition` (`extension_types: ["new-sdo"]`), one object per
step, never a new version of another node's object (STIX lets only an object's creator version it):

* `x-cruce-assistance`: one step of a request for assistance (`asked` and `accepted` by the asking
  country, `offered` and `delivered` by the asked one). The `asked` step carries what is asked (its own
  marking, which must admit the partner) and the request's further portions, each with its marking; only
  the portions whose marking admits the partner are put in the partner's object (`cut_request`).
* `x-cruce-repatriation`: the `handover` (by the sending country: port, time, count and the manifest
  minimised to what receiving people at a port needs) and the `receipt` (by the receiving country).

Each object carries one object-level marking, its *envelope*: the highest level of what it carries (at
least CONFIDENTIAL) released to the two countries only (`REL TO <sender>, <partner>`), so the storing
node's reach for it (computed from that marking, like any object's) admits nobody else.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cruce.core.errors import InputError
from cruce.core.markings import Classification, Marking, MarkingError, is_country_trigraph
from cruce.sharing.definitions import NAMESPACE
from cruce.sharing.release import reach_of
from cruce.sharing.stix import extension_definition, identity_country, marking_definition, org_identity_id

ASSISTANCE_TYPE = "x-cruce-assistance"
REPATRIATION_TYPE = "x-cruce-repatriation"
ASSISTANCE_EXTENSION = f"extension-definition--{uuid.uuid5(NAMESPACE, 'cruce|assistance|1.0')}"
REPATRIATION_EXTENSION = f"extension-definition--{uuid.uuid5(NAMESPACE, 'cruce|repatriation|1.0')}"
EXTENSION_CREATED = "2026-12-03T00:00:00.000Z"
SCHEMA = "https://github.com/cruce-border/cruce/blob/main/docs/respond-sync.md"

ASSISTANCE_STEPS = ("asked", "offered", "accepted", "delivered")
#: who takes each step: the asking country ("from") or the asked one ("to")
ASSISTANCE_MOVER = {"asked": "from", "offered": "to", "accepted": "from", "delivered": "to"}
REPATRIATION_STEPS = ("handover", "receipt")
#: the only personal fields a hand-over carries (nothing about screening, cases, holds or local refs)
MANIFEST_FIELDS = ("given_name", "birth_year", "nationality", "sex")
WITHHELD = "(not releasable)"
ID_LIMIT = 80  # request, transfer and incident ids: the columns they are kept in
BY_LIMIT = 255  # an account id
KIND_LIMIT = 32  # an incident's kind
PORT_LIMIT = 200
GIVEN_NAME_LIMIT = 200
SEX_CODES = ("F", "M", "X")  # as in a travel document (ICAO 9303)


class RespondSyncError(InputError):
    """A received assistance or repatriation object cruce does not believe, naming the object."""

    def __init__(self, message: str, object_id: str | None = None) -> None:
        where = f"{object_id}: " if object_id else ""
        super().__init__("bad_respond_object", where + message, {"object": object_id} if object_id else None)


@dataclass(frozen=True, slots=True)
class MarkedText:
    text: str
    marking: Marking


@dataclass(frozen=True, slots=True)
class IncidentRef:
    """The incident a request is about, as far as its marking lets the partner know it."""

    incident_id: str
    kind: str = WITHHELD
    name: str = WITHHELD
    marking: Marking | None = None  # None: the incident itself is not releasable to the partner


@dataclass(frozen=True, slots=True)
class AssistanceStep:
    request_id: str
    from_country: str
    to_country: str
    step: str  # one of ASSISTANCE_STEPS
    at: str  # ISO 8601 exactly as the mover's node recorded it (both nodes keep the same history)
    by: str
    incident: IncidentRef | None = None  # asked only
    what: MarkedText | None = None  # asked only
    portions: tuple[MarkedText, ...] = ()  # asked only: further context, each with its own marking

    @property
    def mover(self) -> str:
        return self.from_country if ASSISTANCE_MOVER[self.step] == "from" else self.to_country

    @property
    def partner(self) -> str:
        return self.to_country if self.mover == self.from_country else self.from_country


@dataclass(frozen=True, slots=True)
class RepatriationStep:
    transfer_id: str
    from_country: str
    to_country: str
    step: str  # handover | receipt
    at: str
    by: str
    port: str = ""
    handover_at: str = ""
    people: int = 0
    manifest: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)  # handover only, minimised

    @property
    def mover(self) -> str:
        return self.from_country if self.step == "handover" else self.to_country

    @property
    def partner(self) -> str:
        return self.to_country if self.step == "handover" else self.from_country


# ---------------------------------------------------------------------------------------------- writing


def cut_request(step: AssistanceStep) -> AssistanceStep:
    """The `asked` step as its partner may receive it: InputError when what is asked may not reach it
    (a partner cannot act on a request it may not read); further portions it may not read are dropped,
    and the incident's kind and name when the incident's marking does not admit it."""
    partner = step.partner
    if step.what is not None and not reach_of([step.what.marking]).admits(partner):
        raise InputError(
            "not_releasable",
            f"what is asked ({step.what.marking}) is not releasable to {partner}, who is asked for it",
        )
    kept = tuple(p for p in step.portions if reach_of([p.marking]).admits(partner))
    incident = step.incident
    if incident is not None and (
        incident.marking is None or not reach_of([incident.marking]).admits(partner)
    ):
        incident = IncidentRef(incident.incident_id)
    return AssistanceStep(
        step.request_id,
        step.from_country,
        step.to_country,
        step.step,
        step.at,
        step.by,
        incident,
        step.what,
        kept,
    )


def parts_of(step: AssistanceStep | RepatriationStep) -> list[Marking]:
    """The markings an object of `step` carries (what the release decision is made on)."""
    marks: list[Marking] = [envelope(step)]
    if isinstance(step, AssistanceStep):
        if step.what is not None:
            marks.append(step.what.marking)
        marks += [p.marking for p in step.portions]
        if step.incident is not None and step.incident.marking is not None:
            marks.append(step.incident.marking)
    return marks


def envelope(step: AssistanceStep | RepatriationStep) -> Marking:
    """The object-level marking: the highest level carried (CONFIDENTIAL at least), REL TO the two."""
    level = Classification.CONFIDENTIAL
    if isinstance(step, AssistanceStep):
        carried = [p.marking for p in step.portions] + ([step.what.marking] if step.what else [])
        if step.incident is not None and step.incident.marking is not None:
            carried.append(step.incident.marking)
        level = max([level, *(m.classification for m in carried)])
    return Marking.of(level, step.mover, (step.mover, step.partner))


def step_id(kind: str, key: str, step: str) -> str:
    """One id per request (or transfer) and step: a step published twice is one object."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, f'{kind}|{key}|{step}')}"


def extension_definitions(sender: str) -> list[dict[str, Any]]:
    """The two extension-definitions (unmarked: a schema is public), created by `sender`'s organisation."""
    return [
        extension_definition(ext_id, sender, name, description, SCHEMA, EXTENSION_CREATED, "new-sdo")
        for ext_id, name, description in (
            (
                ASSISTANCE_EXTENSION,
                "cruce assistance step",
                "One step of a request for assistance between partners: asked, offered, accepted, delivered.",
            ),
            (
                REPATRIATION_EXTENSION,
                "cruce repatriation step",
                "A repatriation hand-over at a port (minimised manifest) or the receiving partner's receipt.",
            ),
        )
    ]


def _stix_time(text: str, field_name: str) -> str:
    value = _parse_time(text, field_name)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(text: str, field_name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise InputError("bad_time", f"{field_name} {text!r} is not an ISO 8601 time") from None
    if value.tzinfo is None:
        raise InputError("naive_time", f"{field_name} {text!r} has no timezone")
    return value.astimezone(dt.UTC)


def _common(
    kind: str, key: str, step: AssistanceStep | RepatriationStep
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    definition = json.loads(marking_definition(envelope(step)).serialize())
    stamp = _stix_time(step.at, "at")
    obj = {
        "type": kind,
        "spec_version": "2.1",
        "id": step_id(kind, key, step.step),
        "created_by_ref": org_identity_id(step.mover),
        "created": stamp,
        "modified": stamp,
        "object_marking_refs": [definition["id"]],
        "extensions": {
            ASSISTANCE_EXTENSION if kind == ASSISTANCE_TYPE else REPATRIATION_EXTENSION: {
                "extension_type": "new-sdo"
            }
        },
        "from_country": step.from_country,
        "to_country": step.to_country,
        "step": step.step,
        "at": step.at,
        "by": step.by,
    }
    return [definition], obj


def assistance_objects(step: AssistanceStep) -> list[dict[str, Any]]:
    """The marking-definitions and the object of one step, already cut for the partner (`cut_request`)."""
    definitions, obj = _common(ASSISTANCE_TYPE, step.request_id, step)
    obj["request_id"] = step.request_id
    if step.step == "asked":
        if step.what is None or step.incident is None:
            raise InputError(
                "bad_assistance", f"request {step.request_id}: the asked step needs what and where"
            )
        obj["what"] = {"text": step.what.text, "marking": str(step.what.marking)}
        obj["portions"] = [{"text": p.text, "marking": str(p.marking)} for p in step.portions]
        incident: dict[str, Any] = {"incident_id": step.incident.incident_id}
        if step.incident.marking is not None:
            incident |= {
                "kind": step.incident.kind,
                "name": step.incident.name,
                "marking": str(step.incident.marking),
            }
        obj["incident"] = incident
    return _unique([*definitions, obj])


def repatriation_objects(step: RepatriationStep) -> list[dict[str, Any]]:
    definitions, obj = _common(REPATRIATION_TYPE, step.transfer_id, step)
    obj["transfer_id"] = step.transfer_id
    if step.step == "handover":
        obj |= {
            "purpose": "repatriation",
            "port": step.port,
            "handover_at": step.handover_at,
            "people": step.people,
            "manifest": [minimised(p) for p in step.manifest],
        }
    else:
        obj["people_received"] = step.people
    return _unique([*definitions, obj])


def minimised(person: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields a hand-over needs, and only those given."""
    return {k: person[k] for k in MANIFEST_FIELDS if person.get(k) not in (None, "")}


def _unique(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    out = []
    for obj in objects:
        if obj["id"] not in seen:
            seen.add(obj["id"])
            out.append(obj)
    return out


# ---------------------------------------------------------------------------------------------- reading


def _sender(obj: Mapping[str, Any], origin: str, object_id: str) -> str:
    ref = obj.get("created_by_ref")
    sender = identity_country(ref) if isinstance(ref, str) else None
    if sender is None:
        raise RespondSyncError("not created by a known national organisation identity", object_id)
    if sender != origin:
        raise RespondSyncError(
            f"a {sender} object relayed by {origin} (only its creator's node is believed)", object_id
        )
    return sender


def _field(obj: Mapping[str, Any], key: str, object_id: str, limit: int, *, required: bool = True) -> str:
    """A text field of a received object: a string of at most `limit` characters (the column it goes to),
    without control characters; a partner's node cannot make the receiving node's write fail."""
    value = obj.get(key, "")
    if not isinstance(value, str):
        raise RespondSyncError(f"{key} must be text, not {type(value).__name__}", object_id)
    if required and not value.strip():
        raise RespondSyncError(f"{key} is missing", object_id)
    if len(value) > limit:
        raise RespondSyncError(f"{key} is longer than {limit} characters", object_id)
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise RespondSyncError(f"{key} holds a control character", object_id)
    return value


def _manifest_person(raw: Mapping[str, Any], object_id: str) -> dict[str, Any]:
    """One received manifest entry: only MANIFEST_FIELDS, each of the type the receiving node keeps."""
    extra = sorted(set(raw) - set(MANIFEST_FIELDS))
    if extra:
        raise RespondSyncError(
            f"the manifest carries more than a hand-over needs: {', '.join(extra)}", object_id
        )
    person = dict(raw)
    _field(person, "given_name", object_id, GIVEN_NAME_LIMIT, required=False)
    year = person.get("birth_year")
    if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
        raise RespondSyncError(f"birth_year must be a year, not {year!r:.40}", object_id)
    nationality = person.get("nationality")
    if nationality is not None and not (
        isinstance(nationality, str) and is_country_trigraph(nationality.upper())
    ):
        raise RespondSyncError(f"nationality {nationality!r:.40} is not an ISO 3166 trigraph", object_id)
    sex = person.get("sex")
    if sex not in (None, "") and not (isinstance(sex, str) and sex.upper() in SEX_CODES):
        raise RespondSyncError(f"sex {sex!r:.40} is not one of {', '.join(SEX_CODES)}", object_id)
    return person


def _countries(obj: Mapping[str, Any], object_id: str) -> tuple[str, str]:
    a, b = str(obj.get("from_country", "")).upper(), str(obj.get("to_country", "")).upper()
    if not (is_country_trigraph(a) and is_country_trigraph(b)) or a == b:
        raise RespondSyncError("from_country and to_country must be two ISO trigraphs", object_id)
    return a, b


def _marked(raw: Any, owner: str, object_id: str) -> MarkedText:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("text"), str):
        raise RespondSyncError("a marked text needs `text` and `marking`", object_id)
    try:
        return MarkedText(raw["text"], Marking.parse(str(raw["marking"]), owner))
    except (KeyError, MarkingError) as exc:
        raise RespondSyncError(f"unreadable marking: {exc}", object_id) from exc


def _step_head(  # noqa: PLR0917 - what tells the two kinds of step apart
    obj: Mapping[str, Any], origin: str, kind: str, steps: Collection[str], key_field: str, key_name: str
) -> tuple[str, str, str, str, str, str, str, str]:
    """What every received step carries, checked: its id, sender, countries, step name, request (or
    transfer) id, time and actor. The id must be the one `step_id` derives from them, so that a step
    cannot be sent under another step's id."""
    object_id = str(obj.get("id", ""))
    sender = _sender(obj, origin, object_id)
    from_c, to_c = _countries(obj, object_id)
    step_name = str(obj.get("step", ""))
    if step_name not in steps:
        raise RespondSyncError(f"unknown step {step_name!r}", object_id)
    key = _field(obj, key_field, object_id, ID_LIMIT)
    if object_id != step_id(kind, key, step_name):
        raise RespondSyncError(f"the id does not match the {key_name} and step it describes", object_id)
    at, by = str(obj.get("at", "")), _field(obj, "by", object_id, BY_LIMIT)
    try:
        _parse_time(at, "at")
    except InputError as exc:
        raise RespondSyncError(exc.message, object_id) from exc
    return object_id, sender, from_c, to_c, step_name, key, at, by


def read_assistance(obj: Mapping[str, Any], origin: str) -> AssistanceStep:
    """A received `x-cruce-assistance` object as a step; believed only from the node that took the step,
    and only when every portion it carries may be read by the node it was released to."""
    object_id, sender, from_c, to_c, step_name, request_id, at, by = _step_head(
        obj, origin, ASSISTANCE_TYPE, ASSISTANCE_MOVER, "request_id", "request"
    )
    step = AssistanceStep(request_id, from_c, to_c, step_name, at, by)
    if step.mover != sender:
        raise RespondSyncError(f"{step_name} is {step.mover}'s step, not {sender}'s", object_id)
    if step_name != "asked":
        return step
    what = _marked(obj.get("what"), from_c, object_id)
    raw_portions = obj.get("portions") or []
    if not isinstance(raw_portions, list):
        raise RespondSyncError("portions must be a list of marked texts", object_id)
    portions = tuple(_marked(p, from_c, object_id) for p in raw_portions)
    raw = obj.get("incident")
    if not isinstance(raw, Mapping) or not raw.get("incident_id"):
        raise RespondSyncError("an asked step names its incident", object_id)
    incident = IncidentRef(_field(raw, "incident_id", object_id, ID_LIMIT))
    if raw.get("marking"):
        try:
            mark = Marking.parse(str(raw["marking"]), from_c)
        except MarkingError as exc:
            raise RespondSyncError(f"unreadable incident marking: {exc}", object_id) from exc
        kind = _field(raw, "kind", object_id, KIND_LIMIT, required=False)
        name = raw.get("name", "")
        if not isinstance(name, str):
            raise RespondSyncError("the incident's name must be text", object_id)
        incident = IncidentRef(incident.incident_id, kind, name, mark)
    marks = [what.marking, *(p.marking for p in portions)] + ([incident.marking] if incident.marking else [])
    if not all(reach_of([m]).admits(to_c) for m in marks):
        raise RespondSyncError(f"carries a portion not releasable to {to_c}", object_id)
    return AssistanceStep(request_id, from_c, to_c, step_name, at, by, incident, what, portions)


def read_repatriation(obj: Mapping[str, Any], origin: str) -> RepatriationStep:
    """A received `x-cruce-repatriation` object: a hand-over from its sender, or the receiver's receipt."""
    object_id, sender, from_c, to_c, step_name, transfer_id, at, by = _step_head(
        obj, origin, REPATRIATION_TYPE, REPATRIATION_STEPS, "transfer_id", "transfer"
    )
    if step_name == "handover":
        try:
            _parse_time(str(obj.get("handover_at", "")), "handover_at")
        except InputError as exc:
            raise RespondSyncError(exc.message, object_id) from exc
    if step_name == "receipt":
        step = RepatriationStep(
            transfer_id, from_c, to_c, step_name, at, by, people=_count(obj.get("people_received"), object_id)
        )
    else:
        manifest = obj.get("manifest")
        if not isinstance(manifest, list) or not all(isinstance(p, Mapping) for p in manifest):
            raise RespondSyncError("a hand-over carries its manifest (a list of people)", object_id)
        manifest = [_manifest_person(p, object_id) for p in manifest]
        people = _count(obj.get("people"), object_id)
        if people != len(manifest):
            raise RespondSyncError(f"{people} people but {len(manifest)} on the manifest", object_id)
        step = RepatriationStep(
            transfer_id,
            from_c,
            to_c,
            step_name,
            at,
            by,
            _field(obj, "port", object_id, PORT_LIMIT, required=False).strip(),
            str(obj["handover_at"]),
            people,
            tuple(dict(p) for p in manifest),
        )
        if not step.port:
            raise RespondSyncError("a hand-over names its port", object_id)
    if step.mover != sender:
        raise RespondSyncError(f"the {step_name} is {step.mover}'s, not {sender}'s", object_id)
    return step


def _count(value: Any, object_id: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise RespondSyncError(f"a count of people must be a positive integer, not {value!r}", object_id)
    return value


def portions_of(raw: Sequence[Mapping[str, Any]] | None, owner: str) -> tuple[MarkedText, ...]:
    """Stored portions (`{"text", "marking"}`) back as marked texts."""
    return tuple(MarkedText(str(p["text"]), Marking.parse(str(p["marking"]), owner)) for p in raw or [])
