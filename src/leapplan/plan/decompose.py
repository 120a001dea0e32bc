"""Dantzig–Wolfe decomposition with dual smoothing for block-angular LPs, the blocks' subproblems solved by HiGHS.

The LP  min c'x  s.t.  lo ≤ A x ≤ hi,  l ≤ x ≤ u  is split by ``blocks.Blocks``: the linking rows L, the
linking columns J0 and per block k its columns x_k and own rows  lo_k ≤ A_k x_k ≤ hi_k. The master
(the centre) holds the linking rows, the linking columns, one convexity row Σ λ_kp = 1 per block and, as columns,
the proposals of the blocks (points x_kp and, for a block whose subproblem is unbounded, rays r_kr):

    min  c_0'x_0 + Σ_kp (c_k'x_kp) λ_kp + Σ_kr (c_k'r_kr) μ_kr
    s.t. lo_L ≤ A_L0 x_0 + Σ_kp (D_k x_kp) λ_kp + Σ_kr (D_k r_kr) μ_kr ≤ hi_L,   Σ_p λ_kp = 1 (each k),  λ, μ ≥ 0

with D_k block k's part of the linking rows. Each iteration the master's prices π of the linking rows are sent to
the blocks; block k solves  min (c_k − D_k'π)'x_k  over its own rows and bounds (a HiGHS model kept per block,
only its costs changed: warm start) and proposes the minimiser. Every π (of the right signs) gives a lower
bound, the Lagrangian  L(π) = Σ_i π_i·(lo_i if π_i > 0 else hi_i) + Σ_k v_k(π) + Σ_{j∈J0} min_{l≤x≤u} (c_j − a_j'π)x,
and the master's value is an upper bound once its artificial slacks are gone; the solve stops at
(upper − lower) / max(|upper|, |lower|, ``GAP_FLOOR``) ≤ ``gap``.

Stabilisation (Wentges smoothing, "in–out"): the blocks are priced at π_sep = α π_centre + (1 − α) π_master, where
the centre is the price with the best lower bound so far. A proposal enters the master when its reduced cost at
the master's own prices is negative; when none does (mis-pricing), π_sep is moved towards π_master (α squared each
time, down to π_master itself, where plain Dantzig–Wolfe pricing ends the solve). This keeps the prices from
swinging between extreme vertices, the failure of plain Dantzig–Wolfe on degenerate masters.

The first columns are, per block, its own optimum (its costs, no prices) and a *start*: each linking row's bounds,
less what the linking columns take at the point of their bounds nearest 0, are shared out among the blocks in the
row (in proportion to Σ |coefficient| of their columns in it), and each block finds a point of its own rows that
keeps within its shares (elastic: as near as it can). When every block can, those points with the linking columns
at that point already satisfy the linking rows. Phase 1 adds artificial slacks on the linking rows only,
minimises their sum with the same loop (block costs 0), and ends when it is 0 (or proves the LP infeasible by its
lower bound); phase 2 drops the artificials and puts the costs on. (On the synthetic 100-county first stage the
start cut the artificials' first sum from 51,205 to 0.54 and phase 1 from about 240 s to about 10 s.)

The gap is relative: (upper − lower) / max(|upper|, |lower|, ``GAP_FLOOR``), so that a level stage whose optimum
is 0.003 is solved to the same relative accuracy as a cost stage of millions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import highspy
import numpy as np
from scipy.sparse import csc_array, csr_array, hstack, vstack

from leapplan.errors import SolverError
from leapplan.plan.blocks import Blocks

log = logging.getLogger(__name__)

INF = highspy.kHighsInf
ALPHA = 0.5
"""Weight of the centre in the smoothed prices [-]."""
FEASIBLE_ARTIFICIALS = 1e-7
"""Sum of artificial slacks [row units] below which phase 1 has found a feasible master."""
DUAL_TOLERANCE = 1e-7
"""|reduced cost| or |price| below which an infinite bound contributes nothing to the Lagrangian [cost units]:
HiGHS's duals are feasible to about this."""
MAX_ITERATIONS = 1000
GAP_FLOOR = 1e-6
"""Least denominator of the relative gap [cost units]: a stage whose bounds are both within about this of 0 (a level
that is met: ``runner.MET`` is 1e-5) is solved to an absolute gap of ``gap`` × 1e-6."""
MASTER_FEASIBILITY = 1e-9
"""HiGHS's primal feasibility tolerance in the master [row units, after its scaling]."""


