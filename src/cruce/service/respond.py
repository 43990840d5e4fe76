"""Joint response: incidents with a shared timeline, situation reports at the tear line, assistance between
partners, rescues, repatriation hand-overs with receipts, and the retention of migrants' personal data.

Every write is decided, done and audited in one transaction (the audit record commits with the row or not
at all); a refusal is audited and nothing is written. Reads are partitioned by country: a row is read by
its own country's users and by a partner only where its reach (computed from its markings when written)
admits the partner's every country at the reader's clearance; anything else is "not found".

A situation report is a product: each portion carries its own marking, the writer's right to write every
portion is `may_write_parts` (the one release decision), and a partner reads only its tear-line version.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from cruce.core.clock import Clock, utc_now
from cruce.core.errors import InputError, NotFoundError
from cruce.core.markings import Classification, Marking, is_country_trigraph, roll_up
from cruce.respond.humanitarian import (
    DEFAULT_RETENTION,
    PersonRecord,
    Purpose,
    RescueCause,
    RescueOutcome,
    ScreeningResult,
    due_for_deletion,
)
from cruce.service.sharing import ForbiddenError, PublishResult
from cruce.sharing.access import READING_ROLES, Role
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.sharing.products import Portion, Product, ProductKind, tear_line
from cruce.sharing.release import WRITING_ROLES, Reach, may_write_parts, reach_of
from cruce.sharing.respond import SEX_CODES, WITHHELD
from cruce.storage.accounts import Account
from cruce.storage.assess import RespondStore, Stored, reach_back, reach_text
from cruce.storage.audit import AuditLog
from cruce.storage.sharing import SharingStore

if TYPE_CHECKING:
    import pandas as pd


class RespondForbiddenError(ForbiddenError):
    """A write the account may not make (role, clearance, marking, country); audited, nothing written."""


class AssistanceState:
    ASKED = "asked"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DELIVERED = "delivered"
    # who moves a request on, and from which state
    NEXT: ClassVar[dict[str, tuple[str, str]]] = {
        OFFERED: (ASKED, "to"),
        ACCEPTED: (OFFERED, "from"),
        DELIVERED: (ACCEPTED, "to"),
    }


@dataclass(frozen=True, slots=True)
class IncidentView:
    incident_id: str
    country: str
    kind: str
    name: str
    status: str
    opened_at: datetime
    opened_by: str
    marking: str
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SitrepView:
    """A situation report as the reader may see it: the full report at home, the tear line abroad."""

    entry_id: str
    incident_id: str
    country: str
    author: str
    at: datetime
    banner: str
    title: str
    portions: tuple[tuple[str, str], ...]  # (marking banner, text)
    withheld: int  # portions not released to the reader


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    country: str
    kind: str  # opened | note | sitrep | assistance
    text: str


@dataclass(frozen=True, slots=True)
class AssistanceView:
    request_id: str
    incident_id: str
    from_country: str
    to_country: str
    what: str
    state: str
    history: tuple[tuple[str, datetime, str], ...]  # (state, at, by)
    what_marking: str = "UNCLASSIFIED"
    portions: tuple[tuple[str, str], ...] = ()  # (marking banner, text) the reader may read


@dataclass(frozen=True, slots=True)
class RescueView:
    rescue_id: str
    occurred_at: datetime
    sector: str
    cause: str
    people: int
    outcome: str
    case_id: str | None


@dataclass(frozen=True, slots=True)
class RepatriationView:
    transfer_id: str
    from_country: str
    to_country: str
    port: str
    handover_at: datetime
    people: int
    alerts: int
    acknowledged: bool
    receipt_by: str | None
    received: int | None


@dataclass(frozen=True, slots=True)
class PurgeResult:
    deleted: tuple[str, ...]
    kept: int
    held: tuple[str, ...]


def _new_id(prefix: str) -> str:
    return f"{prefix}:{uuid.uuid4().hex[:16]}"


def _sees(account: Account, owner: str, reach: Reach) -> bool:
    """The one read rule of this module: the owner country's users, or a partner the reach admits."""
    if account.country == owner and not account.countries - {owner}:
        return reach.level <= account.clearance
    return reach.admits_all(account.countries, account.clearance)


def _marking(text: str, owner: str, field: str) -> Marking:
    try:
        return Marking.parse(text, owner)
    except InputError as exc:
        raise InputError("bad_marking", f"{field}: {exc.message}", {"field": field}) from exc


