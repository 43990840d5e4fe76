"""The alert review: states, the transitions between them, and the false-positive memory's key.

An alert opens `open`; a reviewer decides it `confirmed_match`, `false_positive` or `escalated`, and an
escalated alert is then confirmed or dismissed by a senior reviewer. Decided alerts are final: a new
screening opens a new alert. Only an alert under review can be reassigned or commented on.

A false positive is remembered under (country, person fingerprint, entity id, entity hash). The fingerprint
covers everything the match was computed from (name, date of birth, countries, gender, documents, schema),
normalised so spacing, letter case and document order do not make a new person; the entity hash covers the
listed entity's whole stored record (computed by whoever stores it). So a new date of birth on the person,
or a list update that changes the entity, is a new key and alerts again: a dismissal never hides evidence it
was not given.

Pure: storage persists these decisions (`cruce.storage.alerts`), it does not make them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cruce.core.errors import InputError
from cruce.matching.types import Query


class AlertState(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    CONFIRMED_MATCH = "confirmed_match"
    FALSE_POSITIVE = "false_positive"


INITIAL = AlertState.OPEN
TRANSITIONS: Mapping[AlertState, frozenset[AlertState]] = {
    AlertState.OPEN: frozenset({AlertState.CONFIRMED_MATCH, AlertState.FALSE_POSITIVE, AlertState.ESCALATED}),
    AlertState.ESCALATED: frozenset({AlertState.CONFIRMED_MATCH, AlertState.FALSE_POSITIVE}),
}
"""Where each state under review may go; a state missing here is final."""
UNDER_REVIEW = frozenset(TRANSITIONS)
STATES = tuple(s.value for s in AlertState)
MAX_COMMENT_CHARS = 10_000


@dataclass(frozen=True, slots=True)
class Transition:
    """An allowed decision: from which state to which, and whether it is remembered as a false positive."""

    source: AlertState
    target: AlertState

    @property
    def remembers_false_positive(self) -> bool:
        return self.target is AlertState.FALSE_POSITIVE


def is_final(state: str) -> bool:
    return state not in UNDER_REVIEW


def next_states(state: str) -> frozenset[AlertState]:
    """The states an alert in `state` may be decided to (none once decided, none for an unknown state)."""
    return TRANSITIONS.get(AlertState(state), frozenset()) if state in STATES else frozenset()


def decide(alert_id: str, current: str, wanted: str) -> Transition:
    """The transition deciding alert `alert_id` from `current` to `wanted`; InputError when not allowed."""
    allowed = next_states(current)
    if wanted not in allowed:
        if wanted not in STATES:
            raise InputError("bad_state", f"unknown state {wanted!r}; states are {', '.join(STATES)}")
        options = ", ".join(sorted(allowed)) or "none: it is decided"
        raise InputError(
            "bad_transition", f"alert {alert_id} is {current}; it can move to {options}", {"state": current}
        )
    return Transition(AlertState(current), AlertState(wanted))


def check_under_review(alert_id: str, current: str) -> None:
    """Reassigning is for alerts under review; a decided alert stays as it was decided."""
    if is_final(current):
        raise InputError(
            "bad_transition", f"alert {alert_id} is decided ({current}); it cannot be reassigned"
        )


def comment_text(text: str) -> str:
    """A comment's text as kept: stripped, not empty, at most MAX_COMMENT_CHARS."""
    body = text.strip()
    if not body:
        raise InputError("empty_comment", "a comment needs some text")
    if len(body) > MAX_COMMENT_CHARS:
        raise InputError("comment_too_long", f"a comment is at most {MAX_COMMENT_CHARS:,} characters")
    return body


def canonical(value: Any) -> str:
    """The JSON text hashed for fingerprints: sorted keys, no spaces, not ASCII-escaped."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def person_view(query: Query) -> dict[str, Any]:
    """The screened person's data as plain JSON: what the alert shows and what its fingerprint covers."""
    dob = query.birth_date
    return {
        "name": query.name,
        "schema": query.schema.value,
        "birth_date": ("~" if dob.approximate else "") + dob.iso() if dob is not None else None,
        "countries": sorted(query.countries),
        "gender": query.gender,
        "documents": sorted(f"{i.kind}:{i.value}" for i in query.identifiers),
    }


def person_fingerprint(query: Query) -> str:
    """sha256 of the person's data, normalised so spacing and letter case do not make a new person."""
    view = person_view(query)
    view["name"] = " ".join(query.name.casefold().split())
    view["documents"] = sorted(d.upper().replace(" ", "") for d in view["documents"])
    return hashlib.sha256(canonical(view).encode("utf-8")).hexdigest()


def referral_fingerprint(crossing: Mapping[str, Any]) -> str:
    """sha256 of a referred crossing's data: the crossing is both the person and the subject."""
    return hashlib.sha256(canonical(dict(crossing)).encode("utf-8")).hexdigest()
