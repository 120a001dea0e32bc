"""Plan fulfilment summed up the region tree, per zone and per network; agreements and their status; flags."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import and_, case, exists, func, select

from leapplan.service.calendar import default_as_of
from leapplan.service.context import ApiError, Context
from leapplan.service.models import MERGED, AgreementRow, Delivery, Flag, Report, ReportVersion
from leapplan.service.reports import visible_units
from leapplan.service.security import Principal, Role
from leapplan.service.units import REPORTING_KINDS

GROUPS = ("region", "zone", "network")
TOLERANCE = 1e-9


Own = tuple[str, str, str, float, float, int, int]
"""(unit, period, product, reported, audited, credible reports, pending reports) of one unit's own reports."""
Key = tuple[str, str, str]


def _own(ctx: Context, period: str | None, product: str | None) -> list[Own]:
    """Each unit's own reports (latest versions, not returned or merged), summed per period and product.

    A report is *credible* when a planner approved it, or when the audit has checked its latest version and
    found no error; it is *pending* while its latest version awaits the audit (and no approval)."""
    has_error = exists().where(
        Flag.report_id == Report.id, Flag.version == Report.latest_version, Flag.severity == "error"
    )
    judged = Report.audited_version >= Report.latest_version
    credible = case((Report.status == "approved", 1), (judged & ~has_error, 1), else_=0)
    pending = case((Report.status == "approved", 0), (judged, 0), else_=1)
    stmt = (
        select(
            Report.unit,
            Report.period,
            Report.product,
            func.sum(ReportVersion.produced),
            func.sum(ReportVersion.produced * credible),
            func.sum(credible),
            func.sum(pending),
        )
        .join(ReportVersion, and_(ReportVersion.report_id == Report.id, ReportVersion.version == Report.latest_version))
        .where(Report.status.not_in(("returned", MERGED)))
        .group_by(Report.unit, Report.period, Report.product)
    )
    if period is not None:
        stmt = stmt.where(Report.period == period)
    if product is not None:
        stmt = stmt.where(Report.product == product)
    with ctx.store.read() as session:
        return [
            (u, p, q, float(r or 0.0), float(a or 0.0), int(n or 0), int(w or 0))
            for u, p, q, r, a, n, w in session.execute(stmt)
        ]


def _add(x: float | None, y: float | None) -> float | None:
    """Sum where None means 'nothing audited yet'."""
    if x is None:
        return y
    return x if y is None else x + y


def _region_totals(ctx: Context, own: list[Own]) -> tuple[dict[Key, float], dict[Key, float | None], dict[Key, int]]:
    """Reported, audited and pending per unit, bottom up: a unit's own reports when it has any (a region's report is
    its claimed total), else the sum over its child regions and enterprises; audited likewise over credible reports
    (None while nothing under the unit is credible); pending counts every report awaiting the audit below."""
    tree = ctx.tree
    own_rep: dict[Key, float] = {}
    own_aud: dict[Key, float] = {}
    own_wait: dict[Key, int] = {}
    for u, p, q, r, a, n, w in own:
        own_rep[(u, p, q)] = r
        own_wait[(u, p, q)] = w
        if n > 0:
            own_aud[(u, p, q)] = a
    child_rep: dict[Key, float] = defaultdict(float)
    child_aud: dict[Key, float | None] = {}
    child_wait: dict[Key, int] = defaultdict(int)
    pending: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for u, p, q in own_rep:
        pending[u].add((p, q))
    depth = {u: len(tree.ancestors(u)) for u in tree.order if tree.kind[u] in REPORTING_KINDS}
    reported: dict[Key, float] = {}
    audited: dict[Key, float | None] = {}
    waiting: dict[Key, int] = {}
    for u in sorted(depth, key=lambda x: -depth[x]):
        parent = tree.parent[u]
        for p, q in pending.pop(u, set()):
            k = (u, p, q)
            reported[k] = own_rep[k] if k in own_rep else child_rep[k]
            audited[k] = own_aud[k] if k in own_aud else child_aud.get(k)
            waiting[k] = own_wait.get(k, 0) + child_wait[k]
            if parent is not None:
                pk = (parent, p, q)
                child_rep[pk] += reported[k]
                child_aud[pk] = _add(child_aud.get(pk), audited[k])
                child_wait[pk] += waiting[k]
                pending[parent].add((p, q))
    return reported, audited, waiting


