"""``leapplan replan``: the plan for the remaining periods from what the reports (audited) say happened.

Registered in ``cli.py`` as ``app.command("replan")(replan)``. This module loads only typer and rich when the CLI
starts; the planner and the audit load when the command runs.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from leapplan.errors import LeapplanError


def replan(
    plan_dir: Annotated[Path, typer.Option("--plan", help="The plan in force (a folder from `leapplan plan --out`).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the new plan version (new or empty).")],
    reports: Annotated[
        Path | None,
        typer.Option(
            "--reports",
            help="CSV of reports up to the end of the period (as for `leapplan audit`; an optional in_service column "
            "gives an enterprise's capacity still standing, units per year).",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Read the reports from the monitoring service's database instead (sqlite:///FILE, "
            "postgresql+psycopg://…): the latest version of every report not returned. Exactly one of --reports, --db.",
        ),
    ] = None,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Scenario name or path (default: the plan's scenario).")
    ] = None,
    period: Annotated[
        str | None, typer.Option("--period", help="The last period that has happened (default: the latest reported).")
    ] = None,
    reported: Annotated[
        bool,
        typer.Option("--reported", help="Take the reports as they stand, not as audited (the historical ratchet)."),
    ] = False,
    reserve: Annotated[
        float | None,
        typer.Option(
            "--reserve",
            min=0.0,
            help="The state grain reserve counted in store at the end of the period, t (default: what the plan's "
            "books leave). Refilling it is then the re-plan's first aim, as far as the harvests allow.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the version record (what changed) as JSON.")] = False,
) -> None:
    """Re-plan the remaining periods from audited reports; write the new version and say what changed."""
    from leapplan.audit.command import read_csv
    from leapplan.plan.replan import read_state
    from leapplan.plan.replan import replan as solve_replan
    from leapplan.plan.result import PlanStatus, load_plan
    from leapplan.plan.revision import check_new_folder, save_version, what_changed
    from leapplan.scenario import load

    if (reports is None) == (db is None):
        raise typer.BadParameter("give exactly one of --reports FILE and --db URL", param_hint="--reports")
    check_new_folder(plan_dir, out)
    old = load_plan(plan_dir)
    s = load(scenario if scenario is not None else old.scenario)
    if old.scenario != s.name:
        raise LeapplanError(f"{plan_dir}: the plan is for scenario {old.scenario!r}, not {s.name!r}")
    if old.status is PlanStatus.infeasible:
        raise LeapplanError(f"{plan_dir}: the plan is infeasible ({old.reason}); there is nothing to revise")
    if reports is not None:
        frame = read_csv(reports, "reports", {"report_id": str, "unit": str, "period": str, "product": str})
    else:
        frame = _db_reports(str(db), s.name)
    state = read_state(s, old, frame, period=period, basis="reported" if reported else "audited", reserve=reserve)
    err = Console(stderr=True)
    started = time.perf_counter()
    with err.status(f"re-planning {s.name} after {state.period} …") as status:

        def show(stage: str, k: int, n: int) -> None:
            status.update(f"re-planning {s.name}: stage {k} of {n}, {stage} ({time.perf_counter() - started:.0f} s)")

        new = solve_replan(s, state, progress=show)
    account = what_changed(old, new, state)
    record = save_version(new, account, plan_dir, out)
    if as_json:
        typer.echo(json.dumps({**record, "status": new.status.value}, indent=2, ensure_ascii=False, default=str))
        return
    _print(record, new.status.value, out, Console())


def _db_reports(url: str, scenario: str) -> Any:
    """The reports of the service database at ``url`` as ``leapplan audit`` reads them (replanning.reports_frame);
    ServiceError when the database is unreachable, has no service schema, monitors another scenario or holds no
    reports. Reads only: the schema must be at the newest revision already."""
    from sqlalchemy import select
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, DBAPIError

    from leapplan.errors import ServiceError
    from leapplan.service.db import Store, current_revision, head_revision, normalise_url
    from leapplan.service.models import ScenarioVersion
    from leapplan.service.replanning import reports_frame

    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise ServiceError(f"--db {url}: not a database URL (sqlite:///FILE or postgresql+psycopg://…)") from None
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").expanduser().is_file():
        raise ServiceError(f"--db {url}: no such database file")  # reading must not create an empty one
    store = Store(url)
    try:
        revision = current_revision(store.reader)
        if revision is None:
            raise ServiceError(f"--db {store.url}: no service database there (no schema; `leapplan serve` makes one)")
        if revision != head_revision():
            raise ServiceError(
                f"--db {store.url}: the database is at schema revision {revision}, this leapplan reads "
                f"{head_revision()}: run `leapplan db upgrade --db URL` first"
            )
        with store.read() as session:
            monitored = session.scalars(select(ScenarioVersion.name).where(ScenarioVersion.active)).first()
            if monitored is not None and monitored != scenario:
                raise ServiceError(f"--db {store.url}: the database monitors scenario {monitored!r}, not {scenario!r}")
            frame = reports_frame(session)
    except DBAPIError as exc:
        raise ServiceError(
            f"--db {store.url}: cannot read the database ({str(exc.orig).strip().splitlines()[0]})"
        ) from None
    finally:
        store.dispose()
    if frame.empty:
        raise ServiceError(f"--db {store.url}: the database holds no reports (returned ones do not count)")
    return frame


def _print(record: dict[str, Any], status: str, out: Path, console: Console) -> None:
    console.print(f"[bold]version {record['version']}[/bold] ({status}) written to {out}")
    for line in record["changes"]["words"]:
        console.print(f"• {escape(line)}", highlight=False)
