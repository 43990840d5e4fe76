"""`cruce demo`: a whole (synthetic) border day on the embedded store, so a newcomer sees cruce work at once.

Everything is generated from a seed (no real person is named), stored as a list version like a real
import, and screened with the same matcher and the same forked workers as `cruce screen batch`, so the
demo shows the product's real behaviour and speed rather than a special path.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from cruce.assess.assets import AssetKind
from cruce.assess.emergency import Incident, IncidentKind, IncidentResult, run_incident
from cruce.assess.example import example_graph, example_scenarios
from cruce.assess.product import AssessmentMarkings, assessment_product
from cruce.assess.results import assess
from cruce.assess.scenarios import Area
from cruce.core import csvsafe
from cruce.core.clock import utc_now
from cruce.core.dates import PartialDate
from cruce.core.markings import Marking
from cruce.core.model import Entity, Identifier, ListInfo, Name, Schema
from cruce.lists.base import ImportResult
from cruce.matching.types import Match
from cruce.programs.recognition import load_agreement
from cruce.scoring.crossings import Crossing, Mode, Role, TravelDocument, Traveler
from cruce.scoring.evaluation import Evaluation
from cruce.scoring.lanes import LaneDecision
from cruce.service.cases import (
    CaseService,
    CaseView,
    CheckView,
    NewEvent,
    NewSubject,
    ReferralView,
    case_network,
)
from cruce.service.coordination import booth_lane, default_notice_policy, screen_members
from cruce.service.member_ports import RevetDirectory, booth_directory, own_statuses
from cruce.service.programs import Actor, ProgramService
from cruce.service.respond import RepatriationView, RescueView, SitrepView
from cruce.service.revetting import Revetter
from cruce.service.risk import score_file, train_model
from cruce.service.screening import build_matcher, screen_queries
from cruce.sharing.access import User
from cruce.sharing.notices import HitNotice, cut_for
from cruce.sharing.products import Portion, Product, ProductKind, TearLineVersion, tear_line
from cruce.sharing.stix import export_product
from cruce.storage.partners import PartnerStore
from cruce.storage.sharing import SharingStore
from cruce.storage.store import Store
from cruce.synthetic import SYNTHETIC_LIST, generate_travelers, generate_watchlist
from cruce.synthetic.declarations import generate_declarations
from cruce.synthetic.ring import RingCase, smuggling_ring

DEMO_TOP = 3


@dataclass(slots=True)
class ScreenedTraveler:
    """One generated party, the truth about it, and what screening said."""

    name: str
    role: str
    planted_entity_id: str | None
    perturbation: str | None
    top: Match | None
    alert: bool
    caught: bool  # alert on the planted entity
    near_miss_of: str | None = None

    @property
    def outcome(self) -> str:
        """caught / missed (a listed party without its alert) / false alert (anyone else who alerted)."""
        if self.planted_entity_id is not None:
            return "caught" if self.caught else "missed"
        return "false alert" if self.alert else "clear"


@dataclass(slots=True)
class DemoReport:
    seed: int
    list_version: str
    listed_entities: int
    screened: int
    alerts: int
    planted: int
    planted_caught: int
    innocent_alerts: int
    near_miss: int
    near_miss_alerts: int
    latencies_ms: list[float] = field(default_factory=list)
    index_build_s: float = 0.0
    screening_s: float = 0.0
    workers: int = 1
    examples: list[ScreenedTraveler] = field(default_factory=list)

    @property
    def p50_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def p99_ms(self) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    def highlights(self, limit: int = 8) -> list[ScreenedTraveler]:
        """Examples that teach: one caught party per kind of disguise first, then misses and false alerts.

        The day's first alerts tend to repeat one kind of variation; a newcomer learns more from seeing a
        typo, a dropped surname and a nickname caught, and from an honest miss if there is one.
        """
        caught = [e for e in self.examples if e.outcome == "caught"]
        others = [e for e in self.examples if e.outcome in ("missed", "false alert")]
        chosen: list[ScreenedTraveler] = []
        seen: set[str] = set()
        for example in caught:
            kind = example.perturbation or ""
            if kind not in seen:
                seen.add(kind)
                chosen.append(example)
        reserve = min(len(others), max(1, limit // 4))
        chosen = chosen[: limit - reserve] + others[:reserve]
        for example in caught:  # fill up with more catches when the day had few kinds
            if len(chosen) >= limit:
                break
            if example not in chosen:
                chosen.append(example)
        return chosen[:limit]


def run_demo(
    store: Store,
    *,
    seed: int = 7,
    list_size: int = 2000,
    travelers: int = 5000,
    workers: int = 1,
    threshold: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> DemoReport:
    """Generate a synthetic list and day of travelers, store the list as a version, screen everyone."""
    entities = generate_watchlist(seed, list_size)
    version = store.save_import(
        ImportResult(
            list_info=SYNTHETIC_LIST,
            entities=entities,
            skipped=[],
            source_files=[f"generated (seed {seed}, {list_size} entities)"],
        )
    )
    stored = store.load_entities([version.id])
    started = time.perf_counter()
    matcher = build_matcher(stored, threshold)
    build_s = time.perf_counter() - started
    day = generate_travelers(seed, entities, count=travelers)
    report = DemoReport(
        seed=seed,
        list_version=version.key,
        listed_entities=len(stored),
        screened=0,
        alerts=0,
        planted=0,
        planted_caught=0,
        innocent_alerts=0,
        near_miss=0,
        near_miss_alerts=0,
        index_build_s=build_s,
        workers=workers,
    )
    started = time.perf_counter()
    screened = screen_queries(matcher, (t.query for t in day), top=DEMO_TOP, workers=workers)
    for done, (traveler, result) in enumerate(zip(day, screened, strict=True), start=1):
        matches = result.matches
        report.latencies_ms.append(result.elapsed_ms)
        alerts = [m for m in matches if m.alert]
        report.screened += 1
        report.alerts += bool(alerts)
        planted = traveler.planted_entity_id
        caught = planted is not None and any(m.entity_id == planted for m in alerts)
        if planted is not None:
            report.planted += 1
            report.planted_caught += caught
        elif traveler.near_miss_of is not None:
            report.near_miss += 1
            report.near_miss_alerts += bool(alerts)
        else:
            report.innocent_alerts += bool(alerts)
        if alerts or planted is not None:
            report.examples.append(
                ScreenedTraveler(
                    traveler.query.name, traveler.role, planted, traveler.perturbation,
                    matches[0] if matches else None, bool(alerts), caught, traveler.near_miss_of,
                )
            )  # fmt: skip
        if progress is not None and (done % 100 == 0 or done == len(day)):
            progress(100 if done % 100 == 0 else done % 100)
    report.screening_s = time.perf_counter() - started
    return report


# ---------------------------------------------------------------- cargo risk on synthetic declarations

CARGO_HISTORY_ROWS = 4000
CARGO_SPLIT = "2026-01-01"


@dataclass(frozen=True, slots=True)
class CargoDemo:
    """A model trained on a synthetic year of declarations, replayed on the weeks after it."""

    trained_rows: int
    scored_rows: int
    train_s: float
    model_version: str
    rules_label: str | None
    fraud: Evaluation
    critical: Evaluation
    riskiest: list[tuple[str, float, str]]  # declaration id, score, reasons


def run_cargo_demo(folder: Path, *, seed: int = 7) -> CargoDemo:
    """Train, backtest and score through the same service calls as `cruce risk`, on generated files."""
    data = generate_declarations(CARGO_HISTORY_ROWS, seed=seed, days=400)
    folder.mkdir(parents=True, exist_ok=True)
    history, later = folder / "history.csv", folder / "later.csv"
    csvsafe.safe_frame(data[data["Date"] < CARGO_SPLIT]).to_csv(history, index=False)
    csvsafe.safe_frame(data[data["Date"] >= CARGO_SPLIT]).to_csv(later, index=False)
    trained = train_model(history, folder / "model", valid_path=later)
    scores = folder / "scores.csv"
    scored = score_file(folder / "model", later, scores)
    validation = trained.validation or {}
    table = pd.read_csv(scores, dtype={"Declaration ID": str}, keep_default_na=False)
    top = table.nlargest(3, "score").to_dict("records")
    return CargoDemo(
        trained_rows=trained.rows, scored_rows=scored.rows, train_s=trained.seconds,
        model_version=trained.model_version, rules_label=scored.rules_label,
        fraud=validation["fraud"], critical=validation["critical"],
        riskiest=[(str(r["Declaration ID"]), float(r["score"]), str(r["reasons"])) for r in top],
    )  # fmt: skip


# ---------------------------------------------------------------- a marked product and its tear lines

DEMO_PARTNERS = ("MEX", "CAN")


@dataclass(frozen=True, slots=True)
class SharingDemo:
    product: Product
    versions: dict[str, TearLineVersion]
    stix_objects: dict[str, int]  # partner -> objects in the bundle sent to it


def run_sharing_demo(report: DemoReport) -> SharingDemo:
    """An alert written about the day's catches, and what each partner may receive of it."""
    caught = [e for e in report.examples if e.outcome == "caught" and e.top is not None]
    names = ", ".join(e.top.entity.caption for e in caught[:3] if e.top is not None) or "none"

    def portion(text: str, marking: str) -> Portion:
        return Portion(text, Marking.parse(marking))

    product = Product(
        product_id=f"alert:demo-{report.seed}",
        kind=ProductKind.ALERT,
        owner="USA",
        title=portion("Listed parties crossing at a southwest border port (synthetic)", "U//FOUO"),
        portions=(
            portion(f"{report.planted_caught} listed parties were stopped today, among them {names}.",
                    "S//REL TO USA, MEX"),
            portion("The tip came from a controlled source inside the smuggling organisation.", "S//NOFORN"),
            portion("Two of their carriers also run routes to Canadian ports.", "C//REL TO USA, CAN, MEX"),
        ),
        tearline_summary=portion("Expect listed parties to keep trying this port; screen their associates.",
                                 "U//FOUO"),
        author="demo analyst",
    )  # fmt: skip
    versions = {partner: tear_line(product, partner) for partner in DEMO_PARTNERS}
    objects = {
        partner: len(export_product(version).objects)
        for partner, version in versions.items()
        if not version.is_empty
    }
    return SharingDemo(product, versions, objects)


