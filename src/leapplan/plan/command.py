"""``leapplan plan``: solve the plan, print target cuts, weak links and support; --json, --out DIR.

Registered by the lead in ``cli.py`` as ``app.command("plan")(plan)``.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from leapplan.plan.decomposed import Decompose
from leapplan.plan.result import PlanResult, save_plan
from leapplan.plan.solve import solve_plan
from leapplan.scenario.model import Scenario


def _fmt(v: object) -> str:
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–"
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


def _short(v: object) -> str:
    """A quantity in four significant digits with M (million) or bn (billion) from a million up; JSON keeps it exact."""
    if isinstance(v, float) and math.isfinite(v) and abs(v) >= 1e6:
        return f"{v / 1e9:,.4g} bn" if abs(v) >= 1e9 else f"{v / 1e6:,.4g} M"
    return _fmt(v)


def print_plan(result: PlanResult, console: Console) -> None:
    """Status, what the plan serves (its objective's parts), targets (required / achievable / cut, usable output)
    with the explanation of every cut, food and the grain reserve, top weak links and technician assignments."""
    colour = {"feasible": "green", "targets_cut": "yellow", "infeasible": "red"}[result.status.value]
    console.print(
        f"[bold]{result.scenario}[/bold]: [{colour}]{result.status.value}[/{colour}]"
        f"  (build {result.solver.get('build_seconds', 0):.2f} s, solve {result.solver.get('solve_seconds', 0):.2f} s)"
    )
    if result.reason:
        console.print(f"[red]{result.reason}[/red]")
    if result.solver.get("method") == "decomposed":
        for st in result.solver.get("stages", []):
            if "iterations" in st:
                console.print(
                    f"decomposed stage {st['stage']}: {st['status']} after {st['iterations']} iterations, "
                    f"{st['blocks']} blocks, {st['linking_rows']} linking rows, bounds {_fmt(st['objective'])} / "
                    f"{_fmt(st['bound'])}, gap {st['gap']:.2g}, largest row violation {st.get('violation', math.nan):.2g}",
                    highlight=False,
                )
    parts = result.solver.get("objective_parts", {})
    if parts:
        console.print(
            "After the targets the plan serves people: "
            f"{_fmt(parts.get('better_fed', 0.0))} yuan of grain eaten above the guardrail and "
            f"{_fmt(parts.get('more_goods', 0.0))} yuan of other consumption above the base year's per head, "
            f"for {_fmt(result.objective)} yuan of funds and imports (the plan's cost), all at base-year prices "
            "over the plan years."
        )
    t = Table(
        title="Targets (usable output: gross output × the usable-quality share)",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for c in ("target", "year", "prio", "required", "achievable", "cut", "cut %", "unit"):
        t.add_column(c, justify="left" if c in ("target", "unit") else "right", no_wrap=True)
    for row in result.targets.itertuples(index=False):
        share = getattr(row, "cut_share", float("nan"))
        t.add_row(
            str(row.id),
            str(row.year),
            "hard" if row.hard else str(row.priority),
            _short(row.required),
            _short(row.achievable),
            _short(row.cut),
            _fmt(100 * share),
            str(row.unit),
        )
    console.print(t)
    for text in result.targets.get("explanation", []):
        if isinstance(text, str) and text:
            console.print(f"• {text}", highlight=False)
    reserve = result.reserve
    if len(reserve) and "closing" in reserve:
        food = result.food
        people = food[food.get("population", 1) > 0] if "population" in food else food
        low = people.groupby("period")["food_per_head"].min()
        r = Table(title="Food and the state grain reserve", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for c in ("period", "least per head", "floor", "reserve at end", "cover for bad years"):
            r.add_column(c, justify="right", no_wrap=True)
        for row in reserve.itertuples(index=False):
            r.add_row(
                str(row.period),
                f"{low.get(row.period, float('nan')):,.1f} kg",
                f"{people['floor'].iat[0]:,.0f} kg" if len(people) else "–",
                f"{row.closing:,.0f} t",
                f"{getattr(row, 'cover_needed', 0.0):,.0f} t",
            )
        console.print(r)
    w = Table(title="Weak links (what one more unit is worth)")
    w.add_column("#", justify="right")
    w.add_column("for")
    w.add_column("explanation")
    w.add_column("value of +1 %", justify="right", no_wrap=True)
    by_block = "block" in result.weak_links.columns
    if by_block:
        w.add_column("block")
    for k, row in enumerate(result.weak_links.head(10).itertuples(index=False), start=1):
        w.add_row(
            str(k),
            str(getattr(row, "target", "")),
            str(row.explanation),
            _fmt(getattr(row, "value_of_one_percent", float("nan"))),
            *([str(getattr(row, "block", ""))] if by_block else []),
        )
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


def solve_with_progress(scenario: Scenario, console: Console, decompose: Decompose | None = None) -> PlanResult:
    """``solve_plan`` with a status line on ``console``: stage k of n, its name and the time so far."""
    started = time.perf_counter()
    with console.status(f"planning {scenario.name}: building the LP …") as status:

        def show(stage: str, k: int, n: int) -> None:
            status.update(
                f"planning {scenario.name}: stage {k} of {n}, {stage} ({time.perf_counter() - started:.0f} s)"
            )

        return solve_plan(scenario, progress=show, decompose=decompose)


def plan(
    scenario: Annotated[str | None, typer.Argument(help="Embedded scenario name or scenario file/folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan summary as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write every plan table (CSV) and plan.json here.")] = None,
    decompose: Annotated[
        bool,
        typer.Option(
            "--decompose", help="Solve each stage by a block interior point over blocks of regions, the blocks on Dask."
        ),
    ] = False,
    blocks: Annotated[
        int | None,
        typer.Option("--blocks", help="With --decompose: N blocks balanced by size (default: one per prefecture)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="With --decompose: Dask worker processes (0: solve blocks here; default 2)."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="With --decompose: address of a running Dask scheduler.")
    ] = None,
    gap: Annotated[
        float,
        typer.Option(
            "--gap",
            help="With --decompose: a stage ends when (upper − lower) / max(|upper|, |lower|, 1e-6) is at most this.",
        ),
    ] = 1e-4,
) -> None:
    """Plan the scenario: meet the targets in priority order, say what must be cut and why."""
    from leapplan.scenario import load

    if not decompose and (blocks is not None or scheduler is not None or workers is not None):
        raise typer.BadParameter("--blocks, --workers and --scheduler need --decompose")
    workers = Decompose.workers if workers is None else workers
    how = Decompose(blocks=blocks, workers=workers, scheduler=scheduler, gap=gap) if decompose else None
    if how is not None:
        how.check()
    s = load(scenario)
    result = solve_with_progress(s, Console(stderr=True), how)
    if out is not None:
        save_plan(result, out)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    print_plan(result, Console())
    if out is not None:
        Console().print(f"plan tables written to {out}")
