"""Triangular solves with sparse right-hand sides, the columns grouped by their reach in the factor's elimination tree.

A block of the decomposed plan hands the centre B' G⁻¹ B = Z' D⁻¹ Z with Z = L⁻¹ P B (``block_ipm.inverse_form``),
one unit lower triangular solve per linking row the block touches. A column b of P B has entries in a few rows, and
L⁻¹ b can be non-zero only on the rows its entries reach by climbing the elimination tree of L (Gilbert and
Peierls: the parent of row k is the first row below k in L's column k). On a prefecture's block (the largest of
the 100-county first stage, 11,945 rows) the reaches are a median 15 % of the rows. So the columns are sorted by
reach and cut into ``GROUPS`` groups; each group is solved on the rows in its columns' reaches only,
L[R, R] z_R = b_R (exact: z is 0 off R, so the rows of R see only columns of R). The groups' index maps into L's
entries are kept while L's pattern and B's stay (within a stage of the interior point G's pattern does not change),
so each factor only gathers L's values into the groups' factors.

Measured on the largest block of the 400-county first stage (11,965 rows, 164 linking rows touched; random Θ,
best of 7, scripts outside the package, 6 December): SuperLU's solve with the whole L 0.062 s; grouped
in 4, 8, 12, 16 groups 0.67, 0.60, 0.57, 0.62 of that (0.50, 0.40, 0.35, 0.34 of its flops); finding the groups
0.06 s once. The whole piece B' G⁻¹ B: ``benchmarks/block_factor.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as sla
from scipy.sparse import csc_array, csr_array
from scipy.sparse.linalg import spsolve_triangular

GROUPS = 12
"""Groups of right-hand sides by reach (``ReachSolver``): more groups solve fewer rows each, at one more call each."""


def elimination_tree(L: csc_array) -> np.ndarray:
    """The parent of each row of the lower triangular ``L`` in its elimination tree: the first row below the
    diagonal with an entry in the row's column of L; −1 for a root."""
    n = L.shape[0]
    column = np.repeat(np.arange(n), np.diff(L.indptr))
    below = L.indices > column
    parent = np.full(n, n)
    np.minimum.at(parent, column[below], L.indices[below])
    return np.where(parent == n, -1, parent)


def reaches(parent: np.ndarray, rows: np.ndarray, columns: np.ndarray, width: int) -> np.ndarray:
    """Which rows each right-hand side reaches (rows × ``width``, boolean): the rows of its entries (``rows``,
    ``columns``: their positions) and every ancestor of them in the elimination tree ``parent``. All columns
    climb together, one level of the tree a pass."""
    mark = np.zeros((parent.size, width), dtype=bool)
    i, j = np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)
    mark[i, j] = True
    while i.size:
        i = parent[i]
        up = i >= 0
        i, j = i[up], j[up]
        new = ~mark[i, j]
        key = np.unique(i[new] * width + j[new])
        i, j = key // width, key % width
        mark[i, j] = True
    return mark


@dataclass(frozen=True)
class Group:
    """Right-hand sides solved together on the rows they reach."""

    columns: np.ndarray
    rows: np.ndarray
    """The rows any of the group's columns reaches, ascending (so L[rows, rows] is lower triangular)."""
    indices: np.ndarray
    indptr: np.ndarray
    """The pattern of L[rows, rows] (CSC, sorted)."""
    at: np.ndarray
    """Where each entry of L[rows, rows] is in L's ``data``."""
    put: np.ndarray
    """Where each of the group's right-hand-side entries goes in its (rows × columns) array, C order."""
    take: np.ndarray
    """Where each of them is in B's ``data``."""
    into: np.ndarray
    """Where the group's solution (rows × columns, C order) goes in Z (L's rows × B's columns, C order)."""