# ---------------------------------------------------------------- a joint emergency and the assessment


@dataclass(frozen=True, slots=True)
class EmergencyDemo:
    incident: IncidentResult
    assessment_product: Product
    mexico: TearLineVersion


def run_emergency_demo(*, seed: int = 7) -> EmergencyDemo:
    """A hurricane takes out the power feeding Brownsville: cascade, closures, diversion; then the joint
    assessment of the example network as a product and the version Mexico receives."""
    graph = example_graph()
    incident = Incident(
        "incident:demo-hurricane", IncidentKind.HURRICANE, "Hurricane landfall at Brownsville (synthetic)",
        Area(25.95, -97.45, 25.0), duration_hours=72.0, severity=1.0,
        kinds=frozenset({AssetKind.POWER_SUBSTATION}),
    )  # fmt: skip
    result = run_incident(graph, incident, seed=seed)
    assessment = assess(graph, example_scenarios(), samples=2000, seed=seed, workers=1, mitigations=())
    markings = AssessmentMarkings.from_dict(
        {"assets": {"default": "S//REL TO USA, CAN, MEX", "kind:power_substation": "S//NOFORN"}}
    )
    product = assessment_product(
        assessment, markings, product_id=f"assessment:demo-{seed}", author="demo analyst"
    )
    return EmergencyDemo(result, product, tear_line(product, "MEX"))


