"""Hit notices and membership statuses as STIX 2.1 objects, cut to what each partner may receive.

Why here and not in `cruce.programs`: a notice is a release across the tear line. What it may carry is
decided by markings, exactly as for a product's portions, and it travels through the same TAXII collections
and sync; `cruce.programs` keeps the vocabulary (`MembershipStatus`) and knows nothing of markings.

**A hit notice** says: a traveler (a member of one of the recipient's programs, or of one it recognises)
matched an entity on the sender's own list. The *core* (that there was a hit, on which list entry, with
which score, about which membership) carries one marking; each detail of the listed entity (name, birth
date, identifiers, remarks, listing programme) carries its own. `release_to(notice, partner)` keeps the
core only if the partner may read it, and only the details whose marking admits the partner; the STIX
objects are then marked, as a whole, with the banner (`roll_up`) of what is left, so a notice never carries
more than its marking allows and the store's reach for it is computed from that marking like any object's.

STIX: a `sighting` of an `identity` (the listed entity, with only the released details), seen by
(`where_sighted_refs`) and created by the sender's organisation identity, extended with the property
extension `HIT_NOTICE_EXTENSION` (documented in docs/hit-notices.md, and published as an
`extension-definition` object with every notice).

**A membership status** is an `identity` for the member (one id per membership, a new version per change:
`modified` = the state's `changed_at`), extended with `MEMBERSHIP_EXTENSION`: program, tier, state, reason,
expiry, the documents it is looked up by, and the subject a partner screens its own lists against.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cruce.core.errors import InputError
from cruce.core.markings import Marking, MarkingError, roll_up
from cruce.programs.model import MembershipState, MembershipStatus
from cruce.sharing.definitions import NAMESPACE
from cruce.sharing.release import reach_of
from cruce.sharing.stix import extension_definition, identity_country, marking_definition, org_identity_id

EXTENSION_CREATED = "2026-12-01T00:00:00.000Z"
HIT_NOTICE_EXTENSION = f"extension-definition--{uuid.uuid5(NAMESPACE, 'cruce|hit-notice|1.0')}"
MEMBERSHIP_EXTENSION = f"extension-definition--{uuid.uuid5(NAMESPACE, 'cruce|membership-status|1.0')}"
_STATUS_CREATED = "2000-01-01T00:00:00.000Z"
DETAIL_FIELDS = ("name", "birth_date", "nationality", "identifiers", "programs", "remarks")


class NoticeError(InputError):
    """A notice or status object cruce cannot read, naming the object."""

    def __init__(self, message: str, object_id: str | None = None) -> None:
        where = f"{object_id}: " if object_id else ""
        super().__init__("bad_notice", where + message, {"object": object_id} if object_id else None)


@dataclass(frozen=True, slots=True)
class Detail:
    """One fact about the listed entity, with the marking its owner gave it."""

    field: str  # one of DETAIL_FIELDS
    value: str
    marking: Marking


@dataclass(frozen=True, slots=True)
class HitNotice:
    """A partner's list matched a traveler. `marking` covers the core (every field but `details`)."""

    sender: str  # ISO alpha-3 of the node whose list matched
    list_id: str
    entity_id: str
    score: float
    matched_at: dt.datetime
    marking: Marking
    membership_id: str | None = None  # the matched member's membership, when the traveler is one
    membership_country: str | None = None  # the node that vetted that membership
    subject_name: str = ""  # the name the traveler or member was screened under
    details: tuple[Detail, ...] = ()
    reasons: tuple[str, ...] = ()  # the matcher's explanation

    @property
    def key(self) -> str:
        """The same notice however many partners it was cut for (one list entry x one subject x one time)."""
        return "|".join(
            (self.sender, self.entity_id, self.membership_id or self.subject_name, _ts(self.matched_at))
        )

    @property
    def banner(self) -> Marking:
        return roll_up([self.marking, *(d.marking for d in self.details)])

    def detail(self, name: str) -> str | None:
        return next((d.value for d in self.details if d.field == name), None)


def release_to(notice: HitNotice, partner: str) -> HitNotice | None:
    """The notice as `partner` may receive it: None when even its core is not releasable to it."""
    code = partner.strip().upper()
    if not reach_of([notice.marking]).admits(code):
        return None
    kept = tuple(d for d in notice.details if reach_of([d.marking]).admits(code))
    return replace(notice, details=kept)


