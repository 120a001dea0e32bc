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
    reports: Annotated[
        Path,
        typer.Option(
            "--reports",
            help="CSV of reports up to the end of the period (as for `leapplan audit`; an optional in_service column "
            "gives an enterprise's capacity still standing, units per year).",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the new plan version (new or empty).")],
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
    as_json: Annotated[bool, typer.Option("--json", help="Print the version record (what changed) as JSON.")] = False,
) -> None:
    """Re-plan the remaining periods from audited reports; write the new version and say what changed."""
    from leapplan.audit.command import read_csv
    from leapplan.plan.replan import read_state
    from leapplan.plan.replan import replan as solve_replan
    from leapplan.plan.result import PlanStatus, load_plan
    from leapplan.plan.revision import check_new_folder, save_version, what_changed
    from leapplan.scenario import load

    check_new_folder(plan_dir, out)
    old = load_plan(plan_dir)
    s = load(scenario if scenario is not None else old.scenario)
    if old.scenario != s.name:
        raise LeapplanError(f"{plan_dir}: the plan is for scenario {old.scenario!r}, not {s.name!r}")
    if old.status is PlanStatus.infeasible:
        raise LeapplanError(f"{plan_dir}: the plan is infeasible ({old.reason}); there is nothing to revise")
    frame = read_csv(reports, "reports", {"report_id": str, "unit": str, "period": str, "product": str})
    state = read_state(s, old, frame, period=period, basis="reported" if reported else "audited")
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


def _print(record: dict[str, Any], status: str, out: Path, console: Console) -> None:
    console.print(f"[bold]version {record['version']}[/bold] ({status}) written to {out}")
    for line in record["changes"]["words"]:
        console.print(f"• {escape(line)}", highlight=False)