# ---------------------------------------------------------------- joint cases against a smuggling ring


@dataclass(frozen=True, slots=True)
class CasesDemo:
    """Two case files of one ring, joined by the network, and the referral as MEX receives it."""

    us_case: str
    mx_case: str
    resolved: list[tuple[str, list[str], list[str]]]  # entity label, the subjects joined, why
    broker: tuple[str, float]
    cells: list[list[str]]
    co_travel: list[tuple[str, str, int]]
    custody_ok: bool
    mx_referral: ReferralView  # MEX shares its case with the USA
    check: CheckView  # the MEX guideline on the U.S. case, as MEX would receive it
    referral: ReferralView  # the USA refers its case to MEX
    mexico_sees: CaseView


def _store_case(service: CaseService, user: User, ring_case: RingCase) -> str:
    """Open a case and add its parts through the service, as an analyst would, one by one."""
    case = ring_case.case
    service.open(user, case.title, str(case.title_marking), case_id=case.case_id)
    for s in case.subjects:
        service.add_subject(
            user,
            case.case_id,
            NewSubject(
                s.kind.value,
                s.name,
                str(s.marking),
                s.subject_id,
                dict(s.identifiers),
                s.birth_date,
                s.nationality,
                s.prior_offences,
                s.role,
            ),
        )
    for e in case.events:
        service.add_event(
            user,
            case.case_id,
            NewEvent(
                e.kind.value,
                e.at,
                e.place,
                e.description,
                str(e.marking),
                e.event_id,
                e.subjects,
                e.migrants,
                e.minors,
                e.deaths,
                e.endangered,
                e.seized_usd,
            ),
        )
    for v in case.evidence:
        service.add_evidence(
            user,
            case.case_id,
            v.description,
            str(v.marking),
            ring_case.contents[v.evidence_id],
            "intake",
            v.evidence_id,
            v.holder,
        )
    for n in case.notes:
        service.add_note(user, case.case_id, n.text, str(n.marking), n.note_id)
    service.start_investigation(user, case.case_id, "ring activity")
    return case.case_id


