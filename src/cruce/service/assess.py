"""Stored assessments: a run kept with its marked product and its asset table, read by each country at its
tear line (a partner sees the portions and asset rows released to it, nothing else; another country's
assessment that reaches it not at all is "not found")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cruce.core.clock import Clock, utc_now
from cruce.core.errors import NotFoundError
from cruce.core.markings import Marking, roll_up
from cruce.sharing.access import READING_ROLES
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.sharing.products import Portion, Product, ProductKind, tear_line
from cruce.sharing.release import may_write_parts, reach_of
from cruce.storage.accounts import Account
from cruce.storage.assess import RespondStore, Stored, reach_back, reach_text
from cruce.storage.audit import AuditLog

if TYPE_CHECKING:  # the assess extra (pandas, SciPy): reading stored assessments needs neither
    from cruce.assess.product import AssessmentMarkings
    from cruce.assess.results import Assessment

WITHHELD_TITLE = "(title not releasable)"
"""What a reader who may not read an assessment's title reads instead (as a case's withheld title)."""


ASSETS_KEPT = 50


@dataclass(frozen=True, slots=True)
class AssetRisk:
    rank: int
    asset_id: str
    name: str
    kind: str
    owner_country: str
    expected: float
    low: float
    high: float
    outage_hours_per_year: float
    marking: str


@dataclass(frozen=True, slots=True)
class AssessmentView:
    assessment_id: str
    country: str
    title: str
    created_at: datetime
    created_by: str
    samples: int
    seed: int
    metric: str
    banner: str
    portions: tuple[tuple[str, str], ...]  # (marking, text) the reader may read
    withheld: int
    assets: tuple[AssetRisk, ...]


class AssessService:
    def __init__(self, store: RespondStore, audit: AuditLog, *, clock: Clock = utc_now) -> None:
        self.store = store
        self.audit = audit
        self.clock = clock

    def _event(
        self, account: Account, action: str, resource: str, outcome: Outcome, reason: str
    ) -> AuditEvent:
        return AuditEvent(
            self.clock(), account.user_id, action, resource, outcome, reason, {}, account.country
        )

    def save(
        self, account: Account, result: Assessment, markings: AssessmentMarkings, title: str
    ) -> AssessmentView:
        """Keep a run: the release decision on every portion and asset row first (refusal audited)."""
        from cruce.assess.product import assessment_product
        from cruce.service.respond import RespondForbiddenError, _widest

        assessment_id = f"assessment:{uuid.uuid4().hex[:16]}"
        product = assessment_product(
            result, markings, product_id=assessment_id, title=title, author=account.user_id
        )
        metric = result.metric
        assets: list[dict[str, Any]] = [
            {
                "rank": i,
                "asset_id": a.asset_id,
                "name": a.name,
                "kind": a.kind,
                "owner_country": a.owner_country,
                "expected": a.loss[metric].mean,
                "low": a.loss[metric].low,
                "high": a.loss[metric].high,
                "outage_hours_per_year": a.outage_hours_per_year,
                "marking": str(markings.for_asset(a)),
            }
            for i, a in enumerate(result.asset_ranking(ASSETS_KEPT), start=1)
        ]
        marks = [p.marking for p in product.all_portions] + [
            Marking.parse(a["marking"], product.owner) for a in assets
        ]
        decision = may_write_parts(account.user(), [(m,) for m in marks], what=assessment_id)
        if not decision.allowed:
            self.audit.append(
                self._event(account, "store assessment", assessment_id, Outcome.DENIED, decision.reason)
            )
            raise RespondForbiddenError(
                "forbidden", f"{account.user_id} may not store {assessment_id}: {decision.reason}"
            )
        reach = _widest([reach_of([m]) for m in marks])
        body: dict[str, Any] = {
            "title": product.title.text,
            "title_marking": str(product.title.marking),
            "metric": metric,
            "portions": [{"marking": str(p.marking), "text": p.text} for p in product.portions],
            "summary": {
                "marking": str(product.tearline_summary.marking),
                "text": product.tearline_summary.text,
            }
            if product.tearline_summary
            else None,
            "assets": assets,
        }
        values = {
            "assessment_id": assessment_id,
            "country": account.country,
            "created_by": account.user_id,
            "created_at": self.clock(),
            "title": title,
            "samples": result.baseline.samples,
            "seed": result.baseline.seed,
            "reach": reach_text(reach),
            "level": int(reach.level),
            "noforn": reach.noforn,
            "body": body,
        }
        with self.store.write("store the assessment") as conn:
            self.store.insert_on(conn, "assessments", values)
            self.audit.append_on(
                conn,
                [self._event(account, "store assessment", assessment_id, Outcome.ALLOWED, decision.reason)],
            )
        return self.assessment(account, assessment_id)

    def _readable(self, account: Account, row: Stored) -> bool:
        from cruce.service.respond import _sees

        return _sees(account, row["country"], reach_back(row["reach"], row["level"], row["noforn"]))

    def _require(self, account: Account) -> None:
        from cruce.service.respond import RespondForbiddenError

        if not account.user().roles & READING_ROLES:
            self.audit.append(self._event(account, "read", "assessments", Outcome.DENIED, "no reading role"))
            raise RespondForbiddenError(
                "forbidden", f"{account.user_id} may not read assessments: no reading role"
            )

    def assessments(self, account: Account) -> list[AssessmentView]:
        self._require(account)
        rows = self.store.rows("assessments", country=account.country, order="created_at")
        return [self._view(account, r) for r in rows if self._readable(account, r)]

    def assessment(self, account: Account, assessment_id: str) -> AssessmentView:
        self._require(account)
        try:
            row = self.store.get("assessments", "assessment_id", assessment_id, country=account.country)
        except NotFoundError:
            row = None
        if row is None or not self._readable(account, row):
            raise NotFoundError("assessment_not_found", f"no assessment {assessment_id!r}")
        return self._view(account, row)

    def _view(self, account: Account, row: Stored) -> AssessmentView:
        owner, body = row["country"], row["body"]
        summary = body.get("summary")
        product = Product(
            product_id=row["assessment_id"],
            kind=ProductKind.INTELLIGENCE_REPORT,
            owner=owner,
            title=Portion(body["title"], Marking.parse(body["title_marking"], owner)),
            portions=tuple(Portion(p["text"], Marking.parse(p["marking"], owner)) for p in body["portions"]),
            tearline_summary=Portion(summary["text"], Marking.parse(summary["marking"], owner))
            if summary
            else None,
        )
        home = account.country == owner and not account.countries - {owner}

        def readable(marking: Marking) -> bool:
            if home:
                return marking.classification <= account.clearance
            return marking.releasable(account.country) and reach_of([marking]).admits_all(
                account.countries, account.clearance
            )

        if home:
            parts = [
                p
                for p in (*product.portions, *([product.tearline_summary] if summary else ()))
                if readable(p.marking)
            ]
        else:
            version = tear_line(product, account.country)
            summary_part = [version.summary] if version.summary is not None else []
            parts = [p for p in (*version.portions, *summary_part) if readable(p.marking)]
        assets = tuple(AssetRisk(**a) for a in body["assets"] if readable(Marking.parse(a["marking"], owner)))
        # the title is a portion like the others: a NOFORN title of a product a partner reads in part (or
        # one above the reader's clearance) is not the reader's
        title = row["title"] if readable(product.title.marking) else WITHHELD_TITLE
        total = len(product.portions) + (1 if summary else 0)
        banner = str(roll_up(p.marking for p in parts)) if parts else ""
        return AssessmentView(
            row["assessment_id"],
            owner,
            title,
            row["created_at"],
            row["created_by"],
            row["samples"],
            row["seed"],
            body["metric"],
            banner,
            tuple((str(p.marking), p.text) for p in parts),
            total - len(parts),
            assets,
        )
