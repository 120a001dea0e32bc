"""One HiGHS run per plan stage: a fresh HiGHS model built from the linopy model with the stage's objective."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from linopy import LinearExpression

from leapplan.errors import SolverError
from leapplan.plan.food import net_reserve_flows
from leapplan.plan.model import PlanModel

log = logging.getLogger(__name__)

LEVEL_ABS_TOLERANCE = 1e-9
"""Absolute slack added to an optimised level (or cost) when later stages hold it [its units]."""
MET = 1e-5
"""A level at most this [level units: shortfall per mean requirement, or a fraction] after an earlier stage is
met; an interior point solution leaves such dust on shortfalls that are zero at the optimum."""
FEASIBLE = 2
"""HiGHS's solution status 'feasible' (kSolutionStatusFeasible)."""
NEAR_OPTIMAL = 1e-3
"""Relative primal-dual objective error up to which a stage the interior point method left at status 'unknown'
with feasible primal and dual solutions is taken as solved [-]: IPX stops at about a hundred iterations on
shanxi-1958's target stages with a gap of 4e-5 to 1.5e-4, which fixes a level to well within the plan's accuracy,
where a dual simplex from scratch takes two and a half minutes more."""
FINAL = ("optimal", "infeasible", "infeasible_or_unbounded", "unbounded")
"""Termination conditions that answer a stage; any other is retried by simplex."""


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence HiGHS's banner, which its C++ core writes to file descriptor 1 before options apply."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), fd)
        try:
            yield
        finally:
            os.dup2(saved, fd)
            os.close(saved)


@contextlib.contextmanager
def _linopy_quiet() -> Iterator[None]:
    """Keep linopy's warnings about a non-optimal status off the console: the stage handles the status itself."""
    logger = logging.getLogger("linopy")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


class Runner:
    """Solves the model under a sequence of objectives, each stage a fresh HiGHS run (``run``); ``stages`` lists
    every run, ``seconds`` their wall time.

    (linopy's in-place update of a built HiGHS model drops the variable scaling from new objective
    coefficients, and warm-started primal simplex proved far slower here than a cold dual simplex.)
    """

    def __init__(self, pm: PlanModel, options: dict[str, Any]) -> None:
        self.pm = pm
        self.options = {"output_flag": False, **options}
        self.method = str(self.options.get("solver", "simplex"))
        self.interior = self.method == "ipm"
        """Its solutions are interior points' (dust where a vertex has 0; prices central on degenerate rows)."""
        self.seconds = 0.0
        self.stages: list[dict[str, Any]] = []
        self.detail: Callable[[str], None] = lambda _: None
        """Told how a stage is going while it runs ('iteration 57, gap 3.2e-02'): the decomposed runner's
        iterations; one HiGHS run says nothing until it ends."""

    def run(self, name: str, objective: LinearExpression) -> tuple[str, float]:
        """Solve under ``objective``; returns (termination condition, objective value).

        When the interior point method stops short of its tolerances (status 'unknown' or 'other':
        thin optimal faces after several levels are fixed), the stage is solved again by dual simplex. An optimal
        solution's circulation through the grain reserve is netted (``food.net_reserve_flows``)."""
        m = self.pm.model
        m.add_objective(objective, overwrite=True)
        cond, value = self._solve(name, self.options)
        if cond not in FINAL and self.method == "ipm":
            cond, value = self._solve(f"{name} (again by simplex)", {**self.options, "solver": "simplex"})
        if cond == "optimal":
            net_reserve_flows(m)
        return cond, value

    def _solve(self, name: str, options: dict[str, Any]) -> tuple[str, float]:
        m = self.pm.model
        start = time.perf_counter()
        try:
            with quiet_stdout(), _linopy_quiet():
                _, cond = m.solve(solver_name="highs", io_api="direct", progress=False, **options)
        except Exception as exc:  # the solver's own failures become one clear message
            raise SolverError(f"HiGHS failed in stage '{name}': {exc}") from exc
        took = time.perf_counter() - start
        self.seconds += took
        cond = str(cond)
        note = ""
        if cond not in FINAL and m.solver_model is not None:
            info = m.solver_model.getInfo()
            if _near_optimal(info):
                # IPX measures its gap relative to the objective, which at an optimum of ~0 (a level fully met)
                # never meets 1e-7 although the primal and dual solutions are feasible: that is an optimum
                cond = "optimal"
                note = f"interior point stopped at a primal-dual gap of {info.primal_dual_objective_error:.1g}"
        value = float(m.objective.value) if cond == "optimal" and m.objective.value is not None else float("nan")
        self.stages.append({"stage": name, "status": cond, "objective": value, "seconds": round(took, 3)})
        if note:
            self.stages[-1]["note"] = note
        log.info("stage %s: %s, objective %.6g, %.2f s", name, cond, value, took)
        return cond, value


def _near_optimal(info: Any) -> bool:
    """A HiGHS run left with feasible primal and dual solutions and a relative gap of at most ``NEAR_OPTIMAL``."""
    feasible = info.primal_solution_status == info.dual_solution_status == FEASIBLE
    return bool(feasible and info.primal_dual_objective_error <= NEAR_OPTIMAL)
