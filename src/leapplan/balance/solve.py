"""Leontief solves without a dense inverse: x = (I − A)⁻¹ y for many right-hand sides at once.

Methods (see ``benchmarks/balance.py`` for the measurements behind the ``auto`` choice):

* ``lu``       — sparse LU of I − A (SuperLU via ``scipy.sparse.linalg.splu``, COLAMD ordering); exact to
  rounding. Fill-in grows fast on dense-ish multi-regional tables, so ``auto`` uses it only for small n.
* ``jacobi``   — the Neumann series with a Jacobi (diagonal) splitting, x ← x + D⁻¹ (y − (I − A) x).
  Converges for every productive A ≥ 0 (regular splitting of a non-singular M-matrix), at the rate
  ρ(D⁻¹(A − diag A)): one product with A per sweep.
* ``bicgstab`` — BiCGSTAB (van der Vorst 1992) with the same Jacobi preconditioner; two products per step,
  far fewer steps when ρ is near 1. Written here with numpy vector operations only: scipy's Krylov solvers
  call multi-threaded BLAS for every dot product, which on a loaded 2-core machine cost ~10× the sparse
  products themselves (measured: 14 ms per norm of a 115,800-vector vs 0.8 ms for the product with A).
  Falls back to Jacobi sweeps from its last iterate if it breaks down.
* ``gmres``    — ``scipy.sparse.linalg.gmres`` (restart 50) with the Jacobi preconditioner, as a reference.

All run one right-hand side at a time: scipy's CSR × 1-D kernel is several times faster per column than its
CSR × (n, k) block kernel. Iterative methods stop when a column's relative residual
‖y − (I − A) x‖₂ / ‖y‖₂ ≤ ``tol``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from scipy.sparse import csc_array, csr_array, diags_array, identity
from scipy.sparse.linalg import LinearOperator, gmres, splu

from leapplan.errors import BalanceError, SolverError

log = logging.getLogger(__name__)

LU_MAX_SECTORS = 500
"""``auto`` uses sparse LU up to this many sectors. Measured on synthetic MRIOs (``synthetic_mrio``, 80–160
non-zeros per column, whole ``analyse`` run): the LU factors hold ≈ n² non-zeros from n = 100 on; at n = 500
LU 32 ms against BiCGSTAB 15 ms, at n = 1,000 96 ms against 14 ms, at n = 4,900 23.7 million factor non-zeros
and 12.5 s against 0.02 s. Below 500 both cost a few ms beyond the productivity check, and LU is exact."""

LU_SPARSE_MAX_SECTORS = 5_000
"""… and up to this many when A has at most 4 non-zeros per column (scenario systems: shanxi-1958, 1,764
sectors, 4,837 coefficients, factors with 19,784 non-zeros: 25 solves in 0.02 s against 0.12 s BiCGSTAB).
Not beyond: on a national scenario (115,800 sectors, 3.8 per column) COLAMD-ordered LU filled in to 95 million
non-zeros and took 146 s, against 1.5 s for BiCGSTAB."""


class Method(StrEnum):
    auto = "auto"
    lu = "lu"
    jacobi = "jacobi"
    gmres = "gmres"
    bicgstab = "bicgstab"


@dataclass(frozen=True)
class SolveInfo:
    """How the last solve went: method, products with A (0 for LU), worst relative residual [-], wall time [s]."""

    method: Method
    products: int
    residual: float
    seconds: float
    columns: int


def _int32_indices(a: csc_array) -> csc_array:
    if a.indices.dtype == np.int32 or a.nnz >= np.iinfo(np.int32).max:
        return a
    return csc_array((a.data, a.indices.astype(np.int32), a.indptr.astype(np.int32)), shape=a.shape)


class LeontiefSolver:
    """Solves (I − A) x = y and (I − A)ᵀ z = w for one or many right-hand sides.

    Factorises (LU) or prepares (iterative) once; reuse one solver for all solves on the same A.
    """

    def __init__(
        self,
        a: csc_array,
        method: Method | str = Method.auto,
        tol: float = 1e-12,
        max_iter: int = 5_000,
        scale: np.ndarray | None = None,
    ):
        """``scale``: positive price per unit of each sector [money per unit]. Iterative methods then solve the
        same system in value terms, diag(p) A diag(p)⁻¹ — far better conditioned when physical units differ by
        orders of magnitude (t-km next to t) — and map the answer back; residuals are measured in value terms."""
        self.n = a.shape[0]
        self.tol = float(tol)
        self.max_iter = int(max_iter)
        m = Method(method)
        if m is Method.auto:
            very_sparse = self.n <= LU_SPARSE_MAX_SECTORS and a.nnz <= 4 * self.n
            m = Method.lu if self.n <= LU_MAX_SECTORS or very_sparse else Method.bicgstab
        self.method = m
        self.last: SolveInfo | None = None
        self.fill_in: int = 0
        a = csc_array(a)
        self._scale: np.ndarray | None = None
        if scale is not None and m is not Method.lu:
            p = np.asarray(scale, dtype=float)
            if p.shape == (self.n,) and np.all(p > 0) and np.all(np.isfinite(p)):
                self._scale = p
                a = csc_array(diags_array(p) @ a @ diags_array(1.0 / p))
        diag = a.diagonal()
        self._d = 1.0 - diag
        if np.any(self._d <= 0):
            k = int(np.flatnonzero(self._d <= 0)[0])
            raise BalanceError(
                f"sector #{k} uses {diag[k]:g} units of its own product per unit of output (≥ 1): the system "
                "cannot be productive; check that coefficient"
            )
        if m is Method.lu:
            start = time.perf_counter()
            try:
                self._lu = splu(csc_array(identity(self.n, format="csc") - a), permc_spec="COLAMD")
            except RuntimeError as exc:  # "Factor is exactly singular"
                raise BalanceError(f"I − A is singular ({exc}); the table is not productive") from exc
            self.fill_in = int(self._lu.L.nnz + self._lu.U.nnz)
            log.debug(
                "splu n=%d nnz(A)=%d nnz(L+U)=%d in %.3fs", self.n, a.nnz, self.fill_in, time.perf_counter() - start
            )
        else:
            # int32 indices halve the memory traffic of each product (measured ~2× faster at 10⁷ non-zeros)
            self._csc = _int32_indices(a)
        self.products = 0
        """Products with A (or Aᵀ) done by the iterative methods so far [-]."""
        self.productivity: Any = None
        """The productivity check made for this solver by ``leontief.make_solver`` (a ``Productivity``)."""

    def _operator(self, transposed: bool) -> csc_array | csr_array:
        """The matrix for products: A in CSC, or Aᵀ as the zero-copy CSR view of it. No CSR copy of A is made:
        measured (1,000,000 nodes, 10⁷ non-zeros, int32 indices) CSC and CSR products with A both take 19 ms
        and 18 ms, while the conversion takes 200 ms — more than half of a whole 1e-10 solve."""
        return self._csc.T if transposed else self._csc

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """x with (I − A) x = rhs; rhs shape (n,) or (n, k) [row units] → same shape."""
        return self._run(np.asarray(rhs, dtype=float), transposed=False)

    def solve_transposed(self, rhs: np.ndarray) -> np.ndarray:
        """z with (I − A)ᵀ z = rhs, i.e. zᵀ = rhsᵀ (I − A)⁻¹ (rows of L weighted by rhs)."""
        return self._run(np.asarray(rhs, dtype=float), transposed=True)

    def _run(self, rhs: np.ndarray, transposed: bool) -> np.ndarray:
        if rhs.shape[0] != self.n:
            raise BalanceError(f"right-hand side has {rhs.shape[0]} rows, the system has {self.n} sectors")
        vector = rhs.ndim == 1
        b = rhs.reshape(self.n, -1)
        if self._scale is not None:
            # value terms: (I − Ã) (p x) = p b;  (I − Ã)ᵀ (z / p) = b / p
            b = b / self._scale[:, None] if transposed else b * self._scale[:, None]
        start = time.perf_counter()
        iterations = 0
        if self.method is Method.lu:
            x = self._lu.solve(np.ascontiguousarray(b), trans="T" if transposed else "N")
        elif self.method is Method.jacobi:
            x, iterations = self._jacobi(b, transposed)
        else:
            x, iterations = self._krylov(b, transposed)
        residual = self._residual(b, x, transposed)
        if self._scale is not None:
            x = x * self._scale[:, None] if transposed else x / self._scale[:, None]
        if self.method is not Method.lu and residual > self.tol * 1e3:
            raise SolverError(
                f"{self.method.value} reached relative residual {residual:.2e} > tolerance {self.tol:.0e} after "
                f"{iterations} products with A; check productivity or use method 'lu'"
            )
        self.last = SolveInfo(self.method, iterations, residual, time.perf_counter() - start, b.shape[1])
        log.debug("%s", self.last)
        return x.ravel() if vector else x

    def _residual(self, b: np.ndarray, x: np.ndarray, transposed: bool) -> float:
        if b.size == 0:
            return 0.0
        if self.method is Method.lu:
            # the residual check costs one product with A; LU residuals are at rounding level
            return 0.0
        a = self._operator(transposed)
        r = b - x + a @ x
        norms = np.linalg.norm(b, axis=0)
        norms[norms == 0] = 1.0
        return float(np.max(np.linalg.norm(r, axis=0) / norms))

    def _jacobi(self, b: np.ndarray, transposed: bool) -> tuple[np.ndarray, int]:
        out = np.empty_like(b)
        before = self.products
        for k in range(b.shape[1]):
            col = np.ascontiguousarray(b[:, k])
            out[:, k] = self._jacobi_column(col, col / self._d, transposed, k)
        return out, self.products - before

    def _jacobi_column(self, col: np.ndarray, x: np.ndarray, transposed: bool, k: int) -> np.ndarray:
        a = self._operator(transposed)
        d = self._d
        norm = _norm(col) or 1.0
        for _ in range(self.max_iter):
            r = col - x + a @ x
            self.products += 1
            worst = _norm(r) / norm
            if worst <= self.tol:
                return x
            if not np.isfinite(worst):
                break
            x = x + r / d
        raise SolverError(
            f"Jacobi/Neumann iteration did not reach relative residual {self.tol:.0e} in {self.max_iter} sweeps "
            f"(right-hand side {k}); the table may not be productive (spectral radius of A ≥ 1) — run the "
            "productivity check"
        )

    def _bicgstab_column(self, b: np.ndarray, transposed: bool, k: int) -> np.ndarray:
        a = self._operator(transposed)
        d = self._d
        norm_b = _norm(b) or 1.0

        def apply(v: np.ndarray) -> np.ndarray:
            self.products += 1
            return v - a @ v

        x = b / d
        r = b - apply(x)
        if _norm(r) / norm_b <= self.tol:
            return x
        r0 = r.copy()
        rho_old = alpha = omega = 1.0
        v = np.zeros_like(b)
        p = np.zeros_like(b)
        for _ in range(self.max_iter):
            rho = _dot(r0, r)
            if rho == 0.0 or omega == 0.0:
                break
            beta = (rho / rho_old) * (alpha / omega)
            p = r + beta * (p - omega * v)
            p_hat = p / d
            v = apply(p_hat)
            r0v = _dot(r0, v)
            if r0v == 0.0:
                break
            alpha = rho / r0v
            s = r - alpha * v
            if _norm(s) / norm_b <= self.tol:
                return x + alpha * p_hat
            s_hat = s / d
            t = apply(s_hat)
            tt = _dot(t, t)
            omega = _dot(t, s) / tt if tt > 0 else 0.0
            x = x + alpha * p_hat + omega * s_hat
            r = s - omega * t
            worst = _norm(r) / norm_b
            if worst <= self.tol:
                return x
            if not np.isfinite(worst):
                x = b / d
                break
            rho_old = rho
        log.info("bicgstab broke down on right-hand side %d; finishing with Jacobi sweeps", k)
        return self._jacobi_column(b, x, transposed, k)

    def _krylov(self, b: np.ndarray, transposed: bool) -> tuple[np.ndarray, int]:
        out = np.empty_like(b)
        before = self.products
        if self.method is Method.bicgstab:
            for k in range(b.shape[1]):
                out[:, k] = self._bicgstab_column(np.ascontiguousarray(b[:, k]), transposed, k)
            return out, self.products - before
        a = self._operator(transposed)

        def matvec(v: np.ndarray) -> np.ndarray:
            self.products += 1
            return v - a @ v

        op = LinearOperator((self.n, self.n), matvec=matvec, dtype=float)
        inv_d = 1.0 / self._d
        precond = LinearOperator((self.n, self.n), matvec=lambda v: inv_d * v, dtype=float)
        for k in range(b.shape[1]):
            col = np.ascontiguousarray(b[:, k])
            if not np.any(col):
                out[:, k] = 0.0
                continue
            sol, status = gmres(op, col, rtol=self.tol, atol=0.0, M=precond, restart=50, maxiter=self.max_iter)
            if status != 0:
                raise SolverError(
                    f"gmres did not converge (status {status}) for right-hand side {k}; "
                    "check productivity or use method 'lu'"
                )
            out[:, k] = sol
        return out, self.products - before


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Dot product without BLAS (einsum's own loop; see the module docstring)."""
    return float(np.einsum("i,i->", u, v))


def _norm(u: np.ndarray) -> float:
    return float(np.sqrt(np.einsum("i,i->", u, u)))
