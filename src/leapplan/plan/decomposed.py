"""The plan's stages solved by decomposition: a ``Runner`` whose every stage LP is split over blocks of regions.

``solve_plan(scenario, decompose=Decompose(...))`` keeps ``solve.py``'s stage logic unchanged (levels by priority,
each held in later stages, then people and the future); only each stage's LP is solved by the block interior point
of ``block_ipm.py`` (or, with ``method="dantzig-wolfe"``, by stabilised Dantzig–Wolfe, ``decompose.py``) over the
blocks of ``blocks.py`` instead of one HiGHS run. A held level is a bound on the level column, which names no
region: a linking column. The solution and the prices of every row are written back to the linopy model as a HiGHS
run's are, so the tables, the weak links (from the rows' prices: the linking rows' are the centre's) and the
explanations are read as before. Per stage the runner records the iterations, both bounds, the gap and how far the
plan misses any row of the whole LP. ``decompose_by_size`` is the rule by which ``leapplan run`` decomposes.

With the block interior point the model is built in parts (``build_decomposed``): the centre's model holds every
variable and the linking rows only, and each worker's ``block_host.BlockHost`` builds its blocks' own rows from the
scenario and keeps them for the whole plan (``built_solve.py`` solves a stage over them; the weak links ask the hosts
for their rows, ``PlanModel.remote``). Dantzig–Wolfe and a plan with an ``adjust`` (a re-plan's) build the whole
model here and split it every stage.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from linopy.constants import Result, Solution, Status
from scipy.sparse import csr_array

from leapplan.errors import DecomposeError, SolverError
from leapplan.plan.block_build import build_part, census
from leapplan.plan.block_ipm import solve_blocks
from leapplan.plan.blocks import (
    Blocks,
    Partition,
    copy_linking_columns,
    label_blocks,
    partition,
    region_weights,
    split,
)
from leapplan.plan.built_solve import Hosted, stage_blocks
from leapplan.plan.dask_blocks import BlockHosts
from leapplan.plan.decompose import DecomposeResult, LocalPricer, Pricer, max_violation, solve_split, split_lp
from leapplan.plan.index import PlanIndex
from leapplan.plan.labels import column_labels, row_labels
from leapplan.plan.model import PlanModel, build_model
from leapplan.plan.runner import Runner
from leapplan.scenario.model import RegionKind, Scenario

log = logging.getLogger(__name__)

SUBPROBLEM_OPTIONS: dict[str, Any] = {"solver": "simplex"}
"""HiGHS options of the blocks' subproblems: dual simplex, warm started from the last basis as only the costs change."""


DECOMPOSE_ABOVE_COUNTIES = 150
"""``leapplan run`` decomposes the plan of a scenario with more counties than this. The whole plan of the synthetic
scenarios (20 products, 5 years) on 2 Dask workers against one HiGHS run per stage, wall seconds of ``leapplan
plan`` on this 2-core machine, 6 December in the evening (the stop at the gap asked, the predictor beside S's
factor): 41.5 s against 41.6 s at 100 counties (1.00 ×; 44.6 s against 38.3 s in another pair of runs that day),
59.1 against 61.9 at 125 (0.95 ×), 70.2 against 86.5 at 150 (0.81 ×), 81.4 against 131.4 at 200 (0.62 ×). The
ratio crosses 1 near 100 counties; 150 keeps ``run`` where the decomposed plan is clearly faster. Earlier on 6
December: 1.24 × at 100 counties, 0.65 × at 200. At 2,800 counties only the decomposed solve was run
(docs/decompose.md)."""

RUN_WORKERS = 2
"""Dask workers (a LocalCluster) of the plan ``leapplan run`` decomposes."""


