"""Triangular solves grouped by reach (``plan/reach.py``) against a hand elimination tree and numpy's dense solve."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csc_array, csr_array
from scipy.sparse.linalg import splu

from leapplan.plan.reach import ReachSolver, elimination_tree, group_by_reach, reaches


def _hand_factor() -> csc_array:
    # 5 × 5 unit lower triangular, below the diagonal: L[2,0], L[2,1], L[4,2], L[4,3]. Its elimination tree by hand:
    # 0 → 2, 1 → 2, 2 → 4, 3 → 4, 4 the root
    L = np.eye(5)
    L[2, 0], L[2, 1], L[4, 2], L[4, 3] = 0.5, -1.0, 2.0, 0.25
    return csc_array(L)


def test_elimination_tree_and_reaches_by_hand() -> None:
    L = _hand_factor()
    parent = elimination_tree(L)
    assert parent.tolist() == [2, 2, 4, 4, -1]
    # right-hand sides: column 0 with an entry in row 0 reaches {0, 2, 4}; column 1 in row 3: {3, 4}; column 2 in
    # rows 1 and 3: {1, 2, 3, 4}; column 3 in row 4: {4}
    mark = reaches(parent, np.array([0, 3, 1, 3, 4]), np.array([0, 1, 2, 2, 3]), 4)
    assert [np.flatnonzero(mark[:, j]).tolist() for j in range(4)] == [[0, 2, 4], [3, 4], [1, 2, 3, 4], [4]]


def test_grouped_solve_by_hand() -> None:
    # L z = e_0: z_0 = 1, z_2 = −0.5 · 1 = −0.5, z_4 = −2 · (−0.5) = 1, rows 1 and 3 stay 0;
    # L z = e_3: z_3 = 1, z_4 = −0.25
    L = _hand_factor()
    B = csr_array(np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    groups = group_by_reach(L, B, groups=2)
    assert sorted(g.rows.tolist() for g in groups) == [[0, 2, 4], [3, 4]]
    Z = ReachSolver(groups=2).solve(L, B)
    assert Z[:, 0].tolist() == [1.0, 0.0, -0.5, 0.0, 1.0]
    assert Z[:, 1].tolist() == [0.0, 0.0, 0.0, 1.0, -0.25]


@pytest.mark.parametrize("groups", [1, 3, 12, 40])
def test_grouped_solve_is_numpys_and_keeps_its_groups(groups: int) -> None:
    # a sparse symmetric positive definite G factored by SuperLU without interchanges, as a block's G is; L⁻¹ B by
    # groups against numpy's dense triangular solve, for two G of one pattern (the groups found once) and a third
    # whose pattern has one more entry (found again)
    rng = np.random.default_rng(5)
    n, t = 60, 17
    M = rng.normal(size=(n, 90)) * (rng.uniform(size=(n, 90)) < 0.04)
    B = csr_array(rng.normal(size=(n, t)) * (rng.uniform(size=(n, t)) < 0.05))
    solver = ReachSolver(groups)
    for k in range(3):
        W = M.copy()
        if k == 2:
            W[0, 89] = W[n - 1, 89] = 1.0  # ties row 0 to row n − 1: a new entry in G
        G = W @ np.diag(rng.lognormal(0.0, 2.0, 90)) @ W.T + 1e-3 * np.eye(n)
        lu = splu(csc_array(G), permc_spec="NATURAL", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
        assert np.array_equal(lu.perm_r, np.arange(n))
        L = lu.L
        want = np.linalg.solve(L.toarray(), B.toarray())
        assert solver.solve(L, B) == pytest.approx(want, rel=1e-10, abs=1e-12 * np.abs(want).max())
        assert solver.planned == (1 if k < 2 else 2)
    assert solver.solve(L, csr_array((n, 0))).shape == (n, 0)
