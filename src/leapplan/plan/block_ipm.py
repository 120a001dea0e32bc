"""A block-angular LP solved by a primal–dual interior point whose linear algebra is split over the blocks.

The LP of ``decompose.split_lp`` — blocks with their own rows, tied by linking rows and linking columns — is
solved by Mehrotra's predictor–corrector. Each iteration's Newton system, reduced to the normal equations
(M Θ M') Δy = q, is block-bordered: every block factors its own rows' part G_k = M_k Θ_k M_k' (sparse LU) and
hands the centre its contribution to the Schur complement of the linking rows,

    S = Σ_k (N_k Θ_k N_k' − B_k' G_k⁻¹ B_k),   B_k = M_k Θ_k N_k',

over the linking rows it touches (the linking columns and the linking rows' slacks are one more part, with no
rows of its own). The centre factors S (dense LU, or sparse when the pieces fill little of it: a national LP's
prefectures each touch a few of its thousands of linking rows), solves for the linking rows' step and sends it
back; each block finishes its own step. Gondzio's multiple centrality correctors follow Mehrotra's, each one more
solve with the factors at hand (``CENTRALITY_CORRECTORS``). This is the structure-exploiting interior point of Gondzio and Grothey (OOPS) and of PIPS-IPM: the blocks
never meet, the centre holds only the linking rows, and the method converges as a monolithic interior point does,
whatever the degeneracy of the linking rows — where Dantzig–Wolfe, pricing blocks at the master's prices, did not
converge on the plan LP (docs/decompose.md).

The rows are regularised, M z + δ (y − ȳ) = r (a proximal method of multipliers): the prices stay bounded where
the LP's optimal prices are not (a row whose slack can only be 0), and the anchors ȳ, x̄ move to the prices and the
point at every iteration whose regularised rows and dual are met, so that the rows end met. The bound is the dual
objective, the plan the primal iterate: a stage ends when the residuals are below ``FEASIBLE`` / ``ROWS_MISSED``
and both the relative gap between the two objectives, widened by what the residuals can move them (``closing_gap``),
and Σ slack × dual (relative to the objective) are below the gap asked — the gap alone can be small while Σ slack ×
dual is not, the proximal and residual terms cancelling it (seen on the 100-county first stage with the stall rule
tried in objective units: gap 3.8e-6, the plan 2e-4 above the optimum). A ``BlockKKT`` is one part's data, iterate
and factor; it lives in this process or on a Dask worker (an actor), and every call returns only linking-row sized
arrays and a few numbers.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import scipy.linalg as sla
from scipy.sparse import coo_array, csc_array, csr_array, diags_array, eye_array, hstack, issparse
from scipy.sparse.linalg import splu

from leapplan.plan.blocks import Blocks
from leapplan.plan.decompose import GAP_FLOOR, BlockLP, DecomposeResult, SplitLP, split_lp
from leapplan.plan.reach import ReachSolver

log = logging.getLogger(__name__)

FEASIBLE = 1e-8
"""Largest residual of the regularised rows and of the dual, relative to the largest right-hand side and cost
(after scaling) [-]."""
ROWS_MISSED = 1e-6
"""Largest residual of the LP's own rows (what the regularisation leaves: δ|y − ȳ|), relative as ``FEASIBLE`` [-]."""
MAX_ITERATIONS = 300
REGULARISE_DUAL = 1e-8
"""δ of the regularised rows: on the diagonal of every normal-equations block and of S (definite where rows are
dependent) and in the rows' residual."""
REGULARISE_PRIMAL = 1e-10
"""Added to every column's Θ⁻¹: keeps Θ finite for a column far from its bounds (1e-8 capped Θ so low that the
100-county first stage crawled for hundreds of iterations)."""
STEP = 0.9
"""Fraction of the longest step to the bounds taken. With 0.995 the components that blocked a long step were left
at 0.5 % of their slack and often blocked the next one: at 2,800 counties 61 of 277 iterations stepped less than
0.05. The 400-county plan on 2 workers (both stages; 6 December): 0.995 91 + 75 iterations, 200.6 s; 0.95 80 + 71,
186.9 s; 0.9 81 + 72, 185.0 s; 0.85 83 + 69, 180.8 s; 0.8 86 + 69, 183.7 s. The national plan on 2 workers: 0.995
116 + 161 iterations, 39.4 min; 0.9 105 + 131, 33.0 min, the same plan (docs/decompose.md)."""
TINY_SLACK = 1e-15
"""Least distance to a bound, relative to the bound's size (``BlockKKT._slacks``)."""
EQUILIBRATION_PASSES = 12
CENTRALITY_CORRECTORS = 6
"""Gondzio's multiple centrality correctors tried at most per iteration after Mehrotra's (each one more solve with
the factors at hand, no new factor). A block's solve is about 1 % of its factor (2,800 counties: 4 ms against
0.3 s); on the 100-county plan (both stages, in process) 146 iterations with 2, 132 with 4, 127 with 6, 123 with
10 (Gondzio 1996 allows more the dearer the factor is against a solve). On Dask at 2,800 counties a round of solves
costs about 0.6 s against an 8.2–8.5 s factor round; the national first stage took 124 iterations and 1,413 s with
2, 111–116 iterations and 1,280–1,440 s with 6 (docs/decompose.md): within the runs' spread, so 6 stay."""
CENTRALITY_REACH = 0.2
"""A corrector aims at steps this much longer than the last direction's (α̃ = min(1, α + 0.2))."""
CENTRALITY_BAND = (0.1, 10.0)
"""The products slack × dual a corrector pulls into, as multiples of σμ (Gondzio 1996: β_min, β_max)."""
CENTRALITY_GAIN = 0.1
"""A corrector is kept when it lengthens the primal and dual steps together by this share of the reach."""
SPARSE_SHARE = 0.1
"""S is held sparse (SuperLU) when the blocks' pieces fill less than this share of it (``sparse_schur``): at 2,800
counties 9,936 linking rows, a dense LU of 13 s against 0.6 s sparse."""

Watch = Callable[[int, float], None]
"""Told (iteration, relative gap between the objectives widened by the residuals' error: ``closing_gap``) as each
iteration of a stage starts."""


@dataclass(frozen=True)
class Scaled:
    """An LP scaled for the interior point: A_s = diag(rows) A diag(columns), cost_s = cost · columns / cost_scale."""

    A: csr_array
    rows: np.ndarray
    columns: np.ndarray
    cost_scale: float


