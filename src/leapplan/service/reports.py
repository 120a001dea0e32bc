"""Reports: validation, idempotent submission, corrections as versions, approval, listing.

Quantities: ``produced`` and ``inputs`` in each product's unit, ``labour`` in persons.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from leapplan.service.committer import Item, Request, held_message, key_holders
from leapplan.service.context import ApiError, Context, iso, now, record
from leapplan.service.models import MERGED, Flag, Report, ReportVersion
from leapplan.service.schemas import CorrectionIn, ReportIn
from leapplan.service.security import Principal, Role
from leapplan.service.units import REPORTING_KINDS


def digest(
    unit: str,
    period: str,
    product: str,
    produced: float,
    inputs: dict[str, float],
    labour: float,
    remark: str,
    in_service: float | None = None,
) -> str:
    """SHA-256 of a report body in canonical form: two bodies are 'the same' when their digests are equal
    (``in_service`` enters only when given, so bodies without it keep the digests they had)."""
    body: dict[str, Any] = {
        "unit": unit,
        "period": period,
        "product": product,
        "produced": float(produced),
        "inputs": {k: float(v) for k, v in sorted(inputs.items())},
        "labour": float(labour),
        "remark": remark,
    }
    if in_service is not None:
        body["in_service"] = float(in_service)
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def check_write(ctx: Context, user: Principal, unit: str) -> None:
    """422 when ``unit`` cannot report, 403 when ``user`` may not write it."""
    kind = ctx.tree.kind.get(unit)
    if kind is None:
        raise ApiError(422, f"unknown unit {unit!r}")
    if kind not in REPORTING_KINDS:
        raise ApiError(422, f"unit {unit!r} is a {kind}; reports come from regions and enterprises")
    if unit not in user.writes(ctx.tree):
        raise ApiError(
            403,
            f"{user.role.value} {user.username} may not write reports of {unit!r}",
            actor=user.username,
            target=f"unit {unit}",
        )


def check_content(ctx: Context, unit: str, period: str, product: str, inputs: dict[str, float]) -> None:
    """422 with a clear message when period, product or inputs do not fit the scenario."""
    if period not in ctx.periods:
        raise ApiError(422, f"period {period!r} is outside the plan; periods are {ctx.periods[0]} … {ctx.periods[-1]}")
    if product not in ctx.products:
        raise ApiError(422, f"unknown product {product!r}")
    allowed = ctx.tree.products.get(unit)
    if allowed is not None and product not in allowed:
        raise ApiError(422, f"enterprise {unit!r} makes {', '.join(allowed)}, not {product!r}")
    unknown = sorted(k for k in inputs if k not in ctx.products)
    if unknown:
        raise ApiError(422, f"unknown input product {unknown[0]!r}")


def reportable(ctx: Context, unit: str) -> list[str] | None:
    """Products the report form offers ``unit``: an enterprise its technology's product and by-products; a region
    what its plants make and what farms grow (agricultural products); None for zones and networks."""
    tree = ctx.tree
    kind = tree.kind.get(unit)
    if kind == "enterprise":
        return list(tree.products.get(unit, []))
    if kind not in REPORTING_KINDS:
        return None
    farmed = {p for p, x in ctx.products.items() if str(getattr(x.sector, "value", x.sector)) == "agriculture"}
    made = ctx.region_products.get(unit, set()) | farmed
    return [p for p in ctx.products if p in made] or list(ctx.products)


def _flags(session: Session, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], list[dict[str, str]]]:
    out: dict[tuple[int, int], list[dict[str, str]]] = {k: [] for k in keys}
    ids = {k[0] for k in keys}
    if not ids:
        return out
    for f in session.scalars(select(Flag).where(Flag.report_id.in_(ids)).order_by(Flag.id)):
        if (f.report_id, f.version) in out:
            out[(f.report_id, f.version)].append({"check": f.check, "severity": f.severity, "message": f.message})
    return out


def serialise(report: Report, version: ReportVersion, flags: list[dict[str, str]]) -> dict[str, Any]:
    """The JSON form of one report version."""
    return {
        "id": report.id,
        "client_id": report.client_id,
        "version": version.version,
        "status": report.status,
        "unit": report.unit,
        "period": report.period,
        "product": report.product,
        "produced": version.produced,
        "inputs": dict(version.inputs or {}),
        "labour": version.labour,
        "remark": version.remark,
        "in_service": version.in_service,
        "submitted_by": version.submitted_by,
        "submitted_at": iso(version.submitted_at),
        "return_reason": report.return_reason,
        "flags": flags,
    }


def latest(session: Session, report: Report) -> dict[str, Any]:
    """The JSON form of a report's latest version."""
    version = session.scalars(
        select(ReportVersion).where(
            ReportVersion.report_id == report.id, ReportVersion.version == report.latest_version
        )
    ).one()
    return serialise(report, version, _flags(session, [(report.id, version.version)])[(report.id, version.version)])


