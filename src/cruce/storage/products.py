"""The products aggregate: each marked product kept whole (its STIX bundle), written and read in one place.

The API, the console and `cruce share publish` store products here; the API pages them here. Who may read a
product is decided from its markings by `cruce.sharing.access`, never by this store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, insert, select

from cruce.core.clock import as_utc
from cruce.storage.errors import reading, writing
from cruce.storage.tables import ShareProductRow


@dataclass(frozen=True, slots=True)
class ProductEntry:
    product_id: str
    owner: str
    bundle: str
    published_at: datetime
    published_by: str


class ProductStore:
    """Stored full products of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, product_id: str, owner: str, bundle: str, by: str, at: datetime) -> None:
        """Keep the full product (its STIX bundle), replacing an older one; the same bundle is a no-op."""
        with writing(self.engine, f"store product {product_id}") as conn:
            save_product_on(conn, product_id, owner, bundle, by, at)

    def get(self, product_id: str) -> tuple[str, datetime] | None:
        """The stored full-product bundle and when it was published, or None."""
        with reading(self.engine, "the products") as conn:
            row = conn.execute(
                select(ShareProductRow).where(ShareProductRow.product_id == product_id)
            ).first()
        return (row.bundle, as_utc(row.published_at)) if row is not None else None

    def page(self, *, after: str | None, limit: int) -> tuple[list[ProductEntry], bool]:
        """Stored full products by id (keyset on the id), and whether more follow."""
        p = ShareProductRow
        query = select(p)
        if after is not None:
            query = query.where(p.product_id > after)
        with reading(self.engine, "the products") as conn:
            rows = conn.execute(query.order_by(p.product_id).limit(limit + 1)).all()
        found = [
            ProductEntry(r.product_id, r.owner, r.bundle, as_utc(r.published_at), r.published_by)
            for r in rows[:limit]
        ]
        return found, len(rows) > limit


def save_product_on(  # noqa: PLR0917
    conn: Connection, product_id: str, owner: str, bundle: str, by: str, at: datetime
) -> None:
    """`ProductStore.save` in the caller's write transaction (a publish stores it with its objects)."""
    row = conn.execute(select(ShareProductRow).where(ShareProductRow.product_id == product_id)).first()
    if row is not None and row.bundle == bundle:
        return
    if row is not None:
        conn.execute(delete(ShareProductRow).where(ShareProductRow.product_id == product_id))
    conn.execute(
        insert(ShareProductRow).values(
            product_id=product_id, owner=owner, bundle=bundle, published_at=at, published_by=by
        )
    )
