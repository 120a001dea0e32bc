"""Planner benchmark: model build and LP solve time and peak memory on synthetic scenarios.

    python benchmarks/plan.py                 # 25 and 100 counties × 20 products × 5 years
    python benchmarks/plan.py --large         # adds 400 counties (minutes)
    python benchmarks/plan.py --sizes 25 --methods simplex ipm
    python benchmarks/plan.py --default       # shanxi-1958's whole plan against the planner before issue 18
    python benchmarks/plan.py --quarterly     # shanxi-1958-quarterly's whole plan beside shanxi-1958's (baseline)
    python benchmarks/plan.py --replan 25     # a re-plan after the first period against the full plan (issue 14)
    python benchmarks/plan.py --replan shanxi-1958
    python benchmarks/plan.py --loops 25 --loop-runs 4   # the planning loops on 1 and 2 Dask workers
    python benchmarks/plan.py --decompose 100 [--blocks N] [--workers 1 2] [--stage-time 600]
                                              # the first stage decomposed (issue 15) on 1 and 2 Dask workers
                                              # against one HiGHS run (baseline)
    python benchmarks/plan.py --decompose 2800 --workers 2 --stage-time 3600 --no-baseline

For each size it prints: LP size; leapplan's build time and peak Python memory against a bare
linopy model with the same variables and the main constraint families written the ordinary
linopy way (groupby sums) in the same process (goal: ≤ 1.5 × the bare build); then the first
lexicographic stage solved with HiGHS dual simplex, interior point with and without crossover,
and PDLP, each in a fresh child process (wall time and the child's peak resident memory), and
whether that method gives vertex (exact) duals for the weak links.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings
from typing import Any

METHODS: dict[str, dict[str, Any]] = {
    "simplex": {"solver": "simplex"},
    "ipm": {"solver": "ipm", "run_crossover": "on"},
    "ipm-nocross": {"solver": "ipm", "run_crossover": "off"},
    "pdlp": {"solver": "pdlp"},
}
TIME_LIMIT = 180.0
"""Seconds a single LP may take before HiGHS stops."""
EXACT_DUALS = {"simplex": "yes", "ipm": "yes", "ipm-nocross": "interior", "pdlp": "approx."}


def _scenario(counties: int) -> Any:
    from leapplan.scenario.synth import synthesize

    return synthesize(counties, 20, 5, seed=0)


def _timed(build: Any, *args: Any) -> tuple[Any, float, float]:
    """(result, best wall seconds of three untraced builds, peak MB of Python allocations of a fourth, traced:
    tracemalloc slows Python code several-fold, so time and memory are measured apart)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        out = build(*args)
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    build(*args)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return out, best, peak


def _leapplan_model(s: Any) -> Any:
    import linopy

    from leapplan.plan import solve as plan_solve
    from leapplan.plan.index import build_index
    from leapplan.plan.model import build_model

    with linopy.options as opts:
        opts(semantics="v1")
        pm = build_model(s, build_index(s))
        plan_solve._add_levels(pm, plan_solve._levels(pm))
    return pm


def leapplan_build(counties: int) -> tuple[Any, float, float]:
    """Build the leapplan LP (index tables and model); returns (plan model, seconds, peak MB)."""
    return _timed(_leapplan_model, _scenario(counties))


def bare_build(pm: Any) -> tuple[Any, float, float]:
    """The bare linopy model of ``_bare_model``: (model, seconds, peak MB)."""
    return _timed(_bare_model, pm)


