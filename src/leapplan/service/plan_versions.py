"""The plan versions of the service: the revision history, one version with its account, activation.

A version is the plan the service solved or was given at start (``revises`` null) or a re-plan of another version
(``revises``, ``period``, ``basis``, ``created_by`` and ``changes``, the account of plan/revision.py). Exactly one
version is active: the plan the overview, fulfilment and the audit compare against. A new re-planned version is not
active until a planner activates it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from leapplan.errors import ServiceError
from leapplan.service.bootstrap import install_plan, load_version
from leapplan.service.context import ApiError, Context, iso, record
from leapplan.service.models import PlanVersion
from leapplan.service.security import Principal, Role

SUMMARY_LINES = 3
"""Lines of the account's words a listing shows (the first line, which only says what a re-plan is, left out)."""


def _summary(pv: PlanVersion) -> list[str]:
    words = list((pv.changes or {}).get("words", []))
    return [str(w) for w in words[1 : 1 + SUMMARY_LINES]]


def version_record(pv: PlanVersion) -> dict[str, Any]:
    """The JSON form of one version in the history."""
    return {
        "id": pv.id,
        "created": iso(pv.created_at),
        "created_by": pv.created_by,
        "revises": pv.revises,
        "period": pv.period,
        "basis": pv.basis,
        "status": pv.status,
        "active": bool(pv.active),
        "source": pv.source,
        "summary": _summary(pv),
        "replannable": pv.tables is not None,
    }


def listing(ctx: Context) -> list[dict[str, Any]]:
    """GET /api/plans: every version of the scenario now loaded, newest first."""
    stmt = (
        select(PlanVersion)
        .where(PlanVersion.scenario_version_id == ctx.scenario_version)
        .order_by(PlanVersion.id.desc())
    )
    with ctx.store.read() as session:
        return [version_record(pv) for pv in session.scalars(stmt)]


def one(ctx: Context, plan_id: int) -> dict[str, Any]:
    """GET /api/plans/{id}: one version with its targets and the account of what changed (null for a first plan)."""
    with ctx.store.read() as session:
        pv = session.get(PlanVersion, plan_id)
        if pv is None:
            raise ApiError(404, f"no plan version {plan_id}")
        return version_record(pv) | {"targets": list(pv.targets or []), "changes": pv.changes}


def activate(ctx: Context, user: Principal, plan_id: int) -> dict[str, Any]:
    """POST /api/plans/{id}/activate (planners): make version ``plan_id`` the plan the service monitors."""
    if user.role is not Role.planner:
        raise ApiError(403, "only planners activate plan versions", actor=user.username, target=f"plan {plan_id}")
    with ctx.plan_lock:
        _activate(ctx, user, plan_id)
    return one(ctx, plan_id)


def _activate(ctx: Context, user: Principal, plan_id: int) -> None:
    with ctx.store.write() as session:
        pv = session.get(PlanVersion, plan_id)
        if pv is None:
            raise ApiError(404, f"no plan version {plan_id}")
        if pv.scenario_version_id != ctx.scenario_version:
            raise ApiError(409, f"plan {plan_id} was made for another version of the scenario")
        if pv.status == "infeasible":
            raise ApiError(409, f"plan {plan_id} is infeasible: it cannot be monitored against")
        before = ctx.plan_id
        if not pv.active:
            session.execute(update(PlanVersion).values(active=False))
            pv.active = True
            record(session, user.username, "plan_activate", f"plan {plan_id}", {"active": before}, {"active": plan_id})
    try:
        plan = load_version(ctx, plan_id)
    except ServiceError as exc:
        raise ApiError(404, str(exc)) from None
    install_plan(ctx, plan, stored=True, plan_id=plan_id)
