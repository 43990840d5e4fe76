"""An assessment as a marked product, so each partner receives its tear-line version.

The markings come from the user (a YAML `markings:` block or a dict), never from the code: a title, a
summary written for the tear line, the scenario ranking, and one portion per top asset, whose marking may
depend on the asset's owner country and kind (a US substation's weakness may be NOFORN while a port's
closure risk is REL TO USA, MEX, CAN).

    markings:
      owner: USA
      title: U
      summary: U//FOUO
      scenarios: S//REL TO USA, CAN, MEX
      mitigations: S//REL TO USA, MEX
      assets:
        default: S//REL TO USA, CAN, MEX
        kind:power_substation: S//NOFORN
        owner:MEX: S//REL TO USA, MEX
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cruce.assess.montecarlo import METRIC_LABELS
from cruce.assess.results import Assessment, RankedAsset
from cruce.core.errors import InputError
from cruce.core.markings import Marking
from cruce.sharing.products import Portion, Product, ProductKind

TOP_ASSETS_SHARED = 10


@dataclass(frozen=True, slots=True)
class AssessmentMarkings:
    owner: str = "USA"
    title: str = "U"
    summary: str = "U//FOUO"
    scenarios: str = "S//REL TO USA, CAN, MEX"
    mitigations: str = "S//REL TO USA, CAN, MEX"
    assets: dict[str, str] = field(default_factory=lambda: {"default": "S//REL TO USA, CAN, MEX"})

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> AssessmentMarkings:
        if not data:
            return cls()
        known = {"owner", "title", "summary", "scenarios", "mitigations", "assets"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError("bad_markings", f"markings: unknown key(s) {', '.join(unknown)}")
        values = {k: v for k, v in data.items() if k != "assets"}
        assets = data.get("assets") or {}
        if not isinstance(assets, dict):
            raise InputError("bad_markings", "markings.assets: a mapping such as {default: 'S//NOFORN'}")
        markings = cls(
            **{k: str(v) for k, v in values.items()}, assets={str(k): str(v) for k, v in assets.items()}
        )
        markings.parse_all()  # refuse a bad marking now, naming it, not when the product is built
        return markings

    def parse(self, text: str, where: str) -> Marking:
        try:
            return Marking.parse(text, self.owner)
        except InputError as exc:
            raise InputError("bad_markings", f"markings.{where}: {exc.message}") from exc

    def parse_all(self) -> None:
        for name in ("title", "summary", "scenarios", "mitigations"):
            self.parse(getattr(self, name), name)
        for key, text in self.assets.items():
            self.parse(text, f"assets.{key}")

    def for_asset(self, asset: RankedAsset) -> Marking:
        """Most specific rule first: asset id, then kind, then owner country, then the default."""
        for key in (
            f"asset:{asset.asset_id}",
            f"kind:{asset.kind}",
            f"owner:{asset.owner_country}",
            "default",
        ):
            if key in self.assets:
                return self.parse(self.assets[key], f"assets.{key}")
        return self.parse(self.scenarios, "scenarios")


def assessment_product(
    assessment: Assessment,
    markings: AssessmentMarkings,
    *,
    product_id: str,
    title: str = "Joint infrastructure risk assessment",
    author: str = "",
) -> Product:
    """The product: title, one portion per ranking line, and the summary below the tear line."""
    m = assessment.metric
    label = METRIC_LABELS[m]
    total = assessment.total()
    run = assessment.baseline
    portions = [
        Portion(
            f"Scenario '{s.name}' ({s.category}): expected {label} {s.loss[m].mean:,.0f} "
            f"(90% interval {s.loss[m].low:,.0f} – {s.loss[m].high:,.0f}).",
            markings.parse(markings.scenarios, "scenarios"),
        )
        for s in assessment.scenario_ranking()
    ]
    for rank, asset in enumerate(assessment.asset_ranking(TOP_ASSETS_SHARED), start=1):
        est = asset.loss[m]
        portions.append(
            Portion(
                f"Critical asset #{rank}: {asset.name} ({asset.kind}, {asset.owner_country}); "
                f"its failure causes an expected {label} {est.mean:,.0f} "
                f"(90% {est.low:,.0f} – {est.high:,.0f}); "
                f"out {asset.outage_hours_per_year:,.1f} h/yr on average.",
                markings.for_asset(asset),
            )
        )
    for mitigation in assessment.mitigations():
        per = mitigation.avoided_per_usd
        portions.append(
            Portion(
                f"Mitigation '{mitigation.name}' (USD {mitigation.cost_usd:,.0f}) avoids {per.mean:.3f} of "
                f"{label} per USD per year (90% {per.low:.3f} – {per.high:.3f}).",
                markings.parse(markings.mitigations, "mitigations"),
            )
        )
    summary = Portion(
        f"Across {len(assessment.scenarios)} threat scenarios and {len(assessment.graph)} shared assets, the "
        f"expected {label} is {total.mean:,.0f} (90% interval {total.low:,.0f} – {total.high:,.0f}), from "
        f"{run.samples:,} simulated years with cascades over dependencies.",
        markings.parse(markings.summary, "summary"),
    )
    return Product(
        product_id=product_id,
        kind=ProductKind.INTELLIGENCE_REPORT,
        owner=markings.owner,
        title=Portion(title, markings.parse(markings.title, "title")),
        portions=tuple(portions),
        tearline_summary=summary,
        author=author,
    )