@dataclass(frozen=True)
class BlockLP:
    """One block's part of the LP: its columns' costs and bounds, its own rows, and its part of the linking rows."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    A: csr_array
    """Own rows × own columns."""
    row_lower: np.ndarray
    row_upper: np.ndarray
    D: csr_array
    """Linking rows × own columns."""


@dataclass(frozen=True)
class SplitLP:
    """A block-angular LP: the master's data (linking rows and columns) and the blocks."""

    n: int
    """Columns of the whole LP."""
    rows: int
    """Rows of the whole LP."""
    link_rows: np.ndarray
    """Positions of the linking rows in the whole LP."""
    link_columns: np.ndarray
    """Positions of the linking columns in the whole LP."""
    block_columns: list[np.ndarray]
    """Positions of each block's columns in the whole LP."""
    block_rows: list[np.ndarray]
    """Positions of each block's own rows in the whole LP."""
    A0: csr_array
    """Linking rows × linking columns."""
    row_lower: np.ndarray
    row_upper: np.ndarray
    cost0: np.ndarray
    lower0: np.ndarray
    upper0: np.ndarray
    blocks: list[BlockLP]
    names: list[str]


def split_lp(
    A: csr_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    bl: Blocks,
) -> SplitLP:
    """The LP  min cost'x, row_lower ≤ A x ≤ row_upper, lower ≤ x ≤ upper  cut into master and blocks by ``bl``."""
    A = csr_array(A)
    L = bl.linking_rows
    J0 = bl.linking_columns
    AL = csc_array(A[L])
    parts = []
    cols = []
    names, brows = [], []
    for k in range(len(bl.names)):
        ck, rk = bl.columns(k), bl.rows(k)
        if not ck.size:  # a block with no columns has no rows either: nothing to solve
            continue
        names.append(bl.names[k])
        cols.append(ck)
        brows.append(rk)
        parts.append(
            BlockLP(
                cost=np.asarray(cost[ck], dtype=float),
                lower=np.asarray(lower[ck], dtype=float),
                upper=np.asarray(upper[ck], dtype=float),
                A=csr_array(A[rk][:, ck]),
                row_lower=np.asarray(row_lower[rk], dtype=float),
                row_upper=np.asarray(row_upper[rk], dtype=float),
                D=csr_array(AL[:, ck]),
            )
        )
    return SplitLP(
        n=A.shape[1],
        rows=A.shape[0],
        link_rows=L,
        link_columns=J0,
        block_columns=cols,
        block_rows=brows,
        A0=csr_array(AL[:, J0]),
        row_lower=np.asarray(row_lower[L], dtype=float),
        row_upper=np.asarray(row_upper[L], dtype=float),
        cost0=np.asarray(cost[J0], dtype=float),
        lower0=np.asarray(lower[J0], dtype=float),
        upper0=np.asarray(upper[J0], dtype=float),
        blocks=parts,
        names=names,
    )


def _highs_lp(
    cost: np.ndarray, lower: np.ndarray, upper: np.ndarray, A: csr_array, row_lower: np.ndarray, row_upper: np.ndarray
) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    lp.num_col_ = int(cost.size)
    lp.num_row_ = int(A.shape[0])
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.where(np.isfinite(lower), lower, -INF)
    lp.col_upper_ = np.where(np.isfinite(upper), upper, INF)
    lp.row_lower_ = np.where(np.isfinite(row_lower), row_lower, -INF)
    lp.row_upper_ = np.where(np.isfinite(row_upper), row_upper, INF)
    C = csc_array(A)
    C.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = C.indptr.astype(np.int32)
    lp.a_matrix_.index_ = C.indices.astype(np.int32)
    lp.a_matrix_.value_ = C.data.astype(float)
    return lp


def _status(h: highspy.Highs) -> str:
    return str(h.modelStatusToString(h.getModelStatus())).lower()


@dataclass
class Proposal:
    """A block's answer to prices: a point (or a ray when its subproblem is unbounded) kept by the block, as the
    master needs it."""

    ray: bool
    index: int
    """Position among the block's points (or rays)."""
    value: float
    """Least priced cost v_k = min (c_k − D_k'π)'x_k (−inf for a ray) [cost units]."""
    cost: float
    """c_k'x of the point (ray) [cost units]."""
    link: np.ndarray
    """D_k x: the point's (ray's) activity in the linking rows."""
    seconds: float = 0.0


