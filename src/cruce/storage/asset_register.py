"""The asset register (migration 0014): the infrastructure a country recorded, each asset with its marking.

A row is one asset as one country recorded it (`country`, the registering country; the asset's owner is
`owner_country`), with the number of inputs it depends on, and its *reach* computed from its marking when
written, as the other response tables do (`cruce.storage.assess`): the SQL prefilter is `visible_to`, the
decision the service's. Registering a set of assets replaces that country's rows of the same asset ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    DateTime,
    Engine,
    Float,
    Integer,
    String,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from cruce.storage.assess import Stored, _row, visible_to
from cruce.storage.errors import reading
from cruce.storage.tables import Base


class AssetRegisterRow(Base):
    __tablename__ = "asset_register"

    country: Mapped[str] = mapped_column(String(3), primary_key=True)
    asset_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    owner_country: Mapped[str] = mapped_column(String(3))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    capacity: Mapped[float] = mapped_column(Float)
    capacity_unit: Mapped[str] = mapped_column(String(40))
    serves: Mapped[str] = mapped_column(Text)
    dependencies: Mapped[int] = mapped_column(Integer)  # inputs this asset depends on
    marking: Mapped[str] = mapped_column(String(200))
    reach: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    noforn: Mapped[bool] = mapped_column(Boolean)
    registered_by: Mapped[str] = mapped_column(String(255))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


ASSETS = Base.metadata.tables[AssetRegisterRow.__tablename__]


def replace_assets_on(conn: Connection, country: str, rows: Sequence[dict[str, Any]]) -> int:
    """Inside the caller's write transaction: `country`'s rows of these asset ids replaced by `rows`."""
    ids = [r["asset_id"] for r in rows]
    for start in range(0, len(ids), 500):
        conn.execute(
            delete(ASSETS).where(ASSETS.c.country == country, ASSETS.c.asset_id.in_(ids[start : start + 500]))
        )
    for start in range(0, len(rows), 500):
        conn.execute(insert(ASSETS), list(rows[start : start + 500]))
    return len(rows)


def registered_assets(engine: Engine, country: str) -> list[Stored]:
    """Rows `country`'s readers might see (its own, or reaching it): the service decides on each."""
    stmt = select(ASSETS).where(visible_to(ASSETS, country)).order_by(ASSETS.c.name, ASSETS.c.asset_id)
    with reading(engine, "asset_register") as conn:
        return [_row(r) for r in conn.execute(stmt)]
