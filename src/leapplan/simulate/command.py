"""``leapplan simulate`` and ``leapplan replay``: Monte Carlo ensembles and the history replay.

Registered in ``cli.py`` as ``app.command("simulate")(simulate)`` and ``app.command("replay")(replay)``.
This module loads only typer and rich when the CLI starts; the simulation loads when a command runs.
"""

from __future__ import annotations

import json
import logging
import math
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from leapplan.errors import SimulationError
from leapplan.simulate import DEFAULT_RUNS

if TYPE_CHECKING:
    from leapplan.simulate.ensemble import EnsembleResult
    from leapplan.simulate.frictions import Frictions
    from leapplan.simulate.replay import Replay

logger = logging.getLogger(__name__)

FRICTION_NAMES = (
    "build_delays, learning, indigenous_quality, harvest_shocks, transport_breakdowns, harvest_labour, reporting_bias"
)
"""For --without's help, without loading the simulation (a test checks it against ``FRICTIONS``)."""
MECHANISM_NAMES = (
    "investment, wear, capacity_ratchet, labour_stays, sown_area, seed_grain, mess_halls, hunger, shock_persistence, "
    "harvest_season, retrenchment, write_off"
)
"""The same for the mechanisms (a test checks it against ``MECHANISMS``)."""
WITHOUT_HELP = (
    f"Switch a friction or mechanism off; repeatable. Frictions: {FRICTION_NAMES}. Mechanisms (policy mode; "
    f"shock_persistence in every mode): {MECHANISM_NAMES}."
)

PROGRESS_STEPS = 20
"""The progress bar moves in about this many steps: runs go in batches of 1/20 of them (at most the model's
batch size); the bands do not depend on the batches (run i always draws from child i of the seed)."""


def simulate_for_run(
    scenario: Any, plan: Any | None, runs: int = DEFAULT_RUNS, seed: int | None = None
) -> EnsembleResult:
    """The short in-process simulation ``leapplan run`` includes: ``runs`` runs of ``plan`` in this process.

    An infeasible plan has no production to carry out: the scenario's policies (or its base year) are
    simulated instead, and the result's ``mode`` says so.
    """
    from leapplan.simulate.ensemble import run_ensemble

    if plan is not None and str(getattr(plan, "status", "")).endswith("infeasible"):
        logger.warning("the plan is infeasible; simulating the scenario's policies instead")
        plan = None
    return run_ensemble(scenario, plan, runs, seed=seed, workers=1)


def frictions_from(without: list[str] | None, none: bool) -> Frictions:
    """Frictions from the command's --without / --no-frictions options."""
    from leapplan.simulate.frictions import Frictions

    fr = Frictions.none() if none else Frictions()
    return fr.without(*without) if without else fr


def plan_or_none(scenario: Any) -> tuple[Any | None, str]:
    """leapplan's plan for the scenario when the planner is available and finds one, else (None, why)."""
    from leapplan.simulate.replay import leapplan_plan

    return leapplan_plan(scenario)


def saved_plan(folder: Path, scenario: Any) -> tuple[Any, str]:
    """The plan written by ``leapplan plan --out`` (or ``leapplan run``) in ``folder``, checked to be for
    ``scenario`` and not infeasible."""
    from leapplan.plan.result import load_plan

    plan = load_plan(folder)
    if plan.scenario != scenario.name:
        raise SimulationError(f"{folder}: the plan is for scenario {plan.scenario!r}, not {scenario.name!r}")
    if plan.status.value == "infeasible":
        raise SimulationError(f"{folder}: the plan is infeasible ({plan.reason}); there is nothing to carry out")
    return plan, f"the plan in {folder} ({plan.status.value})"


def progress_batch(runs: int) -> int:
    """Runs per batch so that a progress bar moves in about ``PROGRESS_STEPS`` steps."""
    return max(1, math.ceil(runs / PROGRESS_STEPS))