class BlockSolver:
    """Block k's subproblem: one HiGHS model, built once; each call changes its costs only (warm start), solves and
    keeps the point or ray it proposes."""

    def __init__(self, lp: BlockLP, options: dict[str, Any] | None = None, warm: bool = True) -> None:
        self.lp = lp
        self.warm = warm
        """Start each solve from the last basis (False: from scratch, the model kept)."""
        self.DT = csr_array(lp.D.T)
        self.options = {"output_flag": False, **(options or {})}
        self.h = highspy.Highs()
        for key, value in self.options.items():
            self.h.setOptionValue(key, value)
        self.h.passModel(_highs_lp(lp.cost, lp.lower, lp.upper, lp.A, lp.row_lower, lp.row_upper))
        self.points: list[np.ndarray] = []
        self.rays: list[np.ndarray] = []
        self.seconds = 0.0

    def price(self, pi: np.ndarray | None, phase: int) -> Proposal:
        """Solve under costs (c_k in phase 2, 0 in phase 1) − D_k'π; π None: the block's own costs."""
        start = time.perf_counter()
        base = self.lp.cost if phase == 2 or pi is None else np.zeros_like(self.lp.cost)
        costs = base - (self.DT @ pi if pi is not None else 0.0)
        n = costs.size
        self.h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(costs, dtype=float))
        if not self.warm:
            self.h.clearSolver()
        self.h.run()
        status = _status(self.h)
        if status in ("unbounded", "infeasible or unbounded", "unbounded or infeasible"):
            prop = self._ray(costs)
        elif status == "optimal":
            x = np.asarray(self.h.getSolution().col_value, dtype=float)
            self.points.append(x)
            prop = Proposal(
                False, len(self.points) - 1, float(costs @ x), float(self.lp.cost @ x), np.asarray(self.lp.D @ x)
            )
        elif status == "infeasible":
            raise SolverError("a block of the decomposed LP is infeasible on its own rows")
        else:
            raise SolverError(f"HiGHS ended a block's subproblem with status '{status}'")
        took = time.perf_counter() - start
        self.seconds += took
        prop.seconds = took
        return prop

    def start(self, share_lower: np.ndarray, share_upper: np.ndarray) -> Proposal:
        """A first point that keeps the block's part of each linking row within its share of the row's bounds as far
        as it can: min Σ e⁺ + e⁻ over the own rows with share_lower ≤ D_k x + e⁺ − e⁻ ≤ share_upper (one HiGHS run
        of a model used once). Kept among the block's points."""
        started = time.perf_counter()
        D = self.lp.D
        touched = np.flatnonzero(np.diff(D.indptr))
        r, n = touched.size, self.lp.cost.size
        own = self.lp.A.shape[0]
        eye = csr_array((np.ones(r), (np.arange(r), np.arange(r))), shape=(r, r))
        top = hstack([csr_array(self.lp.A), csr_array((own, 2 * r))])
        bottom = hstack([csr_array(D[touched]), eye, -eye])
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(
            _highs_lp(
                np.concatenate([np.zeros(n), np.ones(2 * r)]),
                np.concatenate([self.lp.lower, np.zeros(2 * r)]),
                np.concatenate([self.lp.upper, np.full(2 * r, np.inf)]),
                csr_array(vstack([top, bottom])),
                np.concatenate([self.lp.row_lower, share_lower[touched]]),
                np.concatenate([self.lp.row_upper, share_upper[touched]]),
            )
        )
        h.run()
        status = _status(h)
        if status == "infeasible":
            raise SolverError("a block of the decomposed LP is infeasible on its own rows")
        if status != "optimal":
            raise SolverError(f"HiGHS ended a block's first subproblem with status '{status}'")
        x = np.asarray(h.getSolution().col_value, dtype=float)[:n]
        self.points.append(x)
        cost = float(self.lp.cost @ x)
        took = time.perf_counter() - started
        self.seconds += took
        return Proposal(False, len(self.points) - 1, cost, cost, np.asarray(D @ x), took)

    def _ray(self, costs: np.ndarray) -> Proposal:
        """A ray of an unbounded subproblem (solved again without presolve, which hides rays)."""
        self.h.setOptionValue("presolve", "off")
        self.h.run()
        self.h.setOptionValue("presolve", str(self.options.get("presolve", "choose")))
        status = _status(self.h)
        if status == "infeasible":
            raise SolverError("a block of the decomposed LP is infeasible on its own rows")
        _, has, ray = self.h.getPrimalRay()  # type: ignore[attr-defined]  # not in highspy's stubs
        if status != "unbounded" or not has:
            raise SolverError(f"a block's subproblem is unbounded but HiGHS gave no ray (status '{status}')")
        r = np.asarray(ray, dtype=float)
        r /= max(float(np.abs(r).max()), 1e-300)
        self.rays.append(r)
        return Proposal(True, len(self.rays) - 1, -np.inf, float(self.lp.cost @ r), np.asarray(self.lp.D @ r))

    def elapsed(self) -> float:
        """Seconds spent solving this block so far."""
        return self.seconds

    def row_duals(self) -> np.ndarray:
        """Prices of the block's own rows at its last solve (HiGHS's sign: c − A'y = reduced costs)."""
        return np.asarray(self.h.getSolution().row_dual, dtype=float)

    def combine(self, points: Sequence[tuple[int, float]], rays: Sequence[tuple[int, float]]) -> np.ndarray:
        """Σ weight × point + Σ weight × ray: the block's part of the recovered solution."""
        x = np.zeros(self.lp.cost.size)
        for i, w in points:
            x += w * self.points[i]
        for i, w in rays:
            x += w * self.rays[i]
        return x


