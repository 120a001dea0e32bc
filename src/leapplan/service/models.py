"""The service's tables (SQLAlchemy 2 declarative). The schema itself is made by the Alembic migrations.

Quantities are in the product's unit (``produced``, ``inputs``), persons (``labour``) and the agreement's unit
(``quantity``). Times are stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    select,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = 100  # longest unit / product / client id


class Base(DeclarativeBase):
    """Declarative base of every service table."""


class ScenarioVersion(Base):
    __tablename__ = "scenario_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanVersion(Base):
    __tablename__ = "plan_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scenario_version_id: Mapped[int] = mapped_column(ForeignKey("scenario_versions.id"))
    status: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(1000))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    targets: Mapped[Any] = mapped_column(JSON, nullable=True)  # the plan's targets table as records
    support: Mapped[Any] = mapped_column(JSON, nullable=True)  # its technicians rows (for the audit's gain)
    revises: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the version a re-plan revises
    period: Mapped[str | None] = mapped_column(String(16), nullable=True)  # a re-plan's last period that happened
    basis: Mapped[str | None] = mapped_column(String(16), nullable=True)  # audited | reported (re-plans)
    created_by: Mapped[str | None] = mapped_column(String(ID), nullable=True)  # who started the re-plan
    changes: Mapped[Any] = mapped_column(JSON, nullable=True)  # the account of what changed (plan/revision.py)
    tables: Mapped[Any] = mapped_column(JSON, nullable=True)  # the plan writer's files {name: text}


class PlanRow(Base):
    __tablename__ = "plan_rows"
    __table_args__ = (Index("ix_plan_rows_plan", "plan_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id"))
    period: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(ID))
    technology: Mapped[str] = mapped_column(String(ID))  # '' when the plan came without technologies
    product: Mapped[str] = mapped_column(String(ID))
    quantity: Mapped[float] = mapped_column(Float)


class Unit(Base):
    __tablename__ = "units"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    zone: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    products: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class User(Base):
    __tablename__ = "users"
    username: Mapped[str] = mapped_column(String(ID), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    failed_logins: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )  # in a row, since the last success
    last_failed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # until a planner unlocks


class Token(Base):
    __tablename__ = "tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("users.username"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


MERGED = "merged"
"""Status of a report folded into another one by migration 0002 (one report per unit, period and product)."""


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        Index(
            "ux_reports_key",
            "unit",
            "period",
            "product",
            unique=True,
            sqlite_where=text(f"status <> '{MERGED}'"),
            postgresql_where=text(f"status <> '{MERGED}'"),
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(ID), unique=True)
    unit: Mapped[str] = mapped_column(ForeignKey("units.id"))
    period: Mapped[str] = mapped_column(String(16))
    product: Mapped[str] = mapped_column(String(ID))
    status: Mapped[str] = mapped_column(String(16))
    latest_version: Mapped[int] = mapped_column(Integer)
    audited_version: Mapped[int] = mapped_column(Integer, default=0)  # latest version the audit has checked
    return_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(ID))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReportVersion(Base):
    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("report_id", "version", name="uq_report_versions_report_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    version: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[str | None] = mapped_column(String(ID), unique=True, nullable=True)
    digest: Mapped[str] = mapped_column(String(64))
    produced: Mapped[float] = mapped_column(Float)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    labour: Mapped[float] = mapped_column(Float)
    remark: Mapped[str] = mapped_column(Text)
    in_service: Mapped[float | None] = mapped_column(Float, nullable=True)  # capacity standing at the end [/yr]
    submitted_by: Mapped[str] = mapped_column(String(ID))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Flag(Base):
    __tablename__ = "flags"
    __table_args__ = (Index("ix_flags_report", "report_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    version: Mapped[int] = mapped_column(Integer)
    check: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)


class AgreementRow(Base):
    __tablename__ = "agreements"
    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    zone: Mapped[str] = mapped_column(String(ID))
    kind: Mapped[str] = mapped_column(String(20))
    from_region: Mapped[str] = mapped_column(String(ID))
    to_region: Mapped[str] = mapped_column(String(ID))
    product: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(40))
    start: Mapped[dt.date] = mapped_column(Date)
    due: Mapped[dt.date] = mapped_column(Date)
    hard: Mapped[bool] = mapped_column(Boolean)


class Delivery(Base):
    """One version of a delivery: a correction adds a row with the next version and a reason, and the row it
    replaces stops being ``current`` (quantity 0 withdraws a delivery). ``origin_id`` is the first version's id."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_agreement", "agreement_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"))
    quantity: Mapped[float] = mapped_column(Float)
    date: Mapped[dt.date] = mapped_column(Date)
    client_id: Mapped[str | None] = mapped_column(String(ID), unique=True, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(ID))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    origin_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    current: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditEntry(Base):
    """One entry of the append-only log; ``hash`` = SHA-256 of ``prev_hash`` and the entry (see chain.py)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(300))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Setting(Base):
    """A setting of the running service that planners change (e.g. the current period), as JSON."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(ID), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


TABLES_IN_ORDER: tuple[str, ...] = (
    "scenario_versions",
    "plan_versions",
    "plan_rows",
    "units",
    "users",
    "tokens",
    "reports",
    "report_versions",
    "flags",
    "agreements",
    "deliveries",
    "audit_log",
    "settings",
)
"""Tables in foreign-key order (parents first): backup writes and restore inserts in this order."""


NOT_COUNTED = ("returned", MERGED)
"""Report statuses the audit and a re-plan leave out: returned to their unit, or folded into another report."""


def latest_counted(*columns: Any) -> Select[Any]:
    """select(report id, unit, period, product, *columns) over the latest version of every report still counted
    (status not in NOT_COUNTED); ``columns`` are ReportVersion's."""
    latest = and_(ReportVersion.report_id == Report.id, ReportVersion.version == Report.latest_version)
    return (
        select(Report.id, Report.unit, Report.period, Report.product, *columns)
        .join(ReportVersion, latest)
        .where(Report.status.not_in(NOT_COUNTED))
    )