def _bare_model(pm: Any) -> Any:
    """The same x, b and s variables and the balance, capacity, labour and corridor rows, written with plain
    linopy (groupby sums) from leapplan's index tables, which are not timed. It has fewer rows and about half
    the nonzeros of leapplan's LP (no inputs, funds, farms, technicians or targets), so the ratio errs
    against leapplan."""
    import linopy
    import numpy as np
    import pandas as pd
    import xarray as xr

    ix = pm.index
    units = ix.units
    P = ix.periods
    U = pd.Index(units.index, name="unit")
    with linopy.options as opts:
        opts(semantics="v1")
        m = linopy.Model()
        x = m.add_variables(lower=0, coords=[P, U], name="x")
        b = m.add_variables(lower=0, coords=[P, U], name="b")
        flows = pm.flows
        F = pd.Index(flows.index, name="flow")
        sv = m.add_variables(lower=0, coords=[P, F], name="s")
        node = xr.DataArray((units["region"] + "/" + units["product"]).to_numpy(), coords=[U], name="node")
        usable = xr.DataArray(units["usable"].to_numpy(), coords=[U])
        made = (x * usable).groupby(node).sum()
        into = sv.groupby(
            xr.DataArray((flows["to_region"] + "/" + flows["product"]).to_numpy(), coords=[F], name="node")
        ).sum()
        outof = sv.groupby(
            xr.DataArray((flows["from_region"] + "/" + flows["product"]).to_numpy(), coords=[F], name="node")
        ).sum()
        nodes = sorted(set(made.indexes["node"]) | set(into.indexes["node"]))
        made = made.reindex(node=nodes)
        into = into.reindex(node=nodes)
        outof = outof.reindex(node=nodes)
        m.add_constraints(made + into - outof >= 0, name="balance")
        base = xr.DataArray(units["base"].to_numpy(), coords=[U])
        m.add_constraints(x - b.cumsum("period") <= base, name="capacity")
        labour = xr.DataArray(units["labour"].to_numpy(), coords=[U])
        region = xr.DataArray(units["region"].to_numpy(), coords=[U], name="region")
        m.add_constraints((x * labour).groupby(region).sum() <= 1e6, name="labour")
        link = xr.DataArray(flows["link"].to_numpy(), coords=[F], name="link")
        m.add_constraints(sv.groupby(link).sum() <= 1e6, name="corridor")
        m.add_objective((x * xr.DataArray(np.ones(len(U)), coords=[U])).sum())
    return m


def _solve(pm: Any, objective: Any, method: str) -> tuple[str, float]:
    from leapplan.plan.runner import quiet_stdout

    pm.model.add_objective(objective, overwrite=True)
    t0 = time.perf_counter()
    with quiet_stdout():
        _, cond = pm.model.solve(
            solver_name="highs",
            io_api="direct",
            progress=False,
            output_flag=False,
            time_limit=TIME_LIMIT,
            **METHODS[method],
        )
    return str(cond), time.perf_counter() - t0


def child(counties: int, method: str) -> dict[str, Any]:
    """Solve the first lexicographic stage with one HiGHS method (run in a fresh process); when the plan is
    infeasible, also the elastic diagnosis LP that answers it."""
    import linopy
    import numpy as np

    from leapplan.plan import solve as plan_solve
    from leapplan.plan.diagnose import diagnosis_objective
    from leapplan.plan.index import build_index
    from leapplan.plan.model import build_model

    pm, build_s, _ = leapplan_build(counties)
    with linopy.options as opts:
        opts(semantics="v1")
        levels = plan_solve._levels(pm)
        stages = plan_solve.Stages(pm, {}, levels, False, lambda *_: None)
        labels, coeffs = stages.level_objective([0]) if levels else (np.zeros(0, dtype=np.int64), np.zeros(0))
        cond, took = _solve(pm, plan_solve._scalar(pm, labels, coeffs), method)
        out: dict[str, Any] = {
            "status": cond,
            "solve_s": took,
            "objective": float(pm.model.objective.value or float("nan")),
        }
        if cond != "optimal":
            el = build_model(pm.scenario, build_index(pm.scenario), elastic=True)
            cond2, took2 = _solve(el, diagnosis_objective(el), method)
            out |= {"elastic_status": cond2, "elastic_s": took2, "elastic_vars": int(el.model.nvars)}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out | {"peak_rss_mb": rss, "build_s": build_s}