class Pricer(Protocol):
    """Where the blocks are solved: in this process or on Dask workers."""

    def price(self, pi: np.ndarray | None, phase: int) -> list[Proposal]: ...

    def start(self, shares: list[tuple[np.ndarray, np.ndarray]]) -> list[Proposal]: ...

    def combine(self, weights: list[tuple[list[tuple[int, float]], list[tuple[int, float]]]]) -> list[np.ndarray]: ...

    def row_duals(self) -> list[np.ndarray]: ...

    def seconds(self) -> list[float]: ...

    def close(self) -> None: ...


class LocalPricer:
    """Every block solved in turn in this process."""

    def __init__(self, blocks: list[BlockLP], options: dict[str, Any] | None = None, warm: bool = True) -> None:
        self.solvers = [BlockSolver(b, options, warm) for b in blocks]

    def price(self, pi: np.ndarray | None, phase: int) -> list[Proposal]:
        return [s.price(pi, phase) for s in self.solvers]

    def start(self, shares: list[tuple[np.ndarray, np.ndarray]]) -> list[Proposal]:
        return [s.start(lo, hi) for s, (lo, hi) in zip(self.solvers, shares, strict=True)]

    def combine(self, weights: list[tuple[list[tuple[int, float]], list[tuple[int, float]]]]) -> list[np.ndarray]:
        return [s.combine(p, r) for s, (p, r) in zip(self.solvers, weights, strict=True)]

    def row_duals(self) -> list[np.ndarray]:
        return [s.row_duals() for s in self.solvers]

    def seconds(self) -> list[float]:
        return [s.elapsed() for s in self.solvers]

    def close(self) -> None:
        self.solvers = []


@dataclass
class DecomposeResult:
    """The outcome of a decomposed solve."""

    status: str
    """'optimal' (gap reached), 'infeasible', 'unbounded' or 'iteration_limit' / 'time_limit'."""
    x: np.ndarray
    """The recovered solution, all columns of the LP in its order (nan when infeasible)."""
    objective: float
    """Upper bound: the master's value (c'x of the recovered solution) [cost units]."""
    bound: float
    """Best lower bound (Lagrangian) [cost units]."""
    gap: float
    """(objective − bound) / max(|objective|, |bound|, GAP_FLOOR) [-]; the block interior point's widened by its
    residuals' error (``block_ipm.closing_gap``)."""
    iterations: int
    """Master solves, both phases."""
    link_duals: np.ndarray
    """The master's prices of the linking rows at the end (c − A'y convention: > 0 on a binding lower side)."""
    row_duals: np.ndarray
    """Prices of every row of the LP: the linking rows' from the master, each block's own rows' from its subproblem
    priced at the master's prices (together a dual solution of the LP, optimal to the gap)."""
    history: list[dict[str, float]] = field(default_factory=list)
    """Per iteration: phase, master value, best bound, seconds since the start, block seconds (largest); the block
    interior point's: objective, bound, the residuals' error, residuals, seconds since the start and, for each
    iteration that took a step, the seconds of its factor round, of Mehrotra's predictor and corrector and of the
    centrality correctors, and how many correctors it kept."""
    seconds: float = 0.0