def rollup(
    ctx: Context,
    user: Principal,
    *,
    period: str | None,
    unit: str | None,
    product: str | None,
    group: str,
    children: bool = False,
) -> list[dict[str, Any]]:
    """Rows {unit, period, product, planned, reported, audited, pending} [product unit]; planned is None without a
    plan and for networks (an enterprise's is its capacity share of its region's line for its technology); audited is None ("pending") while nothing in the row is audited or
    approved. ``children``: the rows of ``unit`` and of the units right under it. See docs/service.md for how
    reports add up."""
    if group not in GROUPS:
        raise ApiError(422, f"group must be one of {', '.join(GROUPS)}, not {group!r}")
    if period is not None and period not in ctx.periods:
        raise ApiError(422, f"period {period!r} is outside the plan; periods are {ctx.periods[0]} … {ctx.periods[-1]}")
    if product is not None and product not in ctx.products:
        raise ApiError(422, f"unknown product {product!r}")
    if unit is not None:
        visible_units(ctx, user, unit)  # 422 unknown / 403 out of reach
    scope = user.reads(ctx.tree)
    tree = ctx.tree
    own = _own(ctx, period, product)
    reported: dict[Key, float] = defaultdict(float)
    audited: dict[Key, float | None] = {}
    waiting: dict[Key, int] = defaultdict(int)
    if group == "network":
        for u, p, q, r, a, n, w in own:
            for net, members in tree.network_members.items():
                if u in members and q in tree.network_products[net]:
                    reported[(net, p, q)] += r
                    audited[(net, p, q)] = _add(audited.get((net, p, q)), a if n > 0 else None)
                    waiting[(net, p, q)] += w
    else:
        by_rep, by_aud, by_wait = _region_totals(ctx, own)
        if group == "region":
            reported.update(by_rep)
            audited.update(by_aud)
            waiting.update(by_wait)
        else:
            for zone, roots in ctx.zone_roots.items():
                for (u, p, q), r in by_rep.items():
                    if u in roots:
                        reported[(zone, p, q)] += r
                        audited[(zone, p, q)] = _add(audited.get((zone, p, q)), by_aud[(u, p, q)])
                        waiting[(zone, p, q)] += by_wait[(u, p, q)]

    def planned_targets(region: str) -> list[str]:
        if group == "region":
            return [region, *tree.ancestors(region)]
        z = tree.zone.get(region)
        return [z] if z else []

    planned: dict[Key, float] = defaultdict(float)
    if ctx.plan is not None and group != "network":
        for (region, p, q), qty in ctx.planned.items():
            if (period is not None and p != period) or (product is not None and q != product):
                continue
            for t in planned_targets(region):
                planned[(t, p, q)] += qty
        if group == "region":
            for (e, p, q), qty in ctx.planned_enterprises.items():
                if (period is None or p == period) and (product is None or q == product):
                    planned[(e, p, q)] += qty
    shown: set[str] | None = None
    if unit is not None:
        shown = {unit}
        if children:
            shown |= ctx.zone_roots.get(unit, set()) | set(tree.children.get(unit, []))
    keys = set(reported) | set(planned)
    order = {u: i for i, u in enumerate(tree.order)}
    period_order = {p: i for i, p in enumerate(ctx.periods)}
    rows = []
    for key in sorted(keys, key=lambda k: (order.get(k[0], 0), period_order.get(k[1], 0), k[2])):
        u = key[0]
        if (shown is not None and u not in shown) or (scope is not None and u not in scope):
            continue
        has_plan = ctx.plan is not None and tree.kind[u] != "network"
        rows.append(
            {
                "unit": u,
                "period": key[1],
                "product": key[2],
                "planned": planned.get(key, 0.0) if has_plan else None,
                "reported": reported.get(key, 0.0),
                "audited": audited.get(key),
                "pending": waiting.get(key, 0),
            }
        )
    return rows