def full_plan(counties: int, method: str = "auto") -> dict[str, Any]:
    """The whole ``solve_plan`` (all stages, tables, weak links) on a synthetic scenario, or on the default
    scenario shanxi-1958 when ``counties`` is 0: ``auto`` the default method, or one of ``METHODS``."""
    from leapplan.plan import solve_plan
    from leapplan.scenario import load

    s = load("shanxi-1958") if counties == 0 else _scenario(counties)
    options: dict[str, Any] | None = None if method == "auto" else METHODS[method]
    t0 = time.perf_counter()
    r = solve_plan(s, solver_options=options)
    return {
        "status": r.status.value,
        "total_s": time.perf_counter() - t0,
        **{k: r.solver[k] for k in ("build_seconds", "solve_seconds", "variables", "constraints")},
        "stages": len([st for st in r.solver["stages"] if not str(st["status"]).startswith("met")]),
    }


def named_plan(name: str) -> dict[str, Any]:
    """The whole ``solve_plan`` of the embedded scenario ``name``, with its number of plan periods."""
    from leapplan.plan import solve_plan
    from leapplan.scenario import load

    s = load(name)
    t0 = time.perf_counter()
    r = solve_plan(s)
    return {
        "status": r.status.value,
        "total_s": time.perf_counter() - t0,
        "periods": len(s.periods),
        **{k: r.solver[k] for k in ("build_seconds", "solve_seconds", "variables", "constraints")},
    }


def quarterly() -> None:
    """shanxi-1958-quarterly (8 quarters) beside the baseline shanxi-1958 (5 years), each in a fresh child process."""
    runs = {name: run_child(["named", name]) for name in ("shanxi-1958", "shanxi-1958-quarterly")}
    for name, r in runs.items():
        if "total_s" not in r:
            print(f"{name} solve_plan: {r['status']}")
            continue
        print(
            f"{name} solve_plan: {r['status']}, {r['total_s']:.1f} s for {r['periods']} periods "
            f"(build {r['build_seconds']:.2f} s, solve {r['solve_seconds']:.1f} s, {r['variables']} variables, "
            f"{r['constraints']} rows)"
        )
    year, quarter = runs.values()
    if "total_s" in year and "total_s" in quarter:
        whole = quarter["total_s"] / year["total_s"]
        per = whole * year["periods"] / quarter["periods"]
        print(f"ratio quarterly / yearly (baseline): {whole:.2f} for the whole plan, {per:.2f} per plan period")


BEFORE = "333470c"
"""The last commit before issue 18's planner: the baseline of ``--default`` (its stages paired on two threads)."""


def previous_planner() -> dict[str, Any]:
    """shanxi-1958's whole plan by the planner of commit ``BEFORE``, checked out into a temporary worktree and run in a
    child process with that tree's sources (needs the repository's history)."""
    import tempfile
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "before"
        made = subprocess.run(
            ["git", "-C", str(root), "worktree", "add", "--detach", str(tree), BEFORE], capture_output=True, text=True
        )
        if made.returncode != 0:
            return {"status": f"failed: {made.stderr.strip()}"}
        try:
            code = (
                "import json, time; from leapplan.scenario import load; from leapplan.plan import solve_plan; "
                "s = load('shanxi-1958'); t0 = time.perf_counter(); r = solve_plan(s); "
                "print(json.dumps({'status': r.status.value, 'total_s': time.perf_counter() - t0, "
                "**{k: r.solver[k] for k in ('build_seconds', 'solve_seconds', 'variables', 'constraints')}}))"
            )
            env = {**__import__("os").environ, "PYTHONPATH": str(tree / "src")}
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp)
            for line in reversed(out.stdout.splitlines()):
                if line.startswith("{"):
                    return dict(json.loads(line))
            return {"status": f"failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else 'no output'}"}
        finally:
            subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)], capture_output=True)