@dataclass(frozen=True, slots=True)
class Subject:
    """Who a membership is about, as partners screen it: name, birth date (ISO, may be partial), countries."""

    name: str
    birth_date: str | None = None
    countries: tuple[str, ...] = ()  # ISO alpha-2
    company: bool = False


# ---------------------------------------------------------------------------------------------- writing


def _id(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join(parts))}"


def _ts(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise InputError("naive_time", "notice and status times must be timezone-aware")
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def extension_definitions(sender: str) -> list[dict[str, Any]]:
    """The two extension-definition objects (unmarked: a schema is public), created by `sender`'s org."""
    schema, kind = "https://github.com/cruce-border/cruce/blob/main/docs/hit-notices.md", "property-extension"
    return [
        extension_definition(ext_id, sender, name, description, schema, EXTENSION_CREATED, kind)
        for ext_id, name, description in (
            (HIT_NOTICE_EXTENSION, "cruce hit notice",
             "A partner's own list matched a traveler or member; only the details released to the reader."),
            (MEMBERSHIP_EXTENSION, "cruce membership status",
             "A trusted-program membership's state, for mutual recognition at partner ports."),
        )
    ]  # fmt: skip


def org_identity(country: str) -> dict[str, Any]:
    """The sender organisation's identity object (unmarked, like a product's)."""
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": org_identity_id(country),
        "created": "2022-10-01T00:00:00.000Z",
        "modified": "2022-10-01T00:00:00.000Z",
        "name": country,
        "identity_class": "organization",
    }


def notice_objects(notice: HitNotice, partner: str) -> list[dict[str, Any]]:
    """The STIX objects of `notice` as already cut for `partner` by `release_to` (ids depend on both)."""
    banner = notice.banner
    definition = marking_definition(banner)
    refs = [str(definition.id)]
    identity_id = _id("identity", "hit-notice", notice.key, partner)
    name = notice.detail("name") or "(entity details not releasable)"
    identity = {
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id,
        "created_by_ref": org_identity_id(notice.sender),
        "created": _ts(notice.matched_at),
        "modified": _ts(notice.matched_at),
        "name": name,
        "identity_class": "individual",
        "object_marking_refs": refs,
    }
    extension = {
        "extension_type": "property-extension",
        "list_id": notice.list_id,
        "entity_id": notice.entity_id,
        "score": round(notice.score, 4),
        "core_marking": str(notice.marking),
        "subject_name": notice.subject_name,
        "details": [{"field": d.field, "value": d.value, "marking": str(d.marking)} for d in notice.details],
        "reasons": list(notice.reasons),
    }
    if notice.membership_id:
        extension["membership_id"] = notice.membership_id
        extension["membership_country"] = notice.membership_country or ""
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": _id("sighting", "hit-notice", notice.key, partner),
        "created_by_ref": org_identity_id(notice.sender),
        "created": _ts(notice.matched_at),
        "modified": _ts(notice.matched_at),
        "first_seen": _ts(notice.matched_at),
        "last_seen": _ts(notice.matched_at),
        "count": 1,
        "sighting_of_ref": identity_id,
        "where_sighted_refs": [org_identity_id(notice.sender)],
        "object_marking_refs": refs,
        "extensions": {HIT_NOTICE_EXTENSION: extension},
    }
    return [_json(definition), identity, sighting]


def status_objects(
    status: MembershipStatus, subject: Subject | None, marking: Marking
) -> list[dict[str, Any]]:
    """A membership status as its marking-definition and one version of the member's identity."""
    definition = marking_definition(marking)
    extension: dict[str, Any] = {
        "extension_type": "property-extension",
        "membership_id": status.membership_id,
        "program_id": status.program_id,
        "tier": status.tier,
        "country": status.country,
        "state": status.state.value,
        "changed_at": _ts(status.changed_at),
        "reason": status.reason,
        "documents": list(status.documents),
    }
    if status.expires_at is not None:
        extension["expires_at"] = _ts(status.expires_at)
    if subject is not None:
        extension["subject"] = {
            "name": subject.name,
            "birth_date": subject.birth_date,
            "countries": list(subject.countries),
            "company": subject.company,
        }
    return [
        _json(definition),
        {
            "type": "identity",
            "spec_version": "2.1",
            "id": membership_identity_id(status.country, status.membership_id),
            "created_by_ref": org_identity_id(status.country),
            "created": _STATUS_CREATED,
            "modified": _ts(status.changed_at),
            "name": subject.name if subject is not None else status.membership_id,
            "identity_class": "organization" if subject is not None and subject.company else "individual",
            "object_marking_refs": [str(definition.id)],
            "extensions": {MEMBERSHIP_EXTENSION: extension},
        },
    ]