def _existing(session: Session, client_id: str, body_digest: str, where: str = "") -> Report | None:
    """The report stored under ``client_id`` when the body is the same; 409 when it differs; None when new."""
    prior = session.scalars(select(ReportVersion).where(ReportVersion.client_id == client_id)).first()
    if prior is None:
        return None
    if prior.version != 1:
        raise ApiError(409, f"{where}client_id {client_id!r} was used by a correction of report {prior.report_id}")
    if prior.digest != body_digest:
        raise ApiError(
            409, f"{where}client_id {client_id!r} was already used for report {prior.report_id} with a different body"
        )
    return session.get(Report, prior.report_id)


def _store_one(session: Session, username: str, it: Item, where: str) -> tuple[int, bool]:
    """Store one validated report unless its client_id is known; returns (report id, created)."""
    found = _existing(session, it.client_id, it.digest, where)
    if found is not None:
        return found.id, False
    k = (it.unit, it.period, it.product)
    holder = key_holders(session, [it]).get(k)
    if holder is not None:
        raise ApiError(409, held_message(where, k, holder))
    t = now()
    report = Report(
        client_id=it.client_id,
        unit=it.unit,
        period=it.period,
        product=it.product,
        status="submitted",
        latest_version=1,
        audited_version=0,
        created_by=username,
        created_at=t,
    )
    session.add(report)
    session.flush()
    version = ReportVersion(
        report_id=report.id,
        version=1,
        client_id=it.client_id,
        digest=it.digest,
        produced=it.produced,
        inputs=dict(it.inputs),
        labour=it.labour,
        remark=it.remark,
        in_service=it.in_service,
        submitted_by=username,
        submitted_at=t,
    )
    session.add(version)
    session.flush()
    record(
        session,
        username,
        "report_create",
        f"report {report.id}",
        None,
        serialise(report, version, []) | {"flags": None},
    )
    return report.id, True


def store_alone(ctx: Context) -> Callable[[Request], None]:
    """The committer's fallback: write one request in its own transaction."""

    def write(request: Request) -> None:
        with ctx.store.write() as session:
            ids, created = [], []
            for i, it in enumerate(request.items):
                rid, new = _store_one(session, request.username, it, f"reports[{i}]: " if request.batch else "")
                ids.append(rid)
                if new:
                    created.append((rid, 1))
        request.ids, request.created = ids, created

    return write