@dataclass(frozen=True)
class Decompose:
    """How to decompose the plan LP."""

    blocks: int | None = None
    """Number of blocks balanced by size; None: one per region below the scenario's root (prefectures)."""
    workers: int = 2
    """Dask worker processes of a LocalCluster; 0: the blocks are solved in this process, one after another."""
    scheduler: str | None = None
    """Address of a running Dask scheduler (instead of a LocalCluster)."""
    gap: float = 1e-4
    """Relative gap between the bounds at which a stage is solved [-]."""
    method: str = "interior"
    """'interior': the block interior point (``block_ipm.py``); 'dantzig-wolfe': stabilised Dantzig–Wolfe
    (``decompose.py``), which converges on small LPs only (docs/decompose.md)."""
    max_iterations: int = 1000
    time_limit: float = 3600.0
    """Most seconds per stage."""

    def check(self) -> None:
        """Raise ``DecomposeError`` on settings that cannot be run."""
        if self.blocks is not None and self.blocks < 1:
            raise DecomposeError(f"the number of blocks must be at least 1, not {self.blocks}")
        if self.scheduler is None and self.workers < 0:
            raise DecomposeError(f"the number of workers must be 0 (in this process) or more, not {self.workers}")
        if not 0 < self.gap < 1:
            raise DecomposeError(f"the gap must be between 0 and 1, not {self.gap}")
        if self.method not in ("interior", "dantzig-wolfe"):
            raise DecomposeError(f"the method must be 'interior' or 'dantzig-wolfe', not '{self.method}'")


def counties(scenario: Scenario) -> int:
    """Number of the scenario's regions that are counties."""
    return sum(r.kind is RegionKind.county for r in scenario.regions)


def decompose_by_size(scenario: Scenario, forced: bool | None = None) -> Decompose | None:
    """How ``leapplan run`` solves the plan: decomposed on ``RUN_WORKERS`` local workers when ``forced`` is True, or
    when it is None and the scenario has more than ``DECOMPOSE_ABOVE_COUNTIES`` counties; else None (one HiGHS run
    per stage)."""
    wanted = counties(scenario) > DECOMPOSE_ABOVE_COUNTIES if forced is None else forced
    return Decompose(workers=RUN_WORKERS) if wanted else None


def plan_partition(s: Scenario, ix: PlanIndex, how: Decompose) -> Partition:
    """The blocks of ``how``: the prefectures, or ``how.blocks`` balanced by the columns naming each region (counted
    on a build that keeps no row)."""
    if how.blocks is None:
        return partition(s)
    bare = build_model(s, ix, keep=lambda _m, _n, terms, _l: np.zeros(terms.size, dtype=bool))
    return partition(s, how.blocks, region_weights(bare.model, s))


@dataclass
class Built:
    """A decomposed plan's model built in parts: the centre's (``pm``) and the hosts of the blocks."""

    pm: PlanModel
    hosts: BlockHosts
    part: Partition


def build_decomposed(s: Scenario, ix: PlanIndex, how: Decompose, pool: Any = None) -> Built:
    """The plan LP in parts (``block_build.py``): the census of copied linking columns, the centre's model with the
    linking rows, and the hosts (on ``pool``'s workers, or here) each building its blocks' own rows."""
    part = plan_partition(s, ix, how)
    counted = census(s, ix, part)
    pm = build_part(s, ix, part, counted.copied)
    hosts = BlockHosts(s, part, counted.copied, counted.sizes, pool)
    pm.remote = lambda name, sol: hosts.everyone("row_values", name, sol)
    return Built(pm, hosts, part)