def run_cases_demo(store: Store, *, seed: int = 17) -> CasesDemo:
    """Each side opens its case; MEX shares its own with the USA; the U.S. network joins them and finds the
    broker; the USA refers its case to MEX, which reads its tear-line version."""
    sharing = SharingStore(store.engine)
    users = {}
    for uid, org, country, role in (
        ("usa.analyst", "cbp-tucson", "USA", "analyst"),
        ("usa.releasing", "cbp-release", "USA", "releasing_officer"),
        ("mex.analyst", "fgr-sonora", "MEX", "analyst"),
        ("mex.releasing", "fgr-release", "MEX", "releasing_officer"),
    ):
        users[uid] = sharing.add_account(
            uid, organisation=org, country=country, clearance="S", roles=[role]
        ).user()
    service = CaseService(store.engine, sharing=sharing)
    ring = smuggling_ring(seed)
    us_case = _store_case(service, users["usa.analyst"], ring.us)
    mx_case = _store_case(service, users["mex.analyst"], ring.mx)
    mx_referral = service.refer(users["mex.releasing"], mx_case, "USA")
    view, _net = case_network(service, users["usa.analyst"])
    labels = {e.entity_id: e.label for e in view.entities}
    resolved = [(e.label, e.members, e.why) for e in view.entities if len(e.members) > 1]
    broker = view.brokers[0] if view.brokers else ("", 0.0)
    service.handover(
        users["usa.analyst"],
        us_case,
        "ev-phone-extraction",
        "agent-tucson",
        "lab-phoenix",
        "Tucson",
        "forensic analysis",
    )
    custody = service.verify(users["usa.analyst"], us_case)
    check = service.check(users["usa.analyst"], us_case, "MEX")
    referral = service.refer(users["usa.releasing"], us_case, "MEX")
    return CasesDemo(
        us_case,
        mx_case,
        resolved,
        (labels.get(broker[0], broker[0]), broker[1]),
        [[labels[n] for n in cell] for cell in view.communities],
        [(labels[a], labels[b], t) for a, b, t in view.co_travel],
        custody.ok,
        mx_referral,
        check,
        referral,
        service.show(users["mex.analyst"], us_case),
    )


# ---------------------------------------------------------------- the joint response (stored and audited)


