"""Solve the plan LP lexicographically and turn the solution into a ``PlanResult``.

Method (lexicographic, one LP per stage):

1. For each priority level of soft targets, in order 1, 2, …: minimise the level's shortfall
   ``level = Σ norm_k/n̄ × short_k`` (the sum of the targets' shortfalls in their own unit, divided
   by the level's mean requirement n̄; when a level mixes units, the plain sum of relative
   shortfalls) alone; a later level already met (at most ``MET``) in that solution needs no LP of its
   own. After each stage the columns its reduced costs hold at a bound are fixed there (``fixing.py``:
   every optimum of the stage has them there, so later stages lose nothing and solve faster).
   Material balances hold with equality (no free disposal): output nobody uses, inside the
   scenario, within a product's export limit or in the base year's deliveries beyond the scenario
   (``guardrails.base_deliveries``), has no place in the plan, so it cannot buy a target.
   Then fix ``level ≤ optimum × (1 + tol) + 1e-9`` (tol 1e-9 by simplex, 1e-6 by interior point:
   ``LEVEL_TOLERANCE``) and go on. A level can never be improved at the expense of a higher one.
2. If there are soft zone agreements: minimise the sum of their relative shortfalls, and fix it.
3. Least cost: minimise funds spent on new capacity + import spending [million yuan], plus a
   tie-break of 1e-5 × (gross output value + freight value) so that nothing is produced or
   shipped for no use. By interior point the tie-break would sit below the method's tolerance and
   the solution would spread output, building and freight over every option of equal cost, so the
   stage is split in two: least funds + imports, then, with that cost held, least output value +
   freight value ("least waste"); solution values below ``tables.DUST`` of their scale are read as 0
   (shanxi-1958: 1,188 construction starts against 606 at a vertex reached by crossover in 16 s).
   Option ``least_cost_stage=False`` skips it; the plan then meets the targets lexicographically
   and ``objective`` is what it spends, not the least.
Each stage is a fresh HiGHS run: dual simplex up to ``IPM_ABOVE`` variables, interior point without
crossover above (retried by simplex if it stops short of its tolerances). With two CPUs and interior point
(option ``speculate``: 'auto', True or False), a level is solved beside a second run that minimises the next
objective (the next level, or the least cost) + ``PENALTY`` × this level: if the level comes out met there, that
run answers both stages exactly (among the plans that meet the level it minimises the next objective) and the
first is stopped; it is also taken when its level comes out at the first run's optimum (the penalty was large
enough). Otherwise it is dropped and the stages go on one by one. Least cost not yet solved that way is solved
beside least waste + ``WASTE_PENALTY`` × cost, taken when its cost is the least. shanxi-1958 thus solves priorities
1 and 2, priorities 3 and 4, and the agreements and the least cost, in one paired run each.
Hard targets and hard agreements are rows of every stage. Weak links come from the duals of
the first stage whose shortfall is positive (else from the cost stage: what saves money). If the
first stage is infeasible, an elastic copy (hard targets, hard agreements, food floor, farm
share and balances all allowed to give, at weights 1, 1, 10, 10, 100) finds the least violation
and its duals name what blocks it; the plan is then ``infeasible`` with that reason.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

import linopy
import numpy as np
import pandas as pd
import xarray as xr
from linopy import LinearExpression

from leapplan.errors import SolverError
from leapplan.plan import tables
from leapplan.plan.fixing import Fixings
from leapplan.plan.index import build_index
from leapplan.plan.model import PlanModel, build_model
from leapplan.plan.result import PlanResult, PlanStatus, empty_table
from leapplan.plan.runner import LEVEL_ABS_TOLERANCE, MET, Runner
from leapplan.plan.terms import Terms
from leapplan.plan.weak_links import Gauge, solution_vector, weak_links
from leapplan.scenario.model import Scenario

log = logging.getLogger(__name__)

LEVEL_TOLERANCE = {"simplex": 1e-9, "ipm": 1e-6}
"""Relative slack allowed on an optimised level when later stages run, by method [-]. For the interior point
method a hundred times its optimality tolerance, so that a later stage is not asked to reproduce the earlier
optimum beyond what the solver itself resolves (pinned to 1e-9 it left thin optimal faces the IPM could not
finish)."""
TIE_BREAK = 1e-5
"""Weight of gross output value and freight value in the cost stage, against funds and imports [-]."""
MONEY = 1e6
"""The cost stage is solved in million yuan."""
DEFAULT_OPTIONS: dict[str, Any] = {"solver": "auto"}
"""'auto': dual simplex for LPs up to ``IPM_ABOVE`` variables, HiGHS's interior point method without crossover
above; any other HiGHS option set (e.g. ``{"solver": "simplex"}``) is passed through as it is."""
IPM_ABOVE = 10_000
"""Above this many variables a stage is solved by interior point without crossover: on shanxi-1958 (43,000
variables) a stage takes 5-7 s against 12-45 s by dual simplex and 40 s with crossover (``benchmarks/plan.py``).
Its duals are optimal to the solver's tolerance (1e-8) but interior: on a degenerate row they are the centre of
the optimal dual face rather than one of its corners, which ranks weak links more stably than an arbitrary
vertex. Below it dual simplex is as fast and gives vertex solutions and exact duals."""


PENALTY = 100.0
"""Weight of a level on the second of two stages solved at once (``Runner.run_pair``): the next level + PENALTY ×
this one [-]. Any weight is exact when the level comes out met; too small a one only wastes the second thread."""
COST_PENALTY = 1e4
"""The same for the last level beside the least-cost stage [million yuan per unit of level]."""
WASTE_PENALTY = 1e6
"""Weight of the cost [per million yuan] beside the least-waste objective (normalised to coefficients ≤ 1) when the
two cost stages are solved at once: on shanxi-1958 the cost cap's dual in the least-waste stage is −5.6e4, and
1e5 … 1e7 all give the least cost to 6e-10."""


def _cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def method_for(nvars: int, *, diagnosis: bool = False) -> dict[str, Any]:
    """HiGHS options of the 'auto' method for an LP with ``nvars`` variables (the elastic diagnosis LP takes
    interior point with crossover when large: its duals name the blockers, so they should be a vertex's)."""
    if nvars <= IPM_ABOVE:
        return {"solver": "simplex"}
    return {"solver": "ipm", "run_crossover": "on" if diagnosis else "off"}


@dataclass
class Level:
    name: str
    targets: list[str]
    gauge: Gauge


def _levels(pm: PlanModel) -> list[Level]:
    tf = pm.targets.frame
    soft = tf[(~tf["hard"]) & tf["in_horizon"]]
    out = []
    for prio in sorted(set(soft["priority"])):
        group = soft[soft["priority"] == prio]
        ids = list(group.index)
        what = f"of {', '.join(ids)} (priority {prio})"
        if group["unit"].nunique() == 1:
            gauge = Gauge(str(group["unit"].iat[0]), float(group["norm"].mean()), what)
        else:
            gauge = Gauge("percentage points", 100.0, f"of relative shortfall {what}")
        out.append(Level(f"priority {prio}", ids, gauge))
    agr = pm.index.agreements
    if len(agr) and (~agr["hard"]).any():
        soft_ids = list(agr.index[~agr["hard"]])
        out.append(Level("agreements", soft_ids, Gauge("percentage points", 100.0, "of soft agreement shortfall")))
    return out


def _add_levels(pm: PlanModel, levels: list[Level]) -> None:
    m = pm.model
    if not levels:
        return
    L = pd.Index([lv.name for lv in levels], name="level")
    lvl = m.add_variables(lower=0, coords=[L], name="level")
    rows = Terms([L])
    rows.add(np.arange(len(L)), np.asarray(lvl.labels.values), 1.0)
    tf = pm.targets.frame
    short = np.asarray(m.variables["short"].labels.values)
    slack = np.asarray(m.variables["slack"].labels.values)
    agr = pm.index.agreements
    for k, lv in enumerate(levels):
        if lv.name == "agreements":
            pos = agr.index.get_indexer(lv.targets)
            rows.add(np.full(pos.size, k), slack[pos], -1.0)
            continue
        pos = tf.index.get_indexer(lv.targets)
        w = tf["norm"].to_numpy()[pos] / lv.gauge.scale if lv.gauge.unit != "percentage points" else np.ones(pos.size)
        rows.add(np.full(pos.size, k), short[pos], -w)
    pm.rows.add(m, rows, ">=", 0, name="level_def")


def _reference_products(pm: PlanModel, level: Level) -> set[str]:
    """Products whose output makes up the reference metric of the level's ratio_to_metric targets."""
    out: set[str] = set()
    by_id = {t.id: t for t in pm.scenario.targets}
    for tid in level.targets:
        ref = by_id[tid].reference if tid in by_id else None
        if ref is None:
            continue
        prods = pm.index.products
        ok = np.ones(len(prods), dtype=bool)
        if ref.sector is not None:
            ok &= prods["sector"].to_numpy() == ref.sector.value
        if ref.product is not None:
            ok &= prods.index.to_numpy() == ref.product
        out |= set(prods.index[ok])
    return out


def _scalar(pm: PlanModel, labels: np.ndarray, coeffs: np.ndarray) -> LinearExpression:
    t = Terms([pd.Index(["total"], name="objective_term")])
    t.add(np.zeros(labels.size, dtype=np.int64), labels, coeffs)
    return t.expression(pm.model).sum()


def _level_objective(pm: PlanModel, k: int) -> LinearExpression:
    """level[k] alone, so that the stage's reduced costs say what every optimum of the level holds fixed."""
    lab = np.asarray(pm.model.variables["level"].labels.values)
    return _scalar(pm, lab[k : k + 1], np.ones(1))


def _cost_terms(pm: PlanModel, *, tie_break: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Labels and coefficients of funds + imports (+ TIE_BREAK × ``_tie_break_terms``) [million yuan]."""
    m = pm.model
    ix = pm.index
    u = ix.units
    build = u[u["buildable"]]
    nP = len(ix.periods)
    B = np.asarray(m.variables["b"].labels.values)
    IM = np.asarray(m.variables["imp"].labels.values)
    price_imp = ix.products["import_price"].reindex(pm.imports["product"]).to_numpy()
    labels = [B.ravel(), IM.ravel()]
    coeffs = [np.tile(build["capital_cost"].to_numpy(), nP), np.tile(price_imp, nP)]
    if tie_break:
        more, weights = _tie_break_terms(pm)
        labels.append(more)
        coeffs.append(TIE_BREAK * weights)
    return np.concatenate(labels), np.concatenate(coeffs) / MONEY


def _tie_break_terms(pm: PlanModel) -> tuple[np.ndarray, np.ndarray]:
    """Labels and coefficients of gross output value + freight value + agreement deliveries value [yuan]."""
    m = pm.model
    ix = pm.index
    u = ix.units
    nP = len(ix.periods)
    X = np.asarray(m.variables["x"].labels.values)
    S = np.asarray(m.variables["s"].labels.values)
    transport = ix.products[ix.products["sector"] == "transport"]
    tkm_price = float(transport["price"].min()) if len(transport) else 0.0
    ship = pm.flows["distance"].to_numpy() * pm.flows["tonnage"].to_numpy() * tkm_price
    D = np.asarray(m.variables["d"].labels.values)
    d_price = ix.products["price"].reindex(ix.agreements["product"]).fillna(1.0).to_numpy()
    labels = [X.ravel(), S.ravel(), D.ravel()]
    coeffs = [np.tile(u["price"].to_numpy(), nP), np.tile(ship, nP), np.tile(d_price, nP)]
    return np.concatenate(labels), np.concatenate(coeffs)


def _cost(pm: PlanModel) -> float:
    """Funds spent on new capacity plus imports [yuan]."""
    ix = pm.index
    u = ix.units
    b = np.nan_to_num(np.asarray(pm.model.variables["b"].solution.values))
    imp = np.nan_to_num(np.asarray(pm.model.variables["imp"].solution.values))
    price_imp = ix.products["import_price"].reindex(pm.imports["product"]).to_numpy()
    return float((b * u.loc[u["buildable"], "capital_cost"].to_numpy()).sum() + (imp * price_imp).sum())


def _targets_table(pm: PlanModel) -> pd.DataFrame:
    tf = pm.targets.frame
    sol = solution_vector(pm)

    def total(trip: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        rows, labels, coeffs = trip
        out = np.zeros(len(tf))
        np.add.at(out, rows, coeffs * sol[labels])
        return out

    achieved = total(pm.targets.metric)
    ref = total(pm.targets.reference)
    required = np.where(tf["kind"] == "ratio_to_metric", ref, tf["rhs"].to_numpy())
    live = tf["in_horizon"].to_numpy(dtype=bool)
    achieved = np.where(live, achieved, np.nan)
    cut = np.where(live, np.clip(required - achieved, 0.0, None), np.nan)
    cut = np.where(cut <= MET * np.maximum(1.0, np.abs(required)), 0.0, cut)
    out = pd.DataFrame(
        {
            "id": tf.index,
            "year": tf["year"].to_numpy(),
            "hard": tf["hard"].to_numpy(),
            "priority": tf["priority"].to_numpy(),
            "required": required,
            "achievable": achieved,
            "cut": cut,
            "unit": tf["unit"].to_numpy(),
            "cut_share": np.divide(cut, required, out=np.zeros_like(cut), where=required > 0),
            "base": tf["base"].to_numpy(),
            "description": tf["description"].to_numpy(),
        }
    )
    return out


def _names(s: Scenario, pm: PlanModel) -> dict[str, str]:
    names = {r.id: r.name for r in s.regions}
    names |= {p.id: p.name.lower() for p in s.products}
    names |= {t.id: t.name.lower() for t in s.technologies}
    names |= {link.id: f"the {link.from_region}–{link.to_region} {link.mode} corridor" for link in s.links}
    for c in pm.index.fund_classes:
        names[c.id] = c.funds[0] if len(c.funds) == 1 else f"{c.funds[0]} … {c.funds[-1]}"
    return names


def _tables(pm: PlanModel) -> dict[str, pd.DataFrame]:
    return {
        "production": tables.production(pm),
        "capacity": tables.capacity(pm),
        "shipments": tables.shipments(pm),
        "labour": tables.labour(pm),
        "support": tables.support(pm),
        "funds": tables.funds(pm),
        "food": tables.food(pm),
        "output_value": tables.output_value(pm),
        "targets": _targets_table(pm),
    }


def solve_plan(scenario: Scenario, *, solver_options: dict[str, Any] | None = None) -> PlanResult:
    """Plan ``scenario``: targets met in priority order with least shortfall, then least cost."""
    options = {**DEFAULT_OPTIONS, **(solver_options or {})}
    with linopy.options as opts:
        opts(semantics="v1")
        return _solve(scenario, options)


def _solve(s: Scenario, options: dict[str, Any]) -> PlanResult:
    options = dict(options)
    skip_cost = not options.pop("least_cost_stage", True)
    fix_columns = bool(options.pop("fix_columns", True))
    speculate = options.pop("speculate", "auto")
    diag_options = dict(options)
    t0 = time.perf_counter()
    ix = build_index(s)
    pm = build_model(s, ix)
    levels = _levels(pm)
    _add_levels(pm, levels)
    build_seconds = time.perf_counter() - t0
    names = _names(s, pm)
    if pm.empty_rows:
        return _diagnose(s, diag_options, build_seconds, names)
    if options.get("solver") == "auto":
        options = {**options, **method_for(pm.model.nvars)}
    runner = Runner(pm, options)
    pair = speculate is True or (speculate == "auto" and runner.method == "ipm" and _cores() >= 2)
    tol = LEVEL_TOLERANCE.get(runner.method, LEVEL_TOLERANCE["ipm"])
    solved = 0
    lvl = pm.model.variables["level"] if levels else None
    upper = np.full(len(levels), np.inf)
    weak: pd.DataFrame | None = None
    money = Gauge(s.currency, MONEY, "of plan cost", verb="saves")
    fixings = Fixings(pm.model)

    def run(name: str, objective: LinearExpression) -> tuple[str, float]:
        cond, value = runner.run(name, objective)
        if cond != "optimal" and fixings.count:
            # fixing by reduced costs is exact in exact arithmetic; should it ever cut off the optimum, undo it
            fixings.revert()
            cond, value = runner.run(f"{name} (columns unfixed)", objective)
        return cond, value

    def fix() -> None:
        if fix_columns and runner.stages[-1]["status"] == "optimal":
            runner.stages[-1]["fixed_columns"] = fixings.fix_after_solve()

    def settle(k: int, value: float) -> None:
        """Hold level k at its optimum ``value`` (within the method's tolerance) in every later stage."""
        upper[k] = max(value, 0.0) * (1 + tol) + LEVEL_ABS_TOLERANCE
        assert lvl is not None
        lvl.update(upper=xr.DataArray(upper.copy(), coords=lvl.labels.coords))

    def level_value(k: int) -> float:
        return float(np.nan_to_num(lvl.solution.values[k])) if lvl is not None else 0.0

    def note_weak(k: int, value: float) -> None:
        nonlocal weak
        if weak is None and value > MET:
            level = levels[k]
            last_year = int(pm.targets.frame.loc[level.targets, "year"].max()) if level.name != "agreements" else None
            weak = weak_links(pm, level.gauge, names, until=last_year, artefacts=_reference_products(pm, level))

    cost_labels, cost_coeffs = _cost_terms(pm, tie_break=runner.method != "ipm")
    cost_value: float | None = None  # set when a paired solve has already minimised the cost
    k = 0
    while k < len(levels):
        level = levels[k]
        if k > 0 and level_value(k) <= MET:
            now = level_value(k)
            runner.stages.append(
                {"stage": level.name, "status": "met by the previous stage", "objective": now, "seconds": 0.0}
            )
            settle(k, now)
            k += 1
            continue
        last = k + 1 == len(levels)
        taken, own = None, None
        if pair and not (last and skip_cost):
            lab = np.asarray(pm.model.variables["level"].labels.values)
            if last:
                penalised = _scalar(pm, np.append(cost_labels, lab[k]), np.append(cost_coeffs, COST_PENALTY))
                second = (f"least cost (holding {level.name} by penalty)", penalised)
            else:
                penalised = _scalar(pm, lab[[k + 1, k]], np.array([1.0, PENALTY]))
                second = (f"{levels[k + 1].name} (holding {level.name} by penalty)", penalised)
            # when both runs are used, the level's own run gives the weak links if it is cut
            taken, own = runner.run_pair(
                (level.name, _level_objective(pm, k)),
                second,
                (lab[k : k + 1], np.ones(1)),
                tol,
                on_first=functools.partial(note_weak, k),
            )
        if taken == "second":
            if not last:
                note_weak(k + 1, level_value(k + 1))
            if not last or k + 2 < len(levels) or not skip_cost:
                fix()
            if own is not None:  # the level's own run finished too: its optimum holds
                settle(k, own)
            else:
                now = level_value(k)
                runner.stages.append(
                    {"stage": level.name, "status": "met in the paired stage", "objective": now, "seconds": 0.0}
                )
                settle(k, now)
            if last:
                solved += 1
                cost_value = float(cost_coeffs @ solution_vector(pm)[cost_labels])
                break
            settle(k + 1, level_value(k + 1))
            solved += 2
            k += 2
            continue
        if taken is not None:
            cond = taken
        else:
            cond, _ = run(level.name, _level_objective(pm, k))
        solved += 1
        if cond != "optimal":
            if k == 0 and cond in ("infeasible", "infeasible_or_unbounded"):
                return _diagnose(s, diag_options, build_seconds, names)
            raise SolverError(f"HiGHS ended stage '{level.name}' of plan {s.name!r} with status '{cond}'")
        value = level_value(k)
        note_weak(k, value)
        settle(k, value)
        if not last or not skip_cost:
            fix()
        k += 1
    if skip_cost and solved:
        runner.stages.append(
            {
                "stage": "least cost",
                "status": "skipped: cost not minimised",
                "objective": float("nan"),
                "seconds": 0.0,
            }
        )
        cond = "optimal"
    else:
        waste_labels, waste_coeffs = _tie_break_terms(pm)
        waste_coeffs = waste_coeffs / max(float(waste_coeffs.max(initial=0.0)), 1e-12)
        taken = None  # what answered the (least cost, least waste) pair, if one runs
        if cost_value is not None:
            cond, value = "optimal", cost_value
        else:
            least: float | None = None
            if pair and runner.method == "ipm":
                # least cost beside least waste + WASTE_PENALTY × cost: the second answers both if its cost is the
                # least (never without the least-cost run, floor −inf: its duals give the weak links)
                def cost_weak(_: float) -> None:
                    nonlocal weak
                    if weak is None:
                        weak = weak_links(pm, money, names)

                penalised = _scalar(
                    pm,
                    np.concatenate([waste_labels, cost_labels]),
                    np.concatenate([waste_coeffs, WASTE_PENALTY * cost_coeffs]),
                )
                taken, least = runner.run_pair(
                    ("least cost", _scalar(pm, cost_labels, cost_coeffs)),
                    ("least waste (holding the least cost by penalty)", penalised),
                    (cost_labels, cost_coeffs),
                    tol,
                    floor=-np.inf,
                    on_first=cost_weak,
                )
            if taken == "second":
                assert least is not None  # floor −inf: the second is taken only beside the first's optimum
                cond, value = "optimal", least
            elif taken is not None:
                cond, value = taken, float(cost_coeffs @ solution_vector(pm)[cost_labels])
            else:
                cond, value = run("least cost", _scalar(pm, cost_labels, cost_coeffs))
            if taken != "second" and cond == "optimal" and runner.method == "ipm":
                fix()
        wasted = taken == "second"  # the paired run has already minimised the waste at least cost
        if runner.method == "ipm" and cond == "optimal" and not wasted:
            # by interior point the tie-break is below the method's tolerance, and the solution would spread
            # output, building and freight over every option of equal cost: least cost alone, then, with the
            # cost held, least output value + freight as an objective of its own
            if weak is None:
                weak = weak_links(pm, money, names)  # the least-waste stage's duals are not about money
            held = Terms([pd.Index(["cost"], name="cost_cap")])
            held.add(np.zeros(cost_labels.size, dtype=np.int64), cost_labels, cost_coeffs)
            pm.rows.add(pm.model, held, "<=", value * (1 + tol) + LEVEL_ABS_TOLERANCE, name="cost_cap")
            cond, _ = run("least waste", _scalar(pm, waste_labels, waste_coeffs))
    if cond != "optimal":
        if not levels and cond in ("infeasible", "infeasible_or_unbounded"):
            return _diagnose(s, diag_options, build_seconds, names)
        raise SolverError(
            f"HiGHS ended the least-cost stage of plan {s.name!r} with status '{cond}'"
            + (" (a technology with no capital cost and no limit?)" if cond == "unbounded" else "")
        )
    if weak is None:
        # every target met: what binds is what would save money (no cost stage solved: nothing to say)
        weak = empty_table("weak_links") if skip_cost and solved else weak_links(pm, money, names)
    out = _tables(pm)
    cut = bool((out["targets"]["cut"].fillna(0) > 0).any())
    return PlanResult(
        scenario=s.name,
        status=PlanStatus.targets_cut if cut else PlanStatus.feasible,
        objective=_cost(pm),
        reason="",
        weak_links=weak,
        solver=_solver_info(runner, build_seconds),
        **out,
    )


def _solver_info(runner: Runner, build_seconds: float) -> dict[str, Any]:
    m = runner.pm.model
    # the solver's word on the last LP it solved; stages met, skipped or dropped are listed in "stages"
    solved = [
        st for st in runner.stages if not str(st["status"]).startswith(("met by", "met in", "skipped", "not used"))
    ]
    return {
        "name": "highs",
        "method": runner.method,
        "status": solved[-1]["status"] if solved else "not run",
        "build_seconds": round(build_seconds, 3),
        "solve_seconds": round(runner.seconds, 3),
        "variables": int(m.nvars),
        "constraints": int(m.ncons),
        "stages": runner.stages,
    }


def diagnosis_objective(pm: PlanModel) -> LinearExpression:
    """Weighted violation of the hard rows of an elastic model: hard targets and agreements (relative, ×1),
    food floor and farm share (×10), balances (×100). Soft targets and agreements stay free."""
    m = pm.model
    tf = pm.targets.frame
    agr = pm.index.agreements
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    short = np.asarray(m.variables["short"].labels.values)
    hard_t = tf["hard"].to_numpy(dtype=bool) & tf["in_horizon"].to_numpy(dtype=bool)
    parts.append((short[hard_t], np.ones(hard_t.sum())))
    slack = np.asarray(m.variables["slack"].labels.values)
    hard_a = agr["hard"].to_numpy(dtype=bool)
    parts.append((slack[hard_a], np.ones(hard_a.sum())))
    for name, weight in (("food_short", 10.0), ("farm_short", 10.0), ("shortage", 100.0)):
        if name in m.variables:
            lab = np.asarray(m.variables[name].labels.values).ravel()
            parts.append((lab, np.full(lab.size, weight)))
    return _scalar(pm, np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))


def _diagnose(s: Scenario, options: dict[str, Any], build_seconds: float, names: dict[str, str]) -> PlanResult:
    """Least violation of the hard rows (elastic LP); the answer names what is violated and what blocks it."""
    t0 = time.perf_counter()
    pm = build_model(s, build_index(s), elastic=True)
    build_seconds += time.perf_counter() - t0
    m = pm.model
    tf = pm.targets.frame
    hard_t = tf["hard"].to_numpy(dtype=bool) & tf["in_horizon"].to_numpy(dtype=bool)
    if options.get("solver") == "auto":
        options = {**options, **method_for(m.nvars, diagnosis=True)}
    runner = Runner(pm, options)
    objective = diagnosis_objective(pm)
    cond, value = runner.run("diagnosis", objective)
    if cond != "optimal":
        raise SolverError(f"HiGHS could not solve the infeasibility diagnosis of plan {s.name!r} (status '{cond}')")
    reasons = _violations(pm, names)
    violated_t = [t for t in tf.index[hard_t] if float(m.variables["short"].solution.sel(target=t)) > 1e-6]
    if len(violated_t) == 1:
        t = violated_t[0]
        gauge = Gauge(str(tf.at[t, "unit"]), float(tf.at[t, "norm"]), f"of hard target {t}")
    else:
        gauge = Gauge("percentage points", 100.0, "of the violation of hard targets and guardrails")
    weak = weak_links(pm, gauge, names)
    blockers = "; ".join(weak["explanation"].head(3)) if len(weak) else "no single binding constraint"
    reason = (
        " ".join(reasons) + f" Blocking: {blockers}."
        if reasons
        else (f"the plan LP is infeasible but no hard target or guardrail gives way (violation {value:.3g}).")
    )
    out = _tables(pm)
    return PlanResult(
        scenario=s.name,
        status=PlanStatus.infeasible,
        objective=float("nan"),
        reason=reason,
        weak_links=weak if len(weak) else empty_table("weak_links"),
        solver=_solver_info(runner, build_seconds),
        **out,
    )


def _violations(pm: PlanModel, names: dict[str, str]) -> list[str]:
    m = pm.model
    tf = pm.targets.frame
    tab = _targets_table(pm)
    out = []
    for t in tf.index[tf["hard"].to_numpy(dtype=bool) & tf["in_horizon"].to_numpy(dtype=bool)]:
        sh = float(m.variables["short"].solution.sel(target=t))
        if sh > 1e-6:
            row = tab.set_index("id").loc[t]
            out.append(
                f"Hard target {t} ({tf.at[t, 'description']}) cannot be met: at most "
                f"{row['achievable']:,.4g} of the required {row['required']:,.4g} {row['unit']} in "
                f"{tf.at[t, 'year']} ({sh:.1%} short)."
            )
    agr = pm.index.agreements
    for a in agr.index[agr["hard"].to_numpy(dtype=bool)]:
        sl = float(m.variables["slack"].solution.sel(agreement=a))
        if sl > 1e-6:
            out.append(
                f"Hard agreement {a} ({agr.at[a, 'quantity']:,.4g} {agr.at[a, 'unit']} from "
                f"{agr.at[a, 'from_region']} to {agr.at[a, 'to_region']}) falls {sl:.1%} short."
            )
    for var, what in (
        ("food_short", "the food floor"),
        ("farm_short", "the least farm share of labour"),
        ("shortage", "household consumption, base-year deliveries / material balance"),
    ):
        if var not in m.variables:
            continue
        sol = m.variables[var].solution.to_series()
        bad = sol[sol > 1e-6]
        if len(bad):
            worst = bad.sort_values(ascending=False).head(3)
            where = ", ".join(f"{names.get(str(k[1]).split('/')[0], k[1])} {k[0]} ({v:.1%})" for k, v in worst.items())
            out.append(f"{what.capitalize()} cannot be held in {len(bad)} region-periods, worst: {where}.")
    return out
