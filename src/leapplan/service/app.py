"""The FastAPI application of the monitoring service (routes in docs/service.md)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, StatementError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from leapplan.scenario import Scenario, load
from leapplan.service import (
    accounts,
    calendar,
    deliveries,
    overview,
    plan_versions,
    replanning,
    reports,
    rollup,
    years,
)
from leapplan.service.auditing import Auditor
from leapplan.service.bootstrap import install_plan, prepare, stored_plan
from leapplan.service.committer import Committer
from leapplan.service.context import ApiError, Context, now, record
from leapplan.service.db import Store
from leapplan.service.limits import BodyLimit, SecurityHeaders
from leapplan.service.models import AuditEntry, Token, User
from leapplan.service.planning import active_plan, solve_now
from leapplan.service.schemas import (
    BatchIn,
    CorrectionIn,
    DeliveryCorrectionIn,
    DeliveryIn,
    PasswordIn,
    ReplanIn,
    ReportIn,
    ReturnIn,
    SettingsIn,
    UserChangeIn,
    UserIn,
)
from leapplan.service.security import Principal, Role, token_hash

log = logging.getLogger(__name__)
STATUSES = ("submitted", "approved", "returned", "merged")
MAX_ID = 2**31 - 1
"""Largest id a path accepts (ids are 32-bit integers in PostgreSQL): larger is 422, never a database error."""
MAX_OFFSET = 2**31 - 1
"""Largest offset of a listing: 2⁶³ and beyond are 422."""


def _static_dir() -> Path:
    return Path(str(resources.files("leapplan.service") / "static"))


async def _ctx(request: Request) -> Context:
    """The service context (async: no thread hop for a dictionary lookup)."""
    ctx: Context = request.app.state.ctx
    return ctx


_TOKEN_QUERY = (
    select(Token.__table__.c.expires_at, User.__table__.c.username, User.__table__.c.role, User.__table__.c.unit)
    .join(User.__table__, User.__table__.c.username == Token.__table__.c.username)
    .where(Token.__table__.c.token_hash == bindparam("hashed"))
)
"""Core, not ORM: it runs on every request."""


def _lookup_token(ctx: Context, hashed: str) -> tuple[Principal, dt.datetime]:
    with ctx.store.reader.connect() as conn:
        row = conn.execute(_TOKEN_QUERY, {"hashed": hashed}).first()
    if row is None:
        raise ApiError(401, "invalid token: log in again")
    expires = row[0] if row[0].tzinfo else row[0].replace(tzinfo=dt.UTC)
    return Principal(username=row[1], role=Role(row[2]), unit=row[3]), expires


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "not logged in: send Authorization: Bearer <token> (POST /api/token)")
    return token_hash(token.strip())


def current_user(request: Request) -> Principal:
    """The user behind the request's bearer token, looked up on every request (a revoked token fails at once);
    401 without a valid one."""
    principal, expires = _lookup_token(request.app.state.ctx, _bearer(request))
    if expires <= now():
        raise ApiError(401, "token expired: log in again")
    return principal


UserDep = Annotated[Principal, Depends(current_user)]
CtxDep = Annotated[Context, Depends(_ctx)]
IdParam = Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f]*$")]
ReportId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
UserName = Annotated[str, PathParam(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")]
Limit = Annotated[int, Query(ge=1, le=10000)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        if exc.status == 403:
            ctx: Context = request.app.state.ctx
            after = {"method": request.method, "path": request.url.path, "detail": exc.detail}

            def log_denial() -> None:
                with ctx.store.write() as session:
                    record(session, exc.actor, "denied", exc.target or request.url.path, None, after)

            await run_in_threadpool(log_denial)  # a blocking write must not stall the event loop
        headers = exc.headers | ({"WWW-Authenticate": "Bearer"} if exc.status == 401 else {})
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors()]
        words = "; ".join(f"{'.'.join(e['loc'][1:] or e['loc'])}: {e['msg']}" for e in errors[:5])
        return JSONResponse({"detail": words or "invalid request", "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(IntegrityError)
    async def conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc.orig)
        return JSONResponse(
            {"detail": "conflicting write (a concurrent request stored the same key); retry"}, status_code=409
        )

    @app.exception_handler(DataError)
    async def bad_value(request: Request, exc: DataError) -> JSONResponse:
        return JSONResponse(
            {"detail": f"value refused by the database: {str(exc.orig).splitlines()[0]}"}, status_code=422
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, StatementError) and isinstance(exc.orig, (ValueError, OverflowError)):
            return JSONResponse({"detail": f"value refused: {exc.orig}"}, status_code=422)
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error (logged)"}, status_code=500)

    @app.exception_handler(OperationalError)
    async def db_busy(request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database error: %s", exc.orig)
        return JSONResponse(
            {"detail": "database busy or unavailable, retry"}, status_code=503, headers={"Retry-After": "1"}
        )


def _json(content: Any, status: int = 200) -> JSONResponse:
    """A JSON response without FastAPI's re-encoding (the hot paths build plain JSON types already)."""
    return JSONResponse(content, status_code=status)


