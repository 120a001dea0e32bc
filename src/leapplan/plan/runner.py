"""One HiGHS run per plan stage, and two stages at once on two threads (``Runner.run_pair``).

Each run is a fresh HiGHS model built from the linopy model with the stage's objective; a paired run builds two
(linopy's ``Solver`` instances, one per thread: highspy releases the GIL while it solves) and keeps the answer
that settles both stages, or the first's.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent import futures
from typing import Any

import numpy as np
from linopy import LinearExpression
from linopy.solvers import Solver

from leapplan.errors import SolverError
from leapplan.plan.model import PlanModel

log = logging.getLogger(__name__)

LEVEL_ABS_TOLERANCE = 1e-9
"""Absolute slack added to an optimised level (or cost) when later stages hold it [its units]."""
MET = 1e-5
"""A level at most this [level units: shortfall per mean requirement, or a fraction] after an earlier stage is
met; an interior point solution leaves such dust on shortfalls that are zero at the optimum."""
FEASIBLE = 2
"""HiGHS's solution status 'feasible' (kSolutionStatusFeasible)."""
NEAR_OPTIMAL = 1e-4
"""Relative primal-dual objective error up to which a stage the interior point method left at status 'unknown'
with feasible primal and dual solutions is taken as solved [-]."""
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
    """Solves the model under a sequence of objectives, each stage a fresh HiGHS run (``run``), or two stages at
    once on two threads (``run_pair``); ``stages`` lists every run, ``seconds`` their wall time.

    (linopy's in-place update of a built HiGHS model drops the variable scaling from new objective
    coefficients, and warm-started primal simplex proved far slower here than a cold dual simplex.)
    """

    def __init__(self, pm: PlanModel, options: dict[str, Any]) -> None:
        self.pm = pm
        self.options = {"output_flag": False, **options}
        self.method = str(self.options.get("solver", "simplex"))
        self.seconds = 0.0
        self.stages: list[dict[str, Any]] = []

    def run(self, name: str, objective: LinearExpression) -> tuple[str, float]:
        """Solve under ``objective``; returns (termination condition, objective value).

        When the interior point method stops short of its tolerances (status 'unknown' or 'other':
        thin optimal faces after several levels are fixed), the stage is solved again by dual simplex."""
        m = self.pm.model
        m.add_objective(objective, overwrite=True)
        cond, value = self._solve(name, self.options)
        if cond not in FINAL and self.method == "ipm":
            cond, value = self._solve(f"{name} (again by simplex)", {**self.options, "solver": "simplex"})
        return cond, value

    def run_pair(
        self,
        first: tuple[str, LinearExpression],
        second: tuple[str, LinearExpression],
        held: tuple[np.ndarray, np.ndarray],
        tol: float,
        *,
        floor: float = MET,
        on_first: Callable[[float], None] | None = None,
    ) -> tuple[str | None, float | None]:
        """Solve two stages at once on two threads: ``first`` minimises f = Σ coeffs × x[labels] (``held``: a level,
        or the cost), ``second`` the next objective + a penalty × f. The second's solution answers both stages
        when its f is at most ``floor`` (f's least possible value: a level met) or, once the first is done, at most
        the first's optimum × (1 + ``tol``) + ``LEVEL_ABS_TOLERANCE``: among the plans that hold f there, it
        minimises the next objective (the penalty was large enough), so it is lexicographically optimal for the
        two. Returns (what answered, the first's optimum of f when both runs are used, else None). What answered is
        'second' when that solution is taken (``on_first`` is first called with the first's optimum, its solution
        and duals in the model, when the first finished); else the first run's termination condition ('optimal',
        'infeasible', …: its result is then the model's), or None when it did not finish (the caller then solves
        it on its own). A run that can no longer be used is stopped; a second still running when the
        first has taken as long again is stopped too. Every run is listed in ``stages`` ('not used' for one whose
        answer was dropped)."""
        m = self.pm.model
        labels, coeffs = held
        scale = self._scales()[labels]
        start = time.perf_counter()
        jobs: list[tuple[str, LinearExpression, Any]] = []
        results: dict[int, Any] = {}
        done_at: dict[int, float] = {}

        def held_in(i: int) -> float | None:
            """f in run i's solution (None if it is not an optimum)."""
            if i not in results or not _optimal(results[i]):
                return None
            return float(coeffs @ (np.asarray(results[i].solution.primal)[labels] / scale))

        def verdict() -> int | None:
            return pair_verdict(held_in(0), held_in(1), 0 in results, 1 in results, floor=floor, tol=tol)

        with quiet_stdout(), _linopy_quiet():
            m.constraints.sanitize_zeros()
            m.constraints.sanitize_infinities()
            for name, objective in (first, second):
                m.add_objective(objective, overwrite=True)
                try:
                    solver = Solver.from_name("highs", model=m, io_api="direct", options=dict(self.options))
                except Exception as exc:
                    raise SolverError(f"HiGHS failed to load stage '{name}': {exc}") from exc
                jobs.append((name, objective, solver))
            with futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="leapplan-stage") as pool:
                running = {pool.submit(job[2].solve): i for i, job in enumerate(jobs)}
                pending = set(running)
                stopping = False
                try:
                    while pending:
                        timeout = None
                        if 0 in done_at and not stopping:  # the second may take as long again as the first took
                            timeout = max(0.0, 2 * (done_at[0] - start) - (time.perf_counter() - start))
                        done, pending = futures.wait(pending, timeout=timeout, return_when=futures.FIRST_COMPLETED)
                        for fut in done:
                            i = running[fut]
                            try:
                                results[i] = fut.result()
                            except Exception as exc:
                                raise SolverError(f"HiGHS failed in stage '{jobs[i][0]}': {exc}") from exc
                            done_at[i] = time.perf_counter()
                        if pending and not stopping and (verdict() is not None or not done):
                            _cancel(jobs[running[fut]][2] for fut in pending)
                            stopping = True  # then wait for it to return, at its next iteration
                except BaseException:  # Ctrl-C or a failed run: stop the other thread's solve before leaving
                    _cancel(jobs[running[fut]][2] for fut in pending)
                    raise
        end = time.perf_counter()
        self.seconds += end - start
        chosen = verdict()
        a = held_in(0)
        if chosen == 1:
            cond = "optimal"
        elif 0 in results:
            cond = "optimal" if a is not None else str(results[0].status.termination_condition.value)
            chosen = 0 if cond in FINAL else None  # infeasible: the caller diagnoses; else it solves it alone
        else:
            cond = ""
        seconds = {i: round(done_at.get(i, end) - start, 3) for i in range(len(jobs))}
        used = {chosen} if chosen is not None else set()
        if chosen == 1 and a is not None:
            # both used: the first's optimum, solution and duals for the caller (weak links), then the second's
            used.add(0)
            self._assign(jobs[0], results[0])
            self.stages.append({"stage": jobs[0][0], "status": "optimal", "objective": a, "seconds": seconds[0]})
            if on_first is not None:
                on_first(a)
        for i, (name, _, _) in enumerate(jobs):
            if i not in used:
                self.stages.append({"stage": name, "status": "not used", "objective": float("nan"), "seconds": 0.0})
        if chosen is None:
            return None, None
        name = jobs[chosen][0]
        value = self._assign(jobs[chosen], results[chosen])
        value = value if cond == "optimal" else float("nan")
        other = jobs[1 - chosen][0]
        self.stages.append({"stage": name, "status": cond, "objective": value, "seconds": seconds[chosen]})
        self.stages[-1]["note"] = f"solved beside '{other}' on a second thread"
        log.info("stage %s: %s, objective %.6g, %.2f s (paired)", name, cond, value, seconds[chosen])
        return ("second" if chosen == 1 else cond), (a if 0 in used and chosen == 1 else None)

    def _scales(self) -> np.ndarray:
        """Each column's solver scaling, by label (a solver's primal value / scaling = the variable's value)."""
        m = self.pm.model
        out = np.ones(m._xCounter)
        for _, v in m.variables.items():
            lab = np.asarray(v.labels.values)
            sc = np.broadcast_to(np.asarray(v.solver_scaling.values, dtype=float), lab.shape)
            live = lab >= 0
            out[lab[live]] = sc[live]
        return out

    def _assign(self, job: tuple[str, LinearExpression, Any], result: Any) -> float:
        """Put a paired run's result (primal, duals, its HiGHS model) into the model; returns its objective."""
        _, objective, solver = job
        m = self.pm.model
        m.add_objective(objective, overwrite=True)
        with _linopy_quiet():
            m.assign_result(result, solver=solver)
        return float(m.objective.value) if m.objective.value is not None else float("nan")

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


