"""Re-planning in the service (issue 14): the plan for the remaining periods from the reports in the database.

A planner starts a re-plan (``POST /api/plans/replan``); it runs on a background thread — the state read from the
active plan and the reports (``plan.replan.read_state``), then the planner's stages (``plan.replan.replan``) — with
its progress in ``ctx.replan_job`` (``GET /api/plans/replan``). The result becomes a new plan version that revises
the active one, with the account of what changed (``plan.revision.what_changed``); it is not activated: a planner
chooses (``POST /api/plans/{id}/activate``). One re-plan runs at a time. A re-plan the service was stopped in
the middle of is found in the audit log when it starts again (``recover``): logged as interrupted and shown as the
latest re-plan, so the planner knows to start it again; nothing of it was stored.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from leapplan.errors import LeapplanError
from leapplan.service.bootstrap import Revision, add_plan_version, tables_of
from leapplan.service.context import ApiError, Context, iso, now, record
from leapplan.service.models import AuditEntry, PlanVersion, Report, ReportVersion, latest_counted
from leapplan.service.plan_tables import plan_from_files
from leapplan.service.planning import from_result
from leapplan.service.security import Principal, Role

log = logging.getLogger(__name__)

REPORT_COLUMNS = ["report_id", "unit", "period", "product", "produced", "labour", "in_service"]
"""The columns of :func:`reports_frame` before its ``input:<product>`` columns (as ``leapplan audit`` reads)."""
ENDS = ("replan_failed", "replan_interrupted", "plan_version")
"""Audit-log actions that end a re-plan: failed, found interrupted, or its new version stored."""
INTERRUPTED = "the service stopped while it ran, before a new version was stored; start it again"


def reports_frame(session: Session) -> pd.DataFrame:
    """The latest version of every report still counted (not returned or merged), as ``leapplan audit`` reads
    reports: report_id, unit, period, product, produced, labour [persons], in_service [product units per year, NaN
    when not reported] and one ``input:<product>`` column per input received [the input's unit, NaN when not
    stated]."""
    columns = (ReportVersion.produced, ReportVersion.labour, ReportVersion.in_service, ReportVersion.inputs)
    stmt = latest_counted(*columns).order_by(Report.id)
    records = []
    for rid, unit, period, product, produced, labour, in_service, inputs in session.execute(stmt):
        row: dict[str, Any] = {
            "report_id": str(rid),
            "unit": unit,
            "period": str(period),
            "product": product,
            "produced": float(produced),
            "labour": float(labour),
            "in_service": float("nan") if in_service is None else float(in_service),
        }
        for name, qty in dict(inputs or {}).items():
            row[f"input:{name}"] = float(qty)
        records.append(row)
    inputs_seen = sorted({k for r in records for k in r if k.startswith("input:")})
    frame = pd.DataFrame(records, columns=REPORT_COLUMNS + inputs_seen)
    for col in ["produced", "labour", "in_service", *inputs_seen]:
        frame[col] = frame[col].astype(float)
    return frame


def default_period(frame: pd.DataFrame, periods: list[str], enterprises: set[str]) -> str | None:
    """The latest period (in the scenario's order) with an enterprise report in ``frame``; None when none."""
    got = set(frame.loc[frame["unit"].isin(sorted(enterprises)), "period"].astype(str))
    known = [p for p in periods if p in got]
    return known[-1] if known else None


def recover(ctx: Context) -> None:
    """At start: when the audit log's last re-plan entry is a start with no end (``ENDS``), the service stopped
    while it ran. Log it as interrupted (once) and make it the latest re-plan (state 'interrupted')."""
    wanted = AuditEntry.action.in_(("replan_start", *ENDS))
    with ctx.store.write() as session:
        last = session.scalars(select(AuditEntry).where(wanted).order_by(AuditEntry.id.desc()).limit(1)).first()
        if last is None or last.action != "replan_start":
            return
        started = dict(last.after or {})
        after = {"period": started.get("period"), "basis": started.get("basis"), "reason": INTERRUPTED}
        record(session, None, "replan_interrupted", last.target, None, after)
        job = _job(
            0, started.get("revises"), after["period"], after["basis"], last.actor, iso(last.at), started.get("reserve")
        )
        ctx.replan_job = job | {"state": "interrupted", "progress": None, "reason": INTERRUPTED}
    log.warning("re-plan of %s after %s was interrupted by a restart: logged", last.target, after["period"])


def _job(
    number: int,
    revises: int | None,
    period: str | None,
    basis: str | None,
    started_by: str | None,
    at: str | None,
    reserve: float | None = None,
) -> dict[str, Any]:
    """A re-plan as ``job_view`` shows it, running from its start (``clock``: its monotonic start, for elapsed)."""
    return {
        "id": number,
        "state": "running",
        "revises": revises,
        "period": period,
        "basis": basis,
        "reserve": reserve,
        "started_by": started_by,
        "started_at": at,
        "finished_at": None,
        "progress": {"stage": "reading the reports and the audit", "k": 0, "n": 0},
        "reason": None,
        "version": None,
        "clock": time.monotonic(),
    }


def job_view(ctx: Context) -> dict[str, Any]:
    """GET /api/plans/replan: the latest re-plan (state running | done | failed | interrupted, progress, reason,
    version), or state 'none' when none ran since the service started and none was left interrupted."""
    job = ctx.replan_job
    if job is None:
        return {"state": "none"}
    out = dict(job)
    out.pop("clock", None)
    if job["state"] == "running":
        out["progress"] = dict(job["progress"]) | {"elapsed": round(time.monotonic() - job["clock"], 1)}
    return out


def start(
    ctx: Context, user: Principal, period: str | None, basis: str, reserve: float | None = None
) -> dict[str, Any]:
    """Check and start a re-plan after ``period`` from the reports ``basis`` (audited | reported), with the grain
    ``reserve`` counted then [t] (None: the books'), on a background thread; returns the job. 403 for
    non-planners, 409 without an active plan or reports or while one runs, 422 for an unknown period or the plan's
    last period."""
    if user.role is not Role.planner:
        raise ApiError(403, "only planners re-plan", actor=user.username, target="plans/replan")
    if not ctx.replan_lock.acquire(blocking=False):
        raise ApiError(409, "a re-plan is being started already; wait for it")
    try:
        running = ctx.replan_job
        if running is not None and running["state"] == "running":
            raise ApiError(409, f"re-plan {running['id']} is running (started by {running['started_by']}); wait for it")
        plan_id = ctx.plan_id
        if ctx.plan is None or plan_id is None:
            raise ApiError(409, f"no active plan to revise (plan state: {ctx.plan_state})")
        with ctx.store.read() as session:
            frame = reports_frame(session)
            pv = session.get(PlanVersion, plan_id)
            files = pv.tables if pv is not None else None
        if frame.empty:
            raise ApiError(409, "no reports stored: nothing to re-plan from")
        if period is None:
            ents = {u for u, k in ctx.tree.kind.items() if k == "enterprise"}
            period = default_period(frame, ctx.periods, ents)
            if period is None:
                raise ApiError(409, "no enterprise reports stored: give the period to re-plan after")
        if period not in ctx.periods:
            raise ApiError(422, f"unknown period {period!r} (the plan's periods are {', '.join(ctx.periods)})")
        if period == ctx.periods[-1]:
            raise ApiError(422, f"{period} is the plan's last period: nothing is left to re-plan")
        if files is None:
            raise ApiError(
                409,
                f"plan {plan_id} was stored without its tables (before migration 0003): start the service with "
                "--plan DIR or let it solve the plan again, then re-plan",
            )
        number = (ctx.replan_job or {}).get("id", 0) + 1
        job = _job(number, plan_id, period, basis, user.username, iso(now()), reserve)
        with ctx.store.write() as session:
            after = {"revises": plan_id, "period": period, "basis": basis, "reports": len(frame), "reserve": reserve}
            record(session, user.username, "replan_start", f"plan {plan_id}", None, after)
        ctx.replan_job = job
    finally:
        ctx.replan_lock.release()
    args = (ctx, job, files, frame)
    threading.Thread(target=_run, args=args, name=f"leapplan-replan-{number}", daemon=True).start()
    return job_view(ctx)


def _run(ctx: Context, job: dict[str, Any], files: Any, frame: pd.DataFrame) -> None:
    """The re-plan itself (background thread): read the state, solve, store the new version."""

    def progress(stage: str, k: int, n: int) -> None:
        job["progress"] = {"stage": str(stage)[:200], "k": int(k), "n": int(n)}

    try:
        version = _replan(ctx, job, files, frame, progress)
    except (LeapplanError, ApiError) as exc:
        _finish(ctx, job, "failed", str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - the service keeps running and says why the re-plan failed
        log.exception("re-plan %s failed", job["id"])
        _finish(ctx, job, "failed", f"internal error: {exc}")
        return
    job["version"] = version
    _finish(ctx, job, "done", None)


def _replan(ctx: Context, job: dict[str, Any], files: Any, frame: pd.DataFrame, progress: Any) -> int:
    from leapplan.plan.replan import read_state, replan
    from leapplan.plan.result import PlanStatus
    from leapplan.plan.revision import what_changed

    old = plan_from_files(files, f"plan {job['revises']}")
    state = read_state(ctx.scenario, old, frame, period=job["period"], basis=job["basis"], reserve=job["reserve"])
    new = replan(ctx.scenario, state, progress=progress)
    if new.status is PlanStatus.infeasible:
        raise LeapplanError(f"the re-plan is infeasible: {new.reason}")
    progress("storing the new version", job["progress"].get("n", 0), job["progress"].get("n", 0))
    account = what_changed(old, new, state)
    revision = Revision(
        revises=job["revises"], period=state.period, basis=state.basis, created_by=job["started_by"], changes=account
    )
    plan = from_result(new, f"re-plan of plan {job['revises']} after {state.period} ({state.basis})")
    tables = tables_of(plan)
    with ctx.store.write() as session:
        return add_plan_version(session, ctx.scenario_version, plan, tables, active=False, revision=revision)


def _finish(ctx: Context, job: dict[str, Any], state: str, reason: str | None) -> None:
    job["finished_at"] = iso(now())
    job["reason"] = reason
    if state == "failed":
        try:
            with ctx.store.write() as session:
                after = {"period": job["period"], "basis": job["basis"], "reason": reason}
                record(session, job["started_by"], "replan_failed", f"plan {job['revises']}", None, after)
        except Exception:  # noqa: BLE001 - the job still says why it failed
            log.exception("could not log the failed re-plan")
    job["state"] = state
    log.info("re-plan %s %s%s", job["id"], state, f": {reason}" if reason else "")