def membership_identity_id(country: str, membership_id: str) -> str:
    return _id("identity", "membership", country, membership_id)


def _json(definition: Any) -> dict[str, Any]:
    import json

    data: dict[str, Any] = json.loads(definition.serialize())
    return data


# ---------------------------------------------------------------------------------------------- reading


def read_notice(sighting: Mapping[str, Any], identity_name: str | None = None) -> HitNotice:
    """A received sighting back as a `HitNotice` (`identity_name`: the sighted identity's, to cross-check)."""
    object_id = str(sighting.get("id", ""))
    extension = (sighting.get("extensions") or {}).get(HIT_NOTICE_EXTENSION)
    if not isinstance(extension, Mapping):
        raise NoticeError("not a cruce hit notice (no hit-notice extension)", object_id)
    sender = _sender(sighting, object_id)
    try:
        core = Marking.parse(str(extension["core_marking"]), owner=sender)
        details = tuple(
            Detail(str(d["field"]), str(d["value"]), Marking.parse(str(d["marking"]), owner=sender))
            for d in extension.get("details", [])
        )
        notice = HitNotice(
            sender=sender,
            list_id=str(extension["list_id"]),
            entity_id=str(extension["entity_id"]),
            score=float(extension["score"]),
            matched_at=_parse_ts(str(sighting["first_seen"])),
            marking=core,
            membership_id=extension.get("membership_id") or None,
            membership_country=extension.get("membership_country") or None,
            subject_name=str(extension.get("subject_name", "")),
            details=details,
            reasons=tuple(str(r) for r in extension.get("reasons", [])),
        )
    except (KeyError, TypeError, ValueError, MarkingError) as exc:
        raise NoticeError(f"unreadable hit notice: {exc}", object_id) from exc
    if identity_name is not None and notice.detail("name") not in (None, identity_name):
        raise NoticeError("the sighted identity's name differs from the notice's", object_id)
    return notice


def read_status(identity: Mapping[str, Any]) -> tuple[MembershipStatus, Subject | None]:
    """A received member identity back as a `MembershipStatus` and its subject."""
    object_id = str(identity.get("id", ""))
    extension = (identity.get("extensions") or {}).get(MEMBERSHIP_EXTENSION)
    if not isinstance(extension, Mapping):
        raise NoticeError("not a cruce membership status", object_id)
    try:
        expires = extension.get("expires_at")
        status = MembershipStatus(
            membership_id=str(extension["membership_id"]),
            program_id=str(extension["program_id"]),
            tier=str(extension["tier"]),
            country=str(extension["country"]).upper(),
            state=MembershipState(str(extension["state"])),
            changed_at=_parse_ts(str(extension["changed_at"])),
            reason=str(extension.get("reason", "")),
            expires_at=_parse_ts(str(expires)) if expires else None,
            documents=tuple(str(d) for d in extension.get("documents", [])),
        )
        raw = extension.get("subject")
        subject = (
            Subject(
                str(raw["name"]),
                str(raw["birth_date"]) if raw.get("birth_date") else None,
                tuple(str(c) for c in raw.get("countries", [])),
                bool(raw.get("company", False)),
            )
            if isinstance(raw, Mapping)
            else None
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise NoticeError(f"unreadable membership status: {exc}", object_id) from exc
    if identity.get("created_by_ref") != org_identity_id(status.country):
        raise NoticeError(
            f"a status of a {status.country} membership must be created by {status.country}", object_id
        )
    if object_id != membership_identity_id(status.country, status.membership_id):
        raise NoticeError("the identity id does not match the membership it describes", object_id)
    return status, subject


def _sender(obj: Mapping[str, Any], object_id: str) -> str:
    ref = obj.get("created_by_ref")
    found = identity_country(ref) if isinstance(ref, str) else None
    if found is None:
        raise NoticeError("a notice must be created by a known national organisation identity", object_id)
    return found


def _parse_ts(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"time {text!r} has no timezone")
    return value.astimezone(dt.UTC)


def cut_for(notice: HitNotice, partners: Sequence[str]) -> dict[str, HitNotice]:
    """The notice cut for each partner that may receive at least its core."""
    out: dict[str, HitNotice] = {}
    for partner in partners:
        version = release_to(notice, partner)
        if version is not None:
            out[partner.strip().upper()] = version
    return out
