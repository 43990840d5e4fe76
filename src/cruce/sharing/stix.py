"""Products as STIX 2.1 bundles, with every portion's marking carried as a granular marking, and back.

A product becomes one `report`: the title is its `name`, the releasable summary its `description`, and the
portions the list property `x_cruce_portions`, each item marked through a granular marking selector
(`x_cruce_portions.[2]`); the product's metadata is marked with its banner. Each distinct marking is a
`marking-definition` carrying the ACS 3.0 extension (valid under its JSON schema) and its banner string as
the definition's `name`; a TLP 2.0 marking rides along as the coarse sharing signal other tools understand.
IDs are derived from the product, and a definition's from its content, so exporting the same product twice
gives the same objects, which is what lets partner nodes sync without duplicates.

Import reads markings by content (`cruce.sharing.definitions`) and applies *every* marking to what it covers:
a portion's marking is the roll-up of the object-level markings and of every granular marking on it or on a
parent selector. A bundle is refused whole, with the object at fault named, when a marking is unknown or
cannot be read, when a portion has no marking, or when a definition's name and content disagree. Nothing is
half-imported because nothing is stored here: the caller stores what `import_bundle` returns.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import stix2
from stix2.exceptions import STIXError
from stix2.markings import get_markings

from cruce.core.errors import InputError
from cruce.core.markings import ALL, Classification, Marking, MarkingError, envelope, roll_up
from cruce.sharing.definitions import (
    ACS_EXTENSION,
    NAMESPACE,
    TLP2_EXTENSION,
    TLP2_IDS,
    DefinitionError,
    content_id,
    read_definition,
)
from cruce.sharing.products import Portion, Product, ProductKind, TearLineVersion

__all__ = ["ACS_EXTENSION", "NAMESPACE", "TLP2_EXTENSION", "TLP2_IDS", "StixImportError"]

TLP2_CREATED = "2022-10-01T00:00:00.000Z"
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


def _org(country: str) -> str:
    """The ACS organisation form (`CTY.ORG`) of a cruce node of `country`."""
    return f"{country}.CRUCE"


def acs_extension(marking: Marking) -> dict[str, Any]:
    """The ACS 3.0 extension of one cruce marking, valid under the extension's JSON schema.

    NOFORN is `formal_determination` NF, FOUO is FOUO there, LES is a `sensitivity`; who may read is one
    `access_privilege` permit for the releasable nationalities; ORCON (which ACS has no token for) is a
    `further_sharing` rule permitting only the originator's organisation.
    """
    nationalities = sorted(marking.releasable_to) if ALL not in marking.releasable_to else ["ALL"]
    control_set: dict[str, Any] = {"classification": marking.classification.abbreviation}
    determinations = [name for name, on in (("NF", marking.noforn), ("FOUO", marking.fouo)) if on]
    if determinations:
        control_set["formal_determination"] = determinations
    if marking.les:
        control_set["sensitivity"] = ["LES"]
    extension: dict[str, Any] = {
        "extension_type": "property-extension",
        "identifier": f"isa:guide.19001.ACS3-{uuid.uuid5(NAMESPACE, marking.owner + '|' + str(marking))}",
        "create_date_time": TLP2_CREATED,
        "responsible_entity_originator": _org(marking.owner),
        "responsible_entity_custodian": _org(marking.owner),
        "policy_reference": "urn:isa:policy:acs:ns:v3.0?privdefault=deny&sharedefault=deny",
        "authority_reference": ["urn:isa:authority:misa"],
        "control_set": control_set,
        "access_privilege": [
            {
                "privilege_action": "ALL",
                "privilege_scope": {
                    "permitted_nationalities": nationalities,
                    "permitted_organizations": ["ALL"],
                    "shareability": ["ALL"],
                    "entity": ["ALL"],
                },
                "rule_effect": "permit",
            }
        ],
    }
    if marking.orcon:
        extension["further_sharing"] = [{"sharing_scope": [_org(marking.owner)], "rule_effect": "permit"}]
    return extension


def marking_definition(marking: Marking) -> stix2.MarkingDefinition:
    """The ACS 3.0 marking-definition of one cruce marking; its id is derived from its content."""
    content: dict[str, Any] = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "created": TLP2_CREATED,
        "name": str(marking),
        "extensions": {ACS_EXTENSION: acs_extension(marking)},
    }
    return stix2.MarkingDefinition(id=content_id(content), allow_custom=True, **{
        k: v for k, v in content.items() if k not in ("type", "spec_version")
    })  # fmt: skip


_METADATA = ("x_cruce_product_id", "x_cruce_author", "x_cruce_need_to_know")


def export_product(
    product: Product | TearLineVersion, owner: str | None = None, *, created: dt.datetime | None = None
) -> stix2.Bundle:
    """A product (or one partner's tear-line version of it) as a STIX 2.1 bundle.

    Every portion carries its own marking as a granular marking, and so does the product's metadata (id,
    author, need to know: marked with the banner). Object-level markings apply to *every* property, so the
    report carries there only its TLP label and the *envelope* of its portions (`markings.envelope`: the
    lowest level, the union of their releasability): the banner there would make every portion as
    restrictive as the most restrictive one, while the envelope keeps the whole report from any reader to
    whom no part of it is released.
    """
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

    metadata: dict[str, Any] = {"x_cruce_product_id": product.product_id}
    if isinstance(product, Product) and product.author:
        metadata["x_cruce_author"] = product.author
    if isinstance(product, Product) and product.need_to_know:
        metadata["x_cruce_need_to_know"] = sorted(product.need_to_know)
    granular = [{"marking_ref": ref(title.marking), "selectors": ["name"]}]
    granular += [
        {"marking_ref": ref(p.marking), "selectors": [f"{PORTIONS}.[{i}]"]} for i, p in enumerate(portions)
    ]
    if summary is not None:
        granular.append({"marking_ref": ref(summary.marking), "selectors": ["description"]})
    granular.append({"marking_ref": ref(banner), "selectors": sorted(metadata)})  # + x_cruce_partner
    identity = stix2.Identity(
        id=_stix_id("identity", "org", owner_code),
        name=owner_code,
        identity_class="organization",
        created=TLP2_CREATED,
        modified=TLP2_CREATED,
    )
    tlp = tlp_for(banner)
    # The envelope at object level: a reader to whom no part is released never receives the object at all,
    # while every part keeps its own marking (the envelope is dominated by each of them).
    parts = [title, *portions, *([summary] if summary is not None else [])]
    object_markings = [ref(envelope(p.marking for p in parts)), TLP2_IDS[tlp]]
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
        object_marking_refs=object_markings,
        granular_markings=granular,
        allow_custom=True,
        **({PORTIONS: [p.text for p in portions]} if portions else {}),
        **metadata,
    )
    objects: list[Any] = [identity, *definitions.values(), _tlp_definition(tlp), report]
    return stix2.Bundle(
        objects=objects, id=_stix_id("bundle", product.product_id, when.isoformat()), allow_custom=True
    )


def org_identity_id(country: str) -> str:
    """The id of a country's organisation identity: derived from the country code, on every node alike."""
    return _stix_id("identity", "org", country)