def submit(
    ctx: Context, user: Principal, bodies: Sequence[ReportIn], *, batch: bool
) -> tuple[list[dict[str, Any]], int]:
    """Validate ``bodies``, store them all-or-nothing (group commit), wait for their audit; returns the reports
    (same order) and how many were new."""
    items = []
    for i, body in enumerate(bodies):
        try:
            check_write(ctx, user, body.unit)
            check_content(ctx, body.unit, body.period, body.product, body.inputs)
        except ApiError as exc:
            if batch:
                exc.detail = f"reports[{i}]: {exc.detail}"
            raise
        d = digest(
            body.unit, body.period, body.product, body.produced, body.inputs, body.labour, body.remark, body.in_service
        )
        items.append(
            Item(
                body.client_id,
                body.unit,
                body.period,
                body.product,
                body.produced,
                dict(body.inputs),
                body.labour,
                body.remark,
                d,
                body.in_service,
            )
        )
    request = ctx.committer.submit(Request(user.username, items, batch))
    if request.error is not None:
        raise request.error
    if request.flags is not None:  # audited in the transaction that stored them
        flags: dict[tuple[int, int], list[dict[str, str]]] | None = {(rid, 1): fs for rid, fs in request.flags.items()}
    else:
        flags = ctx.auditor.audit_and_wait(request.created)
    if flags is not None and all(rid in request.rows for rid in request.ids):  # all new: answer from memory
        out = [request.rows[rid] | {"flags": flags.get((rid, 1), [])} for rid in request.ids]
        return out, len(request.created)
    return _reread(ctx, request.ids), len(request.created)


def _reread(ctx: Context, ids: list[int]) -> list[dict[str, Any]]:
    """The latest versions of reports ``ids`` with their flags, in that order."""
    with ctx.store.read() as session:
        rows = {
            r.id: (r, v)
            for r, v in session.execute(
                select(Report, ReportVersion)
                .join(
                    ReportVersion,
                    and_(ReportVersion.report_id == Report.id, ReportVersion.version == Report.latest_version),
                )
                .where(Report.id.in_(set(ids)))
            )
        }
        flags = _flags(session, [(r.id, v.version) for r, v in rows.values()])
        return [serialise(*rows[i], flags[(i, rows[i][1].version)]) for i in ids]


