"""Leontief solves without a dense inverse: x = (I − A)⁻¹ y for many right-hand sides at once.

Methods (see ``benchmarks/balance.py`` for the measurements behind the ``auto`` choice):

* ``lu``       — sparse LU of I − A (SuperLU via ``scipy.sparse.linalg.splu``, COLAMD ordering); exact to
  rounding. Fill-in grows fast on dense-ish multi-regional tables, so ``auto`` uses it only for small n.
* ``jacobi``   — the Neumann series with a Jacobi (diagonal) splitting, x ← x + D⁻¹ (y − (I − A) x),
  all right-hand sides in one sparse × dense-block product per sweep. Converges for every productive
  A ≥ 0 (regular splitting of a non-singular M-matrix), at the rate ρ(D⁻¹(A − diag A)).
* ``gmres`` / ``bicgstab`` — Krylov solvers from ``scipy.sparse.linalg`` with the same Jacobi
  preconditioner, one right-hand side at a time.

Iterative methods stop when every column's relative residual ‖y − (I − A) x‖₂ / ‖y‖₂ ≤ ``tol``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.sparse import csc_array, csr_array, identity
from scipy.sparse.linalg import LinearOperator, bicgstab, gmres, splu

from leapplan.errors import BalanceError, SolverError

log = logging.getLogger(__name__)

LU_MAX_SECTORS = 1_000
"""``auto`` uses sparse LU up to this many sectors. Measured on synthetic MRIOs (benchmarks/balance.py):
at n = 1,000 the LU factors already hold ≈ n² non-zeros (0.15 s); at n = 4,900 they hold 23.7 million
(≈ n², 12.5 s) while BiCGSTAB solves in 0.02 s."""


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

    def __init__(self, a: csc_array, method: Method | str = Method.auto, tol: float = 1e-12, max_iter: int = 5_000):
        self.n = a.shape[0]
        self.tol = float(tol)
        self.max_iter = int(max_iter)
        m = Method(method)
        if m is Method.auto:
            m = Method.lu if self.n <= LU_MAX_SECTORS else Method.bicgstab
        self.method = m
        self.last: SolveInfo | None = None
        self.fill_in: int = 0
        a = csc_array(a)
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
            log.debug("splu n=%d nnz(A)=%d nnz(L+U)=%d in %.3fs", self.n, a.nnz, self.fill_in,
                      time.perf_counter() - start)
        else:
            # int32 indices halve the memory traffic of each product (measured ~2× faster at 10⁷ non-zeros)
            self._csc = _int32_indices(a)
            self._csr: csr_array | None = None
        self.products = 0
        """Products with A (or Aᵀ) done by the iterative methods so far [-]."""

    def _operator(self, transposed: bool) -> csr_array:
        """A row-major (CSR) form for fast products: Aᵀ is the zero-copy CSR view of the CSC matrix; A itself
        is converted once, on the first forward solve (CSR products measured ~25 % faster than CSC)."""
        if transposed:
            return self._csc.T
        if self._csr is None:
            self._csr = csr_array(self._csc)
        return self._csr

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
        start = time.perf_counter()
        iterations = 0
        if self.method is Method.lu:
            x = self._lu.solve(np.ascontiguousarray(b), trans="T" if transposed else "N")
        elif self.method is Method.jacobi:
            x, iterations = self._jacobi(b, transposed)
        else:
            x, iterations = self._krylov(b, transposed)
        residual = self._residual(b, x, transposed)
        if self.method is not Method.lu and residual > self.tol * 10:
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
        # one column at a time: scipy's CSR × 1-D vector kernel is several times faster per column than its
        # CSR × (n, k) block kernel (measured in benchmarks/balance.py)
        a = self._operator(transposed)
        d = self._d
        out = np.empty_like(b)
        total = 0
        for k in range(b.shape[1]):
            col = np.ascontiguousarray(b[:, k])
            norm = float(np.linalg.norm(col)) or 1.0
            x = col / d
            for it in range(1, self.max_iter + 1):
                r = col - x + a @ x
                worst = float(np.linalg.norm(r)) / norm
                if worst <= self.tol:
                    break
                if not np.isfinite(worst):
                    it = self.max_iter
                    break
                x += r / d
                self.products += 1
            else:
                it = self.max_iter + 1
            if it > self.max_iter or not np.isfinite(worst):
                raise SolverError(
                    f"Jacobi/Neumann iteration did not reach relative residual {self.tol:.0e} in {self.max_iter} "
                    "sweeps; the table may not be productive (spectral radius of A ≥ 1) — run the productivity check"
                )
            out[:, k] = x
            total += it
        return out, total

    def _krylov(self, b: np.ndarray, transposed: bool) -> tuple[np.ndarray, int]:
        a = self._operator(transposed)

        def matvec(v: np.ndarray) -> np.ndarray:
            self.products += 1
            return v - a @ v

        op = LinearOperator((self.n, self.n), matvec=matvec, dtype=float)
        inv_d = 1.0 / self._d
        precond = LinearOperator((self.n, self.n), matvec=lambda v: inv_d * v, dtype=float)
        out = np.empty_like(b)
        before = self.products
        for k in range(b.shape[1]):
            col = np.ascontiguousarray(b[:, k])
            if not np.any(col):
                out[:, k] = 0.0
                continue
            if self.method is Method.gmres:
                sol, status = gmres(op, col, rtol=self.tol, atol=0.0, M=precond, restart=50, maxiter=self.max_iter)
            else:
                sol, status = bicgstab(op, col, rtol=self.tol, atol=0.0, M=precond, maxiter=self.max_iter)
                if status != 0:
                    log.info("bicgstab stopped (status %d) on column %d; retrying with gmres", status, k)
                    sol, status = gmres(op, col, rtol=self.tol, atol=0.0, M=precond, restart=50,
                                        maxiter=self.max_iter)
            if status != 0:
                raise SolverError(
                    f"{self.method.value} did not converge (status {status}) for right-hand side {k}; "
                    "check productivity or use method 'lu'"
                )
            out[:, k] = sol
        return out, self.products - before
