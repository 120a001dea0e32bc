"""``leapplan simulate`` and ``leapplan replay``: Monte Carlo ensembles and the history replay.

Registered in ``cli.py`` as ``app.command("simulate")(simulate)`` and ``app.command("replay")(replay)``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from leapplan.errors import SimulationError
from leapplan.simulate.ensemble import EnsembleResult, run_ensemble
from leapplan.simulate.frictions import FRICTIONS, Frictions
from leapplan.simulate.replay import Replay
from leapplan.simulate.replay import replay as run_replay

logger = logging.getLogger(__name__)


def default_workers() -> int:
    """Workers of the default LocalCluster: the machine's cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def simulate_for_run(scenario: Any, plan: Any | None, runs: int = 200, seed: int | None = None) -> EnsembleResult:
    """The short in-process simulation ``leapplan run`` includes: ``runs`` runs of ``plan`` in this process.

    An infeasible plan has no production to carry out: the scenario's policies (or its base year) are
    simulated instead, and the result's ``mode`` says so.
    """
    if plan is not None and str(getattr(plan, "status", "")).endswith("infeasible"):
        logger.warning("the plan is infeasible; simulating the scenario's policies instead")
        plan = None
    return run_ensemble(scenario, plan, runs, seed=seed, workers=1)


def frictions_from(without: list[str] | None, none: bool) -> Frictions:
    """Frictions from the command's --without / --no-frictions options."""
    fr = Frictions.none() if none else Frictions()
    return fr.without(*without) if without else fr


def written_plan(scenario: Any, folder: Path) -> Any:
    """The plan ``leapplan plan --out`` wrote into ``folder``, checked to be a plan of ``scenario``."""
    from leapplan.plan import load_plan

    plan = load_plan(folder)
    if plan.scenario != scenario.name:
        raise SimulationError(f"{folder} holds a plan of {plan.scenario!r}, not of {scenario.name!r}")
    if str(plan.status).endswith("infeasible"):
        raise SimulationError(f"{folder} holds an infeasible plan: {plan.reason}")
    return plan


def plan_or_none(scenario: Any) -> tuple[Any | None, str]:
    """leapplan's plan for the scenario when the planner is available and finds one, else (None, why)."""
    from leapplan.simulate.replay import leapplan_plan

    return leapplan_plan(scenario)


