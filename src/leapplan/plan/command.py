"""``leapplan plan``: solve the plan, print target cuts, weak links and support; --json, --out DIR.

Registered by the lead in ``cli.py`` as ``app.command("plan")(plan)``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leapplan.plan.result import PlanResult, save_plan
from leapplan.plan.solve import solve_plan


def _fmt(v: object) -> str:
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–"
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


def print_plan(result: PlanResult, console: Console) -> None:
    """Status, targets (required / achievable / cut), top weak links and technician assignments."""
    colour = {"feasible": "green", "targets_cut": "yellow", "infeasible": "red"}[result.status.value]
    stages = {s.get("stage"): str(s.get("status", "")) for s in result.solver.get("stages", [])}
    cost = "cost (not minimised)" if stages.get("least cost", "").startswith("skipped") else "least cost"
    console.print(
        f"[bold]{result.scenario}[/bold]: [{colour}]{result.status.value}[/{colour}]"
        f"  {cost} {_fmt(result.objective)} yuan"
        f"  (build {result.solver.get('build_seconds', 0):.2f} s,"
        f" solve {result.solver.get('solve_seconds', 0):.2f} s)"
    )
    if result.reason:
        console.print(f"[red]{result.reason}[/red]")
    t = Table(title="Targets")
    for c in ("target", "year", "prio", "required", "achievable", "cut", "cut %", "unit"):
        t.add_column(c, justify="right" if c not in ("target", "unit") else "left")
    for row in result.targets.itertuples(index=False):
        share = getattr(row, "cut_share", float("nan"))
        t.add_row(
            str(row.id),
            str(row.year),
            "hard" if row.hard else str(row.priority),
            _fmt(row.required),
            _fmt(row.achievable),
            _fmt(row.cut),
            _fmt(100 * share),
            str(row.unit),
        )
    console.print(t)
    w = Table(title="Weak links (what one more unit is worth)")
    w.add_column("#", justify="right")
    w.add_column("explanation")
    w.add_column("value of +1 %", justify="right")
    for k, row in enumerate(result.weak_links.head(10).itertuples(index=False), start=1):
        w.add_row(str(k), str(row.explanation), _fmt(getattr(row, "value_of_one_percent", float("nan"))))
    console.print(w)
    sup = result.support
    tech = sup[sup["kind"] == "technicians"] if len(sup) else sup
    if len(tech):
        first = tech[tech["period"] == tech["period"].min()].sort_values("quantity", ascending=False).head(10)
        s = Table(title=f"Technicians sent, {first['period'].iat[0]} (top 10)")
        for c in ("from", "to", "persons"):
            s.add_column(c, justify="right" if c == "persons" else "left")
        for row in first.itertuples(index=False):
            s.add_row(str(row.source), str(row.member), _fmt(float(row.quantity)))
        console.print(s)


def plan(
    scenario: Annotated[str | None, typer.Argument(help="Embedded scenario name or scenario file/folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan summary as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write every plan table (CSV) and plan.json here.")] = None,
) -> None:
    """Plan the scenario: meet the targets in priority order, say what must be cut and why."""
    from leapplan.scenario import load

    result = solve_plan(load(scenario))
    if out is not None:
        save_plan(result, out)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    print_plan(result, Console())
    if out is not None:
        Console().print(f"plan tables written to {out}")