def extension_definition(  # noqa: PLR0917 - one STIX object's fields
    ext_id: str, sender: str, name: str, description: str, schema: str, created: str, extension_type: str
) -> dict[str, Any]:
    """One of cruce's extension-definitions (unmarked: a schema is public), created by `sender`'s
    organisation; hit notices, membership statuses and respond steps each declare theirs with it."""
    return {
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": ext_id,
        "created_by_ref": org_identity_id(sender),
        "created": created,
        "modified": created,
        "name": name,
        "description": description,
        "schema": schema,
        "version": "1.0",
        "extension_types": [extension_type],
    }


def identity_country(identity_id: str) -> str | None:
    """The country of a cruce organisation identity (its id is derived from the country code), or None."""
    return _identity_countries().get(identity_id)


@cache
def _identity_countries() -> dict[str, str]:
    import pycountry

    codes = (str(country.alpha_3) for country in pycountry.countries)
    return {org_identity_id(code): code for code in codes}


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
    """Each definition's cruce marking by content (`cruce.sharing.definitions`); labels map to None."""
    out: dict[str, Marking | None] = {}
    for marking_id, definition in definitions.items():
        data = json.loads(definition.serialize()) if hasattr(definition, "serialize") else dict(definition)
        try:
            out[marking_id] = read_definition(data).marking
        except DefinitionError as exc:
            raise StixImportError(exc.message) from exc
    return out


def _product(report: Any, markings: Mapping[str, Marking | None]) -> Product:
    """A product from a report: each portion's marking is the roll-up of every marking applying to it.

    That is the object-level markings plus every granular marking whose selector is the portion's or one of
    its parents' (`x_cruce_portions` covers `x_cruce_portions.[0]`), read with stix2's inherited markings.
    """
    report_id = str(report.id)
    for ref in [
        *report.get("object_marking_refs", []),
        *(g.marking_ref for g in report.get("granular_markings", [])),
    ]:
        _known(markings, str(ref), report_id)

    def marked(selector: str) -> Marking:
        try:
            refs = get_markings(report, selector, inherited=True)
        except STIXError as exc:
            raise StixImportError(f"cannot read the markings of {selector}: {exc}", report_id) from exc
        object_level = {str(r) for r in report.get("object_marking_refs", [])}
        granular = [markings[str(r)] for r in refs if str(r) not in object_level]
        whole = [markings[str(r)] for r in refs if str(r) in object_level]
        own = [m for m in granular if m is not None]
        found = own + [m for m in whole if m is not None]
        if own and all(any(g.dominates(m) for g in own) for m in whole if m is not None):
            found = own  # an object-level envelope adds nothing to a part that is marked more strictly
        if not found:
            raise StixImportError(f"{selector} needs at least one ACS marking, found none", report_id)
        if len(set(found)) == 1:
            return found[0]  # one marking is its own roll-up (roll_up would rewrite `S` as `S//NOFORN`)
        try:
            return roll_up(found)
        except MarkingError as exc:
            raise StixImportError(f"{selector}: {exc.message}", report_id) from exc

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
