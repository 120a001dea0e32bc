"""Hawkins–Simon productivity check: is the spectral radius of A below 1, and if not, which sectors cause it.

A ≥ 0 is productive (every y ≥ 0 has an x ≥ 0 with (I − A) x = y) exactly when ρ(A) < 1. ρ is unchanged by
the change of units Ã = diag(p) A diag(p)⁻¹, so the cheap sufficient test uses value terms: if every
column (or every row) of Ã sums to less than 1, ρ(A) ≤ that sum < 1 (Perron–Frobenius). That fails when a
product's inputs cost more than its price (indigenous iron at 40 % usable output does); then a positive
solution of (I − A) w = v > 0 certifies ρ < 1 (Collatz–Wielandt). When A is not productive, ρ is computed on
each strongly connected block (ρ(A) is the largest block radius): dense eigenvalues up to 300 sectors,
ARPACK (``scipy.sparse.linalg.eigs``) above.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csc_array, csr_array, diags_array
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import ArpackNoConvergence, eigs

from leapplan.balance.solve import LeontiefSolver, Method
from leapplan.balance.system import IOSystem
from leapplan.errors import BalanceError, SolverError

log = logging.getLogger(__name__)

DENSE_EIG_MAX = 300
"""Largest block whose eigenvalues are computed densely [sectors]; ARPACK above (dense eigenvalues of the
1,764-sector shanxi-1958 system took 0.67 s)."""


@dataclass(frozen=True)
class Productivity:
    """Spectral radius of A [-] (``exact`` False: an upper bound from column/row sums in value terms),
    whether A is productive, and the sectors of every strongly connected block with radius ≥ 1."""

    radius: float
    exact: bool
    productive: bool
    culprits: list[str]
    block_radius: float


def label(sectors: object, k: int) -> str:
    """A readable label of sector k: 'region/sector' for multi-regional systems."""
    v = sectors[k]  # type: ignore[index]
    return "/".join(str(p) for p in v) if isinstance(v, tuple) else str(v)


def _radius(block: csc_array) -> float:
    m = block.shape[0]
    if block.nnz == 0:
        return 0.0
    if m <= DENSE_EIG_MAX:
        return float(np.max(np.abs(np.linalg.eigvals(block.toarray()))))
    try:
        vals = eigs(block, k=1, which="LM", return_eigenvectors=False, tol=1e-10, maxiter=20 * m)
        return float(np.max(np.abs(vals)))
    except ArpackNoConvergence:
        # Collatz–Wielandt upper bound from power iteration on the shifted matrix (A + I), which has the
        # same Perron vector; max_i (A v)_i / v_i ≥ ρ for any v > 0
        v = np.ones(m)
        for _ in range(500):
            v = block @ v + v
            v /= np.max(v)
        av = block @ v
        return float(np.max(av / np.maximum(v, 1e-300)))


def value_matrix(system: IOSystem) -> csc_array:
    """A in value terms: diag(p) A diag(p)⁻¹ [money per money]; A itself when prices are missing or zero."""
    if system.prices is None:
        return system.A  # already in money: no copy
    p = system.value_scale()
    if np.any(p <= 0):
        return system.A
    return csc_array(diags_array(p) @ system.A @ diags_array(1.0 / p))


def _culprits(system: IOSystem, a: csc_array) -> Productivity:
    """Radius per strongly connected block; the sectors of blocks with radius ≥ 1, biggest column sum first."""
    n_blocks, labels = connected_components(csr_array(a), directed=True, connection="strong")
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(n_blocks + 1))
    radius = 0.0
    culprits: list[str] = []
    worst = 0.0
    for b in range(n_blocks):
        members = order[starts[b] : starts[b + 1]]
        block = csc_array(a[members][:, members])
        if block.nnz == 0:
            continue
        r = _radius(block)
        radius = max(radius, r)
        if r >= 1.0:
            colsum = np.asarray(block.sum(axis=0)).ravel()
            culprits += [label(system.sectors, int(members[k])) for k in np.argsort(-colsum)]
            worst = max(worst, r)
    log.debug("productivity: radius %.6g over %d blocks", radius, n_blocks)
    return Productivity(radius, True, radius < 1.0, culprits, worst if culprits else radius)


def _certified_radius(solver: LeontiefSolver, steps: int) -> tuple[float, float] | None:
    """Collatz–Wielandt bounds from solves: w = (I − A)⁻¹ v with v > 0 gives A w = w − v, so
    ρ(A) ≤ maxᵢ (1 − vᵢ/wᵢ) < 1 whenever w > 0 — a certificate of productivity. Repeating with v ← w
    (inverse iteration) tightens the bounds. None when the solve fails or w is not positive."""
    n = solver.n
    v = np.ones(n)
    hi, lo = 1.0, 0.0
    for _ in range(steps):
        try:
            w = solver.solve(v)
        except (SolverError, BalanceError):
            return None
        if not np.all(np.isfinite(w)) or np.any(w <= 0):
            return None
        ratio = 1.0 - v / w
        hi, lo = float(ratio.max()), float(ratio.min())
        if hi - lo <= 1e-10:
            break
        v = w / w.max()
    return max(hi, 0.0), max(lo, 0.0)


def productivity(system: IOSystem, solver: LeontiefSolver | None = None) -> Productivity:
    """Check ρ(A) < 1 and name the sectors of the strongly connected blocks that make it fail.

    Up to ``DENSE_EIG_MAX`` sectors: dense eigenvalues. Above: the value-terms column/row-sum bound when it
    is below 1, else the Collatz–Wielandt certificate from a few Leontief solves (``radius`` is then an upper
    bound, ``exact`` False unless the bounds met); when the certificate fails, the block analysis.
    """
    a = value_matrix(system)
    if system.n == 0 or a.nnz == 0:
        return Productivity(0.0, True, True, [], 0.0)
    if system.n <= DENSE_EIG_MAX:
        radius = _radius(a)
        if radius < 1.0:
            return Productivity(radius, True, True, [], radius)
        return _culprits(system, a)
    bound = min(float(np.max(a.sum(axis=0))), float(np.max(a.sum(axis=1))))
    if bound < 1.0:
        return Productivity(bound, False, True, [], bound)
    if solver is None:
        scale = system.prices.to_numpy() if system.prices is not None else None
        try:
            solver = LeontiefSolver(system.A, tol=1e-10, max_iter=2_000, scale=scale)
        except BalanceError:
            return _culprits(system, a)
    steps = 20 if solver.method is Method.lu else 3
    bounds = _certified_radius(solver, steps)
    if bounds is None:
        return _culprits(system, a)
    hi, lo = bounds
    return Productivity(hi, hi - lo <= 1e-10, True, [], hi)


def require_productive(system: IOSystem, solver: LeontiefSolver | None = None) -> Productivity:
    """The productivity check, raising ``BalanceError`` that names the culprit sectors when ρ(A) ≥ 1."""
    result = productivity(system, solver)
    if not result.productive:
        shown = ", ".join(result.culprits[:8]) + (" …" if len(result.culprits) > 8 else "")
        raise BalanceError(
            f"{system.name}: the input coefficients are not productive (Hawkins–Simon fails): spectral radius "
            f"{result.radius:.4g} ≥ 1 in the cycle of {shown}; these sectors together use more than they make — "
            "lower their input coefficients (or raise their output) until the radius is below 1"
        )
    return result