def relative_gap(upper: float, lower: float) -> float:
    """(upper − lower) / max(|upper|, |lower|, GAP_FLOOR) [-] (inf while the lower bound is −inf)."""
    if not np.isfinite(lower):
        return np.inf
    return (upper - lower) / max(abs(upper), abs(lower), GAP_FLOOR)


def max_violation(
    A: csr_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    x: np.ndarray,
) -> float:
    """Largest amount by which ``x`` misses a row or a bound of the LP [row or column units]."""
    ax = A @ x
    rows = np.maximum(np.maximum(row_lower - ax, ax - row_upper), 0.0)
    cols = np.maximum(np.maximum(lower - x, x - upper), 0.0)
    return float(max(rows.max(initial=0.0), cols.max(initial=0.0)))


class _Master:
    """The restricted master LP in HiGHS: linking rows, convexity rows, linking columns, artificials, proposals."""

    def __init__(self, lp: SplitLP) -> None:
        self.lp = lp
        self.m = lp.row_lower.size
        self.K = len(lp.blocks)
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        # the proposals' coefficients are sums over whole blocks: HiGHS's default 1e-7 on the master's scaled rows
        # let the recovered plan miss a row by 4e-6 on tiny.yaml; 1e-9 keeps it below 1e-7
        self.h.setOptionValue("primal_feasibility_tolerance", MASTER_FEASIBILITY)
        n0 = lp.cost0.size
        eye = csr_array((np.ones(self.m), (np.arange(self.m), np.arange(self.m))), shape=(self.m + self.K, self.m))
        A0 = csr_array((lp.A0.data, lp.A0.indices, lp.A0.indptr), shape=(self.m, n0))
        A0 = vstack([A0, csr_array((self.K, n0))]) if self.K else A0
        A = hstack([A0, eye, -eye], format="csr")
        lower = np.concatenate([lp.lower0, np.zeros(2 * self.m)])
        upper = np.concatenate([lp.upper0, np.full(2 * self.m, np.inf)])
        rl = np.concatenate([lp.row_lower, np.ones(self.K)])
        ru = np.concatenate([lp.row_upper, np.ones(self.K)])
        self.n0 = n0
        self.h.passModel(_highs_lp(np.zeros(n0 + 2 * self.m), lower, upper, csr_array(A), rl, ru))
        self.columns: list[tuple[int, Proposal]] = []
        """(block, proposal) of each master column after the linking columns and artificials."""

    @property
    def first(self) -> int:
        return self.n0 + 2 * self.m

    def add(self, k: int, p: Proposal, phase: int) -> None:
        idx = np.flatnonzero(p.link)
        vals = p.link[idx]
        if not p.ray:
            idx = np.append(idx, self.m + k)
            vals = np.append(vals, 1.0)
        cost = p.cost if phase == 2 else 0.0
        self.h.addCol(cost, 0.0, INF, int(idx.size), idx.astype(np.int32), vals.astype(float))
        self.columns.append((k, p))

    def phase2(self) -> None:
        """Artificials out, costs in."""
        a = np.arange(self.n0, self.first, dtype=np.int32)
        self.h.changeColsBounds(a.size, a, np.zeros(a.size), np.zeros(a.size))
        self.h.changeColsCost(a.size, a, np.zeros(a.size))
        n0 = np.arange(self.n0, dtype=np.int32)
        if n0.size:
            self.h.changeColsCost(n0.size, n0, self.lp.cost0)
        if self.columns:
            cols = np.arange(self.first, self.first + len(self.columns), dtype=np.int32)
            self.h.changeColsCost(cols.size, cols, np.array([p.cost for _, p in self.columns]))

    def phase1_costs(self) -> None:
        a = np.arange(self.n0, self.first, dtype=np.int32)
        self.h.changeColsCost(a.size, a, np.ones(a.size))

    def solve(self) -> tuple[str, float, np.ndarray, np.ndarray]:
        """(status, value, linking-row prices, convexity prices). A warm start that ends without an answer (HiGHS's
        'unknown' after numerical trouble) is solved again from scratch."""
        self.h.run()
        status = _status(self.h)
        if status not in ("optimal", "infeasible", "unbounded"):
            log.info("master ended '%s' from the last basis: solved again from scratch", status)
            self.h.clearSolver()
            self.h.run()
            status = _status(self.h)
        if status != "optimal":
            return status, np.nan, np.zeros(self.m), np.zeros(self.K)
        sol = self.h.getSolution()
        y = np.asarray(sol.row_dual, dtype=float)
        value = float(self.h.getInfo().objective_function_value)
        return status, value, y[: self.m], y[self.m :]

    def values(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().col_value, dtype=float)


