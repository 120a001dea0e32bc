"""Start-up of a service database: migrations, the scenario version, units, agreements, the plan, users."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from leapplan.errors import ServiceError
from leapplan.scenario import Scenario
from leapplan.service.context import Context, now, record
from leapplan.service.db import Store
from leapplan.service.models import AgreementRow, PlanRow, PlanVersion, ScenarioVersion, Setting, Token, Unit, User
from leapplan.service.plan_tables import plan_files
from leapplan.service.planning import ActivePlan, from_result, plain
from leapplan.service.security import Role, hash_password, role_unit_problem
from leapplan.service.units import UnitTree

log = logging.getLogger(__name__)


def _scenario_version(session: Session, scenario: Scenario) -> int:
    body = scenario.model_dump_json()
    digest = hashlib.sha256(body.encode()).hexdigest()
    active = session.scalars(select(ScenarioVersion).where(ScenarioVersion.active)).first()
    if active is not None and active.name != scenario.name:
        raise ServiceError(
            f"this database monitors scenario {active.name!r}, not {scenario.name!r}: give another --db "
            "or the same --scenario"
        )
    if active is not None and active.digest == digest:
        return active.id
    session.execute(update(ScenarioVersion).values(active=False))
    row = ScenarioVersion(name=scenario.name, digest=digest, body=body, loaded_at=now(), active=True)
    session.add(row)
    session.flush()
    record(session, None, "scenario", f"scenario {scenario.name}", None, {"version": row.id, "digest": digest})
    return row.id


def _units(session: Session, tree: UnitTree) -> None:
    existing = {u.id: u for u in session.scalars(select(Unit))}
    for uid in tree.order:
        values = {
            "name": tree.name[uid],
            "kind": tree.kind[uid],
            "parent": tree.parent[uid],
            "zone": tree.zone.get(uid),
            "products": tree.products.get(uid),
        }
        row = existing.get(uid)
        if row is None:
            session.add(Unit(id=uid, **values))
        else:
            for k, v in values.items():
                setattr(row, k, v)


def _agreements(session: Session, scenario: Scenario) -> None:
    existing = {a.id: a for a in session.scalars(select(AgreementRow))}
    for z in scenario.zones:
        for a in z.agreements:
            values = {
                "zone": z.id,
                "kind": a.kind.value,
                "from_region": a.from_region,
                "to_region": a.to_region,
                "product": a.product,
                "quantity": a.quantity,
                "unit": a.unit,
                "start": a.start,
                "due": a.due,
                "hard": a.hard,
            }
            row = existing.get(a.id)
            if row is None:
                session.add(AgreementRow(id=a.id, **values))
            else:
                for k, v in values.items():
                    setattr(row, k, v)


@dataclass(frozen=True)
class Revision:
    """What a re-planned version says about itself: the version it revises, the last period that had happened,
    the basis (audited | reported), who started it and the account of what changed (plan/revision.py)."""

    revises: int | None
    period: str
    basis: str
    created_by: str
    changes: dict[str, Any]


def add_plan_version(
    session: Session,
    scenario_version: int,
    plan: ActivePlan,
    tables: dict[str, str] | None,
    *,
    active: bool,
    revision: Revision | None = None,
) -> int:
    """Store ``plan`` as a new plan version (its rows, targets, support and ``tables``, the plan's files from
    ``plan_files``, made before the write transaction); with ``active`` it becomes the only active one. Writes the
    audit-log entry; returns its id."""
    if active:
        session.execute(update(PlanVersion).values(active=False))
    support = None
    if plan.support is not None:
        support = [{k: plain(v) for k, v in r.items()} for r in plan.support.to_dict("records")]
    row = PlanVersion(
        scenario_version_id=scenario_version,
        status=plan.status,
        source=plan.source[:1000],
        digest=plan.digest,
        created_at=now(),
        active=active,
        targets=plan.targets,
        support=support,
        tables=tables,
    )
    if revision is not None:
        row.revises, row.period, row.basis = revision.revises, revision.period, revision.basis
        row.created_by, row.changes = revision.created_by, revision.changes
    session.add(row)
    session.flush()
    table = plan.production if plan.production is not None and len(plan.production) else plan.rows
    session.execute(
        insert(PlanRow),
        [
            {
                "plan_id": row.id,
                "period": str(r.period),
                "region": str(r.region),
                "technology": str(getattr(r, "technology", "")),
                "product": str(r.product),
                "quantity": float(r.quantity),
            }
            for r in table.itertuples(index=False)
        ],
    )
    if revision is None:
        record(session, None, "plan", f"plan {row.id}", None, {"status": plan.status, "source": plan.source})
    else:
        after = {
            "status": plan.status,
            "revises": revision.revises,
            "period": revision.period,
            "basis": revision.basis,
            "words": revision.changes.get("words", []),
        }
        record(session, revision.created_by, "plan_version", f"plan {row.id}", None, after)
    return row.id


def tables_of(plan: ActivePlan | None) -> dict[str, str] | None:
    """The plan's files to store with it (None without its PlanResult); made outside the write lock."""
    return plan_files(plan.result) if plan is not None and plan.result is not None else None