def first_stage(
    counties: int, blocks: int, workers: int, stage_time: float, method: str = "interior"
) -> dict[str, Any]:
    """The plan's first stage (every priority at once, as ``solve_plan`` starts) of a synthetic scenario, in a fresh
    process: by one HiGHS run (``workers`` < 0; the method ``solve_plan`` picks) or decomposed over ``blocks``
    (0: one per prefecture) by ``method`` on ``workers`` Dask workers (0: in this process). Peak memory of this
    process (the centre) and of each worker."""
    import linopy

    from leapplan.errors import SolverError
    from leapplan.plan import solve as plan_solve
    from leapplan.plan.decomposed import Decompose, DecomposedRunner, build_decomposed
    from leapplan.plan.index import build_index
    from leapplan.plan.model import build_model
    from leapplan.plan.runner import Runner

    t0 = time.perf_counter()
    s = _scenario(counties)
    how = Decompose(blocks=blocks or None, workers=max(workers, 0), time_limit=stage_time, method=method)
    pool = None
    if workers > 0:
        from leapplan.plan.dask_blocks import DaskPool

        pool = DaskPool(workers=workers)
    built = None
    try:
        with linopy.options as opts:
            opts(semantics="v1")
            if workers >= 0 and method == "interior":  # as solve_plan decomposes: the blocks built on the workers
                built = build_decomposed(s, build_index(s), how, pool)
                pm = built.pm
            else:
                pm = build_model(s, build_index(s))
            levels = plan_solve._levels(pm)
            plan_solve._add_levels(pm, levels)  # the levels' freight weights are set here, as solve_plan has them
        build_s = time.perf_counter() - t0
        out: dict[str, Any] = {"variables": int(pm.model.nvars), "rows": int(pm.model.ncons), "build_s": build_s}
        with linopy.options as opts:
            opts(semantics="v1")
            stages = plan_solve.Stages(pm, {}, levels, False, lambda *_: None)
            objective = plan_solve._scalar(pm, *stages.level_objective(list(range(len(levels)))))
            if workers < 0:
                runner = Runner(pm, {"output_flag": False, **plan_solve.method_for(pm.model.nvars)})
                cond, value = runner.run("first stage", objective)
                out |= {"status": cond, "objective": value, "solve_s": runner.seconds, "method": runner.method}
            else:
                dr = DecomposedRunner(pm, {}, how, pool, built)
                try:
                    cond, value = dr.run("first stage", objective)
                except SolverError as e:  # stopped at --stage-time: its iterations and bounds are still the figures
                    out["stopped"] = str(e)
                    value = float("nan")
                st = dr.stages[-1]
                out |= {k: st.get(k) for k in ("status", "iterations", "bound", "gap", "violation", "blocks")}
                out |= {k: st.get(k) for k in ("linking_rows", "linking_columns", "block_seconds_max", "block_seconds")}
                if "per_iteration" in st:  # the block interior point's: where an iteration's time goes
                    out["per_iteration"] = st["per_iteration"]
                out |= {"objective": dr.last.objective if dr.last else value, "solve_s": dr.seconds}
                if dr.last is not None:
                    h = dr.last.history
                    step = max(1, len(h) // 12)
                    upper = "master" if method == "dantzig-wolfe" else "objective"
                    out["history"] = [[round(x["seconds"], 1), x[upper], x["bound"]] for x in h[::step] + h[-1:]]
                if pool is not None:
                    out["worker_rss_mb"] = max(pool.worker_memory().values()) / 2**20
    finally:
        if built is not None:
            built.hosts.close()
        if pool is not None:
            pool.close()
    return out | {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def decomposed_against_monolithic(
    counties: int, blocks: int, workers: list[int], stage_time: float, method: str, baseline: bool = True
) -> None:
    """``first_stage`` by one HiGHS run (the baseline; not with ``baseline`` False, for sizes where it would take
    hours) and decomposed on each number of ``workers``, each in a fresh process; prints them and each one's time
    over the baseline's."""
    runs = {"one HiGHS run (baseline)": run_child(["first", str(counties), "0", "-1", "0"])} if baseline else {}
    for w in workers:
        name = f"decomposed ({method}), " + ("in process" if w == 0 else f"{w} worker{'s' if w > 1 else ''}")
        runs[name] = run_child(["first", str(counties), str(blocks), str(w), str(stage_time), method])
    base = runs.get("one HiGHS run (baseline)", {}).get("solve_s")
    for name, r in runs.items():
        head = f"{counties} counties, first stage, {name}: {r.get('status')}"
        if "solve_s" not in r:
            print(head)
            continue
        ratio = f" ({r['solve_s'] / base:.2f} × the baseline)" if base else ""
        print(
            f"{head}, objective {r['objective']:.9g}, solve {r['solve_s']:.1f} s{ratio} (build {r['build_s']:.1f} s), "
            f"centre peak RSS {r['peak_rss_mb']:.0f} MB"
            + (f", worker peak RSS {r['worker_rss_mb']:.0f} MB" if "worker_rss_mb" in r else "")
        )
        if "iterations" in r:
            print(
                f"  {r['blocks']} blocks, {r['linking_rows']} linking rows, {r['linking_columns']} linking columns; "
                f"{r['iterations']} iterations, bound {r['bound']:.9g}, gap {r['gap']:.3g}, "
                f"largest row violation {r['violation']:.2g}; each block's seconds of its own work: "
                + ", ".join(f"{b:.1f}" for b in r.get("block_seconds") or [])
            )
            if "per_iteration" in r:
                t = r["per_iteration"]
                print(
                    f"  an iteration on average: factor round {t['factor_s']:.2f} s, predictor and corrector "
                    f"{t['predictor_corrector_s']:.2f} s, centrality correctors {t['centrality_s']:.2f} s "
                    f"({t['correctors']:.1f} kept)"
                )
            if "stopped" in r:
                print(f"  {r['stopped']}")
            for s, upper, lower in r.get("history", []):
                print(f"    at {s:7.1f} s: objective {upper:.9g}, bound {lower:.9g}")


def run_child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False)
    for line in reversed(out.stdout.splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    return {"status": f"failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else 'no output'}"}


def replan_against_full(which: str) -> None:
    """A full plan, then from one simulated run's audited state (all frictions) the re-plan after each period but
    the last, as the simulation's loop makes it (no weak links), and after the first also as ``leapplan replan``
    makes it (with weak links), in this process; each loop re-plan also with every level solved by a stage of its
    own (``settle=False``, the baseline: the past's targets not taken as settled). Prints the times, their ratios
    and what a closed-loop ensemble of 50 runs would take."""
    from leapplan.plan import solve_plan
    from leapplan.plan.replan import replan
    from leapplan.scenario import load
    from leapplan.simulate.engine import simulate_batch
    from leapplan.simulate.frictions import Frictions
    from leapplan.simulate.loop import expected_short, run_draws, sim_state, splice
    from leapplan.simulate.model import compile_model
    from leapplan.simulate.once import run_seeds

    s = _scenario(int(which)) if which.isdigit() else load(which)
    t0 = time.perf_counter()
    plan = solve_plan(s)
    full_s = time.perf_counter() - t0
    print(f"{s.name}: full plan {plan.status.value} {full_s:.1f} s ({len(plan.solver['stages'])} LPs)")
    T = len(s.periods)
    current, loop_s, base_s = plan, 0.0, 0.0
    seeds = run_seeds(s.seed, 0, 1)
    for t in range(T - 1):
        m = compile_model(s, current)
        frictions, draws = Frictions(), run_draws(s, m, seeds)
        b = simulate_batch(m, frictions, draws, detail=True)
        state = sim_state(s, current, m, b, t, "audited", expected_short(m, frictions, draws, t))
        if t == 0:
            t0 = time.perf_counter()
            told = replan(s, state)
            told_s = time.perf_counter() - t0
            print(
                f"  leapplan replan after {state.period} (weak links): {told.status.value} {told_s:.1f} s "
                f"({len(told.solver['stages'])} LPs), ratio to the full plan {told_s / full_s:.2f}"
            )
        t0 = time.perf_counter()
        staged = replan(s, state, explain=False, settle=False)
        base = time.perf_counter() - t0
        t0 = time.perf_counter()
        new = replan(s, state, explain=False)
        took = time.perf_counter() - t0
        loop_s, base_s = loop_s + took, base_s + base
        lps = sum(1 for st in new.solver["stages"] if st["seconds"] > 0)
        print(
            f"  the loop's re-plan after {state.period}: {new.status.value} {took:.1f} s ({lps} LPs; past targets "
            f"settled) against {base:.1f} s ({sum(1 for st in staged.solver['stages'] if st['seconds'] > 0)} LPs; "
            f"every level by a stage, baseline): ratio {took / base:.2f}; {took / full_s:.2f} of the full plan"
        )
        if new.status.value != "infeasible":
            current = splice(current, new, state.past)
    print(
        f"  one run's {T - 1} re-plans: {loop_s:.1f} s against {base_s:.1f} s (ratio {loop_s / base_s:.2f}); a closed "
        f"loop of 50 runs × 2 re-planning loops: about {100 * loop_s / 60:.0f} min on one worker, "
        f"{100 * loop_s / 120:.0f} min on two"
    )


def loops_on_workers(which: str, runs: int) -> None:
    """``run_loops`` (the three loops, ``runs`` runs each) on 1 worker (baseline, in process) and on 2 Dask
    workers in this script; prints both times and the ratio (tables equal)."""
    from leapplan.plan import solve_plan
    from leapplan.scenario import load
    from leapplan.simulate.loop import run_loops

    s = _scenario(int(which)) if which.isdigit() else load(which)
    plan = solve_plan(s)
    one = run_loops(s, plan, runs, workers=1)
    two = run_loops(s, plan, runs, workers=2)
    same = one.table.equals(two.table)
    print(f"{s.name}: {runs} runs × 3 loops, {sum(one.replans.values())} re-plans")
    print(
        f"  1 worker (baseline): {one.seconds:.1f} s; 2 workers: {two.seconds:.1f} s; ratio {two.seconds / one.seconds:.2f}"
    )
    print(f"  tables equal on 1 and 2 workers: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 100])
    parser.add_argument("--large", action="store_true", help="add the 400-county run")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument(
        "--default",
        action="store_true",
        help="only the default scenario's whole plan, against the planner before issue 18 (a few minutes)",
    )
    parser.add_argument(
        "--quarterly", action="store_true", help="only shanxi-1958-quarterly's whole plan beside shanxi-1958's"
    )
    parser.add_argument(
        "--replan", metavar="SCENARIO", help="a re-plan against a full plan: synthetic counties (e.g. 25) or a name"
    )
    parser.add_argument(
        "--loops", metavar="SCENARIO", help="the three planning loops on 1 and on 2 workers (--loop-runs runs each)"
    )
    parser.add_argument("--loop-runs", type=int, default=4)
    parser.add_argument(
        "--decompose", type=int, metavar="COUNTIES", help="the first stage decomposed against one HiGHS run"
    )
    parser.add_argument("--blocks", type=int, default=0, help="with --decompose: blocks (0: one per prefecture)")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="with --decompose: Dask workers, one run each (0: in process)",
    )
    parser.add_argument(
        "--method", default="interior", choices=["interior", "dantzig-wolfe"], help="with --decompose: the method"
    )
    parser.add_argument("--stage-time", type=float, default=600.0, help="with --decompose: most seconds")
    parser.add_argument(
        "--no-baseline", action="store_true", help="with --decompose: no HiGHS run (where one would take hours)"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = parser.parse_args()
    warnings.simplefilter("ignore")
    if a.loops:
        loops_on_workers(a.loops, a.loop_runs)
        return
    if a.decompose:
        decomposed_against_monolithic(a.decompose, a.blocks, a.workers, a.stage_time, a.method, not a.no_baseline)
        return
    if a.replan:
        replan_against_full(a.replan)
        return
    if a.child:
        if a.child[0] == "named":
            print(json.dumps(named_plan(a.child[1])))
        elif a.child[0] == "first":
            n, b, w, limit = a.child[1:5]
            print(json.dumps(first_stage(int(n), int(b), int(w), float(limit), *a.child[5:6])))
        elif a.child[0] == "full":
            print(json.dumps(full_plan(int(a.child[1]), *a.child[2:])))
        else:
            print(json.dumps(child(int(a.child[0]), a.child[1])))
        return
    if a.quarterly:
        quarterly()
        return
    if a.default:
        runs = {
            "this planner": run_child(["full", "0"]),
            f"the planner before issue 18 ({BEFORE}, paired stages)": previous_planner(),
        }
        for name, r in runs.items():
            if "total_s" not in r:
                print(f"shanxi-1958 solve_plan, {name}: {r['status']}")
                continue
            print(
                f"shanxi-1958 solve_plan, {name}: {r['status']}, {r['total_s']:.1f} s "
                f"(build {r['build_seconds']:.2f} s, solve {r['solve_seconds']:.1f} s, {r['variables']} variables, "
                f"{r['constraints']} rows" + (f", {r['stages']} LPs solved)" if "stages" in r else ")")
            )
        now, before = runs.values()
        if "total_s" in now and "total_s" in before:
            print(
                f"ratio this planner / the planner before: {now['total_s'] / before['total_s']:.2f} (goal: ≤ 1, and 10 s)"
            )
        return
    sizes = a.sizes + ([400] if a.large and 400 not in a.sizes else [])
    warm, _, _ = leapplan_build(1)  # first use of linopy/xarray pays for imports: keep that out of the timings
    bare_build(warm)
    print("counties  vars    cons    nnz      bare nnz  build_s  bare_s  ratio  build_MB  bare_MB")
    for n in sizes:
        pm, build_s, build_mb = leapplan_build(n)
        bare, bare_s, bare_mb = bare_build(pm)
        nnz = int(pm.model.matrices.A.nnz)
        print(
            f"{n:<9} {pm.model.nvars:<7} {pm.model.ncons:<7} {nnz:<8} {int(bare.matrices.A.nnz):<9} "
            f"{build_s:<8.2f} {bare_s:<7.2f} {build_s / bare_s:<6.2f} {build_mb:<9.0f} {bare_mb:.0f}"
        )
        del pm, bare
        for method in a.methods:
            r = run_child([str(n), method])
            if "solve_s" in r:
                print(
                    f"    stage 1 {method:<12} {r['status']:<10} solve {r['solve_s']:7.2f} s  "
                    f"peak RSS {r['peak_rss_mb']:6.0f} MB  objective {r['objective']:.6g}  "
                    f"duals {EXACT_DUALS[method]}"
                )
                if "elastic_s" in r:
                    print(
                        f"      elastic diagnosis LP ({r['elastic_vars']} vars): {r['elastic_status']}, "
                        f"{r['elastic_s']:.2f} s"
                    )
            else:
                print(f"    stage 1 {method:<12} {r['status']}")
        r = run_child(["full", str(n)])
        if "total_s" in r:
            print(
                f"    solve_plan (all stages, default method): {r['status']}, {r['total_s']:.2f} s "
                f"(build {r['build_seconds']:.2f} s, solve {r['solve_seconds']:.2f} s)"
            )
        else:
            print(f"    solve_plan: {r['status']}")


if __name__ == "__main__":
    main()