class DecomposedRunner(Runner):
    """Solves each stage of the plan by decomposition (``Runner.run``'s stage hook), on Dask when ``pool`` is given;
    with ``built`` the blocks are the hosts' (the centre's model has the linking rows only)."""

    def __init__(
        self, pm: PlanModel, options: dict[str, Any], how: Decompose, pool: Any = None, built: Built | None = None
    ) -> None:
        super().__init__(pm, options)
        self.method = "decomposed"
        self.interior = how.method == "interior"
        self.how = how
        self.pool = pool
        self.built = built
        self.hosted: Hosted | None = None
        s = pm.scenario
        if built is not None:
            part = built.part
        else:
            part = partition(s, how.blocks, region_weights(pm.model, s) if how.blocks is not None else None)
        self.names = part.names
        self.of_region = part.of_region
        self.link_ends = {link.id: (link.from_region, link.to_region) for link in s.links}
        self.codes = label_blocks(pm.model, s, part)
        """Block of every variable label (blocks.LINK: linking column)."""
        self.blocks: Blocks | None = None
        self.last: DecomposeResult | None = None
        """The last stage's decomposition (with its iteration history)."""
        self._start: tuple[np.ndarray, np.ndarray] | None = None
        """The last stage solved to optimality: its solution (the split LP's columns) and their blocks, where the
        next stage with the same columns starts (``block_ipm.starts``)."""

    def block_of(self, region: str) -> str:
        """The block holding a weak link's region (a corridor's: both its ends'); 'centre' for a national row or a
        corridor between blocks (the master's linking rows)."""
        ends = self.link_ends.get(region, (region, region))
        found = {self.of_region.get(r) for r in ends}
        if len(found) != 1 or None in found:
            return "centre"
        return self.names[int(found.pop())]  # type: ignore[arg-type]

    def _solve(self, name: str, options: dict[str, Any]) -> tuple[str, float]:
        if self.built is not None:
            return self._solve_built(name)
        m = self.pm.model
        start = time.perf_counter()
        M = m.matrices
        if M.A is None:
            raise DecomposeError(f"stage '{name}' has no rows to decompose")
        A = M.A.tocsr()
        vlabels, clabels = np.asarray(M.vlabels), np.asarray(M.clabels)
        lower = np.where(M.sense != "<", M.b, -np.inf)
        upper = np.where(M.sense != ">", M.b, np.inf)
        cp = copy_linking_columns(A, lower, upper, M.c, M.lb, M.ub, self.codes[vlabels])
        bl = split(cp.A, cp.column_block, self.names)
        self.blocks = bl
        warm = None
        if self._start is not None and np.array_equal(self._start[1], cp.column_block):
            warm = self._start[0]
        if self.how.method == "interior":
            solved = solve_blocks(
                cp.A,
                cp.row_lower,
                cp.row_upper,
                cp.cost,
                cp.lower,
                cp.upper,
                bl,
                self.pool,
                gap=self.how.gap,
                max_iterations=self.how.max_iterations,
                time_limit=self.how.time_limit,
                watch=lambda iteration, gap: self.detail(f"iteration {iteration}, gap {gap:.1e}"),
                start=warm,
            )
            r, lp, block_seconds = solved.result, solved.lp, solved.seconds
        else:
            lp = split_lp(cp.A, cp.row_lower, cp.row_upper, cp.cost, cp.lower, cp.upper, bl)
            pricer: Pricer = (
                self.pool.pricer(lp.blocks, SUBPROBLEM_OPTIONS)
                if self.pool is not None
                else LocalPricer(lp.blocks, SUBPROBLEM_OPTIONS)
            )
            try:
                r = solve_split(
                    lp, pricer, gap=self.how.gap, max_iterations=self.how.max_iterations, time_limit=self.how.time_limit
                )
                block_seconds = pricer.seconds()
            finally:
                pricer.close()
        took = self._took(r, start)
        entry = self._entry(name, r, took, lp, cp.copies, block_seconds, warm)
        self._start = (r.x, cp.column_block) if r.status == "optimal" and np.all(np.isfinite(r.x)) else None
        if r.status in ("optimal", "iteration_limit", "time_limit") and np.all(np.isfinite(r.x)):
            x = r.x[: cp.n]  # the copies are equal to their columns (to the gap's accuracy): the originals count
            entry["violation"] = max_violation(A, lower, upper, M.lb, M.ub, x)
            self._write(entry, r, self._by_label(vlabels, x), clabels, r.row_duals[: cp.m])
        return self._end(name, r, entry, took)

    def _solve_built(self, name: str) -> tuple[str, float]:
        """A stage whose blocks the hosts hold (``built_solve.stage_blocks``)."""
        assert self.built is not None
        hosts = self.built.hosts
        start = time.perf_counter()
        M = self.pm.model.matrices
        if M.A is None:
            raise DecomposeError(f"stage '{name}' has no rows to decompose")
        A = csr_array(M.A.tocsr())
        vlabels, clabels = np.asarray(M.vlabels), np.asarray(M.clabels)
        lower = np.where(M.sense != "<", M.b, -np.inf)
        upper = np.where(M.sense != ">", M.b, np.inf)
        if self.hosted is None or self.hosted.n != vlabels.size:
            self.hosted = Hosted.of(vlabels, self.codes[vlabels], hosts.everyone("shapes"), hosts.members)
        hosted = self.hosted
        warm = None
        if self._start is not None and np.array_equal(self._start[1], hosted.column_block):
            warm = self._start[0]
        try:
            solved = stage_blocks(
                A,
                lower,
                upper,
                M.c,
                M.lb,
                M.ub,
                hosted,
                hosts.ask,
                hosts.parts_of,
                gap=self.how.gap,
                max_iterations=self.how.max_iterations,
                time_limit=self.how.time_limit,
                watch=lambda iteration, gap: self.detail(f"iteration {iteration}, gap {gap:.1e}"),
                start=warm,
            )
            r = solved.result
            took = self._took(r, start)
            entry = self._entry(name, r, took, solved.lp, int(hosted.copy_of.size), solved.seconds, warm)
            self._start = (r.x, hosted.column_block) if r.status == "optimal" and np.all(np.isfinite(r.x)) else None
            if r.status in ("optimal", "iteration_limit", "time_limit") and np.all(np.isfinite(r.x)):
                x = r.x[: hosted.n]
                primal = self._by_label(vlabels, x)
                missed = hosts.everyone("assign", primal, solved.cost_scale, r.objective)
                entry["violation"] = max([max_violation(A, lower, upper, M.lb, M.ub, x), *missed])
                self._write(entry, r, primal, clabels, r.link_duals[: clabels.size])
        finally:
            hosts.finish()
        return self._end(name, r, entry, took)

    def _took(self, r: DecomposeResult, start: float) -> float:
        self.last = r
        took = time.perf_counter() - start
        self.seconds += took
        return took

    def _entry(
        self,
        name: str,
        r: DecomposeResult,
        took: float,
        lp: Any,
        copies: int,
        block_seconds: list[float],
        warm: np.ndarray | None,
    ) -> dict[str, Any]:
        """The stage's record in ``stages`` (``lp``: the split LP, for its sizes)."""
        entry: dict[str, Any] = {
            "stage": name,
            "status": r.status,
            "objective": float("nan"),
            "seconds": round(took, 3),
            "iterations": r.iterations,
            "bound": r.bound,
            "gap": r.gap,
            "blocks": len(lp.block_columns),
            "linking_rows": int(lp.link_rows.size),
            "linking_columns": int(lp.link_columns.size),
            "copies": copies,
            "block_seconds_max": round(max(block_seconds, default=0.0), 3),
            "block_seconds_total": round(float(sum(block_seconds)), 3),
            "block_seconds": [round(float(b), 3) for b in block_seconds],
        }
        if self.interior:
            entry["started_from"] = "the last stage's solution" if warm is not None else "the least-norm point"
        stepped = [h for h in r.history if "factor_s" in h]
        if stepped:  # the block interior point's mean iteration [s]: where an iteration's time goes
            keys = ("factor_s", "predictor_corrector_s", "centrality_s", "correctors")
            entry["per_iteration"] = {k: round(float(np.mean([h[k] for h in stepped])), 3) for k in keys}
        return entry

    def _by_label(self, vlabels: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The solution ``x`` of the model's columns (labels ``vlabels``) indexed by variable label (nan elsewhere)."""
        primal = np.full(column_labels(self.pm.model), np.nan)
        primal[vlabels] = x
        return primal

    def _write(
        self, entry: dict[str, Any], r: DecomposeResult, primal: np.ndarray, clabels: np.ndarray, duals: np.ndarray
    ) -> None:
        """The solution ``primal`` (by variable label, ``_by_label``) and the prices ``duals`` of the model's rows
        (labels ``clabels``) written back into the (centre's) linopy model as a HiGHS run's are; the stage's
        objective into ``entry`` when optimal."""
        m = self.pm.model
        dual = np.full(row_labels(m), np.nan)
        dual[clabels] = duals
        m.assign_result(
            Result(
                Status.from_termination_condition("optimal"), Solution(primal, dual, r.objective), solver_name="highs"
            )
        )
        if r.status == "optimal":
            entry["objective"] = float(m.objective.value) if m.objective.value is not None else float("nan")

    def _end(self, name: str, r: DecomposeResult, entry: dict[str, Any], took: float) -> tuple[str, float]:
        """Record the stage; a stage stopped short raises ``SolverError``."""
        self.stages.append(entry)
        if r.status in ("iteration_limit", "time_limit", "numerical"):
            # not a verdict on the plan (a stage stopped short is neither infeasible nor optimal): say so and stop
            raise SolverError(
                f"the decomposed solve of stage '{name}' stopped ({r.status.replace('_', ' ')}) after "
                f"{r.iterations} iterations at a gap of {r.gap:.3g}, above the {self.how.gap:g} asked"
            )
        log.info(
            "stage %s: %s in %d iterations, bounds %.9g / %.9g, %.2f s",
            name,
            r.status,
            r.iterations,
            r.objective,
            r.bound,
            took,
        )
        return r.status, entry["objective"]
