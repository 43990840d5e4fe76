"""Marked products for signed-in users: written by the owner country's analysts, read whole or as tear lines.

Two decisions guard a write, both audited: `may_create` (the product's author) and `may_write`, the one
release decision every door calls: content that reaches beyond the writer's country (a REL TO partner, or
unclassified text nobody controls) needs a releasing officer. A reader gets the whole product (its owner
country) or its own tear-line version (a partner); a product the caller may not read is missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel

from cruce.core.clock import Clock
from cruce.core.errors import InputError, NotFoundError
from cruce.core.markings import Marking, is_country_trigraph
from cruce.service.paging import Page, check_limit, decode_cursor, page_of
from cruce.service.policy import ConflictError, Gate, check_text
from cruce.sharing.access import Action, Decision, Role, User, may_create, may_read
from cruce.sharing.audit import Outcome
from cruce.sharing.products import Portion, Product, ProductKind, TearLineVersion, tear_line
from cruce.sharing.release import may_write_parts
from cruce.sharing.stix import export_product, import_bundle
from cruce.storage.products import ProductStore


class PortionView(BaseModel):
    text: str
    marking: str
    portion_mark: str

    @classmethod
    def of(cls, p: Portion | None) -> PortionView | None:
        if p is None:
            return None
        return cls(text=p.text, marking=str(p.marking), portion_mark=p.marking.portion)


class ProductView(BaseModel):
    """A product as one reader may read it: `full`, or a partner's `tear-line` version."""

    product_id: str
    kind: str
    owner: str | None
    view: Literal["full", "tear-line"]
    partner: str | None
    banner: str | None
    title: PortionView | None
    portions: list[PortionView | None]
    tearline_summary: PortionView | None
    withheld: int
    author: str | None

    @classmethod
    def of(cls, content: Product | TearLineVersion) -> ProductView:
        if isinstance(content, Product):
            return cls(
                product_id=content.product_id, kind=content.kind.value, owner=content.owner, view="full",
                partner=None, banner=str(content.banner), title=PortionView.of(content.title),
                portions=[PortionView.of(x) for x in content.portions],
                tearline_summary=PortionView.of(content.tearline_summary), withheld=0, author=content.author,
            )  # fmt: skip
        return cls(
            product_id=content.product_id, kind=content.kind.value, owner=None, view="tear-line",
            partner=content.partner, banner=str(content.banner) if content.banner else None,
            title=PortionView.of(content.title), portions=[PortionView.of(x) for x in content.portions],
            tearline_summary=PortionView.of(content.summary), withheld=content.withheld, author=None,
        )  # fmt: skip


class ProductSummary(BaseModel):
    product_id: str
    kind: str
    owner: str | None
    view: Literal["full", "tear-line"]
    banner: str | None
    title: PortionView | None


class ProductWithTearLines(BaseModel):
    """The product as the caller reads it, and (for a reader of the whole) each partner's tear line."""

    product: ProductView
    tear_lines: dict[str, ProductView]


class DraftPreview(BaseModel):
    """A product being written: its banner, each partner's tear line, and why it could not be saved."""

    banner: str
    tear_lines: dict[str, ProductView]
    refusal: str | None


