"""Solve the plan LP in stages and turn the solution into a ``PlanResult``.

Stages, each one HiGHS run (``solve_plan`` reads them top to bottom):

1. **Targets, priority by priority.** Each priority level's shortfall ``level = Σ norm_k/n̄ × short_k`` (the
   targets' shortfalls in their own unit over the level's mean requirement n̄; the plain sum of relative
   shortfalls when a level mixes units; soft zone agreements come first) is minimised and then held
   (``level ≤ optimum × (1 + tol) + 1e-9``; tol 1e-9 by simplex, 1e-6 by interior point) in every later stage,
   so a level is never improved at the expense of a higher one. The first run minimises the sum of all levels:
   every level met in it, in order from the first, is settled by that one run. From the first level it leaves
   short, each level is minimised on its own, unless the last solution already meets it; a level that is cut
   has its own weak links from its own run (and, when it holds several cut targets, each of them from a run of
   its own with the level held). After each stage the columns its reduced costs hold at a bound are fixed there
   (``fixing.py``: every optimum of the stage has them there, so later stages lose nothing and solve faster).
   In a re-plan, a level whose targets all fall in periods that have happened is settled by what happened: when
   the last solution already has it at the least a small relaxation of the LP allows it (``bounds.py``), no stage
   can improve it, and it is held there without a stage of its own (its weak links would only name the past).
2. **People and the future.** With the levels held, maximise W (``objective.py``): grain eaten above the
   guardrails first, then other household consumption, less funds and imports, less gross output and freight,
   less grain dumped.

Hard targets, hard agreements and the guardrails are rows of every stage. Each stage is a fresh HiGHS run: dual
simplex up to ``IPM_ABOVE`` variables, interior point without crossover above (retried by simplex if it stops
short of its tolerances); interior point solutions are read with values below ``scenario.accounts.DUST`` of their scale as 0.
If the first stage is infeasible, an elastic copy of the LP finds the least violation of the hard rows and its
duals name what blocks it (``diagnose.py``); the plan is then ``infeasible`` with that reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import linopy
import numpy as np
import pandas as pd
import xarray as xr
from linopy import LinearExpression

from leapplan.errors import SolverError
from leapplan.plan import tables
from leapplan.plan.bounds import relaxed_minima
from leapplan.plan.decomposed import Built, Decompose, DecomposedRunner, build_decomposed
from leapplan.plan.explain import explain_targets, names_of
from leapplan.plan.fixing import Fixings
from leapplan.plan.index import build_index
from leapplan.plan.labels import column_labels
from leapplan.plan.model import PlanModel, build_model
from leapplan.plan.objective import MONEY, freight_terms, haulage_value, level_freight, welfare_parts, welfare_terms
from leapplan.plan.result import PlanResult, PlanStatus, empty_table
from leapplan.plan.runner import LEVEL_ABS_TOLERANCE, MET, Runner
from leapplan.plan.terms import Terms
from leapplan.plan.weak_links import Gauge, solution_vector, weak_links
from leapplan.scenario.model import Scenario

log = logging.getLogger(__name__)

LEVEL_TOLERANCE = {"simplex": 1e-9, "ipm": 1e-6, "decomposed": 1e-9}
"""Relative slack allowed on an optimised level when later stages run, by method [-]. For the interior point
method (HiGHS's or the decomposed one) a hundred times its optimality tolerance, so that a later stage is not asked
to reproduce the earlier optimum beyond what the solver itself resolves. A stage decomposed by Dantzig–Wolfe has
the level of its recovered plan (the upper bound, within the gap of the optimum), which later stages can keep
exactly: simplex's slack."""
DEFAULT_OPTIONS: dict[str, Any] = {"solver": "auto"}
"""'auto': dual simplex for LPs up to ``IPM_ABOVE`` variables, HiGHS's interior point method without crossover
above; any other HiGHS option set (e.g. ``{"solver": "simplex"}``) is passed through as it is."""
IPM_ABOVE = 10_000
"""Above this many variables a stage is solved by interior point without crossover: on shanxi-1958 a stage takes
3-7 s against 12-45 s by dual simplex and 40 s with crossover (``benchmarks/plan.py``). Its duals are optimal to
the solver's tolerance but interior: on a degenerate row they are the centre of the optimal dual face rather than
one of its corners, which ranks weak links more stably than an arbitrary vertex."""

SETTLED = "settled by the past"
"""The status of a level a re-plan's past settles without an LP of its own (``Stages.reached``)."""
SKIPPED = ("met by", "met in", SETTLED)
"""How the status of a stage that ran no LP starts (a level met by an earlier stage, or settled by the past)."""


Progress = Callable[[str, int, int], None]
"""Called as progress(stage name, k, n) when stage k (1-based) of about n starts, and again while it runs when the
runner can say how far it has got (the stage name then followed by, e.g., ', iteration 57, gap 3.2e-02')."""


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
    freight: float = 0.0
    """Weight of one yuan of freight in the level's stage [level units per yuan] (``objective.level_freight``)."""
    terms: tuple[np.ndarray, np.ndarray] | None = None
    """Labels and coefficients of a level that is no target's (``PlanModel.soft``)."""


def _levels(pm: PlanModel) -> list[Level]:
    """Rows a re-plan's past put out of reach first (``PlanModel.soft``: the grain reserve, say, is refilled as far
    as it can be before anything else), then soft zone agreements (commitments between cities and counties are kept
    before targets are pushed), then the soft targets by priority."""
    tf = pm.targets.frame
    soft = tf[(~tf["hard"]) & tf["in_horizon"]]
    out = [Level(r.name, [], Gauge(r.unit, r.scale, r.what), terms=(r.labels, r.coeffs)) for r in pm.soft]
    agr = pm.index.agreements
    if len(agr) and (~agr["hard"]).any():
        soft_ids = list(agr.index[~agr["hard"]])
        out.append(Level("agreements", soft_ids, Gauge("percentage points", 100.0, "of soft agreement shortfall")))
    for prio in sorted(set(soft["priority"])):
        group = soft[soft["priority"] == prio]
        ids = list(group.index)
        what = f"of {', '.join(ids)} (priority {prio})"
        if group["unit"].nunique() == 1:
            gauge = Gauge(str(group["unit"].iat[0]), float(group["norm"].mean()), what)
        else:
            gauge = Gauge("percentage points", 100.0, f"of relative shortfall {what}")
        out.append(Level(f"priority {prio}", ids, gauge))
    return out


def _add_levels(pm: PlanModel, levels: list[Level]) -> None:
    """Variables level[name] ≥ the level's weighted shortfall."""
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
        if lv.terms is not None:
            rows.add(np.full(lv.terms[0].size, k), lv.terms[0], -lv.terms[1])
            continue
        if lv.name == "agreements":
            pos = agr.index.get_indexer(lv.targets)
            rows.add(np.full(pos.size, k), slack[pos], -1.0)
            continue
        pos = tf.index.get_indexer(lv.targets)
        w = tf["norm"].to_numpy()[pos] / lv.gauge.scale if lv.gauge.unit != "percentage points" else np.ones(pos.size)
        rows.add(np.full(pos.size, k), short[pos], -w)
        lv.freight = level_freight(pm, lv.targets, w)
    pm.rows.add(m, rows, ">=", 0, name="level_def")


def _scalar(pm: PlanModel, labels: np.ndarray, coeffs: np.ndarray) -> LinearExpression:
    t = Terms([pd.Index(["total"], name="objective_term")])
    t.add(np.zeros(labels.size, dtype=np.int64), labels, coeffs)
    return t.expression(pm.model).sum()


def _reference_products(pm: PlanModel, targets: list[str]) -> set[str]:
    """Products whose output makes up the reference metric of the given ratio_to_metric targets."""
    out: set[str] = set()
    by_id = {t.id: t for t in pm.scenario.targets}
    prods = pm.index.products
    for tid in targets:
        ref = by_id[tid].reference if tid in by_id else None
        if ref is None:
            continue
        ok = np.ones(len(prods), dtype=bool)
        if ref.sector is not None:
            ok &= prods["sector"].to_numpy() == ref.sector.value
        if ref.product is not None:
            ok &= prods.index.to_numpy() == ref.product
        out |= set(prods.index[ok])
    return out


class Stages:
    """The HiGHS runs of one plan, with the levels held so far and the columns fixed between stages."""

    def __init__(
        self,
        pm: PlanModel,
        options: dict[str, Any],
        levels: list[Level],
        fix: bool,
        progress: Progress,
        explain: bool = True,
        runner: Runner | None = None,
    ):
        self.pm = pm
        self.explain = explain
        """Whether cut levels get their weak links (runs of their own per cut target); False when only the plan's
        figures are wanted (the simulation's re-plans)."""
        self.runner = runner if runner is not None else Runner(pm, options)
        """Solves each stage: one HiGHS run, or a decomposition (``decomposed.py``)."""
        self.levels = levels
        self.tol = LEVEL_TOLERANCE.get("ipm" if self.runner.interior else self.runner.method, LEVEL_TOLERANCE["ipm"])
        self.upper = np.full(len(levels), np.inf)
        self.fixings = Fixings(pm.model, keep=("level", "short"))
        self.fix = fix
        self.progress = progress
        self.count = 0
        self.expected = len(levels) + 2 if len(levels) > 1 else len(levels) + 1
        self.haulage = haulage_value(pm)
        self.closed: set[str] = set()
        """Units where no new capacity may be built (``close``)."""
        self.settled: dict[int, float] = {}
        """Levels a re-plan's past settles, with the least the LP allows them (``bounds.relaxed_minima``)."""
        self.valid = False
        """Whether the last solution is one of the LP as it stands (not before ``close``)."""

    def solve(self, name: str, labels: np.ndarray, coeffs: np.ndarray, *, lexicographic: bool = True) -> str:
        """Minimise Σ coeffs × var[labels]; returns the termination condition. A ``lexicographic`` stage (one whose
        optimum every later stage keeps) then fixes the columns its reduced costs hold at a bound; fixing is undone
        if it ever costs a stage its optimum (exact in exact arithmetic, but a solver's tolerances are not)."""
        self.count += 1
        k, n = self.count, max(self.expected, self.count)
        self.progress(name, k, n)
        self.runner.detail = lambda detail: self.progress(f"{name}, {detail}", k, n)
        objective = _scalar(self.pm, labels, coeffs)
        cond, _ = self.runner.run(name, objective)
        if cond != "optimal" and self.fixings.count:
            self.fixings.revert()
            cond, _ = self.runner.run(f"{name} (columns unfixed)", objective)
        self.valid = cond == "optimal"
        if cond == "optimal" and self.fix and lexicographic:
            self.runner.stages[-1]["fixed_columns"] = self.fixings.fix_after_solve()
        return cond

    def level_objective(self, ks: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Labels and coefficients of Σ level[k] + the freight hauled, priced in the levels' units (the largest)."""
        labels = np.asarray(self.pm.model.variables["level"].labels.values)[ks]
        coeffs = np.ones(len(ks))
        weight = max(self.levels[k].freight for k in ks) * self.haulage
        if weight > 0:
            f_labels, f_coeffs = freight_terms(self.pm)
            labels, coeffs = np.concatenate([labels, f_labels]), np.concatenate([coeffs, weight * f_coeffs])
        return labels, coeffs

    def value(self, k: int) -> float:
        return float(np.nan_to_num(self.pm.model.variables["level"].solution.values[k]))

    def hold(self, k: int, value: float) -> None:
        """Hold level k at its optimum ``value`` (within the method's tolerance) in every later stage."""
        self.upper[k] = max(value, 0.0) * (1 + self.tol) + LEVEL_ABS_TOLERANCE
        lvl = self.pm.model.variables["level"]
        lvl.update(upper=xr.DataArray(self.upper.copy(), coords=lvl.labels.coords))

    def bound_settled(self, settled: list[int]) -> None:
        """The least of each ``settled`` level in a relaxation of the LP just solved (a first stage's: no level
        held), which no later stage can go below (``bounds.py``)."""
        m = self.pm.model
        h = m.solver_model
        if h is None or not settled or self.runner.method == "decomposed":
            return
        vlabels = np.asarray(m.matrices.vlabels)
        at = np.full(column_labels(m), -1)
        at[vlabels] = np.arange(vlabels.size)
        level = np.asarray(m.variables["level"].labels.values)
        least = relaxed_minima(h, [int(at[level[k]]) for k in settled])
        self.settled = {k: max(v, 0.0) for k, v in zip(settled, least, strict=True) if np.isfinite(v)}

    def reached(self, k: int) -> bool:
        """Whether level k is settled and the last solution, one of the LP as it stands, has it at most at its least
        (+ ``MET``): then no stage can improve it."""
        return k in self.settled and self.valid and self.value(k) <= self.settled[k] + MET

    def close(self, units: set[str], k: int) -> None:
        """No new capacity at ``units`` (besides those closed before) from now on; levels k, k + 1, … are free again
        (to be solved anew)."""
        self.closed |= units
        self.fixings.revert()
        b = self.pm.model.variables["b"]
        shut = np.isin(np.asarray(b.labels.coords["build"].values), list(self.closed))
        # a build a re-plan fixed (``adjust``: lower = upper) stays: what the past started is not undone
        lo, up = self.fixings.original["b"] if "b" in self.fixings.original else (b.lower, b.upper)
        lower = np.broadcast_to(np.asarray(lo.values, dtype=float), b.labels.shape)
        open_upper = np.broadcast_to(np.asarray(up.values, dtype=float), b.labels.shape)
        upper = xr.DataArray(np.where(shut[None, :], lower, open_upper), coords=b.labels.coords)
        b.update(upper=upper)
        if "b" in self.fixings.original:  # so that undoing a fixing later does not open them again
            self.fixings.original["b"] = (self.fixings.original["b"][0], upper)
        self.upper[k:] = np.inf
        self.valid = False
        lvl = self.pm.model.variables["level"]
        lvl.update(upper=xr.DataArray(self.upper.copy(), coords=lvl.labels.coords))

    def skipped(self, k: int, why: str) -> None:
        self.count += 1
        v = self.value(k)
        self.runner.stages.append({"stage": self.levels[k].name, "status": why, "objective": v, "seconds": 0.0})
        self.hold(k, v)


Adjust = Callable[[PlanModel], None]
"""Called with the built LP before any stage runs (and with the elastic LP of a diagnosis), to fix what has
already happened: a re-plan (``replan.py``) fixes past output and building and takes failed capacity out."""


def solve_plan(
    scenario: Scenario,
    *,
    solver_options: dict[str, Any] | None = None,
    progress: Progress | None = None,
    adjust: Adjust | None = None,
    explain: bool = True,
    decompose: Decompose | None = None,
    no_new_capacity: Collection[str] = (),
    past: Collection[str] = (),
) -> PlanResult:
    """Plan ``scenario``: targets met in priority order with least shortfall, then what serves people best (grain
    eaten, then other consumption, less cost and waste). ``progress(stage, k, n)`` is told as each stage starts;
    ``adjust(pm)`` may fix bounds and add rows to the LP before the first. With ``explain`` False the plan is the
    same but has no weak links (and its cut targets no explanation): the runs that find them are left out. With
    ``decompose`` each stage's LP is solved by the block interior point over blocks of regions (``decomposed.py``),
    on Dask workers unless ``decompose.workers`` is 0. ``no_new_capacity``: build units ('region/technology/ownership')
    where nothing new is built from the first stage on (a re-plan carries the plan in force's, ``replan.py``). ``past``:
    periods that have happened (a re-plan's): a level whose targets all fall in them is settled by what happened and
    needs no stage of its own where the last solution has it at the least the LP allows (``bounds.py``)."""
    options = {**DEFAULT_OPTIONS, **(solver_options or {})}
    pool = None
    if decompose is not None:
        decompose.check()
        if decompose.scheduler is not None or decompose.workers > 0:
            from leapplan.plan.dask_blocks import DaskPool

            pool = DaskPool(workers=decompose.workers, scheduler=decompose.scheduler)
    try:
        with linopy.options as opts:
            opts(semantics="v1")
            return _solve(
                scenario,
                options,
                progress or (lambda *_: None),
                adjust,
                explain,
                decompose,
                pool,
                set(no_new_capacity),
                set(past),
            )
    finally:
        if pool is not None:
            pool.close()


REBUILDS = 2
"""Most times the cut levels are solved again with idle new capacity left out (``_solve``)."""


def _solve(
    s: Scenario,
    options: dict[str, Any],
    progress: Progress,
    adjust: Adjust | None = None,
    explain: bool = True,
    decompose: Decompose | None = None,
    pool: Any = None,
    no_new_capacity: set[str] | None = None,
    past: set[str] | None = None,
) -> PlanResult:
    options = dict(options)
    t0 = time.perf_counter()
    ix = build_index(s)
    built = None
    if decompose is not None and decompose.method == "interior" and adjust is None:
        # the centre holds the linking rows only; the blocks are built on the workers (``block_build.py``)
        built = build_decomposed(s, ix, decompose, pool)
        pm = built.pm
    else:
        pm = build_model(s, ix)
    try:
        return _plan(s, pm, options, progress, adjust, explain, decompose, pool, built, no_new_capacity, past, t0)
    finally:
        if built is not None:
            built.hosts.close()


def _plan(
    s: Scenario,
    pm: PlanModel,
    options: dict[str, Any],
    progress: Progress,
    adjust: Adjust | None,
    explain: bool,
    decompose: Decompose | None,
    pool: Any,
    built: Built | None,
    no_new_capacity: set[str] | None,
    past: set[str] | None,
    t0: float,
) -> PlanResult:
    from leapplan.plan.diagnose import diagnose

    fix_columns = bool(options.pop("fix_columns", True))
    diag_options = dict(options)
    if adjust is not None:
        adjust(pm)
    levels = _levels(pm)
    _add_levels(pm, levels)
    build_seconds = time.perf_counter() - t0
    names = names_of(s, pm)
    if pm.empty_rows:
        return diagnose(s, diag_options, build_seconds, names, adjust)
    if options.get("solver") == "auto":
        options = {**options, **method_for(pm.model.nvars)}
    runner = DecomposedRunner(pm, options, decompose, pool, built) if decompose is not None else None
    st = Stages(pm, options, levels, fix_columns, progress, explain, runner)
    pm.interior = st.runner.interior
    if no_new_capacity and "b" in pm.model.variables:
        known = set(np.asarray(pm.model.variables["b"].labels.coords["build"].values, dtype=str))
        if no_new_capacity & known:
            st.close(no_new_capacity & known, 0)

    # 1. targets, priority by priority
    k = 0
    if len(levels) > 1:
        # the sum's optimal face is not the levels' lexicographic one: nothing is fixed after it
        every = st.level_objective(list(range(len(levels))))
        if st.solve("every priority at once", *every, lexicographic=False) != "optimal":
            return diagnose(s, diag_options, build_seconds, names, adjust)
        st.bound_settled(settled_levels(pm, levels, past or set()))
        while k < len(levels) and st.value(k) <= MET:
            st.skipped(k, "met in the first stage")
            k += 1
    first_cut = k
    weak = _meet_targets(st, k, names)
    if weak is None:
        return diagnose(s, diag_options, build_seconds, names, adjust)
    # 2. people and the future
    labels, coeffs = welfare_terms(pm)
    if not _serve_people(st, labels, coeffs, first=not levels):
        return diagnose(
            s, diag_options, build_seconds, names, adjust
        )  # no soft level before it: the hard rows fail here
    # new capacity beside capacity of its kind that the region runs below the least use in every period it stands
    # (built to take up capital goods or grain a target counts, say): a linear row cannot say "if you build here,
    # run what stands here", so the cut levels and the last stage are solved again without new capacity there. It is
    # judged on the last stage's plan: a target's stage does not care how capacity stands in other years.
    least = s.guardrails.new_capacity_use
    for _ in range(REBUILDS if least > 0 and first_cut < len(levels) else 0):
        idle = tables.idle_builds(pm, least) - st.closed
        if not idle:
            break
        st.close(idle, first_cut)
        weak = _meet_targets(st, first_cut, names)
        if weak is None:
            raise SolverError(f"plan {s.name!r}: leaving out idle new capacity made a met target infeasible")
        _serve_people(st, labels, coeffs)
    if not weak and explain:
        gauge = Gauge(
            s.currency, MONEY, "of the plan's objective W (consumption above the guardrails, less cost and waste)"
        )
        weak.append(weak_links(pm, gauge, names).assign(target=""))
    out = _tables(pm)
    out["targets"]["explanation"] = explain_targets(pm, out, _weak_table(weak), names)
    cut = bool((out["targets"]["cut"].fillna(0) > 0).any())
    sol = solution_vector(pm)
    objective = {k: round(v, 2) for k, v in welfare_parts(pm, sol).items()}
    info = {**_solver_info(st.runner, build_seconds), "objective_parts": objective}
    if st.closed:
        info["no_new_capacity"] = sorted(st.closed)
    weak_table = _weak_table(weak)
    if runner is not None:  # decomposed: which block holds each weak link
        weak_table = weak_table.assign(block=[runner.block_of(str(r)) for r in weak_table["region"]])
    return PlanResult(
        scenario=s.name,
        status=PlanStatus.targets_cut if cut else PlanStatus.feasible,
        objective=objective["cost"],
        reason="",
        weak_links=weak_table,
        solver=info,
        **out,
    )


def settled_levels(pm: PlanModel, levels: list[Level], past: set[str]) -> list[int]:
    """The levels whose targets are all due in years every period of which is in ``past`` (what happened settles
    them: a re-plan's past output is fixed)."""
    if not past:
        return []
    periods = [str(p) for p in pm.index.periods]
    years = pm.index.year
    done = {int(y) for y in set(years) if all(periods[i] in past for i in np.flatnonzero(years == y))}
    tf = pm.targets.frame
    return [
        k
        for k, lv in enumerate(levels)
        if lv.terms is None and lv.name != "agreements" and lv.targets
        if all(int(tf.at[t, "year"]) in done for t in lv.targets)
    ]


def _serve_people(st: Stages, labels: np.ndarray, coeffs: np.ndarray, first: bool = False) -> bool:
    """The last stage: maximise W with the levels held. False when it is infeasible and the ``first`` stage run
    (so that the hard rows alone are infeasible)."""
    pm = st.pm
    cond = st.solve("people and the future", labels, coeffs)
    if cond != "optimal":
        if first and cond in ("infeasible", "infeasible_or_unbounded"):
            return False
        raise SolverError(
            f"HiGHS ended the last stage of plan {pm.scenario.name!r} with status '{cond}'"
            + (" (a technology with no capital cost and no limit?)" if cond == "unbounded" else "")
        )
    return True


def _meet_targets(st: Stages, k: int, names: dict[str, str]) -> list[pd.DataFrame] | None:
    """Levels k, k + 1, … each minimised on its own (unless the last solution already meets it, or the past settles
    it: ``Stages.reached``) and held; returns the weak links of the cut ones, or None when level k (the first) is
    infeasible."""
    levels, weak = st.levels, []
    first = k
    while k < len(levels):
        if st.valid and st.value(k) <= MET:
            st.skipped(k, "met by the previous stage")
            k += 1
            continue
        if st.reached(k):
            st.skipped(k, SETTLED)
            k += 1
            continue
        # with freight priced in, the stage's optimal face is narrower than the level's: nothing is fixed after it
        objective = st.level_objective([k])
        cond = st.solve(levels[k].name, *objective, lexicographic=objective[0].size == 1)
        if cond != "optimal":
            if k == first and cond in ("infeasible", "infeasible_or_unbounded"):
                return None
            raise SolverError(
                f"HiGHS ended stage '{levels[k].name}' of plan {st.pm.scenario.name!r} with status '{cond}'"
            )
        value = st.value(k)
        if value > MET and st.explain:
            weak += _level_weak_links(st, k, names)
        st.hold(k, value)
        k += 1
    return weak


def _level_weak_links(st: Stages, k: int, names: dict[str, str]) -> list[pd.DataFrame]:
    """Weak links of a cut level from its own run; a level with several cut targets also gets, per target, a run
    minimising that target's shortfall with the level held (whose duals say what holds that target back)."""
    pm = st.pm
    level = st.levels[k]
    if level.name == "agreements" or not level.targets:
        return [weak_links(pm, level.gauge, names).assign(target=level.name)]
    tf = pm.targets.frame
    short = pm.model.variables["short"].solution.to_series()
    cut = [t for t in level.targets if short.get(t, 0.0) > MET]

    def links(targets: list[str], gauge: Gauge) -> pd.DataFrame:
        until = int(tf.loc[targets, "year"].max())
        return weak_links(pm, gauge, names, until=until, artefacts=_reference_products(pm, targets))

    if len(cut) <= 1:
        return [links(level.targets, level.gauge).assign(target=cut[0] if cut else level.name)]
    out = [links(level.targets, level.gauge).assign(target=level.name)]
    st.hold(k, st.value(k))
    labels = np.asarray(pm.model.variables["short"].labels.values)
    for t in cut:
        norm = float(tf.at[t, "norm"])
        if st.solve(f"{level.name}: {t}", labels[[tf.index.get_loc(t)]], np.ones(1), lexicographic=False) != "optimal":
            continue
        gauge = Gauge(str(tf.at[t, "unit"]), norm, f"of {t} (priority {tf.at[t, 'priority']})")
        out.append(links([t], gauge).assign(target=t))
    return out


def _weak_table(parts: list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
    return frame if frame is not None else empty_table("weak_links")


def _tables(pm: PlanModel) -> dict[str, pd.DataFrame]:
    return {
        "production": tables.production(pm),
        "capacity": tables.capacity(pm),
        "builds": tables.builds(pm),
        "upgrades": tables.upgrade_table(pm),
        "shipments": tables.shipments(pm),
        "trade": tables.trade(pm),
        "labour": tables.labour(pm),
        "support": tables.support(pm),
        "funds": tables.funds(pm),
        "food": tables.food(pm),
        "consumption": tables.consumption(pm),
        "reserve": tables.reserve(pm),
        "output_value": tables.output_value(pm),
        "targets": tables.targets(pm),
    }


def _solver_info(runner: Runner, build_seconds: float) -> dict[str, Any]:
    m = runner.pm.model
    # the solver's word on the last LP it solved; stages met or skipped are listed in "stages"
    solved = [st for st in runner.stages if not str(st["status"]).startswith(SKIPPED)]
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
