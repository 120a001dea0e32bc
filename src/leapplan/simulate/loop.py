"""The planning loop in simulation: each period a run carries out the plan in force, reports, and is re-planned.

Three loops, run on the same draws so that they differ only in how the plan is revised:

* ``audited``: after each period (but the last) the run is re-planned from the audited state: past output at the
  audit's figure (a cell that uses inputs is held to what its inputs allow, which is what it made; a cell without
  inputs to its capacity in service), the harvest and what people ate as they were, and the capacity the run's
  building has not delivered as the planner expects it in the periods ahead (``expected_short``: late building
  next period, new plants as far as their learning will have come; a transport breakdown is not carried on), and
  the grain reserve as counted in store (``PlanState.reserve``: the books would keep grain the run gave out);
* ``reported``: re-planned from the reports as they stand (the historical ratchet): output and harvests as
  reported, people fed as planned, capacity as planned;
* ``none``: never re-planned.

A run is simulated again from its start with the plan in force, its past periods spliced from the earlier versions
(the engine is causal: period t depends only on the plan's periods up to t and the run's draws, which are drawn
for every (region, technology) of the scenario so that a new cell does not shift them). Each run's re-plans run
where the run runs (one Dask task per run), and a run's numbers depend on its seed only, so the table does not
depend on the number of workers.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pandas as pd

from leapplan.dask_client import dask_client
from leapplan.errors import LeapplanError, SimulationError
from leapplan.scenario.model import Scenario
from leapplan.simulate.engine import Batch, arrived, build_lag, draw, old_capacity, rebuilt_change, simulate_batch
from leapplan.simulate.frictions import Frictions
from leapplan.simulate.model import Model, compile_model
from leapplan.simulate.once import run_seeds
from leapplan.simulate.rebuilding import lag as rebuild_lag

log = logging.getLogger(__name__)

LOOPS = ("audited", "reported", "none")
METRICS = (
    "output_real",
    "fulfilment_real",
    "fulfilment_usable",
    "food_lowest",
    "below_floor",
    "built",
    "idle",
    "idle_planned",
    "idle_capital",
    "idle_new",
    "gap",
    "farm_workers",
    "grain_stock",
)
"""Per run and period: actual output value [yuan at base-year prices]; actual and usable output value over the
value the plan in force asks [-]; the lowest region's food per head [kg per person per year]; below the food
floor [0/1]; new capacity the plan in force starts [yuan of output per year at base-year prices]; capacity in
service left idle [share of its output value]; of it, what the plan in force itself leaves idle (capacity above the
planned output, which a plan asking more than a cell has makes 0) [share]; capacity in service left idle valued at
what it costs to build (funds and capital goods at base-year prices) [share of the capital in service]; the capacity
built since the plan began (its new plants, as far as they are in service) left idle, counting a cell's new capacity
as the last it uses [share of that capacity's output value]; reported over actual output value, less 1 [-]; the
plan in force's farm workers [persons]; grain in store at the period's end, the state's and the villages', the store
an audited re-plan counts as the reserve [t]."""
CELL_DRAWS = ("delay", "quality", "report")


def canonical_cells(s: Scenario) -> pd.Index:
    """Every (region, technology) of the scenario as 'region/technology': the columns the loop draws for."""
    return pd.Index(sorted(f"{r.id}/{t.id}" for r in s.regions for t in s.technologies))


def cell_keys(s: Scenario, m: Model) -> pd.Index:
    rids = [r.id for r in s.regions]
    return pd.Index([f"{rids[r]}/{t}" for r, t in zip(m.cell_region, m.cell_tech, strict=True)])


def run_draws(s: Scenario, m: Model, seeds: list[np.random.SeedSequence]) -> dict[str, np.ndarray]:
    """The engine's draws for model ``m``, taken by cell name from draws over every (region, technology)."""
    canon = canonical_cells(s)
    T, _, P, G = m.shape
    # ``draw`` reads only the shape of the model it is given
    every = draw(cast(Model, SimpleNamespace(shape=(T, len(canon), P, G))), seeds)
    pos = canon.get_indexer(cell_keys(s, m))
    if (pos < 0).any():
        raise SimulationError("a plan cell is not a (region, technology) of the scenario")
    return {k: (v[:, :, pos] if k in CELL_DRAWS else v) for k, v in every.items()}


def splice(old: Any, new: Any, past: list[str]) -> Any:
    """The plan ``old`` for the periods in ``past`` and ``new`` after them (every table with a period column)."""
    changes = {}
    for f in dataclasses.fields(old):
        a, b = getattr(old, f.name), getattr(new, f.name)
        if isinstance(a, pd.DataFrame) and "period" in a.columns and "period" in b.columns:
            keep = a[a["period"].astype(str).isin(past)]
            ahead = b[~b["period"].astype(str).isin(past)]
            changes[f.name] = pd.concat([keep, ahead], ignore_index=True) if len(keep) or len(ahead) else b
    return dataclasses.replace(new, **changes)


def expected_short(m: Model, frictions: Frictions, d: dict[str, np.ndarray], t: int) -> np.ndarray:
    """(T, C) capacity a planner reading run 0 of draws ``d`` after period ``t`` expects to be short of the plan's
    in each later period [units per year] (0 up to ``t``), as the engine computes capacity in service: building
    and rebuilding started up to ``t`` and not yet in service is expected the next period (it is late; by how much
    more is not known), what has come ramps up as the learning friction has it, and building the plan starts later
    comes as planned. Transport breakdowns are a period's chance and are not carried on."""
    T = len(m.periods)
    start = np.arange(T)[:, None]
    past = start <= t
    lag = build_lag(m, frictions, d["delay"][:1])[0]
    lag = np.where(past, np.where(start + lag > t, t + 1 - start, lag), 0.0)[None]
    cap = old_capacity(m) + arrived(m, m.new_capacity * past, lag, frictions.learning)[0]
    cap += arrived(m, m.new_capacity * ~past, np.zeros_like(lag), False)[0]
    if m.rebuilt is not None:
        r = dataclasses.replace(m.rebuilt, started=m.rebuilt.started * past)
        late = rebuild_lag(r, m.settings, m.dt, d["delay"][:1] if frictions.build_delays else None)[0]
        planned = start + r.periods[None, :]
        lag_r = np.where(past & (planned + late > t), np.maximum(t + 1 - planned, 0), late)[None]
        cap += rebuilt_change(r, m.settings, m.learning_time, m.dt, lag_r, frictions.learning)[0]
    short = m.capacity - np.minimum(cap, m.capacity)
    short[: t + 1] = 0.0
    return short


def sim_state(s: Scenario, plan: Any, m: Model, b: Batch, t: int, basis: str, short: np.ndarray | None = None) -> Any:
    """The state a planner reads after period ``t`` of one simulated run (see the module docstring); ``short``
    (T, C): the capacity the audited state expects short of the plan in each later period (``expected_short``;
    None: none) [units per year]."""
    from leapplan.plan.replan import PlanState, kept_closed, past_builds, past_upgrades

    assert b.cells is not None
    periods = list(m.periods)
    past = periods[: t + 1]
    rids = [r.id for r in s.regions]
    regions = np.array([rids[r] for r in m.cell_region])
    techs = np.array(m.cell_tech)
    products = np.array(m.products)[m.cell_product]
    reported = b.cells["reported"][0, : t + 1]
    if basis == "audited":
        has_inputs = np.asarray(m.inputs.sum(axis=0)).ravel() > 0
        bound = np.where(has_inputs[None, :], b.cells["actual"][0, : t + 1], b.cells["capacity"][0, : t + 1] * m.dt)
        figure = np.minimum(reported, bound)
        grain = b.grain[0, : t + 1]
        eaten = b.eaten[0, : t + 1]
        reserve: float | None = float(b.stocks[0, t, m.grain])  # the store counted
    else:
        figure = reported
        grain = b.grain_reported[0, : t + 1]
        eaten = m.food_plan[: t + 1]
        short = None
        reserve = None  # the books' reserve, from the reported harvests
    output = pd.DataFrame(
        {
            "period": np.repeat(past, len(techs)),
            "region": np.tile(regions, len(past)),
            "technology": np.tile(techs, len(past)),
            "product": np.tile(products, len(past)),
            "quantity": figure.ravel(),
        }
    )
    output["planned"] = output["quantity"]
    short = np.zeros((len(periods), len(techs))) if short is None else short
    when, cut = np.nonzero(short > 1e-6 * np.maximum(m.capacity, 1.0))
    lost = pd.DataFrame({"unit": [f"{r}/{k}/any" for r, k in zip(regions[cut], techs[cut], strict=True)]})
    lost["enterprise"] = ""
    lost["lost"] = short[when, cut]
    lost["period"] = np.array(periods, dtype=object)[when]
    grain_frame = pd.DataFrame(
        {
            "period": np.repeat(past, len(m.regions)),
            "region": np.tile(m.regions, len(past)),
            "quantity": grain.ravel(),
        }
    )
    eaten_frame = grain_frame.assign(quantity=eaten.ravel())
    empty = pd.DataFrame({c: [] for c in ["report_id", "unit", "period", "product", "reported", "audited", "basis"]})
    return PlanState(
        period=periods[t],
        past=past,
        output=output,
        builds=past_builds(plan, past),
        upgrades=past_upgrades(plan, past),
        lost=lost,
        figures=empty.assign(used=[]),
        flags=pd.DataFrame(),
        basis="audited" if basis == "audited" else "reported",
        grain=grain_frame,
        eaten=eaten_frame,
        no_new_capacity=kept_closed(plan),
        reserve=reserve,
    )


def capital_per_unit(s: Scenario, m: Model) -> np.ndarray:
    """(C,) what a unit of each cell's annual capacity costs to build: its technology's funds plus its capital
    goods at base-year prices [yuan per unit of annual capacity]."""
    techs = {t.id: t for t in s.technologies}
    pidx = {p: i for i, p in enumerate(m.products)}
    return np.array(
        [
            techs[t].capital_cost + sum(q * m.prices[pidx[g]] for g, q in techs[t].capital_goods.items())
            for t in m.cell_tech
        ]
    )


def _metrics(s: Scenario, m: Model, b: Batch) -> dict[str, np.ndarray]:
    """The METRICS of one run (each (T,))."""
    assert b.cells is not None
    price = m.prices[m.cell_product]
    planned = b.cells["planned"][0] @ price
    actual = b.cells["actual"][0] @ price
    usable = b.cells["usable"][0] @ price
    reported = b.cells["reported"][0] @ price
    in_service = b.cells["capacity"][0] * m.dt
    unused = np.clip(in_service - b.cells["actual"][0], 0.0, None)
    idle = unused @ price
    idle_planned = np.clip(in_service - b.cells["planned"][0], 0.0, None) @ price
    value = in_service @ price
    capital = capital_per_unit(s, m)
    idle_capital = unused @ capital
    capital_in_service = in_service @ capital
    new_in_service = np.clip(in_service - old_capacity(m) * m.dt, 0.0, None)
    idle_new = np.minimum(unused, new_in_service) @ price
    new_value = new_in_service @ price
    people = b.people[0] if b.people is not None else np.broadcast_to(m.population, b.eaten[0].shape)
    eaten = b.eaten[0]
    per_head = np.divide(eaten, people * m.dt, out=np.full_like(eaten, np.inf), where=people > 0).min(axis=1) * 1000
    farm = b.farm[0] if b.farm is not None else m.farm
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "output_real": actual,
            "fulfilment_real": np.where(planned > 0, actual / planned, np.nan),
            "fulfilment_usable": np.where(planned > 0, usable / planned, np.nan),
            "food_lowest": per_head,
            "below_floor": (per_head < s.guardrails.food_per_head * (1 - 1e-9)).astype(float),
            "built": m.new_capacity @ price,
            "idle": np.where(value > 0, idle / value, np.nan),
            "idle_planned": np.where(value > 0, idle_planned / value, np.nan),
            "idle_capital": np.where(capital_in_service > 0, idle_capital / capital_in_service, np.nan),
            "idle_new": np.where(new_value > 0, idle_new / new_value, np.nan),
            "gap": np.where(actual > 0, reported / actual - 1, np.nan),
            "farm_workers": farm.sum(axis=1),
            "grain_stock": b.stocks[0, :, m.grain],
        }