def _retrying(fn: Any, *args: Any, **kw: Any) -> Any:
    """Run a write once more when a concurrent writer in another process won a unique-key race."""
    try:
        return fn(*args, **kw)
    except IntegrityError:
        return fn(*args, **kw)


def _routes(app: FastAPI) -> None:
    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/token")
    def token(
        ctx: CtxDep,
        request: Request,
        username: Annotated[str, Form(min_length=1, max_length=100, pattern=r"^[^\x00]*$")],
        password: Annotated[str, Form(max_length=1000)],
    ) -> dict[str, Any]:
        address = request.client.host if request.client is not None else "unknown"
        return accounts.log_in(ctx, username, password, address)

    @app.post("/api/logout", status_code=204)
    def logout(ctx: CtxDep, request: Request, user: UserDep) -> Response:
        accounts.log_out(ctx, _bearer(request), user)
        return Response(status_code=204)

    @app.post("/api/me/password", status_code=204)
    def password(ctx: CtxDep, user: UserDep, body: PasswordIn) -> Response:
        accounts.change_password(ctx, user, body.current, body.new)
        return Response(status_code=204)

    @app.get("/api/users")
    def users(ctx: CtxDep, user: UserDep) -> list[dict[str, Any]]:
        return accounts.list_users(ctx, user)

    @app.post("/api/users", status_code=201)
    def add_user(ctx: CtxDep, user: UserDep, body: UserIn) -> dict[str, Any]:
        return accounts.save_user(ctx, user, body.username, body.role, body.unit, body.password, new=True)

    @app.put("/api/users/{username}")
    def change_user(ctx: CtxDep, user: UserDep, username: UserName, body: UserChangeIn) -> dict[str, Any]:
        return accounts.save_user(ctx, user, username, body.role, body.unit, body.password, new=False)

    @app.delete("/api/users/{username}", status_code=204)
    def remove_user(ctx: CtxDep, user: UserDep, username: UserName) -> Response:
        accounts.remove_user(ctx, user, username)
        return Response(status_code=204)

    @app.post("/api/users/{username}/unlock")
    def unlock_user(ctx: CtxDep, user: UserDep, username: UserName) -> dict[str, Any]:
        return accounts.unlock(ctx, user, username)

    @app.get("/api/me")
    def me(ctx: CtxDep, user: UserDep) -> dict[str, Any]:
        scope = user.reads(ctx.tree)
        reads = None if scope is None else [u for u in ctx.tree.order if u in scope]
        writes = [u for u in ctx.tree.order if u in user.writes(ctx.tree) and reports.reportable(ctx, u)]
        return {"username": user.username, "role": user.role.value, "unit": user.unit, "reads": reads, "writes": writes}

    @app.get("/api/scenario")
    def scenario(ctx: CtxDep, user: UserDep) -> dict[str, Any]:
        plan = None
        if ctx.plan is not None:
            plan = {"id": ctx.plan_id, "status": ctx.plan.status, "source": ctx.plan.source}
        return {
            "name": ctx.scenario.name,
            "title": ctx.scenario.title,
            "periods": ctx.periods,
            "products": [{"id": p.id, "name": p.name, "unit": p.unit} for p in ctx.scenario.products],
            "plan": plan,
            "plan_state": ctx.plan_state,
            "planning": overview.plan_view(ctx),
            "current_period": calendar.current_period(ctx),
        }

    @app.get("/api/units")
    def units(ctx: CtxDep, user: UserDep) -> list[dict[str, Any]]:
        t = ctx.tree
        return [
            {
                "id": u,
                "name": t.name[u],
                "kind": t.kind[u],
                "parent": t.parent[u],
                "zone": t.zone.get(u),
                "products": reports.reportable(ctx, u),
            }
            for u in t.order
        ]

    @app.post("/api/reports", status_code=201)
    def submit(ctx: CtxDep, user: UserDep, body: ReportIn) -> JSONResponse:
        out, created = _retrying(reports.submit, ctx, user, [body], batch=False)
        return _json(out[0], 201 if created else 200)

    @app.post("/api/reports/batch", status_code=201)
    def submit_batch(ctx: CtxDep, user: UserDep, body: BatchIn) -> JSONResponse:
        out, created = _retrying(reports.submit, ctx, user, body.reports, batch=True)
        return _json({"reports": out, "created": created, "existing": len(out) - created}, 201 if created else 200)

    @app.get("/api/reports")
    def list_reports(
        ctx: CtxDep,
        user: UserDep,
        unit: IdParam = None,
        period: IdParam = None,
        product: IdParam = None,
        status: IdParam = None,
        limit: Limit = 1000,
        offset: Offset = 0,
    ) -> JSONResponse:
        if status is not None and status not in STATUSES:
            raise ApiError(422, f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        return _json(
            reports.listing(
                ctx, user, unit=unit, period=period, product=product, status=status, limit=limit, offset=offset
            )
        )

    @app.get("/api/reports/{report_id}/versions")
    def report_versions(ctx: CtxDep, user: UserDep, report_id: ReportId) -> list[dict[str, Any]]:
        return reports.versions(ctx, user, report_id)

    @app.post("/api/reports/{report_id}/correct", status_code=201)
    def correct(
        ctx: CtxDep, user: UserDep, report_id: ReportId, body: CorrectionIn, response: Response
    ) -> dict[str, Any]:
        out, created = _retrying(reports.correct, ctx, user, report_id, body)
        if not created:
            response.status_code = 200
        return out  # type: ignore[no-any-return]

    @app.post("/api/reports/{report_id}/approve")
    def approve(ctx: CtxDep, user: UserDep, report_id: ReportId) -> dict[str, Any]:
        return reports.decide(ctx, user, report_id, True)

    @app.post("/api/reports/{report_id}/return")
    def send_back(ctx: CtxDep, user: UserDep, report_id: ReportId, body: ReturnIn) -> dict[str, Any]:
        return reports.decide(ctx, user, report_id, False, body.reason)

    @app.get("/api/rollup")
    def get_rollup(
        ctx: CtxDep,
        user: UserDep,
        period: IdParam = None,
        unit: IdParam = None,
        product: IdParam = None,
        group: IdParam = "region",
        children: bool = False,
        by: IdParam = "period",
    ) -> JSONResponse:
        if by == "year":  # a quarterly plan's reports summed by year
            return _json(
                years.rollup_years(
                    ctx, user, year=period, unit=unit, product=product, group=group or "region", children=children
                )
            )
        if by not in (None, "period"):
            raise ApiError(422, f"by must be 'period' or 'year', not {by!r}")
        return _json(
            rollup.rollup(
                ctx, user, period=period, unit=unit, product=product, group=group or "region", children=children
            )
        )

    @app.get("/api/overview")
    def get_overview(ctx: CtxDep, user: UserDep, unit: IdParam = None, period: IdParam = None) -> JSONResponse:
        return _json(overview.overview(ctx, user, unit=unit, period=period))

    @app.get("/api/completeness")
    def get_completeness(
        ctx: CtxDep,
        user: UserDep,
        unit: IdParam = None,
        period: IdParam = None,
        find: IdParam = None,
        limit: Annotated[int, Query(ge=0, le=1000)] = 50,
        offset: Offset = 0,
    ) -> JSONResponse:
        return _json(overview.completeness(ctx, user, unit=unit, period=period, find=find, limit=limit, offset=offset))

    @app.get("/api/agreements")
    def agreements(ctx: CtxDep, user: UserDep, as_of: dt.date | None = None) -> list[dict[str, Any]]:
        return rollup.agreement_rows(ctx, user, as_of)

    @app.post("/api/agreements/{agreement_id}/deliveries", status_code=201)
    def deliver(
        ctx: CtxDep,
        user: UserDep,
        agreement_id: Annotated[str, PathParam(max_length=100)],
        body: DeliveryIn,
        response: Response,
    ) -> dict[str, Any]:
        aid, created = deliveries.record_delivery(ctx, user, agreement_id, body)
        if not created:
            response.status_code = 200
        return rollup.agreement_rows(ctx, user, None, only=aid)[0]

    @app.get("/api/agreements/{agreement_id}/deliveries")
    def delivery_list(
        ctx: CtxDep, user: UserDep, agreement_id: Annotated[str, PathParam(max_length=100)]
    ) -> list[dict[str, Any]]:
        return deliveries.delivery_versions(ctx, user, agreement_id)

    @app.post("/api/deliveries/{delivery_id}/correct", status_code=201)
    def correct_delivery(
        ctx: CtxDep, user: UserDep, delivery_id: ReportId, body: DeliveryCorrectionIn, response: Response
    ) -> dict[str, Any]:
        out, created = deliveries.correct_delivery(ctx, user, delivery_id, body)
        if not created:
            response.status_code = 200
        return out

    @app.get("/api/settings")
    def get_settings(ctx: CtxDep, user: UserDep) -> dict[str, Any]:
        return calendar.settings_view(ctx)

    @app.put("/api/settings")
    def put_settings(ctx: CtxDep, user: UserDep, body: SettingsIn) -> dict[str, Any]:
        if user.role is not Role.planner:
            raise ApiError(403, "only planners change settings", actor=user.username, target="settings")
        with ctx.store.write() as session:
            calendar.set_current_period(ctx, session, user.username, body.current_period)
        return calendar.settings_view(ctx)

    @app.get("/api/plans")
    def plan_list(ctx: CtxDep, user: UserDep) -> list[dict[str, Any]]:
        return plan_versions.listing(ctx)

    @app.post("/api/plans/replan", status_code=202)
    def replan_start(ctx: CtxDep, user: UserDep, body: ReplanIn | None = None) -> dict[str, Any]:
        body = body or ReplanIn()
        return replanning.start(ctx, user, body.period, body.basis, body.reserve)

    @app.get("/api/plans/replan")
    def replan_state(ctx: CtxDep, user: UserDep) -> dict[str, Any]:
        return replanning.job_view(ctx)

    @app.get("/api/plans/{plan_id}")
    def plan_one(ctx: CtxDep, user: UserDep, plan_id: ReportId) -> dict[str, Any]:
        return plan_versions.one(ctx, plan_id)

    @app.post("/api/plans/{plan_id}/activate")
    def plan_activate(ctx: CtxDep, user: UserDep, plan_id: ReportId) -> dict[str, Any]:
        return plan_versions.activate(ctx, user, plan_id)

    @app.get("/api/flags")
    def flags(ctx: CtxDep, user: UserDep, unit: IdParam = None, period: IdParam = None) -> JSONResponse:
        return _json(rollup.flag_rows(ctx, user, unit, period))

    @app.get("/api/audit-log")
    def audit_log(
        ctx: CtxDep,
        user: UserDep,
        limit: Limit = 200,
        offset: Offset = 0,
        action: IdParam = None,
    ) -> list[dict[str, Any]]:
        if user.role is not Role.planner:
            raise ApiError(403, "only planners read the audit log", actor=user.username, target="audit-log")
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
        if action is not None:
            stmt = stmt.where(AuditEntry.action == action)
        from leapplan.service.context import iso

        with ctx.store.read() as session:
            return [
                {
                    "id": e.id,
                    "at": iso(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "target": e.target,
                    "before": e.before,
                    "after": e.after,
                }
                for e in session.scalars(stmt)
            ]

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        page = _static_dir() / "index.html"
        if not page.is_file():
            return JSONResponse({"detail": "the dashboard is not installed (static/index.html missing)"}, 404)
        return FileResponse(page, media_type="text/html")


def _solve_in_background(ctx: Context) -> None:
    """Solve the plan while the service already answers; planned values appear when it is done. The planner's
    stages (when it reports them) go to ``ctx.plan_progress`` for the dashboard."""
    ctx.plan_started = time.monotonic()

    def progress(stage: str, k: int, n: int) -> None:
        ctx.plan_progress = {"stage": str(stage)[:200], "k": int(k), "n": int(n)}

    try:
        solved, state = solve_now(ctx.scenario, progress)
    except Exception as exc:  # noqa: BLE001 - the service keeps running without a plan and says why
        log.exception("solving the plan failed")
        ctx.plan_state = f"failed: {exc}"
        return
    if solved is None:
        ctx.plan_state = state
        return
    install_plan(ctx, solved)
    log.info("plan %s installed (%s)", ctx.plan_id, solved.status)


def create_app(
    db_url: str,
    scenario: str | Path | Scenario | None = None,
    plan: Any = None,
    demo_users: bool = False,
    *,
    solve: bool = True,
    four_eyes: bool = True,
) -> FastAPI:
    """The service on ``db_url``: migrates, records the scenario/plan/units, optionally creates demo users.

    ``scenario`` is a Scenario, an embedded name or a path (default shanxi-1958); ``plan`` a PlanResult, a
    ``leapplan plan --out`` folder or None (then, when ``solve``, the database's plan for this scenario version is
    reused, or the plan is solved on a background thread: the service answers at once and planned values appear
    when the plan is ready; see ``plan_state`` in GET /api/scenario). ``four_eyes``: a planner may not approve
    a report whose latest version they submitted themselves.
    """
    s = scenario if isinstance(scenario, Scenario) else load(scenario)
    store = Store(db_url)
    given = active_plan(s, plan, solve=False) if plan is not None else None
    ctx = prepare(store, s, given, with_demo_users=demo_users)
    ctx.four_eyes = four_eyes
    ctx.throttle = accounts.Throttle()
    ctx.auditor = Auditor(
        store,
        s,
        ctx.tree,
        ctx.plan.production if ctx.plan is not None else None,
        ctx.plan.support if ctx.plan is not None else None,
    )
    ctx.committer = Committer(store, reports.store_alone(ctx), ctx.auditor)
    redo = ctx.auditor.queue_unaudited()
    if redo:
        log.warning("auditing %d report versions left unaudited by the last run", redo)
    replanning.recover(ctx)
    reuse = stored_plan(ctx) if plan is None and solve else None
    if reuse is not None:
        install_plan(ctx, reuse, stored=True)
    elif plan is None and solve:
        ctx.plan_state = "solving"
        threading.Thread(target=_solve_in_background, args=(ctx,), name="leapplan-plan", daemon=True).start()
    app = FastAPI(
        title="leapplan monitoring service",
        version="1",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.ctx = ctx
    _install_handlers(app)
    _routes(app)
    static = _static_dir()
    if static.is_dir():
        app.mount("/static", StaticFiles(directory=static), name="static")
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)  # added last: outermost, so even BodyLimit's 413 carries the headers
    return app