def _report_or_404(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise ApiError(404, f"no report {report_id}")
    return report


def correct(ctx: Context, user: Principal, report_id: int, body: CorrectionIn) -> tuple[dict[str, Any], bool]:
    """Add a new version of a report; returns it and whether it is new (False: same correction client_id again)."""
    with ctx.store.write() as session:
        report = _report_or_404(session, report_id)
        check_write(ctx, user, report.unit)
        if report.status == MERGED:
            raise ApiError(409, f"report {report_id} was {report.return_reason}: correct that report instead")
        for name in ("unit", "period", "product"):
            given = getattr(body, name)
            if given is not None and given != getattr(report, name):
                raise ApiError(
                    422,
                    f"a correction keeps the report's {name} ({getattr(report, name)!r}, not "
                    f"{given!r}); submit a new report instead",
                )
        check_content(ctx, report.unit, report.period, report.product, body.inputs)
        d = digest(
            report.unit,
            report.period,
            report.product,
            body.produced,
            body.inputs,
            body.labour,
            body.remark,
            body.in_service,
        )
        if body.client_id is not None:
            prior = session.scalars(select(ReportVersion).where(ReportVersion.client_id == body.client_id)).first()
            if prior is not None:
                if prior.report_id != report.id or prior.version == 1 or prior.digest != d:
                    raise ApiError(409, f"client_id {body.client_id!r} was already used with a different body")
                return latest(session, report), False
        before = latest(session, report)
        t = now()
        report.latest_version += 1
        report.status = "submitted"
        report.return_reason = None
        version = ReportVersion(
            report_id=report.id,
            version=report.latest_version,
            client_id=body.client_id,
            digest=d,
            produced=body.produced,
            inputs=dict(body.inputs),
            labour=body.labour,
            remark=body.remark,
            in_service=body.in_service,
            submitted_by=user.username,
            submitted_at=t,
        )
        session.add(version)
        session.flush()
        after = latest(session, report)
        record(session, user.username, "report_correct", f"report {report.id}", before, after)
    ctx.auditor.audit_and_wait([(report.id, version.version)])  # its flags are in the answer
    return _reread(ctx, [report.id])[0], True


def decide(ctx: Context, user: Principal, report_id: int, approve: bool, reason: str = "") -> dict[str, Any]:
    """Approve or return a report (planners only)."""
    action = "approve" if approve else "return"
    if user.role is not Role.planner:
        raise ApiError(403, f"only planners may {action} reports", actor=user.username, target=f"report {report_id}")
    with ctx.store.write() as session:
        report = _report_or_404(session, report_id)
        if approve and report.status != "submitted":
            raise ApiError(
                409,
                f"report {report_id} is {report.status}; only a submitted report can be approved"
                + (" (the unit must correct it first)" if report.status == "returned" else ""),
            )
        if not approve and report.status in ("returned", MERGED):
            raise ApiError(409, f"report {report_id} is already {report.status}")
        before = latest(session, report)
        if approve and ctx.four_eyes and before["submitted_by"] == user.username:
            raise ApiError(
                403,
                f"{user.username} submitted version {report.latest_version} of report {report_id}: another planner "
                "must approve it (four-eyes rule)",
                actor=user.username,
                target=f"report {report_id}",
            )
        report.status = "approved" if approve else "returned"
        report.return_reason = None if approve else reason
        session.flush()
        after = latest(session, report)
        record(session, user.username, f"report_{action}", f"report {report.id}", before, after)
    if not approve:  # committed: a returned report no longer counts in the audit's context
        ctx.auditor.context.drop(after["unit"], after["period"], after["product"])
    return after


def visible_units(ctx: Context, user: Principal, unit: str | None) -> set[str] | None:
    """Units a listing may show: ``unit``'s subtree within what ``user`` reads (None = no limit)."""
    scope = user.reads(ctx.tree)
    if unit is None:
        return scope
    if unit not in ctx.tree.kind:
        raise ApiError(422, f"unknown unit {unit!r}")
    if scope is not None and unit not in scope:
        raise ApiError(
            403, f"{user.role.value} {user.username} may not read {unit!r}", actor=user.username, target=f"unit {unit}"
        )
    sub = ctx.tree.subtree(unit)
    return sub if scope is None else sub & scope


def listing(
    ctx: Context,
    user: Principal,
    *,
    unit: str | None,
    period: str | None,
    product: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    """Latest versions of the reports matching the filters, in id order."""
    units = visible_units(ctx, user, unit)
    stmt = select(Report, ReportVersion).join(
        ReportVersion, and_(ReportVersion.report_id == Report.id, ReportVersion.version == Report.latest_version)
    )
    if units is not None:
        stmt = stmt.where(Report.unit.in_(sorted(units)))
    if period is not None:
        stmt = stmt.where(Report.period == period)
    if product is not None:
        stmt = stmt.where(Report.product == product)
    if status is not None:
        stmt = stmt.where(Report.status == status)
    stmt = stmt.order_by(Report.id).limit(limit).offset(offset)
    with ctx.store.read() as session:
        rows = session.execute(stmt).all()
        flags = _flags(session, [(r.id, v.version) for r, v in rows])
        return [serialise(r, v, flags[(r.id, v.version)]) for r, v in rows]


def versions(ctx: Context, user: Principal, report_id: int) -> list[dict[str, Any]]:
    """Every version of one report, oldest first."""
    with ctx.store.read() as session:
        report = _report_or_404(session, report_id)
        if not user.can_read(ctx.tree, report.unit):
            raise ApiError(
                403,
                f"{user.role.value} {user.username} may not read {report.unit!r}",
                actor=user.username,
                target=f"report {report_id}",
            )
        vs = list(
            session.scalars(
                select(ReportVersion).where(ReportVersion.report_id == report_id).order_by(ReportVersion.version)
            )
        )
        flags = _flags(session, [(report_id, v.version) for v in vs])
        return [serialise(report, v, flags[(report_id, v.version)]) for v in vs]