def closed_loop_run(
    s: Scenario,
    plan: Any,
    frictions: Frictions,
    seed: int,
    run: int,
    loop: str,
    solver_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run ``run`` of seed ``seed`` under ``loop``: the METRICS per period, the re-plans made, those that failed
    (infeasible, or the solver gave up: the plan in force then stays, as it would in a planning office) with their
    reasons, the seconds spent re-planning, and a record of each re-plan (``replan_record``). A re-plan infeasible
    with what people ate fixed is made again with the past's food left to the plan's books (counted in
    ``food_left_to_the_books``)."""

    if loop not in LOOPS:
        raise SimulationError(f"unknown loop {loop!r} (one of {', '.join(LOOPS)})")
    seeds = run_seeds(seed, run, run + 1)
    current, made, relaxed, seconds = plan, 0, 0, 0.0
    failures: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    T = len(s.periods)
    for t in range(T - 1 if loop != "none" else 0):
        m = compile_model(s, current)
        d = run_draws(s, m, seeds)
        b = simulate_batch(m, frictions, d, detail=True)
        short = expected_short(m, frictions, d, t) if loop == "audited" else None
        state = sim_state(s, current, m, b, t, loop, short)
        began = time.perf_counter()
        new, reason = _replan(s, state, solver_options)
        fell_back = bool(reason and state.eaten is not None)
        if fell_back:
            # what people ate cannot be balanced in the plan's books with the harvest and the transport as recorded
            # (the simulation feeds them from village stocks the plan does not hold and from one state store it
            # hauls nothing from, or the reports' harvest is short of the plan's rations): the past's food is left
            # to the books, even below the plan's ration
            new, reason = _replan(s, dataclasses.replace(state, eaten=None, food_left_to_books=True), solver_options)
            relaxed += 0 if reason else 1
        took = time.perf_counter() - began
        seconds += took
        records.append(replan_record(loop, run, state.period, took, new, fell_back))
        if reason:
            failures.append({"loop": loop, "run": run, "after": state.period, "reason": reason[:500]})
            log.info("run %d, %s loop: no re-plan after %s (%s)", run, loop, state.period, reason)
            continue
        made += 1
        current = splice(current, new, state.past)
    m = compile_model(s, current)
    b = simulate_batch(m, frictions, run_draws(s, m, seeds), detail=True)
    return {
        "metrics": _metrics(s, m, b),
        "replans": made,
        "failed": len(failures),
        "failures": failures,
        "food_left_to_the_books": relaxed,
        "seconds": seconds,
        "records": records,
    }


def replan_record(loop: str, run: int, after: str, seconds: float, new: Any, relaxed: bool) -> dict[str, Any]:
    """One re-plan of a loop: loop, run, the period it came after, its wall time [s], whether it was made, whether
    the past's food was left to the books, and of the re-plan made: the LPs solved, the levels the past settled
    without one, and the seconds spent building its model and in HiGHS (of its last attempt)."""
    record: dict[str, Any] = {
        "loop": loop,
        "run": run,
        "after": after,
        "seconds": round(seconds, 3),
        "made": new is not None,
        "food_left_to_the_books": relaxed,
    }
    if new is not None:
        from leapplan.plan.solve import SETTLED, SKIPPED

        stages = [str(st.get("status", "")) for st in new.solver.get("stages", [])]
        record["lps"] = sum(not st.startswith(SKIPPED) for st in stages)
        record["settled"] = sum(st == SETTLED for st in stages)
        record["build_seconds"] = float(new.solver.get("build_seconds", 0.0))
        record["solve_seconds"] = float(new.solver.get("solve_seconds", 0.0))
    return record


def _replan(s: Scenario, state: Any, solver_options: dict[str, Any] | None) -> tuple[Any, str]:
    """The re-plan from ``state`` without weak links (the run needs figures, not reasons) and '' , or None and
    why it failed (infeasible, or the solver gave up: the planning office could not re-plan)."""
    from leapplan.plan.replan import replan

    try:
        new = replan(s, state, solver_options=solver_options, explain=False)
    except LeapplanError as exc:
        return None, str(exc)
    return (None, new.reason or "infeasible") if new.status.value == "infeasible" else (new, "")


@dataclass(frozen=True)
class LoopResult:
    """Medians over runs of every metric per loop and period (``below_floor``: the share of runs)."""

    scenario: str
    runs: int
    seed: int
    periods: list[str]
    table: pd.DataFrame
    """[loop, period, *METRICS]."""
    per_run: pd.DataFrame
    """[loop, run, period, *METRICS]: every run's own figures (``below_floor`` 0 or 1), for bands and checks."""
    replans: dict[str, int]
    failed: dict[str, int]
    failures: list[dict[str, Any]]
    """Every re-plan that failed: loop, run, the period it came after, the reason."""
    food_left_to_the_books: dict[str, int]
    """Re-plans made with the past's food left to the plan's books (``closed_loop_run``), per loop."""
    replan_seconds: dict[str, float]
    seconds: float
    workers: int
    replan_log: list[dict[str, Any]]
    """Every re-plan (``replan_record``), in the order of the runs and periods."""

    def to_json(self) -> dict[str, Any]:
        rows = self.table.replace({np.nan: None}).to_dict("records")
        per_run = self.per_run.replace({np.nan: None}).to_dict("records")
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            "periods": self.periods,
            "loops": rows,
            "per_run": per_run,
            "replans": self.replans,
            "failed_replans": self.failed,
            "failures": self.failures,
            "food_left_to_the_books": self.food_left_to_the_books,
            "replan_seconds": self.replan_seconds,
            "seconds": self.seconds,
            "workers": self.workers,
            "replan_log": self.replan_log,
        }