def group_by_reach(L: csc_array, B: csr_array, groups: int = GROUPS) -> list[Group]:
    """The columns of ``B`` (the right-hand sides, rows in L's order) sorted by the number of rows they reach in L's
    elimination tree and cut into at most ``groups`` groups, each with its part of L and of B."""
    coo = B.tocoo()
    mark = reaches(elimination_tree(L), coo.row, coo.col, B.shape[1])
    order = np.argsort(mark.sum(axis=0), kind="stable")
    where = csc_array((np.arange(1, L.nnz + 1, dtype=np.float64), L.indices, L.indptr), shape=L.shape)
    position = np.empty(B.shape[1], dtype=np.int64)
    flat = np.int32 if B.shape[0] * B.shape[1] < 2**31 else np.int64  # positions in Z (L's: SuperLU's are int32)
    out = []
    for columns in np.array_split(order, min(groups, order.size)):
        position[columns] = np.arange(columns.size)
        rows = np.flatnonzero(mark[:, columns].any(axis=1))
        sub = csc_array(where[rows][:, rows])
        sub.sort_indices()
        take = np.flatnonzero(np.isin(coo.col, columns))
        put = np.searchsorted(rows, coo.row[take]) * columns.size + position[coo.col[take]]
        at = (sub.data - 1).astype(np.int32)
        into = (rows[:, None] * B.shape[1] + columns[None, :]).ravel().astype(flat)
        out.append(Group(columns, rows, sub.indices.copy(), sub.indptr.copy(), at, put, take, into))
    return out


class ReachSolver:
    """Z = L⁻¹ B and Z' D⁻¹ Z for unit lower triangular factors L of one pattern (a block's G through a stage):
    the groups of ``group_by_reach`` found once, and again only when L's pattern or B's changes. Only the groups'
    index maps are kept (about 14 MB for a 2,800-county block: a worker holds 47 blocks), not their factors' values
    or Z (29 MB more; keeping them saved about a tenth of the solve's time)."""

    def __init__(self, groups: int = GROUPS) -> None:
        self.groups = groups
        self._key: tuple[np.ndarray, ...] | None = None
        self._plan: list[Group] = []
        self.planned = 0
        """How many times the groups were found (a test's check that they are kept)."""

    def _plan_for(self, L: csc_array, B: csr_array) -> list[Group]:
        B.sort_indices()
        key = (L.indptr, L.indices, B.indptr, B.indices)
        if self._key is None or any(not np.array_equal(a, b) for a, b in zip(key, self._key, strict=True)):
            self._plan = group_by_reach(L, B, self.groups)
            self._key = tuple(a.copy() for a in key)
            self.planned += 1
        return self._plan

    def _fill(self, L: csc_array, B: csr_array, scale: np.ndarray | None) -> np.ndarray:
        """Z, each row times ``scale`` when given."""
        Z = np.zeros(B.shape)
        if B.shape[1] == 0:
            return Z
        plan = self._plan_for(L, B)  # B's entries sorted first: ``put`` and ``take`` follow their order
        for g in plan:
            if not g.rows.size:
                continue
            part = csc_array((L.data[g.at], g.indices, g.indptr), shape=(g.rows.size, g.rows.size))
            rhs = np.zeros((g.rows.size, g.columns.size))
            rhs.flat[g.put] = B.data[g.take]
            z = spsolve_triangular(part, rhs, lower=True, unit_diagonal=True, overwrite_A=True, overwrite_b=True)
            if scale is not None:
                z *= scale[g.rows, None]
            np.put(Z, g.into, z)
        return Z

    def solve(self, L: csc_array, B: csr_array) -> np.ndarray:
        """L⁻¹ B (dense, L's rows × B's columns) for ``L`` unit lower triangular (its diagonal read as 1)."""
        return self._fill(L, B, None)

    def inverse_form(self, L: csc_array, d: np.ndarray, B: csr_array) -> np.ndarray:
        """Z' D⁻¹ Z with Z = L⁻¹ B and D = diag(``d``), symmetric (B's columns square). Where every d > 0 (a
        positive definite G) as Y' Y, Y = D^-½ Z, by BLAS's symmetric rank-k update (half a general product's
        work)."""
        if B.shape[1] == 0:
            return np.zeros((0, 0))
        if np.all(d > 0):
            Y = self._fill(L, B, 1.0 / np.sqrt(d))
            upper = sla.blas.dsyrk(1.0, Y.T)  # Y.T is Fortran-ordered: no copy; the upper triangle of Y' Y
            return np.triu(upper) + np.triu(upper, 1).T
        Z = self._fill(L, B, None)
        return np.asarray(Z.T @ (Z / d[:, None]))