class Products:
    """Write and read marked products; every decision audited."""

    def __init__(self, store: ProductStore, gate: Gate, clock: Clock) -> None:
        self.store = store
        self.gate = gate
        self.clock = clock

    def create(self, user: User, fields: Mapping[str, Any]) -> ProductView:
        """Store a marked product written by an analyst of the owner country, cleared to its banner."""
        check_text(fields)
        product = parse_product(fields, user.user_id)
        resource = f"product:{product.product_id}"
        decision = may_create(user, product)
        if decision.allowed:
            decision = may_write_parts(  # each portion on its own: a tear line serves it alone
                user, [(p.marking,) for p in product.all_portions], author=product.author,
                what=f"product {product.product_id}",
            )  # fmt: skip
        self.gate.decided(user, decision, resource, public=write_refusal(user, product, decision))
        if self.store.get(product.product_id) is not None:
            raise ConflictError("product_exists", f"product {product.product_id} exists already")
        at = self.clock()
        bundle = export_product(product, created=at).serialize()
        self.store.save(product.product_id, product.owner, bundle, user.user_id, at)
        return ProductView.of(product)

    def _readable(self, user: User, product_id: str) -> tuple[Product, Product | TearLineVersion]:
        """The product and what the caller may read of it; a product the caller may not read is missing."""
        resource = f"product:{product_id}"
        self.gate.allow(user, "products_list", resource)  # the same 403 whether or not it exists
        missing = NotFoundError("product_not_found", f"no product {product_id!r}")
        stored = self.store.get(product_id)
        if stored is None:
            self.gate.record(user, "read", resource, Outcome.DENIED, "no such product")
            raise missing
        product = _first_product(stored[0], product_id)
        decision = may_read(user, product)
        self.gate.decided(user, decision, resource, missing=missing)
        assert decision.version is not None
        return product, decision.version

    def product(self, user: User, product_id: str) -> ProductView:
        """The whole product for the owner country, the caller's tear-line version for a partner."""
        _product, version = self._readable(user, product_id)
        return ProductView.of(version)

    def page(self, user: User, cursor: str | None, limit: int) -> Page[ProductSummary]:
        """Products the caller may read, each as they may read it, `limit` of them per page.

        Unreadable products are skipped while the page is built (the store is read in batches until the
        page is full), so `next` is the id of the last product on the page: never one the caller cannot see.
        """
        self.gate.allow(user, "products_list", "products")
        after = decode_cursor(cursor, str)
        wanted = check_limit(limit)
        items: list[ProductSummary] = []
        more = False
        scan = after
        while not more:
            found, rest = self.store.page(after=scan, limit=max(wanted, 100))
            for entry in found:
                decision = may_read(user, _first_product(entry.bundle, entry.product_id))
                if not decision.allowed or decision.version is None:
                    continue
                if len(items) == wanted:
                    more = True
                    break
                view = ProductView.of(decision.version)
                items.append(
                    ProductSummary(
                        product_id=view.product_id, kind=view.kind, owner=view.owner, view=view.view,
                        banner=view.banner, title=view.title,
                    )
                )  # fmt: skip
            if not rest or not found:
                break
            scan = found[-1].product_id
        self.gate.record(user, "read", "products", details={"count": len(items)})
        return page_of(items, more, items[-1].product_id if items else None)

    def with_tear_lines(self, user: User, product_id: str, partners: Sequence[str]) -> ProductWithTearLines:
        """`product`, plus each partner's tear line when the caller reads the whole product (the console).

        Whoever may read the whole product may see any part of it, so the partners' versions reveal
        nothing more; a partner reader gets only their own version, exactly as `product` gives it.
        """
        product, version = self._readable(user, product_id)
        versions: dict[str, ProductView] = {}
        if isinstance(version, Product):
            versions = {p: ProductView.of(tear_line(product, p)) for p in partners if p != product.owner}
        return ProductWithTearLines(product=ProductView.of(version), tear_lines=versions)

    def draft(self, user: User, fields: Mapping[str, Any], partners: Sequence[str]) -> DraftPreview:
        """The banner and partners' tear lines of a product being written (the editor's live preview).

        Built exactly as `create` builds it, so the preview and the stored product cannot differ. Nothing
        is stored or read, so an allowed preview is not audited (it runs on every keystroke).
        """
        self.gate.allow(user, "products_draft", "products/draft")
        check_text(fields)
        product = parse_product(fields, user.user_id)
        decision = may_create(user, product)
        if decision.allowed:
            decision = may_write_parts(
                user, [(p.marking,) for p in product.all_portions], author=product.author
            )
        return DraftPreview(
            banner=str(product.banner),
            tear_lines={p: ProductView.of(tear_line(product, p)) for p in partners if p != product.owner},
            refusal=None if decision.allowed else write_refusal(user, product, decision),
        )


def write_refusal(user: User, product: Product, decision: Decision) -> str:
    """What a writer refused by `may_create`/`may_write` is told: what to change, never a level named.

    The decision's own reason (with levels and countries) goes to the audit log.
    """
    own = user.organisation.country
    if decision.allowed:
        return ""
    if Role.ANALYST not in user.roles:
        return "role analyst is needed to write a product"
    if product.owner != own or user.foreign_countries(own):
        return f"products are written by their owner country's analysts ({own} for you), no dual nationals"
    if user.clearance < product.banner.classification:
        return "your clearance is below the product's banner"
    if decision.action is Action.RELEASE and Role.RELEASING_OFFICER not in user.roles:
        return (
            f"content readable beyond {own} (a REL TO partner, or unclassified text) needs a releasing "
            f"officer; mark every portion for {own} alone (e.g. //NOFORN) or ask a releasing officer"
        )
    return "this account may not write this content as marked"


def _portion(value: Any, what: str, owner: str) -> Portion:
    """One portion of a product written by `owner`: its REL TO lists start with that country."""
    if not isinstance(value, Mapping):
        raise InputError("bad_portion", f"{what} must be an object with text and marking")
    text = str(value.get("text") or "").strip()
    if not text:
        raise InputError("bad_portion", f"{what} needs some text")
    return Portion(text, Marking.parse(str(value.get("marking") or ""), owner=owner))


def parse_product(fields: Mapping[str, Any], author: str) -> Product:
    """A product from the API's fields (product_id, kind, owner, title, portions, tearline_summary)."""
    product_id = str(fields["product_id"]).strip()
    if not product_id or len(product_id) > 200 or "\x00" in product_id:
        raise InputError("bad_product_id", "a product id is 1 to 200 characters")
    summary = fields.get("tearline_summary")
    try:
        kind = ProductKind(fields.get("kind") or ProductKind.INTELLIGENCE_REPORT)
    except ValueError as exc:
        raise InputError("bad_kind", f"kind is one of {', '.join(k.value for k in ProductKind)}") from exc
    owner = str(fields["owner"]).strip().upper()
    if not is_country_trigraph(owner):
        raise InputError("bad_owner", f"owner {owner!r} is not an ISO 3166 country trigraph")
    return Product(
        product_id,
        kind,
        owner,
        _portion(fields.get("title"), "title", owner),
        tuple(_portion(p, f"portion {i}", owner) for i, p in enumerate(fields.get("portions") or (), 1)),
        _portion(summary, "tearline_summary", owner) if summary is not None else None,
        author=author,
    )


def _first_product(bundle: str, product_id: str) -> Product:
    products = [p for p in import_bundle(bundle) if p.product_id == product_id] or import_bundle(bundle)
    if not products:  # pragma: no cover - cruce stored it from a product
        raise NotFoundError("product_not_found", f"product {product_id} cannot be read back")
    return products[0]