def _plan_version(
    session: Session, scenario_version: int, plan: ActivePlan | None, tables: dict[str, str] | None
) -> int | None:
    if plan is None:
        return None
    active = session.scalars(select(PlanVersion).where(PlanVersion.active)).first()
    if active is not None and active.digest == plan.digest and active.scenario_version_id == scenario_version:
        if active.tables is None and tables is not None:  # stored before the plan's tables were kept
            active.tables = tables
        return active.id
    return add_plan_version(session, scenario_version, plan, tables, active=True)


def demo_users(tree: UnitTree, scenario: Scenario) -> list[tuple[str, Role, str | None]]:
    """The demo accounts (password = username) documented in docs/service.md."""
    users: list[tuple[str, Role, str | None]] = [("planner", Role.planner, None)]
    zone = next((z for z in scenario.zones if z.counties), None)
    if zone is None:
        return users
    users.append(("committee", Role.zone_committee, zone.id))
    users.append(("liaison", Role.county_liaison, zone.counties[0]))
    if len(zone.counties) > 1:
        users.append(("liaison2", Role.county_liaison, zone.counties[1]))
    ent = next((u for u in tree.order if tree.kind[u] == "enterprise" and u in tree.subtree(zone.counties[0])), None)
    if ent is not None:
        users.append(("enterprise", Role.enterprise, ent))
    return users


def add_user(
    session: Session,
    tree: UnitTree,
    username: str,
    role: Role,
    unit: str | None,
    password: str | None,
    *,
    actor: str | None = None,
    replace: bool = False,
    demo: bool = False,
) -> None:
    """Create (or with ``replace`` change) a user; raises ServiceError on a bad role/unit/name/password.

    A change keeps the password when ``password`` is None and revokes every token of the user at once."""
    if not username or len(username) > 100 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise ServiceError(f"bad username {username!r}: use 1-100 letters, digits, '.', '_' or '-'")
    if password is not None and len(password) < 6 and not (demo and password == username):
        raise ServiceError("password too short: use at least 6 characters")
    problem = role_unit_problem(role, unit, tree)
    if problem:
        raise ServiceError(problem)
    row = session.get(User, username)
    if row is not None and not replace:
        raise ServiceError(f"user {username!r} exists")
    after = {"username": username, "role": role.value, "unit": unit}
    if row is None:
        if password is None:
            raise ServiceError("a new user needs a password")
        session.add(
            User(
                username=username,
                password_hash=hash_password(password),
                role=role.value,
                unit=unit,
                created_at=now(),
                failed_logins=0,
                locked=False,
            )
        )
        record(session, actor, "user_add", f"user {username}", None, after)
    else:
        before = {"username": username, "role": row.role, "unit": row.unit}
        if password is not None:
            row.password_hash = hash_password(password)
        row.role, row.unit = role.value, unit
        session.execute(delete(Token).where(Token.username == username))
        record(session, actor, "user_reset", f"user {username}", before, after | {"password": password is not None})


def _planned(plan: ActivePlan | None) -> dict[tuple[str, str, str], float]:
    """Planned output per (region, period, product) [product unit]."""
    planned: dict[tuple[str, str, str], float] = {}
    if plan is not None:
        for r in plan.rows.itertuples(index=False):
            key = (str(r.region), str(r.period), str(r.product))
            planned[key] = planned.get(key, 0.0) + float(r.quantity)
    return planned


def _planned_enterprises(scenario: Scenario, plan: ActivePlan | None) -> dict[tuple[str, str, str], float]:
    """Planned output per (enterprise, period, product) [product unit]: the plan's line for the enterprise's region
    and technology, shared among the enterprises of that region and technology by capacity (new plants the plan
    builds have no enterprise yet: their output stays with the region)."""
    prod = plan.production if plan is not None else None
    if prod is None or len(prod) == 0 or "technology" not in prod.columns:
        return {}
    line = prod.groupby(["region", "technology", "period", "product"])["quantity"].sum()
    total: dict[tuple[str, str], float] = {}
    for e in scenario.enterprises:
        total[(e.region, e.technology)] = total.get((e.region, e.technology), 0.0) + e.capacity
    out: dict[tuple[str, str, str], float] = {}
    for (region, tech, period, product), qty in line.items():
        for e in scenario.enterprises:
            if e.region == region and e.technology == tech and total[(region, tech)] > 0:
                key = (e.id, str(period), str(product))
                out[key] = out.get(key, 0.0) + float(qty) * e.capacity / total[(region, tech)]
    return out