def simulate(
    scenario: Annotated[str | None, typer.Argument(help="Scenario name or path (default: shanxi-1958).")] = None,
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, help="Monte Carlo runs.")] = DEFAULT_RUNS,
    plan_dir: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Carry out the plan saved in this folder (by `leapplan plan --out DIR` or `leapplan run`) "
            "instead of solving it again.",
        ),
    ] = None,
    policies: Annotated[
        bool, typer.Option("--policies", help="Carry out the scenario's policies instead of leapplan's plan.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", "-w", min=1, help="1 runs in this process; more start a local Dask cluster of that size."
        ),
    ] = 1,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler, e.g. tcp://host:8786.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed (default: the scenario's).")] = None,
    without: Annotated[list[str] | None, typer.Option("--without", help=WITHOUT_HELP)] = None,
    no_frictions: Annotated[
        bool, typer.Option("--no-frictions", help="Switch every friction and mechanism off.")
    ] = False,
    replan: Annotated[
        str | None,
        typer.Option(
            "--replan",
            help="Close the loop: each period re-plan every run from the audited state ('audited'), from the "
            "reports as they stand ('reported'), or never ('none'); 'all' runs the three side by side on the same "
            "draws. Each re-plan solves the plan LP again, so keep --runs small.",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="With --replan: also write loops.json, loops.csv, loops_runs.csv and loops.png here."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Carry a plan out N times under frictions and print the median and 5–95 % range of every series."""
    if replan is not None and replan not in ("audited", "reported", "none", "all"):
        raise SimulationError(f"--replan {replan!r}: give audited, reported, none or all")
    if out is not None and replan is None:
        raise SimulationError("--out writes the loops of --replan; without --replan use `leapplan run --out`")
    err = Console(stderr=True)
    with err.status("loading the scenario …") if not json_out else nullcontext():
        from leapplan.scenario import load
        from leapplan.simulate.ensemble import run_ensemble

        s = load(scenario)
        fr = frictions_from(without, no_frictions)
    if plan_dir is not None and policies:
        raise SimulationError("give --plan DIR or --policies, not both")
    if plan_dir is not None:
        plan, source = saved_plan(plan_dir, s)
    elif policies:
        plan, source = None, "the scenario's policies (--policies)"
    else:
        planning = f"planning {s.name} with leapplan's planner (--plan DIR carries out a saved plan) …"
        with err.status(planning) if not json_out else nullcontext():
            plan, source = plan_or_none(s)
        if plan is None:
            source = f"the scenario's policies: {source}"
    if replan is not None:
        _closed_loop(s, plan, source, replan, runs, seed, fr, workers, scheduler, json_out, out)
        return
    result = run_ensemble(
        s,
        plan,
        runs,
        seed=seed,
        frictions=fr,
        workers=workers,
        scheduler=scheduler,
        progress=not json_out,
        batch=progress_batch(runs),
    )
    if json_out:
        data = result.to_json()
        data["plan"] = source
        if plan is not None:
            data["targets"] = plan.to_json()["targets"]
        typer.echo(json.dumps(data, indent=1, allow_nan=False))
        return
    console = wide_console()
    print_ensemble(console, result, source, base_year=s.base_year)
    if plan is not None:
        from leapplan.console import print_targets
        from leapplan.scenario.summary import targets_table

        print_targets(console, plan.targets, {t["id"]: t["counts"] for t in targets_table(s)})


def _closed_loop(
    s: Any,
    plan: Any | None,
    source: str,
    replan: str,
    runs: int,
    seed: int | None,
    fr: Frictions,
    workers: int,
    scheduler: str | None,
    json_out: bool,
    out: Path | None = None,
) -> None:
    """``simulate --replan``: the loops side by side (``simulate.loop``), written to ``out`` when given."""
    from leapplan.simulate.loop import LOOPS, run_loops

    loops = LOOPS if replan == "all" else (replan,)
    if plan is None:
        raise SimulationError(f"--replan needs a plan to revise ({source})")
    result = run_loops(
        s, plan, runs, loops=loops, seed=seed, frictions=fr, workers=workers, scheduler=scheduler, progress=not json_out
    )
    data = {**result.to_json(), "plan": source, "food_floor": s.guardrails.food_per_head}
    if out is not None:
        write_loops(out, data)
    if json_out:
        typer.echo(json.dumps(data, indent=1, allow_nan=False))
        return
    print_loops(wide_console(), result, source)
    if out is not None:
        typer.echo(f"wrote loops.json, loops.csv, loops_runs.csv and loops.png to {out}")


def write_loops(folder: Path, data: dict[str, Any]) -> None:
    """loops.json (``LoopResult.to_json()`` with the plan's source and the food floor), loops.csv (medians per
    loop and period), loops_runs.csv (every run) and the chart loops.png in ``folder``, made if need be."""
    import pandas as pd

    from leapplan.report.charts_loops import loops_figure
    from leapplan.report.style import render

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SimulationError(f"cannot write to {folder}: {exc.strerror}") from None
    (folder / "loops.json").write_text(json.dumps(data, indent=1, allow_nan=False), encoding="utf-8")
    pd.DataFrame(data["loops"]).to_csv(folder / "loops.csv", index=False)
    pd.DataFrame(data["per_run"]).to_csv(folder / "loops_runs.csv", index=False)
    (folder / "loops.png").write_bytes(render(lambda: loops_figure(data, data.get("food_floor"))))


def print_loops(console: Console, result: Any, source: str) -> None:
    """The loops side by side, period by period (medians over runs; below floor: share of runs), in two tables:
    output and food, then capacity and reports."""
    from leapplan.report.loops_table import CAPACITY, OUTPUT, loop_figures, replans_made

    head = f"{result.scenario}: {result.runs} runs of {source}, re-planned each period (medians over runs)"
    for subtitle in (OUTPUT, CAPACITY):
        _loops_table(console, *loop_figures(result.table, subtitle), f"{head}: {subtitle}")
    made = ", ".join(
        replans_made(k, v, result.failed[k], result.replan_seconds[k], result.replan_log)
        for k, v in result.replans.items()
    )
    console.print(f"re-plans: {made}; {result.seconds:.1f} s in all on {result.workers} worker(s)")
    for f in result.failures[:5]:
        console.print(f"  no re-plan after {f['after']} in run {f['run']} ({f['loop']}): {f['reason']}", markup=False)
    if len(result.failures) > 5:
        console.print(f"  … {len(result.failures) - 5} more (--json lists them all)")


def _loops_table(console: Console, heads: list[str], rows: list[list[str]], title: str) -> None:
    """One table of the loops (``loops_table.loop_figures``); each column at least as wide as its widest figure
    (headings wrap, figures do not)."""
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for k, h in enumerate(heads):
        widest = max([len(h.split()[0]), *(len(row[k]) for row in rows)])
        t.add_column(h, justify="left" if k < 2 else "right", min_width=widest)
    for row in rows:
        t.add_row(*row)
    console.print(t)


def replay(
    scenario: Annotated[str, typer.Argument(help="Scenario with announced policies (e.g. china-1957).")] = "china-1957",
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, help="Monte Carlo runs per trajectory.")] = DEFAULT_RUNS,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Workers (1 = in process).")] = 1,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler.")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed (default: the scenario's).")] = None,
    without: Annotated[list[str] | None, typer.Option("--without", help=WITHOUT_HELP)] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Also write replay.json, replay.csv and the chart replay.png to this folder."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Replay history: the announced policies against leapplan's feasible plan with the food floor."""
    from leapplan.scenario import load
    from leapplan.simulate.replay import replay as run_replay

    s = load(scenario)
    if not s.policies:
        raise SimulationError(f"{s.name} has no policies to replay; try china-1957")
    fr = frictions_from(without, False)
    r = run_replay(s, runs, seed=seed, frictions=fr, workers=workers, scheduler=scheduler, progress=not json_out)
    data = r.to_json()
    if out is not None:
        write_replay(out, data)
    if json_out:
        typer.echo(json.dumps(data, indent=1, allow_nan=False))
        return
    print_replay(wide_console(), r)
    if out is not None:
        typer.echo(f"wrote {out / 'replay.json'}, {out / 'replay.csv'} and {out / 'replay.png'}")


def write_replay(folder: Path, data: dict[str, Any]) -> None:
    """replay.json (``Replay.to_json()``), replay.csv (one row per series, period and trajectory) and the chart
    replay.png in ``folder``, made if need be."""
    import csv

    from leapplan.report.charts_replay import replay_figure
    from leapplan.report.style import render

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SimulationError(f"cannot write to {folder}: {exc.strerror}") from None
    (folder / "replay.json").write_text(json.dumps(data, indent=1, allow_nan=False), encoding="utf-8")
    with (folder / "replay.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["series", "unit", "period", "trajectory", "p5", "median", "p95"])
        for row in data["rows"]:
            for name in ("announced", "leapplan"):
                if name in row:
                    b = row[name]
                    w.writerow([row["series"], row["unit"], row["period"], name, b["0.05"], b["0.5"], b["0.95"]])
    (folder / "replay.png").write_bytes(render(lambda: replay_figure(data)))


def print_replay(console: Console, r: Replay) -> None:
    """Both trajectories side by side: per series one line announced, one line leapplan; median (5–95 %)."""
    from leapplan.console import band, period_tables

    console.print(
        f"[bold]{r.scenario}[/]: {r.announced.runs} runs each, seed {r.announced.seed}. "
        f"announced = the policies as announced; leapplan = {r.leapplan_source}."
    )
    rows = r.rows()
    periods = list(dict.fromkeys(row["period"] for row in rows))
    by_series: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_series.setdefault(row["series"], []).append(row)
    lines: list[tuple[list[str], list[str]]] = []
    for label, cells in by_series.items():
        for k, name in enumerate(("announced", "leapplan")):
            lines.append(
                (
                    [label if k == 0 else "", cells[0]["unit"] if k == 0 else "", name],
                    [_band(row.get(name), band) for row in cells],
                )
            )
    period_tables(
        console,
        "Announced policies vs leapplan: median (5–95 % range)",
        ["series", "unit", "trajectory"],
        periods,
        lines,
    )
    floor = r.announced.floor
    a = ", ".join(f"{p}: {100 * v:.0f} %" for p, v in zip(periods, r.announced.share_below_floor, strict=False))
    b = ", ".join(f"{p}: {100 * v:.0f} %" for p, v in zip(periods, r.leapplan.share_below_floor, strict=False))
    console.print(f"runs with a region below the food floor of {floor:g} kg/yr — announced: {a}; leapplan: {b}")
    console.print(
        f"in any year — announced: {100 * r.announced.share_below_floor_any_year:.0f} %; "
        f"leapplan: {100 * r.leapplan.share_below_floor_any_year:.0f} %. "
        f"Mechanisms and frictions on: {', '.join(r.announced.frictions) or 'none'}"
    )


def _band(b: dict[str, float] | None, band: Any) -> str:
    return "–" if b is None else str(band(b["0.05"], b["0.5"], b["0.95"]))


def wide_console() -> Console:
    """The terminal, or 160 columns when writing to a file or pipe."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


def print_ensemble(console: Console, e: EnsembleResult, source: str, base_year: int | None = None) -> None:
    """Gross output by product (median, 5–95 % range), the share of the plan carried out, and food, grain
    and output value per period."""
    from leapplan.console import band, period_tables
    from leapplan.scenario.summary import GROSS_AND_USABLE

    console.print(
        f"[bold]{e.scenario}[/]: {e.runs:,} runs, seed {e.seed}, {e.workers} worker(s), {e.seconds:.1f} s; "
        f"carrying out {source}; frictions: {', '.join(e.frictions) or 'none'}",
        highlight=False,
    )
    console.print(f"[dim]{GROSS_AND_USABLE}[/dim]")
    ds = e.bands
    periods = [str(p) for p in ds["period"].values]
    order = sorted(ds["product"].values, key=lambda p: -float(ds["planned"].sel(quantile=0.5, product=p).sum()))
    output: list[tuple[list[str], list[str]]] = []
    share: list[tuple[list[str], list[str]]] = []
    for prod in order:
        if float(ds["planned"].sel(product=prod).max()) <= 0 and float(ds["actual"].sel(product=prod).max()) <= 0:
            continue
        head = [str(prod), str(ds["unit"].sel(product=prod).values)]
        cells, shares = [], []
        for p in periods:
            a = ds["actual"].sel(product=prod, period=p)
            cells.append(band(*(float(a.sel(quantile=q)) for q in (0.05, 0.5, 0.95))))
            f = float(ds["fulfilment"].sel(product=prod, period=p, quantile=0.5))
            shares.append("–" if f != f else f"{100 * f:.0f} %")
        output.append((head, cells))
        share.append((head[:1], shares))
    period_tables(
        console,
        "Gross output, median of the runs (5–95 % range), product units per period",
        ["product", "unit"],
        periods,
        output,
    )
    period_tables(
        console, "Share of the planned gross output carried out (median of the runs)", ["product"], periods, share
    )
    prices = f"yuan at {base_year} prices" if base_year else "yuan at base-year prices"
    rows: list[tuple[list[str], list[str]]] = []

    def series(name: str, label: str, unit: str) -> None:
        v = ds[name]
        rows.append(
            ([label, unit], [band(*(float(v.sel(period=p, quantile=q)) for q in (0.05, 0.5, 0.95))) for p in periods])
        )

    per_head = "kg per person per year"
    alike = bool((abs(ds["food_per_head"] - ds["food_per_head_lowest"]) < 0.5).all())
    series("food_per_head", "food per head, every region" if alike else "food per head, average", per_head)
    if not alike:
        series("food_per_head_lowest", "food per head, lowest region", per_head)
    rows.append((["food floor", per_head], [f"{e.floor:g}"] * len(periods)))
    rows.append(
        (["runs with a region below the floor", "% of runs"], [f"{100 * x:.0f} %" for x in e.share_below_floor])
    )
    series("grain", "grain harvested", "t")
    series("grain_reported", "grain reported", "t")
    series("output_value_planned", "output value planned (gross)", prices)
    series("output_value_actual", "output value actual (gross)", prices)
    series("output_value_reported", "output value reported (gross)", prices)
    series("output_value_usable", "output value usable", prices)
    period_tables(console, "Food, grain and output value: median (5–95 % range)", ["series", "unit"], periods, rows)
    console.print(
        f"runs with a region below the food floor of {e.floor:g} kg per head in any period: "
        f"{100 * e.share_below_floor_any_year:.0f} %"
    )


__all__ = ["print_ensemble", "print_replay", "replay", "simulate", "simulate_for_run"]