@dataclass(frozen=True, slots=True)
class ResponseDemo:
    sitrep_usa: SitrepView
    sitrep_mex: SitrepView
    rescue: RescueView
    transfer: RepatriationView
    receipt: RepatriationView
    audit_records: int


def run_response_demo(emergency: EmergencyDemo, directory: Path) -> ResponseDemo:
    """Through the real service on a scratch database: the incident opened and released to MEX, a US sitrep
    (one NOFORN portion) and MEX's tear-line reading of it, one rescue, one repatriation hand-over to MEX
    at Nogales with MEX's receipt. Every step is audited."""
    from cruce.core.markings import Classification
    from cruce.respond.humanitarian import PersonRecord, ScreeningResult
    from cruce.service.respond import RespondService
    from cruce.sharing.access import Role
    from cruce.storage import open_store
    from cruce.storage.accounts import Account
    from cruce.storage.assess import RespondStore
    from cruce.storage.audit import AuditLog

    def account(user: str, country: str) -> Account:
        roles = frozenset({Role.ANALYST, Role.RELEASING_OFFICER})
        return Account(user, f"{country.lower()}-demo", country, country, Classification.SECRET, roles)

    usa, mex = account("demo-usa", "USA"), account("demo-mex", "MEX")
    closed = [p.asset.name for p in emergency.incident.closed()] or ["no port"]
    receiving = [p.asset.name for p in emergency.incident.ports if p.status == "receiving"][:2]
    with open_store(f"sqlite:///{directory / 'response.db'}") as store:
        audit = AuditLog(store.engine)
        service = RespondService(RespondStore(store.engine), audit)
        incident = service.open_incident(usa, kind="hurricane", name=emergency.incident.incident.name,
                                         marking="C//REL TO USA, MEX")  # fmt: skip
        report = service.write_sitrep(usa, incident.incident_id, "Sitrep 1: hurricane at Brownsville", [
            ("S//NOFORN", "The substation feeding the port lost its backup; restoration by a named crew."),
            ("S//REL TO USA, MEX", f"{', '.join(closed)} closed; traffic diverts to {', '.join(receiving)}."),
            ("U", "Expect long waits at the receiving ports for three days."),
        ])  # fmt: skip
        mexico = service.sitreps(mex, incident.incident_id)[0]
        rescue = service.record_rescue(usa, occurred_at=service.clock(), latitude=26.05, longitude=-97.6,
                                       sector="Rio Grande Valley", cause="drowning", people=3,
                                       outcome="rescued")  # fmt: skip

        def screen(person: PersonRecord) -> ScreeningResult:  # the demo has no lists in this database
            return ScreeningResult(person.person_ref, False, "no list hit")

        transfer = service.repatriate(
            usa, to_country="MEX", port="Nogales", handover_at=service.clock(),
            manifest=[{"given_name": "Rosa", "birth_year": 1994, "nationality": "MEX"},
                      {"given_name": "Tomás", "birth_year": 2001, "nationality": "MEX"}],
            screen=screen,
        )  # fmt: skip
        receipt = service.acknowledge(mex, transfer.transfer_id, transfer.people)
        records = len(audit.records())
    return ResponseDemo(report, mexico, rescue, transfer, receipt, records)


# ---------------------------------------------------------------------------------------- trusted programs

DEMO_MEMBER = {
    "program": "sentri",
    "applicant": {
        "name": "Rosa Elena Vidal Campos",  # invented
        "birth_date": "1988-09-14",
        "nationality": "MEX",
        "gender": "female",
        "documents": [
            {"kind": "passport", "number": "G70418852", "country": "MEX", "expires": "2032-03-31"},
            {"kind": "curp", "number": "VICR880914MBCDMS00"},
        ],
    },
}
DEMO_WANTED = ListInfo("demo-wanted", "Wanted persons (synthetic)", "cruce demo (invented)", "ftm")


@dataclass(slots=True)
class ProgramsDemo:
    """Enrolment, two crossings either side of a list update, the re-vetting between, and MEX's notice."""

    membership_id: str
    vetting: str  # the vetting's recommendation and reasons
    before: LaneDecision
    revetted: str  # the run: list version, entities screened, hits
    state_reason: str
    alerts: int
    after: LaneDecision
    notice_for_mex: HitNotice
    withheld_for_mex: tuple[str, ...]


