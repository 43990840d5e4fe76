"""The asset register and its risk table: which assets a reader may see, with their assessed risk.

Registering assets is a write like any other of the response (`cruce.service.respond`): every asset's
marking (a rule per asset id, kind, owner country, or the default; see `marking_rules`) goes through the one
release decision (`may_write_parts`), a refusal is audited and nothing is written, and the rows commit with
their audit record. Reading is the same read rule as incidents (`_sees` on each row's reach): a partner sees
an asset only where its marking releases it to every country of the reader at the reader's clearance.

The risk of an asset is its expected loss and 90% interval in the newest stored assessment the reader may
read that ranks it, made by the country that registered the asset, as `AssessService` gives it (the
reader's tear line of that assessment: an asset row not released to the reader gives no risk even if the
asset itself is; a partner's assessment of an asset of the same id never stands in for it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cruce.core.clock import Clock, utc_now
from cruce.core.errors import InputError
from cruce.core.markings import Marking
from cruce.service.assess import AssessService
from cruce.service.respond import RespondForbiddenError, _sees
from cruce.sharing.access import READING_ROLES
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.sharing.release import WRITING_ROLES, may_write_parts, reach_of
from cruce.storage.accounts import Account
from cruce.storage.assess import RespondStore, reach_back, reach_text
from cruce.storage.asset_register import registered_assets, replace_assets_on
from cruce.storage.audit import AuditLog

if TYPE_CHECKING:
    from cruce.assess.assets import Asset
    from cruce.assess.graph import Dependency

DEFAULT_MARKING = "U//NOFORN"  # an asset stays home unless its rules release it
SORT_KEYS = ("name", "kind", "owner", "capacity", "dependencies", "expected", "high")


@dataclass(frozen=True, slots=True)
class AssetRiskRow:
    """One asset as the reader may see it, with its risk where an assessment it may read ranks it."""

    asset_id: str
    name: str
    kind: str
    owner_country: str
    registered_by: str  # the country that registered it
    latitude: float
    longitude: float
    capacity: float
    capacity_unit: str
    serves: str
    dependencies: int
    marking: str
    metric: str | None = None
    expected: float | None = None
    low: float | None = None
    high: float | None = None
    assessment_id: str | None = None
    assessed_at: datetime | None = None


def marking_rules(data: Mapping[str, Any] | None) -> dict[str, str]:
    """Marking rules: {"default": …, "kind:<kind>": …, "owner:<XXX>": …, "asset:<id>": …}."""
    rules = {"default": DEFAULT_MARKING}
    for key, value in (data or {}).items():
        k = str(key).strip()
        if k != "default" and not k.startswith(("kind:", "owner:", "asset:")):
            raise InputError(
                "bad_markings", f"markings: {k!r} is not default, kind:<kind>, owner:<country> or asset:<id>"
            )
        rules[k] = str(value)
    return rules


def _marking_for(rules: Mapping[str, str], asset: Asset) -> str:
    for key in (f"asset:{asset.asset_id}", f"kind:{asset.kind}", f"owner:{asset.owner_country}", "default"):
        if key in rules:
            return rules[key]
    return DEFAULT_MARKING


class AssetRegister:
    def __init__(
        self, store: RespondStore, audit: AuditLog, assessments: AssessService, *, clock: Clock = utc_now
    ) -> None:
        self.store = store
        self.audit = audit
        self.assessments = assessments
        self.clock = clock

    def _event(
        self, account: Account, action: str, outcome: Outcome, reason: str, **details: Any
    ) -> AuditEvent:
        return AuditEvent(
            self.clock(), account.user_id, action, "asset_register", outcome, reason, details, account.country
        )

    def _refuse(self, account: Account, action: str, reason: str) -> RespondForbiddenError:
        self.audit.append(self._event(account, action, Outcome.DENIED, reason))
        return RespondForbiddenError("forbidden", f"{account.user_id} may not {action}: {reason}")

    def register(
        self,
        account: Account,
        assets: Sequence[Asset],
        dependencies: Sequence[Dependency] = (),
        markings: Mapping[str, Any] | None = None,
    ) -> int:
        """Record (or replace) this country's rows of `assets`, each marked by the rules; returns how many."""
        if not account.user().roles & WRITING_ROLES:
            raise self._refuse(account, "register assets", "role analyst or releasing_officer is needed")
        if not assets:
            raise InputError("no_assets", "no asset to register")
        rules = marking_rules(markings)
        parsed: dict[str, Marking] = {}
        for key, text in rules.items():
            try:
                parsed[text] = Marking.parse(text, account.country)
            except InputError as exc:
                raise InputError("bad_markings", f"markings.{key}: {exc.message}") from exc
        ids = [a.asset_id for a in assets]
        if len(set(ids)) != len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})[:5]
            raise InputError("duplicate_asset", f"asset id(s) given twice: {', '.join(twice)}")
        inputs: dict[str, int] = {}
        for dep in dependencies:
            inputs[dep.dependent] = inputs.get(dep.dependent, 0) + 1
        marks = {a.asset_id: parsed[_marking_for(rules, a)] for a in assets}
        decision = may_write_parts(
            account.user(), [(m,) for m in set(marks.values())], what="the asset register"
        )
        if not decision.allowed:
            raise self._refuse(account, "register assets", decision.reason)
        now = self.clock()
        rows = []
        for a in assets:
            mark = marks[a.asset_id]
            reach = reach_of([mark])
            rows.append(
                {
                    "country": account.country, "asset_id": a.asset_id, "name": a.name, "kind": str(a.kind),
                    "owner_country": a.owner_country, "latitude": a.latitude, "longitude": a.longitude,
                    "capacity": a.capacity, "capacity_unit": a.capacity_unit, "serves": a.serves,
                    "dependencies": inputs.get(a.asset_id, 0), "marking": str(mark),
                    "reach": reach_text(reach), "level": int(reach.level), "noforn": reach.noforn,
                    "registered_by": account.user_id, "registered_at": now,
                }
            )  # fmt: skip
        by_marking: dict[str, int] = {}
        for mark in marks.values():
            by_marking[str(mark)] = by_marking.get(str(mark), 0) + 1
        with self.store.write("register the assets") as conn:
            replace_assets_on(conn, account.country, rows)
            self.audit.append_on(
                conn,
                [self._event(account, "register assets", Outcome.ALLOWED, decision.reason,
                             count=len(rows), markings=by_marking)],
            )  # fmt: skip
        return len(rows)

    def table(
        self, account: Account, *, sort: str = "expected", descending: bool = True
    ) -> list[AssetRiskRow]:
        """The assets the reader may see, each with its risk from the newest assessment it may read."""
        if sort not in SORT_KEYS:
            raise InputError("bad_sort", f"sort by one of {', '.join(SORT_KEYS)}, not {sort!r}")
        if not account.user().roles & READING_ROLES:
            raise self._refuse(account, "read assets", "no reading role")
        # a row's risk is from an assessment of the country that registered it: asset ids are each
        # country's own, and a partner's assessment ranking an asset of the same id (another asset, or a
        # claim about this one) must not stand in for the registering country's risk
        risk: dict[tuple[str, str], tuple[Any, Any]] = {}
        for view in sorted(self.assessments.assessments(account), key=lambda v: v.created_at):
            for a in view.assets:  # newer assessments overwrite older ones
                risk[view.country, a.asset_id] = (view, a)
        rows = []
        for r in registered_assets(self.store.engine, account.country):
            if not _sees(account, r["country"], reach_back(r["reach"], r["level"], r["noforn"])):
                continue
            view, ranked = risk.get((r["country"], r["asset_id"]), (None, None))
            rows.append(
                AssetRiskRow(
                    r["asset_id"], r["name"], r["kind"], r["owner_country"], r["country"], r["latitude"],
                    r["longitude"], r["capacity"], r["capacity_unit"], r["serves"], r["dependencies"],
                    r["marking"],
                    view.metric if view else None, ranked.expected if ranked else None,
                    ranked.low if ranked else None, ranked.high if ranked else None,
                    view.assessment_id if view else None, view.created_at if view else None,
                )
            )  # fmt: skip
        return _sorted(rows, sort, descending)


def _key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _sorted(rows: list[AssetRiskRow], sort: str, descending: bool) -> list[AssetRiskRow]:
    """Sorted by `sort`; assets without a value (no risk yet) always last, ties by name."""
    column = {"owner": "owner_country"}.get(sort, sort)
    known = [r for r in rows if getattr(r, column) is not None]
    unknown = [r for r in rows if getattr(r, column) is None]
    known.sort(key=lambda r: (r.name.casefold(), r.asset_id))
    known.sort(key=lambda r: _key(getattr(r, column)), reverse=descending)
    unknown.sort(key=lambda r: (r.name.casefold(), r.asset_id))
    return known + unknown