def run_loops(
    s: Scenario,
    plan: Any,
    runs: int,
    *,
    loops: tuple[str, ...] = LOOPS,
    seed: int | None = None,
    frictions: Frictions | None = None,
    workers: int = 1,
    solver_options: dict[str, Any] | None = None,
    progress: bool = False,
    scheduler: str | None = None,
) -> LoopResult:
    """``runs`` runs of each loop in ``loops`` on the same draws; one task per (loop, run), on a local Dask
    cluster when ``workers`` > 1 or on the running one at ``scheduler`` ('tcp://host:port'); with ``progress`` a
    bar on stderr counts the runs finished."""
    from leapplan.simulate.ensemble import progress_bar

    if runs < 1 or workers < 1:
        raise SimulationError("runs and workers must be at least 1")
    for loop in loops:
        if loop not in LOOPS:
            raise SimulationError(f"unknown loop {loop!r} (one of {', '.join(LOOPS)})")
    seed = s.seed if seed is None else seed
    fr = frictions if frictions is not None else Frictions()
    began = time.perf_counter()
    tasks = [(loop, r) for loop in loops for r in range(runs)]
    label = f"{runs} runs × {len(loops)} loops of {s.name}, re-planned each period"
    with progress_bar(progress, len(tasks), label) as advance:
        if workers == 1 and scheduler is None:
            out = []
            for loop, r in tasks:
                out.append(closed_loop_run(s, plan, fr, seed, r, loop, solver_options))
                advance(1)
        else:
            out, workers = _on_dask(s, plan, fr, seed, tasks, workers, scheduler, solver_options, advance)
    periods = list(s.periods)
    every = [
        {"loop": lp, "run": r, "period": period, **{n: float(o["metrics"][n][k]) for n in METRICS}}
        for (lp, r), o in zip(tasks, out, strict=True)
        for k, period in enumerate(periods)
    ]
    rows = []
    for loop in loops:
        mine = [o for (lp, _), o in zip(tasks, out, strict=True) if lp == loop]
        for k, period in enumerate(periods):
            row: dict[str, Any] = {"loop": loop, "period": period}
            for name in METRICS:
                values = np.array([o["metrics"][name][k] for o in mine], dtype=float)
                if name == "below_floor":
                    row[name] = float(values.mean())
                else:
                    row[name] = float(np.nanmedian(values)) if np.isfinite(values).any() else float("nan")
            rows.append(row)

    def total(key: str, loop: str) -> Any:
        return sum(o[key] for (lp, _), o in zip(tasks, out, strict=True) if lp == loop)

    return LoopResult(
        scenario=s.name,
        runs=runs,
        seed=seed,
        periods=periods,
        table=pd.DataFrame(rows),
        per_run=pd.DataFrame(every),
        replans={lp: int(total("replans", lp)) for lp in loops},
        failed={lp: int(total("failed", lp)) for lp in loops},
        failures=[f for o in out for f in o["failures"]],
        food_left_to_the_books={lp: int(total("food_left_to_the_books", lp)) for lp in loops},
        replan_seconds={lp: round(float(total("seconds", lp)), 3) for lp in loops},
        seconds=time.perf_counter() - began,
        workers=workers,
        replan_log=[r for o in out for r in o["records"]],
    )