def simulate(
    scenario: Annotated[str | None, typer.Argument(help="Scenario name or path (default: shanxi-1958).")] = None,
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, help="Monte Carlo runs.")] = 1000,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Workers of the local Dask cluster (default: cores, at most 4; 1 = in this process).",
        ),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler, e.g. tcp://host:8786.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed (default: the scenario's).")] = None,
    policies: Annotated[
        bool, typer.Option("--policies", help="Carry out the scenario's policies instead of leapplan's plan.")
    ] = False,
    plan_dir: Annotated[
        Path | None,
        typer.Option("--plan", help="Carry out the plan written by `leapplan plan --out DIR` (no solve)."),
    ] = None,
    without: Annotated[
        list[str] | None, typer.Option("--without", help=f"Switch a friction off; repeatable: {', '.join(FRICTIONS)}.")
    ] = None,
    no_frictions: Annotated[bool, typer.Option("--no-frictions", help="Switch every friction off.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Carry a plan out N times under frictions (on Dask) and print 5/50/95 % bands of every series."""
    from leapplan.scenario import load

    s = load(scenario)
    fr = frictions_from(without, no_frictions)
    if policies and plan_dir is not None:
        raise SimulationError("--policies and --plan exclude each other: choose what to carry out")
    if plan_dir is not None:
        plan, source = written_plan(s, plan_dir), f"the plan in {plan_dir}"
    elif policies:
        plan, source = None, "the scenario's policies (--policies)"
    else:
        if not json_out:
            Console(stderr=True).print(f"planning {s.name} with leapplan's planner (use --plan DIR to skip) …")
        plan, source = plan_or_none(s)
    if plan is None and not policies:
        source = f"the scenario's policies: {source}"
    w = workers or default_workers()
    result = run_ensemble(s, plan, runs, seed=seed, frictions=fr, workers=w, scheduler=scheduler, progress=not json_out)
    if json_out:
        data = result.to_json()
        data["plan"] = source
        typer.echo(json.dumps(data, indent=1, allow_nan=False))
        return
    print_ensemble(wide_console(), result, source)


def replay(
    scenario: Annotated[str, typer.Argument(help="Scenario with announced policies (e.g. china-1957).")] = "china-1957",
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, help="Monte Carlo runs per trajectory.")] = 200,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Workers (1 = in process).")] = 1,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed (default: the scenario's).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Replay history: the announced policies against leapplan's feasible plan with the food floor."""
    from leapplan.scenario import load

    s = load(scenario)
    if not s.policies:
        raise SimulationError(f"{s.name} has no policies to replay; try china-1957")
    r = run_replay(s, runs, seed=seed, workers=workers, scheduler=scheduler, progress=not json_out)
    if json_out:
        typer.echo(json.dumps(r.to_json(), indent=1, allow_nan=False))
        return
    print_replay(wide_console(), r)


def _band(b: dict[str, float] | None, digits: int = 1) -> str:
    if b is None:
        return "–"
    return f"{b['0.5']:,.{digits}f} ({b['0.05']:,.{digits}f}–{b['0.95']:,.{digits}f})"


def print_replay(console: Console, r: Replay) -> None:
    """Both trajectories side by side: per series one line announced, one line leapplan; median (5–95 %)."""
    console.print(
        f"[bold]{r.scenario}[/]: {r.announced.runs} runs each, seed {r.announced.seed}. "
        f"announced = the policies as announced; leapplan = {r.leapplan_source}."
    )
    rows = r.rows()
    periods = list(dict.fromkeys(row["period"] for row in rows))
    table = Table(title="Announced policies vs leapplan: median (5–95 % band)", title_justify="left")
    table.add_column("series")
    table.add_column("unit")
    table.add_column("trajectory")
    for p in periods:
        table.add_column(p, justify="right")
    by_series: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_series.setdefault(row["series"], []).append(row)
    for label, cells in by_series.items():
        digits = 0 if cells[0]["unit"] == "kg/yr" else 1
        for k, name in enumerate(("announced", "leapplan")):
            table.add_row(
                label if k == 0 else "",
                cells[0]["unit"] if k == 0 else "",
                name,
                *[_band(row.get(name), digits) for row in cells],
                end_section=k == 1,
            )
    console.print(table)
    floor = r.announced.floor
    a = ", ".join(f"{p}: {100 * v:.0f} %" for p, v in zip(periods, r.announced.share_below_floor, strict=False))
    b = ", ".join(f"{p}: {100 * v:.0f} %" for p, v in zip(periods, r.leapplan.share_below_floor, strict=False))
    console.print(f"runs with a region below the food floor of {floor:g} kg/yr — announced: {a}; leapplan: {b}")


def wide_console() -> Console:
    """The terminal, or 160 columns when writing to a file or pipe."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def print_ensemble(console: Console, e: EnsembleResult, source: str) -> None:
    """Median and 5–95 % band of the main series, per period."""
    console.print(
        f"[bold]{e.scenario}[/]: {e.runs:,} runs, seed {e.seed}, {e.workers} worker(s), {e.seconds:.1f} s; "
        f"carrying out {source}; frictions: {', '.join(e.frictions) or 'none'}"
    )
    periods = [str(p) for p in e.bands["period"].values]
    ds = e.bands
    order = sorted(ds["product"].values, key=lambda p: -float(ds["planned"].sel(quantile=0.5, product=p).sum()))
    t = Table(title="Actual output (median, 5–95 %) and fulfilment of the plan", title_justify="left")
    t.add_column("product")
    t.add_column("unit")
    for p in periods:
        t.add_column(p, justify="right")
    for prod in order:
        if float(ds["planned"].sel(product=prod).max()) <= 0 and float(ds["actual"].sel(product=prod).max()) <= 0:
            continue
        cells = []
        for p in periods:
            a = ds["actual"].sel(product=prod, period=p)
            f = float(ds["fulfilment"].sel(product=prod, period=p, quantile=0.5))
            band = {f"{q:g}": float(a.sel(quantile=q)) for q in (0.05, 0.5, 0.95)}
            cells.append(f"{_short(band['0.5'])} ({_short(band['0.05'])}–{_short(band['0.95'])}) {_pct(f)}")
        t.add_row(str(prod), str(ds["unit"].sel(product=prod).values), *cells)
    console.print(t)
    t = Table(title="Food, grain and output value (median, 5–95 %)", title_justify="left")
    t.add_column("series")
    for p in periods:
        t.add_column(p, justify="right")
    for name, label, scale in (
        ("food_per_head", "food per head, kg/yr", 1.0),
        ("food_per_head_lowest", "lowest region, kg/yr", 1.0),
        ("grain", "grain, t", 1.0),
        ("grain_reported", "grain reported, t", 1.0),
        ("output_value_actual", "output value, yuan", 1.0),
        ("output_value_reported", "reported value, yuan", 1.0),
    ):
        v = ds[name]
        t.add_row(label, *[_short_band(v.sel(period=p), scale) for p in periods])
    t.add_row("runs below the food floor", *[f"{100 * x:.0f} %" for x in e.share_below_floor])
    console.print(t)
    console.print(
        f"runs with a region below the food floor of {e.floor:g} kg per head in any period: "
        f"{100 * e.share_below_floor_any_year:.0f} %"
    )


def _pct(f: float) -> str:
    return "" if f != f else f"[{100 * f:.0f} %]"


def _short(v: float) -> str:
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.2f}bn"
    if a >= 1e6:
        return f"{v / 1e6:.2f}M"
    if a >= 1e4:
        return f"{v / 1e3:.0f}k"
    return f"{v:,.0f}"


def _short_band(v: Any, scale: float) -> str:
    lo, mid, hi = (float(v.sel(quantile=q)) * scale for q in (0.05, 0.5, 0.95))
    return f"{_short(mid)} ({_short(lo)}–{_short(hi)})"


__all__ = ["replay", "simulate", "simulate_for_run"]