def pair_verdict(
    first: float | None, second: float | None, first_done: bool, second_done: bool, *, floor: float, tol: float
) -> int | None:
    """Which of two paired runs answers: 1 the second, 0 the first, None not yet (wait). ``first`` and ``second``
    are the held quantity f in each run's optimum (None while running, or when the run ended without one);
    ``first_done`` / ``second_done`` say whether each run has ended. The second answers when its f is at most
    ``floor``, or at most the first's optimum × (1 + ``tol``) + ``LEVEL_ABS_TOLERANCE``."""
    if second is not None and second <= floor:
        return 1
    if first_done and first is None:
        return 0  # the first failed or is infeasible: the second cannot be an answer
    if first is not None and second is not None:
        return 1 if second <= max(first, 0.0) * (1 + tol) + LEVEL_ABS_TOLERANCE else 0
    if first is not None and second_done:
        return 0  # the second stopped short
    return None


def _cancel(solvers: Iterable[Any]) -> None:
    """Ask running HiGHS solves to stop (each returns at its next iteration, status 'interrupted')."""
    for solver in solvers:
        with contextlib.suppress(Exception):
            solver.solver_model.cancelSolve()


def _near_optimal(info: Any) -> bool:
    """A HiGHS run left with feasible primal and dual solutions and a relative gap of at most ``NEAR_OPTIMAL``."""
    feasible = info.primal_solution_status == info.dual_solution_status == FEASIBLE
    return bool(feasible and info.primal_dual_objective_error <= NEAR_OPTIMAL)


def _optimal(result: Any) -> bool:
    """A paired run's result is an optimum (or an interior point stop that ``_near_optimal`` accepts)."""
    if result is None or result.solution is None or not len(result.solution.primal):
        return False
    if str(result.status.termination_condition.value) == "optimal":
        return True
    return result.solver_model is not None and _near_optimal(result.solver_model.getInfo())