def _on_dask(
    s: Scenario,
    plan: Any,
    fr: Frictions,
    seed: int,
    tasks: list[tuple[str, int]],
    workers: int,
    scheduler: str | None,
    solver_options: dict[str, Any] | None,
    advance: Callable[[int], None],
) -> tuple[list[dict[str, Any]], int]:
    """The (loop, run) tasks on a local Dask cluster of ``workers`` processes, or on the cluster at
    ``scheduler``: results in task order and the number of workers; ``advance(1)`` as each finishes."""
    with dask_client(workers, scheduler, SimulationError) as (client, n):
        return _gather(client, s, plan, fr, seed, tasks, solver_options, advance), n


def _gather(
    client: Any,
    s: Scenario,
    plan: Any,
    fr: Frictions,
    seed: int,
    tasks: list[tuple[str, int]],
    solver_options: dict[str, Any] | None,
    advance: Callable[[int], None],
) -> list[dict[str, Any]]:
    """The tasks submitted to ``client``, one per (loop, run); results in task order."""
    from dask.distributed import as_completed

    scen, pl = client.scatter([s, plan], broadcast=True)
    futures = [
        client.submit(closed_loop_run, scen, pl, fr, seed, r, loop, solver_options, pure=False) for loop, r in tasks
    ]
    for _ in as_completed(futures):
        advance(1)
    return list(client.gather(futures))
