"""Tables and queries of assessments, incidents and humanitarian operations (migration 0013).

Every row names the country whose users created it (`country`); whatever else may read it is its *reach*,
computed from the content's markings once, at write time (`cruce.sharing.release.reach_of`), and stored as
`reach` (",USA,MEX," or ",*," for everyone) with its level and NOFORN flag. Reads prefilter in SQL on the
reader's country and the service decides with the same `Reach` (one rule), so another country's user
finds nothing it was not released: "missing" and "not yours" look the same.

Migrants' personal data sits in `person_records` alone, minimised (no field for more than a rescue, a
hand-over or a case needs) and deleted when its retention ends (`delete_people`, audited by the caller
in the same transaction).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from cruce.core.errors import NotFoundError
from cruce.sharing.release import Reach
from cruce.storage.errors import reading, writing
from cruce.storage.tables import Base

EVERYONE = "*"


class AssessmentRow(Base):
    """A stored assessment run: its ranking lines (each marked) and the product its tear lines come from."""

    __tablename__ = "assessments"

    assessment_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    country: Mapped[str] = mapped_column(String(3), index=True)
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title: Mapped[str] = mapped_column(Text)
    samples: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    reach: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    noforn: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"portions": [{"text", "marking"}], "assets": [...]}


class IncidentRow(Base):
    __tablename__ = "incidents"

    incident_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    country: Mapped[str] = mapped_column(String(3), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # open | closed
    opened_by: Mapped[str] = mapped_column(String(255))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    marking: Mapped[str] = mapped_column(String(200))
    reach: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    noforn: Mapped[bool] = mapped_column(Boolean)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)  # area, struck assets, duration


class IncidentEntryRow(Base):
    """One line of an incident's shared timeline: a note, a situation report (portions with markings) or a
    step of an assistance request; each with its own reach."""

    __tablename__ = "incident_entries"

    entry_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("incidents.incident_id", ondelete="CASCADE"), index=True
    )
    country: Mapped[str] = mapped_column(String(3))
    kind: Mapped[str] = mapped_column(String(24))  # note | sitrep | assistance
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[str] = mapped_column(String(255))
    reach: Mapped[str] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    noforn: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class AssistanceRow(Base):
    """A request for assistance between partners: asked → offered → accepted → delivered."""

    __tablename__ = "assistance"

    request_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.incident_id", ondelete="CASCADE"))
    from_country: Mapped[str] = mapped_column(String(3))  # who asks
    to_country: Mapped[str] = mapped_column(String(3))  # who is asked
    what: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"state", "at", "by"}]
    # {"what_marking", "portions": [{"text", "marking"}], "origin"} (migration respond_sync); None: before it
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class RescueRow(Base):
    __tablename__ = "rescues"

    rescue_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    country: Mapped[str] = mapped_column(String(3), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    sector: Mapped[str] = mapped_column(String(80))
    cause: Mapped[str] = mapped_column(String(24))
    people: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(255))


class PersonRecordRow(Base):
    """Minimised personal data of a migrant, for its purposes only, deleted when its retention ends."""

    __tablename__ = "person_records"

    person_ref: Mapped[str] = mapped_column(String(80), primary_key=True)
    country: Mapped[str] = mapped_column(String(3), index=True)
    purposes: Mapped[list[str]] = mapped_column(JSON)
    collected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    given_name: Mapped[str] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    nationality: Mapped[str | None] = mapped_column(String(3), nullable=True)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    case_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    legal_hold: Mapped[bool] = mapped_column(Boolean)
    rescue_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    transfer_id: Mapped[str | None] = mapped_column(String(80), nullable=True)


class RepatriationRow(Base):
    __tablename__ = "repatriations"

    transfer_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    from_country: Mapped[str] = mapped_column(String(3), index=True)
    to_country: Mapped[str] = mapped_column(String(3), index=True)
    port: Mapped[str] = mapped_column(String(200))
    handover_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    people: Mapped[int] = mapped_column(Integer)
    screening: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # [{"person_ref", "alert", "reasons"}]
    created_by: Mapped[str] = mapped_column(String(255))
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


TABLES = {
    row.__tablename__: Base.metadata.tables[row.__tablename__]
    for row in (
        AssessmentRow,
        IncidentRow,
        IncidentEntryRow,
        AssistanceRow,
        RescueRow,
        PersonRecordRow,
        RepatriationRow,
    )
}


def reach_text(reach: Reach) -> str:
    """ ",USA,MEX," — a LIKE-able list of the countries a row reaches (",*," for everyone)."""
    countries = sorted(reach.countries)
    return "," + ",".join(countries) + ","


def reach_back(text: str, level: int, noforn: bool) -> Reach:
    from cruce.core.markings import ALL, Classification

    countries = frozenset(c if c != EVERYONE else ALL for c in text.strip(",").split(",") if c)
    return Reach(countries, Classification(level), noforn)


def visible_to(table: Any, country: str) -> Any:
    """SQL prefilter: rows of `country`, or whose reach names it or everyone (the service then decides)."""
    return or_(
        table.c.country == country,
        table.c.reach.like(f"%,{country},%"),
        table.c.reach.like("%,*,%"),
    )


@dataclass(frozen=True, slots=True)
class Stored:
    """A row as a plain mapping of its columns (timestamps in UTC)."""

    values: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]


def _row(row: Any) -> Stored:
    values = dict(row._mapping)
    for key, value in values.items():
        if isinstance(value, datetime) and value.tzinfo is None:
            values[key] = value.replace(tzinfo=UTC)  # SQLite gives back naive UTC
    return Stored(values)


class RespondStore:
    """The rows of assessments, incidents, sitreps, assistance, rescues, people and repatriations."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def write(self, what: str) -> Iterator[Connection]:
        """One transaction for a change and its audit records (`AuditLog.append_on(conn, ...)`)."""
        with writing(self.engine, what) as conn:
            yield conn

    def insert_on(self, conn: Connection, table: str, values: dict[str, Any]) -> None:
        conn.execute(insert(TABLES[table]).values(**values))

    def update_on(  # noqa: PLR0917 - the row, the state it must still hold, the change
        self,
        conn: Connection,
        table: str,
        key: str,
        key_value: str,
        expect: dict[str, Any],
        values: dict[str, Any],
    ) -> bool:
        """Conditional update: only when the row still holds `expect` (two writers cannot both win)."""
        t = TABLES[table]
        stmt = update(t).where(t.c[key] == key_value)
        for column, value in expect.items():
            stmt = stmt.where(t.c[column] == value)
        return bool(conn.execute(stmt.values(**values)).rowcount)

    def get(self, table: str, key: str, key_value: str, *, country: str | None = None) -> Stored:
        row = self.find(table, key, key_value, country=country)
        if row is None:
            raise NotFoundError("not_found", f"no {table[:-1]} {key_value!r}")
        return row

    def find(self, table: str, key: str, key_value: str, *, country: str | None = None) -> Stored | None:
        """The row, or None: for callers that answer a missing row with their own error (or none)."""
        t = TABLES[table]
        stmt = select(t).where(t.c[key] == key_value)
        if country is not None and "reach" in t.c:
            stmt = stmt.where(visible_to(t, country))
        with reading(self.engine, table) as conn:
            row = conn.execute(stmt).first()
        return None if row is None else _row(row)

    def rows(
        self,
        table: str,
        *,
        country: str | None = None,
        where: dict[str, Any] | None = None,
        order: str | None = None,
        either: Sequence[str] = (),
    ) -> list[Stored]:
        """Rows visible to `country` (by reach, or naming it in one of the `either` columns)."""
        t = TABLES[table]
        stmt = select(t)
        if country is not None:
            if either:
                stmt = stmt.where(or_(*(t.c[c] == country for c in either)))
            else:
                stmt = stmt.where(visible_to(t, country))
        for column, value in (where or {}).items():
            stmt = stmt.where(t.c[column] == value)
        if order:
            stmt = stmt.order_by(t.c[order])
        with reading(self.engine, table) as conn:
            return [_row(r) for r in conn.execute(stmt)]

    def any_expired_people(self, collected_before: datetime) -> bool:
        """Whether any record could be past retention (a read: a pass with nothing to do takes no lock)."""
        t = TABLES["person_records"]
        stmt = select(t.c.person_ref).where(t.c.collected_at <= collected_before, t.c.legal_hold.is_(False))
        with reading(self.engine, "person_records") as conn:
            return conn.execute(stmt.limit(1)).first() is not None

    def expired_people_on(self, conn: Connection, collected_before: datetime) -> list[Stored]:
        """Inside the caller's write transaction: personal records of every country collected before
        `collected_before` and under no legal hold (the candidates a retention run decides on)."""
        t = TABLES["person_records"]
        stmt = (
            select(t)
            .where(t.c.collected_at <= collected_before, t.c.legal_hold.is_(False))
            .order_by(t.c.country, t.c.person_ref)
        )
        return [_row(r) for r in conn.execute(stmt)]

    def delete_people_on(self, conn: Connection, refs: Sequence[str]) -> int:
        if not refs:
            return 0
        t = TABLES["person_records"]
        return int(conn.execute(delete(t).where(t.c.person_ref.in_(list(refs)))).rowcount)