def _wanted(*extra: Entity) -> ImportResult:
    decoy = Entity(
        id="demo-wanted:1", schema=Schema.PERSON, names=(Name("OCAMPO RIVAS, Ernesto"),),
        list_id=DEMO_WANTED.id, source_id="1", birth_dates=(PartialDate.parse("1958-11-11"),),
    )  # fmt: skip
    return ImportResult(list_info=DEMO_WANTED, entities=[decoy, *extra], skipped=[], source_files=["demo"])


def run_programs_demo(store: Store, *, at: datetime | None = None) -> ProgramsDemo:
    """A traveler enrols in the USA's SENTRI-like program, is vetted and approved, crosses in the expedited
    lane; the next version of a wanted list names her; re-vetting (the outbox run that version queued)
    suspends the membership and queues the alert; her next crossing goes to secondary with the reason; and
    the hit notice the USA sends MEX is shown as MEX receives it (its tear line)."""
    when = at or utc_now()
    agreement = load_agreement()
    officer = Actor("usa.officer", "USA")
    store.save_import(_wanted())  # the node's own list, before the traveler applies
    programs = ProgramService(store)
    application = programs.apply(officer, DEMO_MEMBER)
    vetted = programs.vet(officer, application.application_id).result
    programs.decide(officer, application.application_id, "interview", "vetting clear")
    granted = programs.decide(officer, application.application_id, "approve", "interviewed at San Ysidro")
    assert granted.membership is not None
    member = granted.membership.membership_id
    booth = booth_directory(programs, PartnerStore(store.engine))
    passport = TravelDocument("passport", "G70418852", "MX", date(2032, 3, 31))

    def cross(n: int, minutes: int) -> LaneDecision:
        traveler = Traveler(f"demo:{n}", "Rosa Elena Vidal Campos", Role.PEDESTRIAN, "MX",
                            PartialDate.parse("1988-09-14"), documents=(passport,))  # fmt: skip
        crossing = Crossing(f"crossing:demo:{n}", "2504", "San Ysidro", when + timedelta(minutes=minutes),
                            Mode.PEDESTRIAN, (traveler,))  # fmt: skip
        return booth_lane(crossing, booth, agreement, "USA")

    before = cross(1, 0)
    listed = Entity(
        id="demo-wanted:2", schema=Schema.PERSON, names=(Name("VIDAL CAMPOS, Rosa Elena"),),
        list_id=DEMO_WANTED.id, source_id="2", birth_dates=(PartialDate.parse("1988-09-14"),),
        nationalities=("MX",), identifiers=(Identifier("passport", "G70418852", "MX"),),
        remarks="source-derived: never leaves the USA",
    )  # fmt: skip
    store.save_import(_wanted(listed))  # version 2 names her: its re-vetting is queued with it
    outcomes = Revetter(store, RevetDirectory(programs)).run_pending()
    run = next(o for o in outcomes if o.run.version == 2)
    page = programs.member(officer, member)
    after = cross(2, 60)
    ((status, subject),) = own_statuses(programs, "USA", [member])
    (notice,) = screen_members(
        [listed], [(status, subject)], sender="USA",
        policy=default_notice_policy("USA", agreement), at=when,
    )  # fmt: skip
    mexico = cut_for(notice, ["MEX"])["MEX"]
    withheld = tuple(sorted({d.field for d in notice.details} - {d.field for d in mexico.details}))
    return ProgramsDemo(
        member,
        f"{vetted.recommendation.value}: {'; '.join(vetted.reasons)}",
        before,
        f"{run.run.label}: {run.entities} changed entr{'y' if run.entities == 1 else 'ies'} screened "
        f"against {run.run.members or 0} member(s), {run.new_hits} hit(s)",
        page.membership.record.state_reason,
        len(page.alerts),
        after,
        mexico,
        withheld,
    )
