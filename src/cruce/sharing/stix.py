"""Products as STIX 2.1 bundles, with every portion's marking carried as a granular marking, and back.

A product becomes one `report`: the title is its `name`, the releasable summary its `description`, and the
portions the list property `x_cruce_portions`, each item marked through a granular marking selector
(`x_cruce_portions.[2]`). The banner is the report's object marking. Each distinct marking is a
`marking-definition` carrying the ACS 3.0 extension (classification in `control_set`, releasability as
permitted nationalities) and its banner string as the definition's `name`; a TLP 2.0 marking rides along
as the coarse sharing signal other tools understand. IDs are derived from the product and marking, so
exporting the same product twice gives the same objects, which is what lets partner nodes sync without
duplicates.

Import is strict: a bundle is refused whole, with the object at fault named, when a marking is unknown or
invalid, when a portion has no marking or two, or when the ACS fields disagree with the banner string.
Nothing is half-imported because nothing is stored here: the caller stores what `import_bundle` returns.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import stix2
from stix2.exceptions import STIXError

from cruce.core.errors import InputError
from cruce.core.markings import ALL, Classification, Marking, MarkingError
from cruce.sharing.products import Portion, Product, ProductKind, TearLineVersion

ACS_EXTENSION = "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce"
TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"
TLP2_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_TLP_BY_ID = {marking_id: level for level, marking_id in TLP2_IDS.items()}
NAMESPACE = uuid.UUID("6b1f8f5e-2f0c-4d8e-9c37-8a1d2e4b5c60")  # cruce's namespace for derived STIX ids
PORTIONS = "x_cruce_portions"
WITHHELD_TITLE = "(title not releasable)"
REPORT_TYPES = {
    ProductKind.INTELLIGENCE_REPORT: "threat-report",
    ProductKind.ALERT: "indicator",
    ProductKind.WATCHLIST_NOMINATION: "threat-actor",
    ProductKind.CASE_SUMMARY: "campaign",
}


class StixImportError(InputError):
    """A bundle cruce will not take, with the object at fault."""

    def __init__(self, message: str, object_id: str | None = None) -> None:
        where = f"{object_id}: " if object_id else ""
        super().__init__("bad_stix", where + message, {"object": object_id} if object_id else None)


def _stix_id(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join(parts))}"


def tlp_for(marking: Marking) -> str:
    """The TLP 2.0 level closest to a marking, for tools that only read TLP."""
    if marking.noforn or marking.orcon:
        return "red"
    if marking.classification > Classification.UNCLASSIFIED:
        return "amber+strict" if marking.rel_to else "red"
    return "green" if (marking.fouo or marking.les) else "clear"


def _tlp_definition(level: str) -> stix2.MarkingDefinition:
    return stix2.MarkingDefinition(
        id=TLP2_IDS[level],
        created=TLP2_CREATED,
        name=f"TLP:{level.upper()}",
        extensions={TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
        allow_custom=True,
    )


def marking_definition(marking: Marking) -> stix2.MarkingDefinition:
    """The ACS 3.0 marking-definition of one cruce marking (same marking, same id)."""
    nationalities = sorted(marking.releasable_to) if ALL not in marking.releasable_to else ["ALL"]
    control_set: dict[str, Any] = {"classification": marking.classification.abbreviation}
    if marking.fouo:
        control_set["formal_determination"] = ["FOUO"]
    caveats = [
        name
        for name, on in (("ORCON", marking.orcon), ("NOFORN", marking.noforn), ("LES", marking.les))
        if on
    ]
    if caveats:
        control_set["caveat"] = caveats
    extension = {
        "extension_type": "property-extension",
        "identifier": f"isa:guide.19001.ACS3-{uuid.uuid5(NAMESPACE, marking.owner + '|' + str(marking))}",
        "create_date_time": TLP2_CREATED,
        "responsible_entity_originator": marking.owner,
        "responsible_entity_custodian": marking.owner,
        "policy_reference": "urn:isa:policy:acs:ns:v3.0?privdefault=deny&sharedefault=deny",
        "authority_reference": ["urn:isa:authority:misa"],
        "control_set": control_set,
        "access_privilege": [
            {
                "privilege_action": "CISAUSES",
                "privilege_scope": {
                    "permitted_nationalities": nationalities,
                    "permitted_organizations": ["ALL"],
                    "shareability": ["ALL"],
                    "entity": ["ALL"],
                },
                "rule_effect": "permit",
            }
        ],
        "further_sharing": [
            {"sharing_scope": [marking.owner] if marking.orcon else nationalities, "rule_effect": "permit"}
        ],
    }
    return stix2.MarkingDefinition(
        id=_stix_id("marking-definition", marking.owner, str(marking)),
        created=TLP2_CREATED,
        name=str(marking),
        extensions={ACS_EXTENSION: extension},
        allow_custom=True,
    )


def export_product(
    product: Product | TearLineVersion, owner: str | None = None, *, created: dt.datetime | None = None
) -> stix2.Bundle:
    """A product (or one partner's tear-line version of it) as a STIX 2.1 bundle."""
    if isinstance(product, TearLineVersion):
        banner = product.banner
        if banner is None or (not product.portions and product.summary is None):
            raise InputError(
                "nothing_releasable",
                f"nothing of {product.product_id} but at most its title is releasable to "
                f"{product.partner}; nothing to export",
            )
        portions, summary = product.portions, product.summary
        owner_code = banner.owner
        # STIX needs a name; a withheld title is replaced by a generated, unclassified one, never by its text.
        title = product.title or Portion(WITHHELD_TITLE, Marking.of(Classification.UNCLASSIFIED, owner_code))
    else:
        title, portions, summary, banner = (
            product.title,
            product.portions,
            product.tearline_summary,
            product.banner,
        )
        owner_code = owner or product.owner
    when = (created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    definitions: dict[str, stix2.MarkingDefinition] = {}

    def ref(marking: Marking) -> str:
        definition = marking_definition(marking)
        definitions[definition.id] = definition
        return str(definition.id)

    granular = [{"marking_ref": ref(title.marking), "selectors": ["name"]}]
    granular += [
        {"marking_ref": ref(p.marking), "selectors": [f"{PORTIONS}.[{i}]"]} for i, p in enumerate(portions)
    ]
    if summary is not None:
        granular.append({"marking_ref": ref(summary.marking), "selectors": ["description"]})
    identity = stix2.Identity(
        id=_stix_id("identity", "org", owner_code),
        name=owner_code,
        identity_class="organization",
        created=TLP2_CREATED,
        modified=TLP2_CREATED,
    )
    tlp = tlp_for(banner)
    report = stix2.Report(
        id=_stix_id("report", product.product_id),
        created=when,
        modified=when,
        published=when,
        name=title.text,
        description=summary.text if summary is not None else None,
        report_types=[REPORT_TYPES[product.kind]],
        labels=[f"cruce:{product.kind.value}"],
        created_by_ref=identity.id,
        object_refs=[identity.id],
        object_marking_refs=[ref(banner), TLP2_IDS[tlp]],
        granular_markings=granular,
        allow_custom=True,
        **({PORTIONS: [p.text for p in portions]} if portions else {}),
        **{
            "x_cruce_product_id": product.product_id,
            "x_cruce_author": product.author if isinstance(product, Product) else "",
            **(
                {"x_cruce_need_to_know": sorted(product.need_to_know)}
                if isinstance(product, Product) and product.need_to_know
                else {}
            ),
        },
    )
    objects: list[Any] = [identity, *definitions.values(), _tlp_definition(tlp), report]
    return stix2.Bundle(
        objects=objects, id=_stix_id("bundle", product.product_id, when.isoformat()), allow_custom=True
    )


def import_bundle(bundle: str | Mapping[str, Any]) -> list[Product]:
    """The products in a bundle; the whole bundle is refused if any marking cannot be trusted."""
    try:
        data = json.loads(bundle) if isinstance(bundle, str) else dict(bundle)
    except json.JSONDecodeError as exc:
        raise StixImportError(f"the bundle is not JSON: {exc.msg} at line {exc.lineno}") from exc
    if data.get("type") != "bundle" or not isinstance(data.get("objects"), list):
        raise StixImportError("expected a STIX bundle with an `objects` list")
    try:
        parsed = stix2.parse(data, allow_custom=True)
    except STIXError as exc:
        raise StixImportError(f"not valid STIX 2.1: {exc}") from exc
    objects = list(parsed.objects)
    markings = read_markings({str(o.id): o for o in objects if o.type == "marking-definition"})
    return [_product(report, markings) for report in objects if report.type == "report"]


def read_markings(definitions: Mapping[str, Any]) -> dict[str, Marking | None]:
    """Each ACS definition as a cruce marking; TLP definitions map to None (a label, not a releasability)."""
    out: dict[str, Marking | None] = {}
    for marking_id, definition in definitions.items():
        if marking_id in _TLP_BY_ID:
            out[marking_id] = None
            continue
        extensions = definition.get("extensions") or {}
        acs = extensions.get(ACS_EXTENSION)
        if acs is None:
            raise StixImportError(
                "marking definition is neither ACS 3.0 nor TLP 2.0; cruce cannot tell who "
                "may read what it marks",
                marking_id,
            )
        owner = str(acs.get("responsible_entity_originator", ""))
        try:
            marking = Marking.parse(str(definition.get("name", "")), owner=owner)
        except MarkingError as exc:
            raise StixImportError(f"invalid marking: {exc.message}", marking_id) from exc
        _check_acs(marking, acs, marking_id)
        out[marking_id] = marking
    return out


def _check_acs(marking: Marking, acs: Mapping[str, Any], marking_id: str) -> None:
    control_set = acs.get("control_set") or {}
    if control_set.get("classification") != marking.classification.abbreviation:
        raise StixImportError(
            f"ACS classification {control_set.get('classification')!r} disagrees with the "
            f"banner {str(marking)!r}",
            marking_id,
        )
    privileges = acs.get("access_privilege") or []
    nationalities: set[str] = set()
    for privilege in privileges:
        if privilege.get("rule_effect") == "permit":
            nationalities |= set(privilege.get("privilege_scope", {}).get("permitted_nationalities", []))
    expected = {"ALL"} if ALL in marking.releasable_to else set(marking.releasable_to)
    if nationalities != expected:
        raise StixImportError(
            f"ACS permitted nationalities {sorted(nationalities)} disagree with the banner {str(marking)!r}",
            marking_id,
        )


def _product(report: Any, markings: Mapping[str, Marking | None]) -> Product:
    report_id = str(report.id)
    granular: dict[str, list[Marking]] = {}
    for entry in report.get("granular_markings", []):
        marking = _known(markings, str(entry.marking_ref), report_id)
        for selector in entry.selectors:
            if marking is not None:
                granular.setdefault(str(selector), []).append(marking)

    def marked(selector: str) -> Marking:
        found = granular.get(selector, [])
        if len(found) != 1:
            raise StixImportError(f"{selector} needs exactly one ACS marking, found {len(found)}", report_id)
        return found[0]

    for ref in report.get("object_marking_refs", []):
        _known(markings, str(ref), report_id)
    kind = _kind(report, report_id)
    texts: Sequence[str] = report.get(PORTIONS) or []
    title = Portion(str(report.name), marked("name"))
    portions = tuple(Portion(str(text), marked(f"{PORTIONS}.[{i}]")) for i, text in enumerate(texts))
    summary = Portion(str(report.description), marked("description")) if report.get("description") else None
    try:
        return Product(
            str(report.get("x_cruce_product_id") or report_id),
            kind,
            title.marking.owner,
            title,
            portions,
            summary,
            author=str(report.get("x_cruce_author") or ""),
            need_to_know=frozenset(str(group) for group in report.get("x_cruce_need_to_know") or ()),
        )
    except InputError as exc:  # a marking owned by someone else, or a product with no content
        raise StixImportError(exc.message, report_id) from exc


def _known(markings: Mapping[str, Marking | None], ref: str, report_id: str) -> Marking | None:
    if ref not in markings:
        raise StixImportError(f"marking {ref} is referenced but not defined in the bundle", report_id)
    return markings[ref]


def _kind(report: Any, report_id: str) -> ProductKind:
    for label in report.get("labels", []):
        if str(label).startswith("cruce:"):
            try:
                return ProductKind(str(label).removeprefix("cruce:"))
            except ValueError:
                break
    raise StixImportError("the report has no cruce product kind label", report_id)


def bundle_json(bundles: Iterable[stix2.Bundle]) -> list[str]:
    """Serialised bundles, for files and the wire."""
    return [bundle.serialize() for bundle in bundles]