def _status(a: AgreementRow, deliveries: list[tuple[dt.date, float]], as_of: dt.date) -> tuple[str, float]:
    """(status, delivered by as_of) of one agreement; see docs/service.md for the rules."""
    done = None
    total = 0.0
    for day, qty in deliveries:
        if day > as_of:
            break
        total += qty
        if done is None and total >= a.quantity * (1 - TOLERANCE):
            done = day
    if done is not None:
        return ("met" if done <= a.due else "late"), total
    if as_of > a.due:
        return "unfulfilled", total
    span = (a.due - a.start).days
    share = 1.0 if span <= 0 else min(max((as_of - a.start).days / span, 0.0), 1.0)
    expected = a.quantity * share if as_of >= a.start else 0.0
    return ("on_time" if total >= expected * (1 - TOLERANCE) else "late"), total


def agreement_rows(
    ctx: Context, user: Principal, as_of: dt.date | None, only: str | None = None
) -> list[dict[str, Any]]:
    """Agreements the user reads, with delivered quantity [agreement unit] and status at ``as_of``."""
    day = as_of or default_as_of(ctx)
    scope = user.reads(ctx.tree)
    with ctx.store.read() as session:
        stmt = select(AgreementRow).order_by(AgreementRow.zone, AgreementRow.id)
        if only is not None:
            stmt = stmt.where(AgreementRow.id == only)
        agreements = [a for a in session.scalars(stmt) if scope is None or a.zone in scope]
        by_agreement: dict[str, list[tuple[dt.date, float]]] = defaultdict(list)
        dstmt = (
            select(Delivery.agreement_id, Delivery.date, Delivery.quantity)
            .where(Delivery.current, Delivery.quantity > 0)
            .order_by(Delivery.date, Delivery.id)
        )
        if only is not None:
            dstmt = dstmt.where(Delivery.agreement_id == only)
        for aid, d, q in session.execute(dstmt):
            by_agreement[aid].append((d, q))
    out = []
    for a in agreements:
        status, delivered = _status(a, by_agreement.get(a.id, []), day)
        out.append(
            {
                "id": a.id,
                "zone": a.zone,
                "kind": a.kind,
                "from": a.from_region,
                "to": a.to_region,
                "product": a.product,
                "quantity": a.quantity,
                "unit": a.unit,
                "delivered": delivered,
                "start": a.start.isoformat(),
                "due": a.due.isoformat(),
                "status": status,
                "as_of": day.isoformat(),
            }
        )
    return out


def may_record_delivery(user: Principal, a: AgreementRow) -> bool:
    """Planners; the agreement's zone committee; the liaison of a county that is a party."""
    if user.role is Role.planner:
        return True
    if user.role is Role.zone_committee:
        return user.unit == a.zone
    if user.role is Role.county_liaison:
        return user.unit in (a.from_region, a.to_region)
    return False


def flag_rows(ctx: Context, user: Principal, unit: str | None, period: str | None) -> list[dict[str, Any]]:
    """Flags on the latest versions of the reports the user reads."""
    units = visible_units(ctx, user, unit)
    stmt = (
        select(Flag, Report)
        .join(Report, and_(Report.id == Flag.report_id, Report.latest_version == Flag.version))
        .order_by(Flag.report_id, Flag.id)
    )
    if units is not None:
        stmt = stmt.where(Report.unit.in_(sorted(units)))
    if period is not None:
        stmt = stmt.where(Report.period == period)
    with ctx.store.read() as session:
        return [flag_record(f, r) for f, r in session.execute(stmt)]


def flag_record(f: Flag, r: Report) -> dict[str, Any]:
    """The JSON form of one flag with its report's unit, period, product and status."""
    return {
        "report_id": r.id,
        "version": f.version,
        "unit": r.unit,
        "period": r.period,
        "product": r.product,
        "check": f.check,
        "severity": f.severity,
        "message": f.message,
        "status": r.status,
    }