def equilibrate(A: csr_array, cost: np.ndarray, passes: int = EQUILIBRATION_PASSES) -> Scaled:
    """Ruiz's equilibration: rows and columns divided by the square roots of their largest |entries| ``passes``
    times (their largest entry tends to 1); the cost divided by its largest |entry|."""
    As = csr_array(A, dtype=float)
    m, n = As.shape
    rows, columns = np.ones(m), np.ones(n)
    for _ in range(passes):
        r, c = largest_entries(As)
        r[r == 0] = 1.0
        c[c == 0] = 1.0
        As = csr_array(diags_array(1 / r) @ As @ diags_array(1 / c))
        rows /= r
        columns /= c
    return Scaled(As, rows, columns, cost_scale_of(cost, columns))


def largest_entries(A: csr_array) -> tuple[np.ndarray, np.ndarray]:
    """The square roots of the largest |entry| of each row and of each column of ``A`` (0 for an empty one): a pass
    of Ruiz's equilibration, before an empty row's or column's scale is set to 1."""
    m, n = A.shape
    if not (m and n):
        return np.zeros(m), np.zeros(n)
    a = abs(A)
    return np.sqrt(np.asarray(a.max(axis=1).todense()).ravel()), np.sqrt(np.asarray(a.max(axis=0).todense()).ravel())


def cost_scale_of(cost: np.ndarray, columns: np.ndarray) -> float:
    """What the costs of columns scaled by ``columns`` are divided by: their largest |entry| (1 when all are 0)."""
    top = float(np.abs(cost * columns).max(initial=0.0))
    return top if top > 0 else 1.0


def in_own_units(r: DecomposeResult, columns: np.ndarray, link_rows: np.ndarray, cost_scale: float) -> None:
    """A result of the scaled LP (columns scaled by ``columns``, the linking rows by ``link_rows``, costs divided by
    ``cost_scale``) put back in the LP's own units: its solution, the linking rows' prices, both objectives."""
    r.x = r.x * columns
    r.link_duals = r.link_duals * link_rows * cost_scale
    r.objective *= cost_scale
    r.bound *= cost_scale


@dataclass
class Stats:
    """One part's share of an iteration's residuals and objectives."""

    primal: float
    """Largest |residual| of its own rows [scaled units]."""
    regularised: float
    """The same of the regularised rows (``BlockKKT.forward``)."""
    dual: float
    """Largest |dual residual| of its columns [scaled cost units]."""
    pobj: float
    """Its share of the objective."""
    dobj: float
    """Its share of the dual objective, less the linking rows' (the centre adds r_L'y_L)."""
    comp: float
    """Σ slack × dual over its finite bounds."""
    count: int
    """Number of finite bounds."""
    error: float
    """Σ |dual residual| × |x| over its columns plus Σ |price| × |row residual| over its own rows: how far the
    residuals can move its share of the two objectives (``closed``) [scaled cost units]."""
    activity: np.ndarray
    """N x over the linking rows it touches."""


