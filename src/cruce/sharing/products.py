"""Products made of marked portions, and each partner's tear-line version of them.

"Writing to the tear line": an analyst writes a product whose paragraphs (portions) each carry their own
marking, plus a summary written to be releasable (the text below the tear line). A partner receives only
the portions released to it, the releasable summary if it is released to it, and a banner recomputed from
what it receives; nothing else of the product, not even its full banner, leaves the owner.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from cruce.core.errors import InputError
from cruce.core.markings import Marking, MarkingError, is_country_trigraph, roll_up


class ProductKind(enum.StrEnum):
    INTELLIGENCE_REPORT = "intelligence-report"
    ALERT = "alert"
    WATCHLIST_NOMINATION = "watchlist-nomination"
    CASE_SUMMARY = "case-summary"


@dataclass(frozen=True, slots=True)
class Portion:
    """One paragraph and its marking."""

    text: str
    marking: Marking

    def __str__(self) -> str:
        return f"{self.marking.portion} {self.text}"


@dataclass(frozen=True, slots=True)
class Product:
    """A marked product: a title, portions, and the author's summary written for the tear line."""

    product_id: str
    kind: ProductKind
    owner: str
    title: Portion
    portions: tuple[Portion, ...]
    tearline_summary: Portion | None = None
    author: str = ""
    # Groups whose members have a need to know; empty means clearance and nationality decide alone.
    need_to_know: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not is_country_trigraph(self.owner):
            raise MarkingError(f"product owner {self.owner!r} is not an ISO 3166 country trigraph")
        foreign = sorted({portion.marking.owner for portion in self.all_portions} - {self.owner})
        if foreign:
            raise MarkingError(
                f"every portion of a {self.owner} product must be marked by {self.owner}, "
                f"not {', '.join(foreign)}"
            )
        if not self.portions and self.tearline_summary is None:
            raise InputError("empty_product", "a product needs at least one portion or a tear-line summary")

    @property
    def all_portions(self) -> tuple[Portion, ...]:
        summary = (self.tearline_summary,) if self.tearline_summary is not None else ()
        return (self.title, *self.portions, *summary)

    @property
    def banner(self) -> Marking:
        """The whole product's banner: it rolls up every portion, summary included."""
        return roll_up(portion.marking for portion in self.all_portions)


@dataclass(frozen=True, slots=True)
class TearLineVersion:
    """What one partner receives of a product."""

    product_id: str
    kind: ProductKind
    partner: str
    title: Portion | None
    portions: tuple[Portion, ...]
    summary: Portion | None
    banner: Marking | None  # None when nothing at all is releasable to the partner
    withheld: int = field(
        default=0
    )  # how many portions (title and summary included) the partner does not get

    @property
    def is_empty(self) -> bool:
        return self.banner is None

    @property
    def all_portions(self) -> tuple[Portion, ...]:
        head = (self.title,) if self.title is not None else ()
        tail = (self.summary,) if self.summary is not None else ()
        return (*head, *self.portions, *tail)

    def render(self) -> str:
        """Plain text with the banner at top and bottom, as a partner's analyst would print it."""
        if self.banner is None:
            return f"[nothing in product {self.product_id} is releasable to {self.partner}]"
        banner = str(self.banner)
        body = [str(portion) for portion in self.all_portions]
        return "\n\n".join([banner, *body, banner])


def tear_line(product: Product, partner: str) -> TearLineVersion:
    """The partner's version: only portions releasable to it, banner recomputed from those alone."""
    partner = partner.strip().upper()
    if not is_country_trigraph(partner):
        raise MarkingError(f"partner {partner!r} is not an ISO 3166 country trigraph")

    def released(portion: Portion | None) -> Portion | None:
        return portion if portion is not None and portion.marking.releasable(partner) else None

    title = released(product.title)
    portions = tuple(portion for portion in product.portions if portion.marking.releasable(partner))
    summary = released(product.tearline_summary)
    given: list[Portion] = [p for p in (title, *portions, summary) if p is not None]
    banner = roll_up(portion.marking for portion in given) if given else None
    return TearLineVersion(
        product.product_id,
        product.kind,
        partner,
        title,
        portions,
        summary,
        banner,
        withheld=len(product.all_portions) - len(given),
    )


def tear_lines(product: Product, partners: Sequence[str]) -> dict[str, TearLineVersion]:
    """Every partner's version of one product."""
    return {partner: tear_line(product, partner) for partner in partners}
