"""The dashboard's first screen and its completeness view, for the units a user reads.

* overview: the plan's state (with the planner's progress while it solves) and its targets met or cut; fulfilment
  of the current period by unit, one row per child of the unit looked at, in output value at base-year prices
  [yuan] so that the rows share one scale; completeness; late agreements; open audit flags.
* completeness: the share of units that have reported for a period. The units expected to report are the
  enterprises (every plant reports its output each period); a region's completeness is the share of the
  enterprises under it with at least one report for the period (returned ones count: they did report).
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, func, select

from leapplan.service.calendar import current_period, default_as_of
from leapplan.service.context import ApiError, Context
from leapplan.service.models import MERGED, Flag, Report
from leapplan.service.reports import visible_units
from leapplan.service.rollup import agreement_rows, flag_record, rollup
from leapplan.service.security import Principal, Role

LISTED = 10  # late agreements and open flags listed on the overview


def home_unit(ctx: Context, user: Principal) -> str:
    """The unit a user's overview starts at: the root region for planners, else the user's own unit."""
    if user.role is Role.planner or user.unit is None:
        roots = [u for u in ctx.tree.order if ctx.tree.kind[u] not in ("zone", "network", "enterprise")]
        return next(u for u in roots if ctx.tree.parent[u] is None)
    return user.unit


def _children(ctx: Context, unit: str) -> list[str]:
    tree = ctx.tree
    if tree.kind[unit] == "zone":
        return sorted(ctx.zone_roots[unit], key=tree.order.index)
    return list(tree.children.get(unit, []))


def plan_view(ctx: Context) -> dict[str, Any]:
    """The plan's state, status, targets and, while it solves, the planner's stage and the time spent [s]."""
    out: dict[str, Any] = {"state": ctx.plan_state, "status": None, "source": None, "targets": [], "progress": None}
    if ctx.plan is not None:
        out |= {"status": ctx.plan.status, "source": ctx.plan.source, "targets": ctx.plan.targets}
    if ctx.plan_state == "solving":
        elapsed = time.monotonic() - ctx.plan_started if ctx.plan_started else 0.0
        out["progress"] = (ctx.plan_progress or {}) | {"elapsed": round(elapsed, 1)}
    return out


def _value_rows(ctx: Context, user: Principal, unit: str, period: str) -> list[dict[str, Any]]:
    """Planned, reported and audited output value [yuan at base-year prices] of ``unit``'s children."""
    price = {p: float(x.price) for p, x in ctx.products.items()}
    kids = _children(ctx, unit) or [unit]
    scope = user.reads(ctx.tree)
    kids = [k for k in kids if scope is None or k in scope]
    wanted = set(kids)
    # a unit the active plan gives nothing to make still has a plan: zero, not "no plan"
    planned_here = ctx.plan is not None
    sums: dict[str, dict[str, Any]] = {
        k: {
            "planned": 0.0,
            "reported": 0.0,
            "audited": 0.0,
            "audited_any": False,
            "pending": 0,
            "has_plan": planned_here and ctx.tree.kind[k] != "network",
        }
        for k in kids
    }
    for r in rollup(ctx, user, period=period, unit=None, product=None, group="region"):
        if r["unit"] not in wanted:
            continue
        s = sums[r["unit"]]
        p = price.get(r["product"], 0.0)
        if r["planned"] is not None:
            s["planned"] += r["planned"] * p
            s["has_plan"] = True
        s["reported"] += r["reported"] * p
        if r["audited"] is not None:
            s["audited"] += r["audited"] * p
            s["audited_any"] = True
        s["pending"] += r["pending"]
    out = []
    for k in kids:
        s = sums[k]
        planned = s["planned"] if s["has_plan"] else None
        audited = s["audited"] if s["audited_any"] else None
        share = audited / planned if planned and audited is not None else None
        out.append(
            {
                "unit": k,
                "name": ctx.tree.name[k],
                "kind": ctx.tree.kind[k],
                "has_children": bool(_children(ctx, k)),
                "planned": planned,
                "reported": s["reported"],
                "audited": audited,
                "pending": s["pending"],
                "fulfilment": share,
            }
        )
    return out


def _reporters(ctx: Context, period: str) -> set[str]:
    """Enterprises with at least one report for ``period``."""
    with ctx.store.read() as session:
        rows = session.execute(
            select(Report.unit).where(and_(Report.period == period, Report.status != MERGED)).distinct()
        )
        return {u for (u,) in rows if ctx.tree.kind.get(u) == "enterprise"}