class RespondService:
    """Incidents, sitreps, assistance, rescues and repatriations of one node."""

    def __init__(self, store: RespondStore, audit: AuditLog, *, clock: Clock = utc_now) -> None:
        self.store = store
        self.audit = audit
        self.clock = clock

    # -- audit -------------------------------------------------------------------------------------------

    def _event(  # noqa: PLR0917 - an audit event's fields, in AuditEvent's order
        self,
        account: Account,
        action: str,
        resource: str,
        outcome: Outcome,
        reason: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        return AuditEvent(
            self.clock(), account.user_id, action, resource, outcome, reason, details or {}, account.country
        )

    def _refuse(self, account: Account, action: str, resource: str, reason: str) -> RespondForbiddenError:
        self.audit.append(self._event(account, action, resource, Outcome.DENIED, reason))
        return RespondForbiddenError("forbidden", f"{account.user_id} may not {action} {resource}: {reason}")

    def _require(self, account: Account, roles: frozenset[Role], action: str, resource: str) -> None:
        """The role check comes first: a role that may not use a door gets 403, whatever it asks for."""
        if not account.user().roles & roles:
            needed = " or ".join(sorted(roles))
            raise self._refuse(account, action, resource, f"role {needed} is needed")

    def _writer(self, account: Account, action: str, resource: str, markings: Sequence[Marking]) -> str:
        """The release decision on every separately marked part; refused → audited and raised."""
        decision = may_write_parts(account.user(), [(m,) for m in markings], what=resource)
        if not decision.allowed:
            raise self._refuse(account, action, resource, decision.reason)
        return decision.reason

    # -- incidents ---------------------------------------------------------------------------------------

    def open_incident(
        self,
        account: Account,
        *,
        kind: str,
        name: str,
        marking: str = "U",
        details: dict[str, Any] | None = None,
    ) -> IncidentView:
        from cruce.core.extras import require

        require("assess", "scipy")  # incident kinds live with the cascade model (cruce.assess.emergency)
        from cruce.assess.emergency import IncidentKind

        try:
            kind_value = IncidentKind(kind.strip().lower()).value
        except ValueError:
            known = ", ".join(k.value for k in IncidentKind)
            raise InputError("bad_incident", f"unknown incident kind {kind!r}; known: {known}") from None
        if not name.strip():
            raise InputError("bad_incident", "an incident needs a name")
        mark = _marking(marking, account.country, "marking")
        incident_id = _new_id("incident")
        reason = self._writer(account, "open", incident_id, [mark])
        reach = reach_of([mark])
        now = self.clock()
        values = {
            "incident_id": incident_id,
            "country": account.country,
            "kind": kind_value,
            "name": name.strip(),
            "status": "open",
            "opened_by": account.user_id,
            "opened_at": now,
            "marking": str(mark),
            "reach": reach_text(reach),
            "level": int(reach.level),
            "noforn": reach.noforn,
            "details": details or {},
        }
        with self.store.write("open the incident") as conn:
            self.store.insert_on(conn, "incidents", values)
            self.audit.append_on(
                conn,
                [
                    self._event(
                        account,
                        "open",
                        incident_id,
                        Outcome.ALLOWED,
                        reason,
                        {"kind": kind_value, "marking": str(mark)},
                    )
                ],
            )
        return self.incident(account, incident_id)

    def _incident_row(self, account: Account, incident_id: str) -> Stored:
        self._require(account, READING_ROLES, "read", incident_id)
        row = self.store.find("incidents", "incident_id", incident_id, country=account.country)
        if row is None or not _sees(
            account, row["country"], reach_back(row["reach"], row["level"], row["noforn"])
        ):
            raise NotFoundError("incident_not_found", f"no incident {incident_id!r}")
        return row

    def incident(self, account: Account, incident_id: str) -> IncidentView:
        row = self._incident_row(account, incident_id)
        return IncidentView(
            row["incident_id"],
            row["country"],
            row["kind"],
            row["name"],
            row["status"],
            row["opened_at"],
            row["opened_by"],
            row["marking"],
            dict(row["details"]),
        )

    def incidents(self, account: Account) -> list[IncidentView]:
        self._require(account, READING_ROLES, "read", "incidents")
        rows = self.store.rows("incidents", country=account.country, order="opened_at")
        return [
            self.incident(account, r["incident_id"])
            for r in rows
            if _sees(account, r["country"], reach_back(r["reach"], r["level"], r["noforn"]))
        ]

    def note(self, account: Account, incident_id: str, text: str, marking: str = "U") -> TimelineEntry:
        """A line on the shared timeline (e.g. "18:00 Brownsville closed"), marked like any content."""
        self._require(account, WRITING_ROLES, "note", incident_id)
        self._incident_row(account, incident_id)
        if not text.strip():
            raise InputError("bad_note", "a timeline note needs text")
        mark = _marking(marking, account.country, "marking")
        entry_id = _new_id("note")
        reason = self._writer(account, "note", entry_id, [mark])
        return self._entry(
            account,
            incident_id,
            entry_id,
            "note",
            [mark],
            {"text": text.strip(), "marking": str(mark)},
            reason,
        )

    def _entry(  # noqa: PLR0917 - one timeline entry's parts
        self,
        account: Account,
        incident_id: str,
        entry_id: str,
        kind: str,
        markings: Sequence[Marking],
        body: dict[str, Any],
        reason: str,
    ) -> TimelineEntry:
        reach = reach_of(markings)
        now = self.clock()
        values = {
            "entry_id": entry_id,
            "incident_id": incident_id,
            "country": account.country,
            "kind": kind,
            "at": now,
            "author": account.user_id,
            "reach": reach_text(reach),
            "level": int(reach.level),
            "noforn": reach.noforn,
            "body": body,
        }
        with self.store.write(f"add the {kind}") as conn:
            self.store.insert_on(conn, "incident_entries", values)
            self.audit.append_on(
                conn,
                [
                    self._event(
                        account,
                        "write",
                        entry_id,
                        Outcome.ALLOWED,
                        reason,
                        {"incident": incident_id, "kind": kind},
                    )
                ],
            )
        return TimelineEntry(now, account.country, kind, body.get("text") or body.get("title", ""))

    # -- situation reports -------------------------------------------------------------------------------

    def write_sitrep(
        self,
        account: Account,
        incident_id: str,
        title: str,
        portions: Sequence[tuple[str, str]],
        title_marking: str | None = None,
    ) -> SitrepView:
        """A sitrep of (marking, text) portions. A portion marked above the writer's clearance, or reaching a
        partner without the releasing-officer role, refuses the whole report (audited, nothing stored)."""
        self._require(account, WRITING_ROLES, "write sitrep", incident_id)
        self._incident_row(account, incident_id)
        if not portions:
            raise InputError("bad_sitrep", "a situation report needs at least one portion")
        marks = [_marking(m, account.country, f"portion {i + 1}") for i, (m, _) in enumerate(portions)]
        for i, (_, text) in enumerate(portions):
            if not text.strip():
                raise InputError("bad_sitrep", f"portion {i + 1} is empty")
        if title_marking is None:  # a releasing officer's title goes with the report; an analyst's stays home
            releases = Role.RELEASING_OFFICER in account.user().roles
            title_marking = "U" if releases else "U//NOFORN"
        head = _marking(title_marking, account.country, "title marking")
        entry_id = _new_id("sitrep")
        reason = self._writer(account, "write sitrep", entry_id, [head, *marks])
        body = {
            "title": title.strip() or "Situation report",
            "title_marking": str(head),
            "portions": [
                {"marking": str(m), "text": t.strip()} for m, (_, t) in zip(marks, portions, strict=True)
            ],
        }
        # The entry reaches whoever may read at least one portion: each reader then gets its tear line.
        reach = _widest([reach_of([m]) for m in marks])
        now = self.clock()
        values = {
            "entry_id": entry_id,
            "incident_id": incident_id,
            "country": account.country,
            "kind": "sitrep",
            "at": now,
            "author": account.user_id,
            "reach": reach_text(reach),
            "level": int(reach.level),
            "noforn": reach.noforn,
            "body": body,
        }
        with self.store.write("store the situation report") as conn:
            self.store.insert_on(conn, "incident_entries", values)
            self.audit.append_on(
                conn,
                [
                    self._event(
                        account,
                        "write sitrep",
                        entry_id,
                        Outcome.ALLOWED,
                        reason,
                        {"incident": incident_id, "portions": len(marks)},
                    )
                ],
            )
        return self._sitrep_for(account, self.store.get("incident_entries", "entry_id", entry_id))

    def sitreps(self, account: Account, incident_id: str) -> list[SitrepView]:
        self._incident_row(account, incident_id)
        rows = self.store.rows(
            "incident_entries",
            country=account.country,
            where={"incident_id": incident_id, "kind": "sitrep"},
            order="at",
        )
        out = []
        for row in rows:
            view = self._sitrep_for(account, row)
            if view.portions:
                out.append(view)
        return out

    def publish_sitrep(
        self, account: Account, entry_id: str, sharing: SharingStore, collection_id: str
    ) -> PublishResult:
        """Put a sitrep where partner nodes receive it: the existing publish door (one release decision on
        every portion, each partner's tear-line report stored as STIX 2.1, all audited), from which
        `cruce share sync --push` and partners' pulls carry it to their nodes."""
        from cruce.service.sharing import publish

        self._require(account, WRITING_ROLES, "publish sitrep", entry_id)
        row = self.store.find("incident_entries", "entry_id", entry_id, country=account.country)
        if row is None or row["kind"] != "sitrep" or row["country"] != account.country:
            raise NotFoundError("sitrep_not_found", f"no sitrep {entry_id!r} of {account.country}")
        return publish(sharing, self.audit, account, collection_id, _sitrep_product(row), clock=self.clock)

    def _sitrep_for(self, account: Account, row: Stored) -> SitrepView:
        """The reader's version: the whole report at home (cleared), the partner's tear line abroad."""
        owner = row["country"]
        body = row["body"]
        product = _sitrep_product(row)
        if account.country == owner and not account.countries - {owner}:
            kept = [p for p in product.portions if p.marking.classification <= account.clearance]
            title = body["title"] if product.title.marking.classification <= account.clearance else ""
        else:  # a partner: its tear line, and of that what every country it belongs to may read
            version = tear_line(product, account.country)
            kept = [
                p
                for p in version.portions
                if reach_of([p.marking]).admits_all(account.countries, account.clearance)
            ]
            title = (
                version.title.text
                if version.title is not None
                and reach_of([version.title.marking]).admits_all(account.countries, account.clearance)
                else ""
            )
        banner = _banner(kept) if kept else ""
        return SitrepView(
            row["entry_id"],
            row["incident_id"],
            owner,
            row["author"],
            row["at"],
            banner,
            title,
            tuple((str(p.marking), p.text) for p in kept),
            len(product.portions) - len(kept),
        )

    # -- timeline ----------------------------------------------------------------------------------------

    def timeline(self, account: Account, incident_id: str) -> list[TimelineEntry]:
        incident = self.incident(account, incident_id)
        out = [
            TimelineEntry(incident.opened_at, incident.country, "opened", f"{incident.kind}: {incident.name}")
        ]
        for row in self.store.rows(
            "incident_entries", country=account.country, where={"incident_id": incident_id}
        ):
            if row["kind"] == "sitrep":
                view = self._sitrep_for(account, row)
                if view.portions:
                    out.append(
                        TimelineEntry(
                            row["at"],
                            row["country"],
                            "sitrep",
                            f"{view.title} [{view.banner}] ({len(view.portions)} portions)",
                        )
                    )
            elif _sees(account, row["country"], reach_back(row["reach"], row["level"], row["noforn"])):
                out.append(TimelineEntry(row["at"], row["country"], row["kind"], row["body"].get("text", "")))
        return sorted(out, key=lambda e: e.at)

    # -- assistance --------------------------------------------------------------------------------------

    def request_assistance(  # noqa: PLR0917 - the request's parts
        self,
        account: Account,
        incident_id: str,
        to_country: str,
        what: str,
        marking: str = "U",
        portions: Sequence[tuple[str, str]] = (),
    ) -> AssistanceView:
        """Ask a partner for help: the request (and its steps) reaches the two countries only. What is asked
        carries `marking` (it must be releasable to the partner asked); further `portions` (marking, text)
        may be marked for home only: the partner's node never receives those (`cruce.sharing.respond`)."""
        self._require(account, WRITING_ROLES, "request assistance", incident_id)
        incident = self.incident(account, incident_id)
        to = to_country.strip().upper()
        if not is_country_trigraph(to) or to == account.country:
            raise InputError(
                "bad_assistance", f"ask a partner country (a trigraph other than {account.country})"
            )
        if not what.strip():
            raise InputError("bad_assistance", "say what assistance is asked for")
        mark = _marking(marking, account.country, "marking")
        if not reach_of([mark]).admits(to):
            raise InputError(
                "bad_assistance", f"what is asked is marked {mark}: {to}, who is asked, could not read it"
            )
        marks = [_marking(m, account.country, f"portion {i + 1}") for i, (m, _) in enumerate(portions)]
        for i, (_, text) in enumerate(portions):
            if not text.strip():
                raise InputError("bad_assistance", f"portion {i + 1} is empty")
        request_id = _new_id("assist")
        reason = self._writer(account, "request assistance", request_id, [mark, *marks])
        now = self.clock()
        values = {
            "request_id": request_id,
            "incident_id": incident.incident_id,
            "from_country": account.country,
            "to_country": to,
            "what": what.strip(),
            "state": AssistanceState.ASKED,
            "updated_at": now,
            "history": [{"state": AssistanceState.ASKED, "at": now.isoformat(), "by": account.user_id}],
            "body": {
                "what_marking": str(mark),
                "portions": [
                    {"marking": str(m), "text": t.strip()} for m, (_, t) in zip(marks, portions, strict=True)
                ],
            },
        }
        with self.store.write("store the assistance request") as conn:
            self.store.insert_on(conn, "assistance", values)
            self.audit.append_on(
                conn,
                [
                    self._event(
                        account,
                        "request assistance",
                        request_id,
                        Outcome.ALLOWED,
                        reason,
                        {"to": to, "incident": incident_id, "portions": len(marks)},
                    )
                ],
            )
        return self.assistance(account, request_id)

    def assistance(self, account: Account, request_id: str) -> AssistanceView:
        self._require(account, READING_ROLES, "read", request_id)
        row = self.store.find("assistance", "request_id", request_id)
        if row is None or account.country not in (row["from_country"], row["to_country"]):
            raise NotFoundError("assistance_not_found", f"no assistance request {request_id!r}")
        return _assistance(row, account)

    def assistance_of(self, account: Account, incident_id: str | None = None) -> list[AssistanceView]:
        self._require(account, READING_ROLES, "read", incident_id or "assistance")
        rows = self.store.rows(
            "assistance",
            country=account.country,
            either=("from_country", "to_country"),
            where={"incident_id": incident_id} if incident_id else None,
            order="updated_at",
        )
        return [_assistance(r, account) for r in rows]

    def advance(self, account: Account, request_id: str, state: str) -> AssistanceView:
        """offered (by the asked partner), accepted (by the asker), delivered (by the asked partner)."""
        if state not in AssistanceState.NEXT:
            raise InputError("bad_assistance", f"state must be one of {', '.join(AssistanceState.NEXT)}")
        current = self.assistance(account, request_id)
        before, side = AssistanceState.NEXT[state]
        mover = current.to_country if side == "to" else current.from_country
        if account.country != mover or not account.user().roles & {Role.ANALYST, Role.RELEASING_OFFICER}:
            raise self._refuse(
                account,
                state,
                request_id,
                f"only an analyst or releasing officer of {mover} marks a request {state}",
            )
        if current.state != before:
            raise InputError(
                "bad_assistance_state",
                f"request {request_id} is {current.state}; it can be {state} only when {before}",
            )
        now = self.clock()
        history = [{"state": s, "at": at.isoformat(), "by": by} for s, at, by in current.history]
        history.append({"state": state, "at": now.isoformat(), "by": account.user_id})
        with self.store.write(f"mark the request {state}") as conn:
            if not self.store.update_on(
                conn,
                "assistance",
                "request_id",
                request_id,
                {"state": before},
                {"state": state, "updated_at": now, "history": history},
            ):
                raise InputError("bad_assistance_state", f"request {request_id} changed meanwhile; reload it")
            self.audit.append_on(
                conn,
                [
                    self._event(
                        account,
                        state,
                        request_id,
                        Outcome.ALLOWED,
                        f"{account.country} marks the request {state}",
                    )
                ],
            )
        return self.assistance(account, request_id)

    # -- rescues and people ------------------------------------------------------------------------------

    def record_rescue(
        self,
        account: Account,
        *,
        occurred_at: datetime,
        latitude: float,
        longitude: float,
        sector: str,
        cause: str,
        people: int,
        outcome: str,
        case_id: str | None = None,
        persons: Sequence[dict[str, Any]] = (),
    ) -> RescueView:
        """A rescue and the minimised records of the people rescued (purpose: rescue, plus case if linked)."""
        from cruce.assess.assets import check_location

        check_location(latitude, longitude, "rescue")
        try:
            cause_v, outcome_v = RescueCause(cause).value, RescueOutcome(outcome).value
        except ValueError as exc:
            raise InputError(
                "bad_rescue", f"{exc}; causes: {', '.join(RescueCause)}; outcomes: {', '.join(RescueOutcome)}"
            ) from None
        if people < 1:
            raise InputError("bad_rescue", "people must be at least 1")
        if not sector.strip():
            raise InputError("bad_rescue", "a rescue needs its sector")
        if occurred_at.tzinfo is None:
            raise InputError("naive_time", "occurred_at must be timezone-aware")
        self._officer(account, "record rescue")
        rescue_id = _new_id("rescue")
        now = self.clock()
        purposes = [Purpose.RESCUE.value] + ([Purpose.CASE.value] if case_id else [])
        records = [
            person_values(account.country, p, purposes, now, rescue_id=rescue_id, case_id=case_id)
            for p in persons
        ]
        with self.store.write("record the rescue") as conn:
            self.store.insert_on(
                conn,
                "rescues",
                {
                    "rescue_id": rescue_id,
                    "country": account.country,
                    "occurred_at": occurred_at,
                    "latitude": latitude,
                    "longitude": longitude,
                    "sector": sector.strip(),
                    "cause": cause_v,
                    "people": people,
                    "outcome": outcome_v,
                    "case_id": case_id,
                    "recorded_by": account.user_id,
                },
            )
            for values in records:
                self.store.insert_on(conn, "person_records", values)
            self.audit.append_on(
                conn,
                [
                    self._event(
                        account,
                        "record rescue",
                        rescue_id,
                        Outcome.ALLOWED,
                        f"{people} people, {len(records)} personal records",
                        {"sector": sector, "cause": cause_v},
                    )
                ],
            )
        return RescueView(rescue_id, occurred_at, sector.strip(), cause_v, people, outcome_v, case_id)

    def _officer(self, account: Account, action: str) -> None:
        if not account.user().roles & {Role.ANALYST, Role.RELEASING_OFFICER, Role.OFFICER}:
            raise self._refuse(
                account, action, account.country, "an officer, analyst or releasing officer role is needed"
            )

    def rescues(self, account: Account) -> list[RescueView]:
        self._require(account, READING_ROLES, "read", "rescues")
        rows = self.store.rows("rescues", country=account.country, either=("country",), order="occurred_at")
        return [
            RescueView(
                r["rescue_id"],
                r["occurred_at"],
                r["sector"],
                r["cause"],
                r["people"],
                r["outcome"],
                r["case_id"],
            )
            for r in rows
        ]

    def heatmap(self, account: Account, *, people: bool = True) -> pd.DataFrame:
        """This country's rescues by sector and month (people, or incidents)."""
        from cruce.core.extras import require
        from cruce.respond.humanitarian import Rescue, heatmap

        require("assess", "pandas")  # a clear "install the assess extra", not a traceback

        rescues = [
            Rescue(
                r.rescue_id,
                r.occurred_at,
                0.0,
                0.0,
                r.sector,
                RescueCause(r.cause),
                r.people,
                RescueOutcome(r.outcome),
            )
            for r in self.rescues(account)
        ]
        return heatmap(rescues, people=people)

    def person(self, account: Account, person_ref: str, purpose: str) -> PersonRecord:
        """A migrant's record, for a purpose it was collected for only (every read audited, refusals too)."""
        try:
            wanted = Purpose(purpose)
        except ValueError:
            raise InputError("bad_purpose", f"purpose must be one of {', '.join(Purpose)}") from None
        row = self.store.find("person_records", "person_ref", person_ref)
        if row is None or row["country"] != account.country:
            raise NotFoundError("person_not_found", f"no person record {person_ref!r}")
        record = _person(row)
        if wanted not in record.purposes:
            raise self._refuse(
                account,
                f"read for {wanted}",
                person_ref,
                f"collected for {', '.join(sorted(record.purposes))}, not {wanted}",
            )
        self.audit.append(
            self._event(account, f"read for {wanted}", person_ref, Outcome.ALLOWED, "purpose allowed")
        )
        return record.use(wanted)

    def purge(self, account: Account, *, retention: dict[Purpose, timedelta] | None = None) -> PurgeResult:
        """Delete this country's personal records past every purpose's retention; each deletion audited in the
        same transaction as the deletion itself."""
        if not account.user().roles & {Role.ADMIN, Role.RELEASING_OFFICER}:
            raise self._refuse(
                account, "purge", "person_records", "role admin or releasing_officer is needed"
            )
        rows = self.store.rows("person_records", country=account.country, either=("country",))
        decision = due_for_deletion([_person(r) for r in rows], self.clock(), retention or DEFAULT_RETENTION)
        events = [
            self._event(
                account,
                "delete personal data" if e.action == "delete" else "keep personal data",
                e.person_ref,
                Outcome.ALLOWED,
                e.reason,
            )
            for e in decision.audit
        ]
        with self.store.write("delete personal records past retention") as conn:
            self.store.delete_people_on(conn, decision.delete)
            if events:
                self.audit.append_on(conn, events)
        held = tuple(e.person_ref for e in decision.audit if e.action == "keep")
        return PurgeResult(decision.delete, len(decision.keep), held)

    # -- repatriations -----------------------------------------------------------------------------------

    def repatriate(
        self,
        account: Account,
        *,
        to_country: str,
        port: str,
        handover_at: datetime,
        manifest: Sequence[dict[str, Any]],
        screen: Callable[[PersonRecord], ScreeningResult],
    ) -> RepatriationView:
        """A transfer handed over at `port`: every person on the manifest screened (for repatriation only)."""
        to = to_country.strip().upper()
        if not is_country_trigraph(to) or to == account.country:
            raise InputError("bad_transfer", "a repatriation goes to another country (an ISO trigraph)")
        if not manifest:
            raise InputError("bad_transfer", "the manifest is empty")
        if not port.strip():
            raise InputError("bad_transfer", "name the port of the hand-over")
        if handover_at.tzinfo is None:
            raise InputError("naive_time", "handover_at must be timezone-aware")
        self._officer(account, "repatriate")
        transfer_id = _new_id("transfer")
        now = self.clock()
        records = [
            person_values(account.country, p, [Purpose.REPATRIATION.value], now, transfer_id=transfer_id)
            for p in manifest
        ]
        screening = [screen(_person(Stored(v)).use(Purpose.REPATRIATION)) for v in records]
        with self.store.write("store the repatriation") as conn:
            self.store.insert_on(
                conn,
                "repatriations",
                {
                    "transfer_id": transfer_id,
                    "from_country": account.country,
                    "to_country": to,
                    "port": port.strip(),
                    "handover_at": handover_at,
                    "people": len(records),
                    "screening": [
                        {"person_ref": s.person_ref, "alert": s.alert, "reasons": s.reasons}
                        for s in screening
                    ],
                    "created_by": account.user_id,
                    "receipt": None,
                },
            )
            for values in records:
                self.store.insert_on(conn, "person_records", values)
            self.audit.append_on(
                conn,
                [
                    self._event(
                        account,
                        "repatriate",
                        transfer_id,
                        Outcome.ALLOWED,
                        f"{len(records)} people to {to} at {port.strip()}",
                        {"alerts": sum(s.alert for s in screening)},
                    )
                ],
            )
        return self.repatriation(account, transfer_id)

    def repatriation(self, account: Account, transfer_id: str) -> RepatriationView:
        row = self.store.find("repatriations", "transfer_id", transfer_id)
        if row is None or account.country not in (row["from_country"], row["to_country"]):
            raise NotFoundError("transfer_not_found", f"no repatriation {transfer_id!r}")
        receipt = row["receipt"] or {}
        return RepatriationView(
            row["transfer_id"],
            row["from_country"],
            row["to_country"],
            row["port"],
            row["handover_at"],
            row["people"],
            sum(bool(s["alert"]) for s in row["screening"]),
            bool(receipt),
            receipt.get("by"),
            receipt.get("people_received"),
        )

    def repatriations(self, account: Account) -> list[RepatriationView]:
        rows = self.store.rows(
            "repatriations",
            country=account.country,
            either=("from_country", "to_country"),
            order="handover_at",
        )
        return [self.repatriation(account, r["transfer_id"]) for r in rows]

    def acknowledge(self, account: Account, transfer_id: str, people_received: int) -> RepatriationView:
        """The receiving partner's receipt: only its officers, only once, and the count must match."""
        current = self.repatriation(account, transfer_id)
        if account.country != current.to_country:
            raise self._refuse(
                account, "acknowledge", transfer_id, f"only {current.to_country} acknowledges it"
            )
        self._officer(account, "acknowledge")
        if current.acknowledged:
            raise InputError("already_acknowledged", f"transfer {transfer_id} was acknowledged already")
        if people_received != current.people:
            raise InputError(
                "manifest_mismatch",
                f"transfer {transfer_id}: {people_received} received, "
                f"{current.people} on the manifest; record the difference as an incident note",
            )
        now = self.clock()
        receipt = {
            "by": account.user_id,
            "country": account.country,
            "at": now.isoformat(),
            "people_received": people_received,
        }
        with self.store.write("store the receipt") as conn:
            if not self.store.update_on(
                conn, "repatriations", "transfer_id", transfer_id, {}, {"receipt": receipt}
            ):
                raise NotFoundError("transfer_not_found", f"no repatriation {transfer_id!r}")
            self.audit.append_on(
                conn,
                [
                    self._event(
                        account,
                        "acknowledge",
                        transfer_id,
                        Outcome.ALLOWED,
                        f"{people_received} people received",
                    )
                ],
            )
        return self.repatriation(account, transfer_id)


def _sitrep_product(row: Stored) -> Product:
    """A stored sitrep as the marked product its tear lines and STIX reports are made from."""
    owner, body = row["country"], row["body"]
    return Product(
        product_id=row["entry_id"],
        kind=ProductKind.INTELLIGENCE_REPORT,
        owner=owner,
        title=Portion(body["title"], Marking.parse(body["title_marking"], owner)),
        portions=tuple(Portion(p["text"], Marking.parse(p["marking"], owner)) for p in body["portions"]),
        author=row["author"],
    )


def _widest(reaches: Sequence[Reach]) -> Reach:
    """The union of several reaches (a sitrep is listed for whoever may read at least one portion)."""
    from cruce.core.markings import ALL

    countries: set[str] = set()
    for reach in reaches:
        countries |= reach.countries
    if ALL in countries:
        countries = {ALL}
    level = min((r.level for r in reaches), default=Classification.UNCLASSIFIED)
    return Reach(frozenset(countries), level, all(r.noforn for r in reaches))


def _banner(portions: Sequence[Portion]) -> str:
    return str(roll_up(p.marking for p in portions))


def _assistance(row: Stored, account: Account) -> AssistanceView:
    """The request as `account` may read it: the portions its clearance (and, abroad, its every country)
    admits; a partner's node holds only the portions released to it in the first place."""
    history = tuple((h["state"], datetime.fromisoformat(h["at"]), h["by"]) for h in row["history"])
    body = row.values.get("body") or {}
    owner = row["from_country"]

    def readable(mark: Marking) -> bool:
        if account.country == owner and not account.countries - {owner}:
            return mark.classification <= account.clearance
        return reach_of([mark]).admits_all(account.countries, account.clearance)

    portions = []
    for p in body.get("portions", []):
        mark = Marking.parse(p["marking"], owner)
        if readable(mark):
            portions.append((str(mark), p["text"]))
    # what is asked is a portion like the others: a reader below its level, or of a country it is not
    # released to (a foreign national of either side's agency), reads that there is a request, not what
    what = row["what"]
    if not readable(Marking.parse(body.get("what_marking", "U"), owner)):
        what = WITHHELD
    return AssistanceView(
        row["request_id"],
        row["incident_id"],
        row["from_country"],
        row["to_country"],
        what,
        row["state"],
        history,
        body.get("what_marking", "UNCLASSIFIED"),
        tuple(portions),
    )


_PERSON_FIELDS = {"given_name", "birth_year", "nationality", "sex", "legal_hold"}


def person_values(
    country: str,
    person: dict[str, Any],
    purposes: list[str],
    now: datetime,
    *,
    rescue_id: str | None = None,
    transfer_id: str | None = None,
    case_id: str | None = None,
) -> dict[str, Any]:
    """Minimised: only the fields a rescue, a hand-over or a case needs; anything else is refused."""
    extra = sorted(set(person) - _PERSON_FIELDS)
    if extra:
        raise InputError(
            "not_minimised", f"personal data beyond what is needed is not kept: {', '.join(extra)}"
        )
    year = person.get("birth_year")
    if year is not None and not (isinstance(year, int) and 1900 <= year <= now.year):
        raise InputError("bad_person", f"birth_year {year!r} must be a year (no full birth date is kept)")
    nationality = person.get("nationality")
    if nationality is not None and not is_country_trigraph(str(nationality).upper()):
        raise InputError("bad_person", f"nationality {nationality!r} is not an ISO 3166 trigraph")
    name = person.get("given_name", "")
    if not isinstance(name, str):
        raise InputError("bad_person", "given_name must be text")
    sex = person.get("sex")
    if sex in ("", None):
        sex = None
    elif not (isinstance(sex, str) and sex.strip().upper() in SEX_CODES):
        raise InputError("bad_person", f"sex {sex!r:.40} is not one of {', '.join(SEX_CODES)}")
    else:
        sex = sex.strip().upper()
    return {
        "person_ref": _new_id("person"),
        "country": country,
        "purposes": sorted(purposes),
        "collected_at": now,
        "given_name": name[:200],
        "birth_year": year,
        "nationality": str(nationality).upper() if nationality else None,
        "sex": sex,
        "case_id": case_id,
        "legal_hold": bool(person.get("legal_hold", False)),
        "rescue_id": rescue_id,
        "transfer_id": transfer_id,
    }


def _person(row: Stored) -> PersonRecord:
    return PersonRecord(
        row["person_ref"],
        frozenset(Purpose(p) for p in row["purposes"]),
        row["collected_at"],
        row["given_name"],
        row["birth_year"],
        row["nationality"],
        row["sex"],
        row["case_id"],
        row["legal_hold"],
    )


def matcher_screen(matcher: Any) -> Callable[[PersonRecord], ScreeningResult]:
    """Screen a manifest's people as any crossing is: the person's name and nationality against the lists."""
    from cruce.service.queries import make_query

    def screen(person: PersonRecord) -> ScreeningResult:
        if not person.given_name:
            return ScreeningResult(person.person_ref, False, "no name on the manifest")
        matches = matcher.screen(make_query(person.given_name, country=person.nationality), top=1)
        hit = matches[0] if matches and matches[0].alert else None
        reason = f"possible list match (score {hit.score:.2f})" if hit else ""
        return ScreeningResult(person.person_ref, hit is not None, reason)

    return screen


@dataclass(frozen=True, slots=True)
class IncidentBoard:
    """Everything the incident board shows one reader: the incident, its timeline, sitreps and assistance."""

    incident: IncidentView
    timeline: tuple[TimelineEntry, ...]
    sitreps: tuple[SitrepView, ...]
    assistance: tuple[AssistanceView, ...]


@dataclass(frozen=True, slots=True)
class HeatMap:
    """People rescued by sector (rows) and month (columns), zeros where none."""

    sectors: tuple[str, ...]
    months: tuple[str, ...]
    people: tuple[tuple[int, ...], ...]


def board(service: RespondService, account: Account, incident_id: str) -> IncidentBoard:
    return IncidentBoard(
        service.incident(account, incident_id),
        tuple(service.timeline(account, incident_id)),
        tuple(service.sitreps(account, incident_id)),
        tuple(service.assistance_of(account, incident_id)),
    )


def heat_map(service: RespondService, account: Account) -> HeatMap:
    table = service.heatmap(account)
    if table.empty:
        return HeatMap((), (), ())
    return HeatMap(
        tuple(str(s) for s in table.index),
        tuple(str(m) for m in table.columns),
        tuple(tuple(int(v) for v in row) for row in table.to_numpy()),
    )
