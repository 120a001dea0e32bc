"""Every solver gives the same answer as sparse LU; the auto choice; failures are errors, not wrong numbers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csc_array

from leapplan.balance.solve import LU_MAX_SECTORS, LeontiefSolver, Method
from leapplan.balance.synthetic import synthetic_mrio, synthetic_sparse
from leapplan.balance.system import IOSystem
from leapplan.errors import BalanceError, SolverError


@pytest.fixture(scope="module")
def mrio() -> IOSystem:
    return synthetic_mrio(regions=6, sectors=40, seed=3)


@pytest.mark.parametrize("method", [Method.jacobi, Method.gmres, Method.bicgstab])
def test_iterative_matches_lu(mrio: IOSystem, method: Method) -> None:
    rhs = mrio.final_demand.to_numpy()
    lu = LeontiefSolver(mrio.A, Method.lu)
    it = LeontiefSolver(mrio.A, method, tol=1e-13)
    np.testing.assert_allclose(it.solve(rhs), lu.solve(rhs), rtol=1e-9)
    w = mrio.extension_coefficients.to_numpy().T
    np.testing.assert_allclose(it.solve_transposed(w), lu.solve_transposed(w), rtol=1e-9)
    assert it.last is not None and it.last.residual <= 1e-12 and it.last.products > 0


def test_lu_against_dense_inverse(mrio: IOSystem) -> None:
    # second method: numpy's dense inverse on this small (240-sector) system
    L = np.linalg.inv(np.eye(mrio.n) - mrio.A.toarray())
    y = mrio.total_final_demand
    lu = LeontiefSolver(mrio.A, Method.lu)
    np.testing.assert_allclose(lu.solve(y), L @ y, rtol=1e-10)
    np.testing.assert_allclose(lu.solve_transposed(np.ones(mrio.n)), L.sum(axis=0), rtol=1e-10)
    assert lu.fill_in > 0


def test_auto_choice() -> None:
    small = synthetic_sparse(LU_MAX_SECTORS, seed=1)
    large = synthetic_sparse(LU_MAX_SECTORS + 1, seed=1)
    assert LeontiefSolver(small.A).method is Method.lu
    assert LeontiefSolver(large.A).method is Method.bicgstab


def test_large_sparse_to_tolerance() -> None:
    s = synthetic_sparse(20_000, seed=5)
    solver = LeontiefSolver(s.A, Method.auto, tol=1e-10)
    y = s.total_final_demand
    x = solver.solve(y)
    residual = np.linalg.norm(y - x + s.A @ x) / np.linalg.norm(y)
    assert residual <= 1e-10
    assert np.all(x >= y)  # x = y + A x with A ≥ 0, x ≥ 0


def test_not_productive_is_an_error() -> None:
    a = csc_array(np.array([[0.0, 2.0], [0.6, 0.0]]))  # ρ = √1.2 > 1
    with pytest.raises(SolverError, match="productive"):
        LeontiefSolver(a, Method.jacobi, max_iter=200).solve(np.ones(2))
    with pytest.raises(BalanceError, match="own product"):
        LeontiefSolver(csc_array(np.array([[1.2, 0.0], [0.0, 0.1]])), Method.lu)


def test_shape_mismatch(mrio: IOSystem) -> None:
    with pytest.raises(BalanceError, match="rows"):
        LeontiefSolver(mrio.A, Method.lu).solve(np.ones(3))