def completeness(
    ctx: Context,
    user: Principal,
    *,
    unit: str | None,
    period: str | None,
    find: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Who has reported for ``period`` under ``unit``: totals, per child unit, and the missing enterprises (paged,
    filtered by ``find`` in their name or id)."""
    period = period or current_period(ctx)
    if period not in ctx.periods:
        raise ApiError(422, f"period {period!r} is outside the plan; periods are {ctx.periods[0]} … {ctx.periods[-1]}")
    root = unit or home_unit(ctx, user)
    scope = visible_units(ctx, user, root)
    tree = ctx.tree
    done = _reporters(ctx, period)

    def tally(u: str) -> dict[str, Any]:
        ents = [e for e in tree.subtree(u) if tree.kind[e] == "enterprise" and (scope is None or e in scope)]
        got = sum(1 for e in ents if e in done)
        return {"expected": len(ents), "reported": got, "share": got / len(ents) if ents else None}

    missing = [
        e
        for e in tree.order
        if tree.kind[e] == "enterprise" and e in tree.subtree(root) and (scope is None or e in scope) and e not in done
    ]
    if find:
        needle = find.lower()
        missing = [e for e in missing if needle in e.lower() or needle in tree.name[e].lower()]
    children = [
        {"unit": c, "name": tree.name[c], "kind": tree.kind[c]} | tally(c)
        for c in _children(ctx, root)
        if tree.kind[c] != "enterprise" and (scope is None or c in scope)
    ]
    return {
        "unit": root,
        "name": tree.name[root],
        "period": period,
        **tally(root),
        "children": children,
        "missing_total": len(missing),
        "missing": [
            {"unit": e, "name": tree.name[e], "region": tree.parent[e], "products": tree.products.get(e, [])[:1]}
            for e in missing[offset : offset + limit]
        ],
    }


def _open_flags(ctx: Context, scope: set[str] | None) -> dict[str, Any]:
    """Flags on the latest versions of reports still awaiting a planner (submitted)."""
    base = (
        select(Flag.severity, func.count())
        .join(Report, and_(Report.id == Flag.report_id, Report.latest_version == Flag.version))
        .where(Report.status == "submitted")
    )
    listed = (
        select(Flag, Report)
        .join(Report, and_(Report.id == Flag.report_id, Report.latest_version == Flag.version))
        .where(Report.status == "submitted")
        .order_by(Flag.id.desc())
        .limit(LISTED)
    )
    if scope is not None:
        base = base.where(Report.unit.in_(sorted(scope)))
        listed = listed.where(Report.unit.in_(sorted(scope)))
    with ctx.store.read() as session:
        counts = dict(session.execute(base.group_by(Flag.severity)).all())
        items = [flag_record(f, r) for f, r in session.execute(listed)]
    return {"errors": int(counts.get("error", 0)), "warnings": int(counts.get("warning", 0)), "list": items}


def overview(ctx: Context, user: Principal, *, unit: str | None, period: str | None) -> dict[str, Any]:
    """GET /api/overview (see the module docstring)."""
    period = period or current_period(ctx)
    if period not in ctx.periods:
        raise ApiError(422, f"period {period!r} is outside the plan; periods are {ctx.periods[0]} … {ctx.periods[-1]}")
    root = unit or home_unit(ctx, user)
    visible_units(ctx, user, root)  # 422 unknown / 403 out of reach
    scope = user.reads(ctx.tree)
    agreements = agreement_rows(ctx, user, None)
    by_status: dict[str, int] = defaultdict(int)
    for a in agreements:
        by_status[a["status"]] += 1
    behind = [a for a in agreements if a["status"] in ("late", "unfulfilled")]
    comp = completeness(ctx, user, unit=root, period=period, limit=0)
    return {
        "unit": root,
        "name": ctx.tree.name[root],
        "kind": ctx.tree.kind[root],
        "path": [
            {"unit": u, "name": ctx.tree.name[u]}
            for u in reversed(ctx.tree.ancestors(root))
            if scope is None or u in scope
        ],
        "period": period,
        "as_of": default_as_of(ctx).isoformat(),
        "plan": plan_view(ctx),
        "fulfilment": _value_rows(ctx, user, root, period),
        "completeness": {k: comp[k] for k in ("expected", "reported", "share")},
        "agreements": {
            "total": len(agreements),
            "with_deliveries": sum(1 for a in agreements if a["delivered"] > 0),
            "by_status": dict(by_status),
            "behind": behind[:LISTED],
            "behind_total": len(behind),
        },
        "flags": _open_flags(ctx, scope),
    }