class BlockKKT:
    """One part of the LP in the interior point: columns z = [x; w] (w: slacks of its own inequality rows), own rows
    M z = r, linking rows N z; its iterate, its Θ and the factor of M Θ M'."""

    def __init__(
        self,
        A: csr_array | None,
        row_lower: np.ndarray,
        row_upper: np.ndarray,
        D: csr_array,
        cost: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        start: np.ndarray | None = None,
    ) -> None:
        ineq = row_lower < row_upper
        nw = int(ineq.sum())
        if A is not None and A.shape[0]:
            slack = eye_array(A.shape[0], format="csr")[:, np.flatnonzero(ineq)]
            self.M: csr_array | None = csr_array(hstack([A, -slack]))
        else:
            self.M = None
        self.r = np.where(ineq, 0.0, row_lower)
        N = csr_array(hstack([D, csr_array((D.shape[0], nw))]))
        self.touched = touched_rows(N)
        self.N = csr_array(N[self.touched])
        self.c = np.r_[cost, np.zeros(nw)]
        self.l = np.r_[lower, row_lower[ineq]]
        self.u = np.r_[upper, row_upper[ineq]]
        self.n = self.c.size
        self.x_columns = cost.size
        self.fixed = self.l == self.u
        self.hl = np.isfinite(self.l) & ~self.fixed
        self.hu = np.isfinite(self.u) & ~self.fixed
        self.x = _inside(self.l, self.u, self.hl, self.hu, self.fixed)
        self.start = start
        """A point z to start from instead of the least-norm point (``least_norm``), e.g. the last stage's solution."""
        self.zl = np.where(self.hl, 1.0, 0.0)
        self.zu = np.where(self.hu, 1.0, 0.0)
        self.y = np.zeros(self.r.size)
        self.anchor = np.zeros(self.r.size)
        """The prices the rows' regularisation pulls towards (0, then the last prices of each proximal step)."""
        self.x_anchor = np.zeros(self.n)
        """The point the columns' regularisation pulls towards (0, then the iterate of each proximal step)."""
        self.yL = np.zeros(self.touched.size)
        self.theta = np.where(self.fixed, 0.0, 1.0)
        self.elapsed_s = 0.0
        self._lu: Any = None
        self._order = fill_reducing_order(self.M) if self.M is not None else np.zeros(0, dtype=np.int64)
        """G's rows in its factor's order, found once on M's pattern (``fill_reducing_order``): the factored matrix's
        row k is G's row _order[k]."""
        self._at = np.argsort(self._order)
        """Where each row of G is in the factored matrix (the inverse of ``_order``)."""
        self._M_ordered = csr_array(self.M[self._order]) if self.M is not None else None
        """M with its rows in ``_order``."""
        self._reach = ReachSolver()
        """``inverse_form``'s triangular solves, grouped by reach once per pattern of G's factor."""
        self._B = csr_array((self.r.size, self.touched.size))
        self._t = np.zeros(self.r.size)
        self._h = np.zeros(self.n)
        self._rc = (np.zeros(self.n), np.zeros(self.n))
        self._d: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
        self._aff: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._saved: tuple[Any, tuple[np.ndarray, np.ndarray]] = (None, self._rc)

    @classmethod
    def of_block(cls, b: BlockLP, start: np.ndarray | None = None) -> BlockKKT:
        """A block of ``split_lp`` (``start``: its z to start from, ``starts``)."""
        return cls(b.A, b.row_lower, b.row_upper, b.D, b.cost, b.lower, b.upper, start)

    @classmethod
    def of_master(cls, lp: SplitLP, start: np.ndarray | None = None) -> BlockKKT:
        """The linking columns and the linking rows' slacks: a part with no rows of its own (its ``N`` includes the
        slacks, so every linking row is touched)."""
        m = lp.row_lower.size
        ineq = lp.row_lower < lp.row_upper
        slack = eye_array(m, format="csr")[:, np.flatnonzero(ineq)]
        part = cls(
            None,
            np.zeros(0),
            np.zeros(0),
            csr_array(hstack([lp.A0, -slack])),
            np.r_[lp.cost0, np.zeros(int(ineq.sum()))],
            np.r_[lp.lower0, lp.row_lower[ineq]],
            np.r_[lp.upper0, lp.row_upper[ineq]],
            start,
        )
        part.x_columns = lp.cost0.size
        return part

    # -- the iteration -------------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _clock(self) -> Iterator[None]:
        """Adds the seconds spent inside to ``elapsed_s`` (this part's linear algebra)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.elapsed_s += time.perf_counter() - start

    def _slacks(self) -> tuple[np.ndarray, np.ndarray]:
        """Distances to the finite bounds (1 where none), never below TINY_SLACK times the bound's size: a step
        of STEP keeps them positive, but x − l can round to 0 where |l| is large."""
        floor_l = TINY_SLACK * np.maximum(1.0, np.abs(np.where(self.hl, self.l, 0.0)))
        floor_u = TINY_SLACK * np.maximum(1.0, np.abs(np.where(self.hu, self.u, 0.0)))
        return (
            np.where(self.hl, np.maximum(self.x - self.l, floor_l), 1.0),
            np.where(self.hu, np.maximum(self.u - self.x, floor_u), 1.0),
        )

    def _priced(self) -> np.ndarray:
        """M'y + N'y_L: what the rows' prices charge each column."""
        g = self.N.T @ self.yL
        return g + self.M.T @ self.y if self.M is not None else g

    def _reduced(self, priced: np.ndarray | None = None, proximal: bool = True) -> np.ndarray:
        """The dual residual of the regularised LP: c + ρ (x − x̄) − M'y − N'y_L − z_l + z_u (the columns' proximal
        term keeps a cost-free circulation, such as grain put into and taken out of the reserve at once, small);
        ``priced``: ``_priced()`` when already at hand; ``proximal`` False: the LP's own dual residual, without the
        proximal term."""
        priced = self._priced() if priced is None else priced
        term = REGULARISE_PRIMAL * (self.x - self.x_anchor) if proximal else 0.0
        g = self.c + term - priced - self.zl + self.zu
        return np.where(self.fixed, 0.0, g)

    def stats(self, yL: np.ndarray) -> Stats:
        """Residuals and objectives at the iterate, ``yL`` the linking rows' prices (all of them)."""
        self.yL = yL[self.touched]
        sl, su = self._slacks()
        priced = self._priced()
        rd = self._reduced(priced)
        rp = self.r - self.M @ self.x if self.M is not None else np.zeros(0)
        regularised = rp - REGULARISE_DUAL * (self.y - self.anchor)
        fixed_value = self.x[self.fixed] @ (self.c - priced)[self.fixed]
        dobj = (
            float(self.r @ self.y)
            + float(self.l[self.hl] @ self.zl[self.hl])
            - float(self.u[self.hu] @ self.zu[self.hu])
            + float(fixed_value)
        )
        comp = float((sl * self.zl)[self.hl].sum() + (su * self.zu)[self.hu].sum())
        lp_dual = self._reduced(priced, proximal=False)
        error = float(np.abs(lp_dual) @ np.abs(self.x) + np.abs(self.y) @ np.abs(rp))
        return Stats(
            primal=float(np.abs(rp).max(initial=0.0)),
            regularised=float(np.abs(regularised).max(initial=0.0)),
            dual=float(np.abs(rd).max(initial=0.0)),
            pobj=float(self.c @ self.x),
            dobj=dobj,
            comp=comp,
            count=int(self.hl.sum() + self.hu.sum()),
            error=error,
            activity=self.N @ self.x,
        )

    def factor(self, unit: bool = False) -> np.ndarray | csr_array:
        """Θ from the iterate (``unit``: Θ = 1, for the starting point), the factor of M Θ M' and this part's
        contribution to S over its touched linking rows: dense (touched × touched) for a block, sparse for a part
        with no rows of its own (the master part, which touches every linking row)."""
        with self._clock():
            if unit:
                self.theta = np.where(self.fixed, 0.0, 1.0)
            else:
                sl, su = self._slacks()
                inv = np.where(self.hl, self.zl / sl, 0.0) + np.where(self.hu, self.zu / su, 0.0) + REGULARISE_PRIMAL
                self.theta = np.where(self.fixed, 0.0, 1.0 / inv)
            th = diags_array(self.theta)
            if self.M is None:
                return csr_array(self.N @ th @ self.N.T)
            contribution = (self.N @ th @ self.N.T).toarray()
            Mo = self._M_ordered
            assert Mo is not None  # a part with rows of its own
            G = csc_array(Mo @ th @ Mo.T) + REGULARISE_DUAL * eye_array(Mo.shape[0], format="csc")
            self._lu = splu(G, permc_spec="NATURAL", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
            self._B = csr_array(Mo @ th @ self.N.T)  # its rows in the factor's order, as G's
            contribution -= inverse_form(self._lu, self._B, self._reach)
            return contribution

    def forward(self, kind: str, sigma_mu: float = 0.0, trial: tuple[float, float] = (1.0, 1.0)) -> np.ndarray:
        """The right-hand side of one Newton solve; returns this part's share of the linking rows' right-hand side
        (touched rows), keeps its own solve t = G⁻¹ q. ``kind``: 'least_norm' (the least-norm point of M z = r),
        'least_squares_dual' (the least-squares prices of c), 'affine', 'corrector' (Mehrotra's, to ``sigma_mu``),
        'centrality' (Gondzio's corrector on top of the last direction, for the steps ``trial``; ``revert`` undoes
        it)."""
        with self._clock():
            fixed_x = np.where(self.fixed, self.x, 0.0)
            if kind == "least_norm":
                self._h = np.zeros(self.n)
                rp = self.r - (self.M @ fixed_x if self.M is not None else 0.0)
                link = -(self.N @ fixed_x)
            elif kind == "least_squares_dual":
                self._h = np.where(self.fixed, 0.0, self.c)
                rp = np.zeros(self.r.size)
                link = np.zeros(self.touched.size)
            else:
                sl, su = self._slacks()
                if kind == "affine":
                    rcl = np.where(self.hl, -sl * self.zl, 0.0)
                    rcu = np.where(self.hu, -su * self.zu, 0.0)
                elif kind == "corrector":
                    assert self._aff is not None
                    dx, dzl, dzu = self._aff
                    rcl = np.where(self.hl, sigma_mu - sl * self.zl - dx * dzl, 0.0)
                    rcu = np.where(self.hu, sigma_mu - su * self.zu + dx * dzu, 0.0)
                else:
                    rcl, rcu = self._centrality(sl, su, sigma_mu, trial)
                self._rc = (rcl, rcu)
                rd = self._reduced()
                self._h = rd - np.where(self.hl, rcl / sl, 0.0) + np.where(self.hu, rcu / su, 0.0)
                # the regularised rows M z + δ y = r (Friedlander and Orban's primal–dual regularisation): their
                # prices are bounded even where the LP's are not (a row whose slack can only be 0 has an unbounded set
                # of optimal prices, along which an unregularised interior point drifts); the rows are missed by δ|y|
                rp = (
                    self.r - (self.M @ self.x if self.M is not None else 0.0) - REGULARISE_DUAL * (self.y - self.anchor)
                )
                link = -(self.N @ self.x)
            th_h = self.theta * self._h
            link = link + self.N @ th_h
            if self.M is not None:
                self._t = self._solve(rp + self.M @ th_h)
                link = link - self._B.T @ self._t[self._order]
            return np.asarray(link)

    def _centrality(
        self, sl: np.ndarray, su: np.ndarray, sigma_mu: float, trial: tuple[float, float]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Gondzio's multiple centrality corrector: the products slack × dual at the longer ``trial`` steps along the
        last direction, pulled into [β_min σμ, β_max σμ] (a product far above is pulled down by at most β_max σμ),
        added to the last right-hand side of the complementarity rows."""
        assert self._d is not None
        dx, _, dzl, dzu = self._d
        self._saved = (self._d, self._rc)
        ap, ad = trial
        lo, hi = CENTRALITY_BAND[0] * sigma_mu, CENTRALITY_BAND[1] * sigma_mu
        vl = (sl + ap * dx) * (self.zl + ad * dzl)
        vu = (su - ap * dx) * (self.zu + ad * dzu)
        tl = np.maximum(np.clip(vl, lo, hi) - vl, -hi)
        tu = np.maximum(np.clip(vu, lo, hi) - vu, -hi)
        rcl, rcu = self._rc
        return np.where(self.hl, rcl + tl, 0.0), np.where(self.hu, rcu + tu, 0.0)

    def revert(self) -> None:
        """Back to the direction before the last centrality corrector."""
        self._d, self._rc = self._saved

    def _solve(self, v: np.ndarray) -> np.ndarray:
        """G⁻¹ v by the factor in ``_order``."""
        return np.asarray(self._lu.solve(v[self._order])[self._at])

    def _back(self, dyL: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Δy of its own rows, Δz): the back substitution of the last ``forward`` with the linking rows' step."""
        g = self.N.T @ dyL - self._h
        dy = np.zeros(0)
        if self.M is not None:
            dy = self._t - self._lu.solve(self._B @ dyL)[self._at]
            g = g + self.M.T @ dy
        return dy, self.theta * g

    def least_norm(self, vL: np.ndarray) -> None:
        """The least-norm point of M z = r (fixed columns held) from the linking rows' part ``vL`` (all rows), or the
        part's ``start`` when it has one (then let go)."""
        _, dz = self._back(vL[self.touched])
        self._ls_x = np.where(self.fixed, self.x, dz if self.start is None else self.start)
        self.start = None

    def least_squares_dual(self, wL: np.ndarray) -> tuple[float, float]:
        """The least-squares reduced costs of c from the linking rows' part ``wL``; returns the smallest slack of the
        least-norm point and the smallest of these reduced costs on a bound's side (each +inf if none)."""
        dy, _ = self._back(wL[self.touched])
        zc = self.c - self.N.T @ wL[self.touched] - (self.M.T @ dy if self.M is not None else 0.0)
        self._ls_z = zc
        s_min = min(
            (self._ls_x - self.l)[self.hl].min(initial=np.inf), (self.u - self._ls_x)[self.hu].min(initial=np.inf)
        )
        z_min = min(zc[self.hl].min(initial=np.inf), (-zc)[self.hu].min(initial=np.inf))
        return float(s_min), float(z_min)

    def shift(self, dp: float, dd: float) -> tuple[float, float, float]:
        """Slacks moved up by ``dp``, bound duals by ``dd``; returns Σ s z, Σ z, Σ s (Mehrotra's second shift)."""
        self._sl = np.where(self.hl, self._ls_x - self.l + dp, 0.0)
        self._su = np.where(self.hu, self.u - self._ls_x + dp, 0.0)
        self.zl = np.where(self.hl, self._ls_z + dd, 0.0)
        self.zu = np.where(self.hu, -self._ls_z + dd, 0.0)
        sz = float((self._sl * self.zl).sum() + (self._su * self.zu).sum())
        return sz, float(self.zl.sum() + self.zu.sum()), float(self._sl.sum() + self._su.sum())

    def place(self, dp2: float, dd2: float) -> None:
        """The starting point: the shifted least-norm point (a column with two bounds kept a fifth of its range inside
        them), the shifted duals."""
        x = self._ls_x.copy()
        lo, up, both = self.hl & ~self.hu, self.hu & ~self.hl, self.hl & self.hu
        x[lo] = self.l[lo] + self._sl[lo] + dp2
        x[up] = self.u[up] - self._su[up] - dp2
        width = self.u - self.l
        x[both] = np.clip(self._ls_x[both], self.l[both] + 0.2 * width[both], self.u[both] - 0.2 * width[both])
        self.x = x
        self.zl = np.where(self.hl, self.zl + dd2, 0.0)
        self.zu = np.where(self.hu, self.zu + dd2, 0.0)
        self.y = np.zeros(self.r.size)

    def direction(self, dyL: np.ndarray, affine: bool) -> tuple[float, float]:
        """The step of the last ``forward`` from the linking rows' step ``dyL`` (all rows); returns the longest primal
        and dual steps (≤ 1) that keep the slacks and bound duals positive."""
        with self._clock():
            dy, dx = self._back(dyL[self.touched])
            rcl, rcu = self._rc
            sl, su = self._slacks()
            dzl = np.where(self.hl, (rcl - self.zl * dx) / sl, 0.0)
            dzu = np.where(self.hu, (rcu + self.zu * dx) / su, 0.0)
            self._d = (dx, dy, dzl, dzu)
            if affine:
                self._aff = (dx, dzl, dzu)
            ap = min(_ratio(sl, -dx, self.hl), _ratio(su, dx, self.hu))
            ad = min(_ratio(self.zl, -dzl, self.hl), _ratio(self.zu, -dzu, self.hu))
            return ap, ad

    def complementarity_after(self, ap: float, ad: float) -> float:
        """Σ slack × dual after steps ``ap``, ``ad`` along the last direction."""
        assert self._d is not None
        dx, _, dzl, dzu = self._d
        sl, su = self._slacks()
        return float(
            ((sl + ap * dx) * (self.zl + ad * dzl))[self.hl].sum()
            + ((su - ap * dx) * (self.zu + ad * dzu))[self.hu].sum()
        )

    def reanchor(self) -> None:
        """A proximal step: the regularisation pulls towards the present prices and point from now on."""
        self.anchor = self.y.copy()
        self.x_anchor = self.x.copy()

    def step(self, ap: float, ad: float) -> None:
        """Move along the last direction."""
        assert self._d is not None
        dx, dy, dzl, dzu = self._d
        self.x = self.x + ap * dx
        self.y = self.y + ad * dy
        self.zl = self.zl + ad * dzl
        self.zu = self.zu + ad * dzu

    def sizes(self) -> tuple[float, float]:
        """(largest |right-hand side| of its own rows, largest |cost|): the scales of the residuals' test."""
        return float(np.abs(self.r).max(initial=0.0)), float(np.abs(self.c).max(initial=0.0))

    def solution(self) -> tuple[np.ndarray, np.ndarray]:
        """(its LP columns' values, its own rows' prices)."""
        return self.x[: self.x_columns].copy(), self.y.copy()

    def elapsed(self) -> float:
        """Seconds spent in this part's linear algebra so far."""
        return self.elapsed_s


def inverse_form(lu: Any, B: csr_array, solver: ReachSolver | None = None) -> np.ndarray:
    """B' G⁻¹ B (dense, B's columns square) from ``lu``, SuperLU's factor of the symmetric G. Without row
    interchanges (the symmetric mode, no pivoting: P G P' = L U with U = D L') it is Z' D⁻¹ Z with Z = L⁻¹ P B: one
    triangular solve per column of B instead of G⁻¹ B's two, which were most of a block's time in an iteration
    (2,800 counties: 169 columns, 11,780 rows), each on the rows its column reaches (``solver``, which keeps its
    groups from one factor of G's pattern to the next; None: found for this call); else B' (G⁻¹ B)."""
    if B.shape[1] == 0:
        return np.zeros((0, 0))
    if not np.array_equal(lu.perm_r, lu.perm_c):
        return np.asarray(B.T @ lu.solve(B.toarray()))
    PB = B if np.array_equal(lu.perm_r, np.arange(B.shape[0])) else csr_array(B[np.argsort(lu.perm_r)])
    return (solver or ReachSolver()).inverse_form(lu.L, lu.U.diagonal(), PB)


def fill_reducing_order(M: csr_array) -> np.ndarray:
    """An ordering of the rows of G = M Θ M' + δ I that keeps its factor sparse, found on M's pattern (every entry 1,
    so that no entry of G cancels, as some do with Θ = 1 at the start): SuperLU's minimum degree on M M' + I, which
    is positive definite and so factored without pivoting. Row k of the ordered G is row order[k]. Found once per
    block, it saves every later factor its ordering (some 5 % of a 2,800-county block's factor round)."""
    ones = csr_array((np.ones(M.nnz), M.indices, M.indptr), shape=M.shape)
    pattern = csc_array(ones @ ones.T) + eye_array(M.shape[0], format="csc")
    lu = splu(pattern, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    return np.argsort(lu.perm_c)


def touched_rows(D: csr_array) -> np.ndarray:
    """The linking rows a part's columns have entries in."""
    return np.unique(csr_array(D).tocoo().row)


def _inside(lo: np.ndarray, hi: np.ndarray, hl: np.ndarray, hu: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """A point inside the bounds: 1 from a single bound, halfway (at most 1 in) between two, fixed where fixed."""
    x = np.zeros(lo.size)
    x[fixed] = lo[fixed]
    x[hl & ~hu] = lo[hl & ~hu] + 1.0
    x[hu & ~hl] = hi[hu & ~hl] - 1.0
    both = hl & hu
    x[both] = lo[both] + np.minimum(1.0, (hi[both] - lo[both]) / 2)
    return x


def _ratio(s: np.ndarray, decrease: np.ndarray, has: np.ndarray) -> float:
    """Largest α ≤ 1 with s − α·decrease ≥ 0 where ``has``."""
    m = has & (decrease > 0)
    return float(min(1.0, (s[m] / decrease[m]).min(initial=np.inf)))


class Parts(Protocol):
    """Where the parts live: in this process or as actors on Dask workers. Each call runs on every part and returns
    the list of their answers."""

    def call(self, method: str, *args: Any) -> list[Any]: ...

    def send(self, method: str, *args: Any) -> Callable[[], list[Any]]:
        """Start ``call(method, *args)`` and return what waits for its answers: the centre works meanwhile."""
        ...

    def close(self) -> None: ...


class LocalParts:
    """Every part in this process."""

    def __init__(self, parts: list[BlockKKT]) -> None:
        self.parts = parts

    def call(self, method: str, *args: Any) -> list[Any]:
        return [getattr(p, method)(*args) for p in self.parts]

    def send(self, method: str, *args: Any) -> Callable[[], list[Any]]:
        answers = self.call(method, *args)
        return lambda: answers

    def close(self) -> None:
        self.parts = []


@dataclass
class _Pattern:
    """Where S's entries go when S is held sparse: its nonzero positions in compressed-column order, in the
    centre's ``order``. A dense piece lands on the same entries every iteration (``dense_at``: their positions;
    None for a sparse piece, whose entries are looked up each time)."""

    keys: np.ndarray
    """column × m + row of every entry, ascending (the compressed-column order)."""
    indptr: np.ndarray
    indices: np.ndarray
    dense_at: list[np.ndarray | None]


@dataclass
class _Centre:
    """The centre's view: the linking rows, which part touches which, and S. S is held sparse when the parts'
    pieces fill less than ``SPARSE_SHARE`` of it (a national LP: 94 prefectures touching 169 of 9,936 linking rows
    each), else dense. Held sparse, S is built in the ordering a factor chose (``order``: S's row and column i are
    the factored matrix's order[i]) on the pattern it was chosen for (``pattern``), so that later factors need no
    ordering and the assembly no sort (at 2,800 counties about 1 s of assembly an iteration became a tenth of that,
    and the factor a quarter less); when the pattern grows, S is ordered again."""

    rL: np.ndarray
    touched: list[np.ndarray]
    sparse: bool = False
    history: list[dict[str, float]] = field(default_factory=list)
    order: np.ndarray | None = None
    pattern: _Pattern | None = None

    def assemble(self, pieces: list[Any]) -> Any:
        """The factor of S = δ I + Σ pieces (each over its part's touched rows, dense or sparse): an object with a
        ``solve`` method; a pivot that cancels to 0 is met by a shift relative to the largest diagonal."""
        m = self.rL.size
        S = self._sparse(pieces) if self.sparse else self._dense(pieces)
        top = float(np.abs(S.diagonal()).max(initial=1.0))
        for shift in (0.0, 1e-14, 1e-12, 1e-10):
            with warnings.catch_warnings():
                warnings.simplefilter("error", sla.LinAlgWarning)
                try:
                    if self.sparse:
                        shifted = S + shift * top * eye_array(m, format="csc") if shift else S
                        return self._sparse_factor(csc_array(shifted))
                    return _DenseLU(sla.lu_factor(S + shift * top * np.eye(m), check_finite=False))
                except (sla.LinAlgWarning, RuntimeError):
                    continue  # a pivot cancelled to 0 (SuperLU: "Factor is exactly singular"): shift the diagonal
        raise np.linalg.LinAlgError("the linking rows' Schur complement is singular")

    def _sparse_factor(self, S: csc_array) -> Any:
        """SuperLU's factor of S as ``_sparse`` built it: in ``order`` once there is one (no ordering needed), else
        ordered by SuperLU, whose ordering is then kept (when it pivoted symmetrically, as it does here)."""
        if self.order is not None:
            lu = splu(S, permc_spec="NATURAL", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
            return _Reordered(lu, self.order)
        lu = splu(S, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
        if np.array_equal(lu.perm_r, lu.perm_c) and self.pattern is not None:
            self.order = lu.perm_c
            self.pattern = _reordered(self.pattern, self.order)
        return lu

    def _dense(self, pieces: list[Any]) -> np.ndarray:
        S = REGULARISE_DUAL * np.eye(self.rL.size)
        for t, piece in zip(self.touched, pieces, strict=True):
            S[np.ix_(t, t)] += piece.toarray() if issparse(piece) else piece
        return S

    def _sparse(self, pieces: list[Any]) -> csc_array:
        """S compressed by column: in ``order`` on the kept pattern, or, when there is none or a sparse piece has an
        entry outside it, in the identity ordering on a pattern found anew (the next factor orders it)."""
        m = self.rL.size
        if self.pattern is not None and self.order is not None:
            data = self._fill(pieces, self.pattern, self.order)
            if data is not None:
                return csc_array((data, self.pattern.indices, self.pattern.indptr), shape=(m, m))
            # the pattern grew (a sparse piece's entries that cancelled to 0 before, as the master's do with Θ = 1 at
            # the start): an ordering found without them can fill the factor many times over (at 2,800 counties 42
            # million entries against 2.4, 60 s a factor), so the next factor orders S again
            self.order = None
        identity = np.arange(m)
        entries = [self._entries(t, piece, identity) for t, piece in zip(self.touched, pieces, strict=True)]
        diagonal = (identity.astype(np.int64) * (m + 1), np.full(m, REGULARISE_DUAL))
        keys = np.concatenate([diagonal[0], *(k for k, _ in entries)])
        unique, where = np.unique(keys, return_inverse=True)
        dense_at: list[np.ndarray | None] = []
        start = m
        for piece, (k, _) in zip(pieces, entries, strict=True):
            dense_at.append(None if issparse(piece) else where[start : start + k.size])
            start += k.size
        indptr = np.searchsorted(unique // m, np.arange(m + 1))
        self.pattern = _Pattern(unique, indptr, unique % m, dense_at)
        data = np.bincount(
            where, weights=np.concatenate([diagonal[1], *(v for _, v in entries)]), minlength=unique.size
        )
        return csc_array((data, self.pattern.indices, indptr), shape=(m, m))

    def _fill(self, pieces: list[Any], pat: _Pattern, order: np.ndarray) -> np.ndarray | None:
        """S's values on the pattern ``pat``; None if a sparse piece has an entry outside it."""
        m = self.rL.size
        at = [pat.keys.searchsorted(order.astype(np.int64) * (m + 1))]
        vals = [np.full(m, REGULARISE_DUAL)]
        for t, piece, fixed in zip(self.touched, pieces, pat.dense_at, strict=True):
            if fixed is not None and not issparse(piece):
                at.append(fixed)
                vals.append(np.asarray(piece).ravel())
                continue
            k, v = self._entries(t, piece, order)
            found = pat.keys.searchsorted(k).clip(max=pat.keys.size - 1)
            if not np.array_equal(pat.keys[found], k):
                return None
            at.append(found)
            vals.append(v)
        return np.bincount(np.concatenate(at), weights=np.concatenate(vals), minlength=pat.keys.size)

    def _entries(self, t: np.ndarray, piece: Any, order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keys (column × m + row, in ``order``) and values of a piece's entries over its touched rows ``t``."""
        m = self.rL.size
        to = order[t].astype(np.int64)
        if issparse(piece):
            c = coo_array(piece)
            return to[c.col] * m + to[c.row], c.data
        return np.tile(to, t.size) * m + np.repeat(to, t.size), np.asarray(piece).ravel()  # piece[i, j]: row t[i]

    def rhs(self, base: np.ndarray, pieces: list[np.ndarray]) -> np.ndarray:
        q = base.copy()
        for t, piece in zip(self.touched, pieces, strict=True):
            q[t] += piece
        return q


def _reordered(pat: _Pattern, order: np.ndarray) -> _Pattern:
    """The pattern ``pat`` (in the identity ordering) with S's row and column i moved to order[i]."""
    m = pat.indptr.size - 1
    keys = order[pat.keys // m].astype(np.int64) * m + order[pat.keys % m]
    sort = np.argsort(keys)
    where = np.empty_like(sort)
    where[sort] = np.arange(sort.size)
    keys = keys[sort]
    indptr = np.searchsorted(keys // m, np.arange(m + 1))
    return _Pattern(keys, indptr, keys % m, [None if d is None else where[d] for d in pat.dense_at])


@dataclass(frozen=True)
class _Reordered:
    """A factor of S in another ordering: S's row and column i are the factored matrix's order[i]."""

    lu: Any
    order: np.ndarray

    def solve(self, q: np.ndarray) -> np.ndarray:
        b = np.empty_like(q)
        b[self.order] = q
        return np.asarray(self.lu.solve(b)[self.order])


@dataclass(frozen=True)
class _DenseLU:
    factor: Any

    def solve(self, q: np.ndarray) -> np.ndarray:
        return np.asarray(sla.lu_solve(self.factor, q, check_finite=False))


def sparse_schur(touched: list[np.ndarray], m: int) -> bool:
    """Whether S over ``m`` linking rows is best held sparse: the blocks' dense pieces (every part but the first,
    the master, whose piece is sparse) fill less than ``SPARSE_SHARE`` of it."""
    filled = sum(t.size**2 for t in touched[1:]) + m
    return m > 0 and filled < SPARSE_SHARE * m * m


def closing_gap(pobj: float, dobj: float, error: float, cost_scale: float = 1.0) -> float:
    """The relative gap between the primal and dual objectives ``pobj``, ``dobj`` widened by the residuals'
    ``error`` (scaled cost units): (|p − d| + error) / max(|p|, |d|, GAP_FLOOR) in the unscaled units [-].

    Neither objective is a bound while the residuals are not 0: for an optimal x*, c'x* = d + r_d'x* (r_d the dual
    residual), and x, missing its rows by r_p, is optimal for rows moved by r_p, which moves the optimum by about
    y'r_p. ``error`` = Σ |r_d| |x| + Σ |y| |r_p| stands for both (x for the unknown x*)."""
    upper, lower = pobj * cost_scale, dobj * cost_scale
    if not np.isfinite(lower):
        return np.inf
    return (abs(upper - lower) + error * cost_scale) / max(abs(upper), abs(lower), GAP_FLOOR)


def closed(pobj: float, dobj: float, comp: float, error: float, gap: float, cost_scale: float = 1.0) -> bool:
    """Whether the primal and dual objectives ``pobj``, ``dobj``, Σ slack × dual ``comp`` and the residuals'
    ``error`` (scaled cost units, ``Stats.error``) close the relative ``gap`` asked: ``closing_gap`` and Σ slack
    × dual relative to the objective both within it. p − d is Σ slack × dual less the residuals' terms y'r_p and
    r_d'x (and the proximal terms), which can cancel it: Σ slack × dual itself must be small too."""
    small = gap * max(abs(pobj), abs(dobj), GAP_FLOOR / cost_scale)
    return closing_gap(pobj, dobj, error, cost_scale) <= gap and comp <= small


def solve_interior(
    lp: SplitLP,
    parts: Parts,
    touched: list[np.ndarray],
    *,
    gap: float = 1e-4,
    max_iterations: int = MAX_ITERATIONS,
    time_limit: float = np.inf,
    cost_scale: float = 1.0,
    sparse: bool | None = None,
    watch: Watch | None = None,
) -> DecomposeResult:
    """Solve the (scaled) split LP by the block interior point to a relative ``gap`` between the primal and dual
    objectives (``closed``), the residuals below ``FEASIBLE`` and ``ROWS_MISSED``. ``parts``: the master part first,
    then the blocks (``BlockKKT``), ``touched`` the linking rows each touches; ``cost_scale``: what the LP's costs
    were divided by (the gap is taken on the objectives in the unscaled units); ``sparse``: hold S sparse (None:
    ``sparse_schur`` decides); ``watch(iteration, gap)`` is told each iteration's gap (``closing_gap``). The result
    is in the scaled LP's units."""
    start = time.perf_counter()
    rL = np.where(lp.row_lower < lp.row_upper, 0.0, lp.row_lower)
    centre = _Centre(rL, touched, sparse_schur(touched, rL.size) if sparse is None else sparse)
    sizes = parts.call("sizes")
    scale_r = 1.0 + max([float(np.abs(rL).max(initial=0.0)), *(r for r, _ in sizes)])
    scale_c = 1.0 + max(c for _, c in sizes)
    # Mehrotra's starting point, from one factor with Θ = 1
    S = centre.assemble(parts.call("factor", True))
    vL = S.solve(centre.rhs(rL, parts.call("forward", "least_norm")))
    parts.call("least_norm", vL)
    wL = S.solve(centre.rhs(np.zeros(rL.size), parts.call("forward", "least_squares_dual")))
    mins = parts.call("least_squares_dual", wL)
    dp = max(-1.5 * min(s for s, _ in mins), 0.0) + 1e-3
    dd = max(-1.5 * min(z for _, z in mins), 0.0) + 1e-3
    sums = parts.call("shift", dp, dd)
    sz = sum(a for a, _, _ in sums)
    dp2 = 0.5 * sz / max(sum(b for _, b, _ in sums), 1e-300)
    dd2 = 0.5 * sz / max(sum(c for _, _, c in sums), 1e-300)
    parts.call("place", dp2, dd2)
    yL = np.zeros(rL.size)
    anchor = np.zeros(rL.size)
    status, pobj, dobj, error = "iteration_limit", np.nan, -np.inf, np.inf
    iterations = 0
    ap = ad = 0.0
    for iterations in range(max_iterations + 1):
        st: list[Stats] = parts.call("stats", yL)
        activity = centre.rhs(np.zeros(rL.size), [s.activity for s in st])
        primal = max(float(np.abs(rL - activity).max(initial=0.0)), max(s.primal for s in st)) / scale_r
        dual = max(s.dual for s in st) / scale_c
        pobj = sum(s.pobj for s in st)
        dobj = float(rL @ yL) + sum(s.dobj for s in st)
        comp = sum(s.comp for s in st)
        error = float(np.abs(yL) @ np.abs(rL - activity)) + sum(s.error for s in st)
        mu = comp / max(sum(s.count for s in st), 1)
        gone = time.perf_counter() - start
        centre.history.append(
            {
                "iteration": iterations,
                "primal": primal,
                "dual": dual,
                "objective": pobj,
                "bound": dobj,
                "error": error,
                "seconds": gone,
            }
        )
        log.info(
            "iteration %d: objective %.10g, bound %.10g, error %.1e, residuals %.1e / %.1e, mu %.1e, last steps %.3f"
            " / %.3f",
            iterations,
            pobj,
            dobj,
            error,
            primal,
            dual,
            mu,
            ap,
            ad,
        )
        if watch is not None:
            watch(iterations, closing_gap(pobj, dobj, error, cost_scale))
        regularised = (
            max(
                float(np.abs(rL - activity - REGULARISE_DUAL * (yL - anchor)).max(initial=0.0)),
                max(s.regularised for s in st),
            )
            / scale_r
        )
        regular = regularised <= FEASIBLE and dual <= FEASIBLE  # the regularised LP's rows and dual are met
        if regular and primal <= ROWS_MISSED and closed(pobj, dobj, comp, error, gap, cost_scale):
            status = "optimal"
            break
        if regular:
            # the regularised rows and the dual are met, but the LP's rows still carry δ (y − anchor) and its dual
            # ρ (x − x̄): a proximal step, at every such iteration (as Pougkakiotis and Gondzio's IP-PMM moves its
            # estimates). Waiting until the regularised LP was nearly solved took more iterations: 71 and 114
            # against 69 and 99 on the 100- and 400-county first stages (docs/decompose.md)
            anchor = yL.copy()
            parts.call("reanchor")
            log.info("prices re-anchored")
        if iterations >= max_iterations or gone > time_limit:
            status = "iteration_limit" if iterations >= max_iterations else "time_limit"
            break
        if not (np.isfinite(pobj) and np.isfinite(dobj) and np.isfinite(mu)):
            status = "numerical"
            break
        t0 = time.perf_counter()
        pieces = parts.call("factor")
        affine = parts.send("forward", "affine")  # the blocks' solves for the predictor while the centre factors S
        S = centre.assemble(pieces)
        t1 = time.perf_counter()
        rows_rhs = rL - REGULARISE_DUAL * (yL - anchor)
        dyL = S.solve(centre.rhs(rows_rhs, affine()))
        steps = parts.call("direction", dyL, True)
        ap = min(a for a, _ in steps)
        ad = min(b for _, b in steps)
        comp_aff = sum(parts.call("complementarity_after", ap, ad))
        sigma = min(1.0, (comp_aff / comp) ** 3) if comp > 0 else 0.0
        dyL = S.solve(centre.rhs(rows_rhs, parts.call("forward", "corrector", sigma * mu)))
        steps = parts.call("direction", dyL, False)
        ap = min(a for a, _ in steps)
        ad = min(b for _, b in steps)
        t2 = time.perf_counter()
        kept = 0
        for _ in range(CENTRALITY_CORRECTORS):
            if min(ap, ad) >= 1.0:
                break
            trial = (min(1.0, ap + CENTRALITY_REACH), min(1.0, ad + CENTRALITY_REACH))
            dyC = S.solve(centre.rhs(rows_rhs, parts.call("forward", "centrality", sigma * mu, trial)))
            steps = parts.call("direction", dyC, False)
            apC = min(a for a, _ in steps)
            adC = min(b for _, b in steps)
            if apC + adC < ap + ad + CENTRALITY_GAIN * CENTRALITY_REACH:
                parts.call("revert")
                break
            ap, ad, dyL = apC, adC, dyC
            kept += 1
        t3 = time.perf_counter()
        centre.history[-1] |= {
            "factor_s": t1 - t0,
            "predictor_corrector_s": t2 - t1,
            "centrality_s": t3 - t2,
            "correctors": kept,
        }
        log.info(
            "  factor round %.2f s, predictor and corrector %.2f s, centrality correctors %.2f s (%d kept)",
            t1 - t0,
            t2 - t1,
            t3 - t2,
            kept,
        )
        ap, ad = STEP * ap, STEP * ad
        parts.call("step", ap, ad)
        yL = yL + ad * dyL
    x = np.full(lp.n, np.nan)
    duals = np.zeros(lp.rows)
    sols = parts.call("solution")
    x[lp.link_columns] = sols[0][0]
    for cols, rows, (xb, yb) in zip(lp.block_columns, lp.block_rows, sols[1:], strict=True):
        x[cols] = xb
        duals[rows] = yb
    duals[lp.link_rows] = yL
    seconds = time.perf_counter() - start
    return DecomposeResult(
        status,
        x,
        pobj,
        dobj,
        closing_gap(pobj, dobj, error, cost_scale),
        iterations,
        yL,
        duals,
        centre.history,
        seconds,
    )


def starts(lp: SplitLP, A: csr_array, x: np.ndarray) -> list[np.ndarray | None]:
    """Each part's z = [x; w] (the master's first) at the point ``x`` of the split LP's columns (scaled), its
    inequality rows' slacks w at their activity A x: where a stage starts from the stage before's solution.

    The next stage of a plan has the same columns and rows as the last one (a held level is a bound) and another
    objective, so the last solution, moved inside its bounds as Mehrotra's start moves the least-norm point
    (``shift``, ``place``), starts it closer than the least-norm point: on the 100-county synthetic plan the last
    stage took 51 iterations from the first's solution against 62 (5 December; docs/decompose.md)."""
    activity = A @ x
    ineq = lp.row_lower < lp.row_upper
    out: list[np.ndarray | None] = [np.r_[x[lp.link_columns], activity[lp.link_rows][ineq]]]
    for cols, rows, b in zip(lp.block_columns, lp.block_rows, lp.blocks, strict=True):
        out.append(np.r_[x[cols], activity[rows][b.row_lower < b.row_upper]])
    return out


@dataclass
class BlocksSolved:
    """A decomposed LP solved by the block interior point, in the LP's own units."""

    result: DecomposeResult
    lp: SplitLP
    """The split (of the scaled LP: its sizes and positions are the LP's)."""
    seconds: list[float]
    """Seconds of linear algebra per block."""
    cost_scale: float = 1.0
    """What the LP's costs were divided by (``Scaled.cost_scale``)."""


def solve_blocks(
    A: csr_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    bl: Blocks,
    pool: Any = None,
    *,
    gap: float = 1e-4,
    max_iterations: int = MAX_ITERATIONS,
    time_limit: float = np.inf,
    sparse: bool | None = None,
    watch: Watch | None = None,
    start: np.ndarray | None = None,
) -> BlocksSolved:
    """The LP  min cost'x, row_lower ≤ A x ≤ row_upper, lower ≤ x ≤ upper  solved by the block interior point over
    the blocks ``bl``: equilibrated, split, its blocks on ``pool``'s Dask workers (``dask_blocks.DaskPool``) or in
    this process; the solution, the prices of every row and both objectives returned in the LP's own units.
    ``sparse``: hold the linking rows' Schur complement sparse (None: by its fill, ``sparse_schur``); ``watch``: told
    (iteration, relative gap) as each iteration starts; ``start``: x to start from instead of Mehrotra's least-norm
    point (``starts``), in the LP's own units."""
    sc = equilibrate(A, cost)
    R, C = sc.rows, sc.columns
    lp = split_lp(sc.A, row_lower * R, row_upper * R, cost * C / sc.cost_scale, lower / C, upper / C, bl)
    first = starts(lp, sc.A, start / C) if start is not None else [None] * (len(lp.blocks) + 1)
    master = BlockKKT.of_master(lp, first[0])
    parts: Parts = (
        pool.parts(master, lp.blocks, first[1:])
        if pool is not None
        else LocalParts([master, *(BlockKKT.of_block(b, z) for b, z in zip(lp.blocks, first[1:], strict=True))])
    )
    touched = [master.touched, *(touched_rows(b.D) for b in lp.blocks)]
    try:
        r = solve_interior(
            lp,
            parts,
            touched,
            gap=gap,
            max_iterations=max_iterations,
            time_limit=time_limit,
            cost_scale=sc.cost_scale,
            sparse=sparse,
            watch=watch,
        )
        seconds = [float(t) for t in parts.call("elapsed")[1:]]
    finally:
        parts.close()
    r.row_duals = r.row_duals * R * sc.cost_scale
    in_own_units(r, C, R[lp.link_rows], sc.cost_scale)
    return BlocksSolved(r, lp, seconds, sc.cost_scale)