def _region_products(tree: UnitTree) -> dict[str, set[str]]:
    """Products the enterprises under each region make (main products and by-products)."""
    out: dict[str, set[str]] = {}
    for e, products in tree.products.items():
        for r in tree.ancestors(e):
            out.setdefault(r, set()).update(products)
    return out


def prepare(store: Store, scenario: Scenario, plan: ActivePlan | None, *, with_demo_users: bool) -> Context:
    """Migrate, then record the scenario, units, agreements and plan; returns the service context."""
    store.migrate()
    tree = UnitTree.from_scenario(scenario)
    tables = tables_of(plan)
    with store.write() as session:
        sv = _scenario_version(session, scenario)
        _units(session, tree)
        _agreements(session, scenario)
        plan_id = _plan_version(session, sv, plan, tables)
        settings = {row.key: row.value for row in session.scalars(select(Setting))}
        if with_demo_users:
            for name, role, unit in demo_users(tree, scenario):
                if session.get(User, name) is None:
                    add_user(session, tree, name, role, unit, name, demo=True)
    return Context(
        store=store,
        scenario=scenario,
        tree=tree,
        plan=plan,
        plan_id=plan_id,
        periods=list(scenario.periods),
        products={p.id: p for p in scenario.products},
        planned=_planned(plan),
        planned_enterprises=_planned_enterprises(scenario, plan),
        zone_roots={z.id: {z.centre, *z.counties} for z in scenario.zones},
        region_products=_region_products(tree),
        scenario_version=sv,
        plan_state="ready" if plan is not None else "none",
        settings=settings,
    )


def stored_plan(ctx: Context) -> ActivePlan | None:
    """The database's active plan when it was made for the scenario version now loaded (saves a re-solve)."""
    with ctx.store.read() as session:
        pv = session.scalars(
            select(PlanVersion).where(PlanVersion.active, PlanVersion.scenario_version_id == ctx.scenario_version)
        ).first()
    if pv is None:
        return None
    ctx.plan_id = pv.id
    return load_version(ctx, pv.id)


def load_version(ctx: Context, plan_id: int) -> ActivePlan:
    """Plan version ``plan_id`` as an ActivePlan (rows, targets, support from the database)."""
    with ctx.store.read() as session:
        pv = session.get(PlanVersion, plan_id)
        if pv is None:
            raise ServiceError(f"no plan version {plan_id}")
        rows = session.execute(
            select(PlanRow.period, PlanRow.region, PlanRow.technology, PlanRow.product, PlanRow.quantity).where(
                PlanRow.plan_id == pv.id
            )
        ).all()
    production = pd.DataFrame(rows, columns=["period", "region", "technology", "product", "quantity"])
    plan = from_result(_Stored(pv.status, production), f"plan {pv.id} in the database ({pv.source})")
    return replace(plan, targets=list(pv.targets or []), support=pd.DataFrame(pv.support) if pv.support else None)


@dataclass(frozen=True)
class _Stored:
    status: str
    production: pd.DataFrame


def install_plan(ctx: Context, plan: ActivePlan, *, stored: bool = False, plan_id: int | None = None) -> None:
    """Make ``plan`` the active plan of a running service (after a solve in the background); with ``stored`` it is
    version ``plan_id`` (default ``ctx.plan_id``) of the database already."""
    if stored:
        plan_id = plan_id if plan_id is not None else ctx.plan_id
    else:
        tables = tables_of(plan)
        with ctx.store.write() as session:
            plan_id = _plan_version(session, ctx.scenario_version, plan, tables)
    ctx.planned = _planned(plan)
    ctx.planned_enterprises = _planned_enterprises(ctx.scenario, plan)
    ctx.plan, ctx.plan_id = plan, plan_id
    if ctx.auditor is not None:
        ctx.auditor.set_plan(plan.production, plan.support)
    ctx.plan_state = "ready"


def recorded_scenario(store: Store, fallback: str | None) -> Scenario:
    """The scenario the database monitors; a fresh database is first set up with ``fallback`` (no plan)."""
    from leapplan.scenario import load

    store.migrate()
    with store.read() as session:
        row = session.scalars(select(ScenarioVersion).where(ScenarioVersion.active)).first()
    if row is not None:
        if fallback is not None and load(fallback).name != row.name:
            raise ServiceError(f"this database monitors scenario {row.name!r}, not {fallback!r}")
        return Scenario.model_validate_json(row.body)
    s = load(fallback)
    prepare(store, s, None, with_demo_users=False)
    return s