def _lagrangian(lp: SplitLP, pi: np.ndarray, props: list[Proposal], phase: int) -> float:
    """L(π): a lower bound on the phase's optimum for any π of the right signs (see the module docstring)."""
    if any(p.ray for p in props):
        return -np.inf
    total = float(sum(p.value for p in props))
    lo = np.where(np.abs(pi) <= DUAL_TOLERANCE, 0.0, np.where(pi > 0, lp.row_lower, lp.row_upper))
    term = pi * lo
    if not np.all(np.isfinite(term)):
        return -np.inf
    total += float(term.sum())
    if lp.cost0.size:
        rc = (lp.cost0 if phase == 2 else np.zeros_like(lp.cost0)) - lp.A0.T @ pi
        bound = np.where(np.abs(rc) <= DUAL_TOLERANCE, 0.0, np.where(rc > 0, lp.lower0, lp.upper0))
        t = np.where(np.abs(rc) <= DUAL_TOLERANCE, 0.0, rc * bound)
        if not np.all(np.isfinite(t)):
            return -np.inf
        total += float(t.sum())
    if phase == 1 and np.abs(pi).max(initial=0.0) > 1 + DUAL_TOLERANCE:
        return -np.inf  # an artificial slack with negative reduced cost
    return total


def shares(lp: SplitLP) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each block's share of the linking rows' bounds: with the linking columns at the point of their bounds nearest
    0, what the rows leave to the blocks, split among the blocks in a row in proportion to Σ |coefficient| of their
    columns in it ((lower, upper) per block, over all linking rows; infinite sides stay infinite)."""
    x0 = np.clip(0.0, lp.lower0, lp.upper0)
    used = lp.A0 @ x0 if lp.cost0.size else np.zeros(lp.row_lower.size)
    weight = [np.asarray(abs(b.D).sum(axis=1)).ravel() for b in lp.blocks]
    total = np.sum(weight, axis=0) if weight else np.zeros(lp.row_lower.size)
    out = []
    for w in weight:
        f = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
        with np.errstate(invalid="ignore"):
            lo = np.where(np.isfinite(lp.row_lower), (lp.row_lower - used) * f, -np.inf)
            hi = np.where(np.isfinite(lp.row_upper), (lp.row_upper - used) * f, np.inf)
        out.append((lo, hi))
    return out


def solve_split(
    lp: SplitLP,
    pricer: Pricer,
    *,
    gap: float = 1e-4,
    alpha: float = ALPHA,
    max_iterations: int = MAX_ITERATIONS,
    time_limit: float = np.inf,
    shared_start: bool = True,
) -> DecomposeResult:
    """Solve the split LP by stabilised Dantzig–Wolfe (module docstring) to a relative ``gap``; the blocks are
    priced by ``pricer``. ``shared_start``: add the blocks' points within their shares of the linking rows (``shares``)
    to the first columns."""
    start = time.perf_counter()
    master = _Master(lp)
    history: list[dict[str, float]] = []
    first = pricer.price(None, 2)
    for k, p in enumerate(first):
        master.add(k, p, 1)
        if p.ray:  # a ray alone leaves the convexity row empty: a point too
            master.add(k, pricer.price(np.zeros(lp.row_lower.size), 1)[k], 1)
    if shared_start:
        for k, p in enumerate(pricer.start(shares(lp))):
            master.add(k, p, 1)
    iterations = 0
    status = "optimal"
    value, bound = np.nan, -np.inf
    y = np.zeros(lp.row_lower.size)
    for phase in (1, 2):
        if phase == 1:
            master.phase1_costs()
        else:
            master.phase2()
        centre: np.ndarray | None = None
        bound = -np.inf
        while True:
            iterations += 1
            mstatus, value, y, sigma = master.solve()
            if mstatus != "optimal":
                if phase == 2 and mstatus == "unbounded":
                    status = "unbounded"
                    break
                raise SolverError(f"HiGHS ended the decomposed master with status '{mstatus}'")
            if phase == 1 and value <= FEASIBLE_ARTIFICIALS:
                history.append(_step(1, value, bound, start, []))
                break
            added, bound, centre = _price(lp, master, pricer, y, sigma, centre, bound, alpha, phase)
            history.append(_step(phase, value, bound, start, added))
            gone = time.perf_counter() - start
            log.info("phase %d iteration %d: master %.9g, bound %.9g", phase, iterations, value, bound)
            if phase == 1 and bound > FEASIBLE_ARTIFICIALS:
                status = "infeasible"
                break
            if phase == 2 and relative_gap(value, bound) <= gap:
                break
            if iterations >= max_iterations or gone > time_limit:
                status = "iteration_limit" if iterations >= max_iterations else "time_limit"
                break
        if status != "optimal":
            break
    seconds = time.perf_counter() - start
    if status in ("infeasible", "unbounded"):
        nan = np.full(lp.rows, np.nan)
        return DecomposeResult(
            status, np.full(lp.n, np.nan), np.nan, bound, np.nan, iterations, y, nan, history, seconds
        )
    # the last pricing may have added columns after the master's last solve: solve it once more, so that the
    # solution read back is the master's optimum over every column it holds (never worse than the one before)
    again, last, y_again, _ = master.solve()
    if again == "optimal":
        value, y = last, y_again
    x = _recover(lp, master, pricer)
    duals = np.zeros(lp.rows)
    duals[lp.link_rows] = y
    pricer.price(y, 2)  # the blocks' own rows priced at the master's prices
    for rows, d in zip(lp.block_rows, pricer.row_duals(), strict=True):
        duals[rows] = d
    seconds = time.perf_counter() - start
    return DecomposeResult(status, x, value, bound, relative_gap(value, bound), iterations, y, duals, history, seconds)


def _step(phase: int, value: float, bound: float, start: float, props: list[Proposal]) -> dict[str, float]:
    return {
        "phase": phase,
        "master": value,
        "bound": bound,
        "seconds": time.perf_counter() - start,
        "block_seconds": max((p.seconds for p in props), default=0.0),
        "columns": len(props),
    }


def _price(
    lp: SplitLP,
    master: _Master,
    pricer: Pricer,
    y: np.ndarray,
    sigma: np.ndarray,
    centre: np.ndarray | None,
    bound: float,
    alpha: float,
    phase: int,
) -> tuple[list[Proposal], float, np.ndarray | None]:
    """Price the blocks at smoothed prices until a proposal prices out at the master's prices (or the prices are
    the master's own); add those proposals. Returns (proposals added, best bound, centre)."""
    a = alpha if centre is not None else 0.0
    scale = max(1.0, abs(float(master.h.getInfo().objective_function_value)))
    while True:
        pi = y if a < 1e-3 or centre is None else a * centre + (1 - a) * y
        props = pricer.price(pi, phase)
        L = _lagrangian(lp, pi, props, phase)
        if L > bound:
            bound, centre = L, pi.copy()
        added = []
        for k, p in enumerate(props):
            rc = (p.cost if phase == 2 else 0.0) - float(y @ p.link) - (0.0 if p.ray else float(sigma[k]))
            if rc < -1e-12 * scale:
                master.add(k, p, phase)
                added.append(p)
        if added or pi is y:
            return added, bound, centre
        a = a * a  # mis-priced: move towards the master's prices


def _recover(lp: SplitLP, master: _Master, pricer: Pricer) -> np.ndarray:
    """The master's convex combination of the blocks' proposals, with its linking columns: a solution of the LP."""
    v = master.values()
    x = np.zeros(lp.n)
    x[lp.link_columns] = v[: master.n0]
    weights: list[tuple[list[tuple[int, float]], list[tuple[int, float]]]] = [([], []) for _ in lp.blocks]
    for j, (k, p) in enumerate(master.columns):
        w = float(v[master.first + j])
        if w != 0.0:
            (weights[k][1] if p.ray else weights[k][0]).append((p.index, w))
    for k, part in enumerate(pricer.combine(weights)):
        x[lp.block_columns[k]] = part
    return x
