"""Stabilised Dantzig–Wolfe on block-angular LPs (``plan/decompose.py``) against a hand optimum and direct HiGHS."""

from __future__ import annotations

import highspy
import numpy as np
import pytest
from scipy.sparse import csr_array
from scipy.sparse import random as sparse_random

from leapplan.plan.blocks import LINK, split
from leapplan.plan.decompose import (
    LocalPricer,
    SplitLP,
    max_violation,
    relative_gap,
    shares,
    solve_split,
    split_lp,
)


def _hand() -> tuple[csr_array, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """min −3a −2b −c −4d  s.t. a + b ≤ 4 (block 1), c + d ≤ 3 (block 2), a + d ≤ 4 (linking), all ≥ 0.
    Columns a, b, c, d; rows: block 1's, block 2's, the linking row."""
    A = csr_array(np.array([[1, 1, 0, 0], [0, 0, 1, 1], [1, 0, 0, 1]], dtype=float))
    lo = np.full(3, -np.inf)
    hi = np.array([4.0, 3.0, 4.0])
    c = np.array([-3.0, -2.0, -1.0, -4.0])
    return A, lo, hi, c, np.zeros(4), np.full(4, np.inf), np.array([0, 0, 1, 1])


def _direct(A: csr_array, lo: np.ndarray, hi: np.ndarray, c: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> float:
    from leapplan.plan.decompose import _highs_lp

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(_highs_lp(c, lb, ub, A, lo, hi))
    h.run()
    assert h.modelStatusToString(h.getModelStatus()) == "Optimal"
    return float(h.getInfo().objective_function_value)


def dual_objective(A, lo, hi, c, lb, ub, y, zero):  # type: ignore[no-untyped-def]
    """The dual objective of row prices ``y``: each price and reduced cost (c − A'y) at the side it binds, those
    below ``zero`` in size left out (their side may be infinite)."""
    d = c - A.T @ y
    side = np.where(y > 0, lo, hi)
    at = np.where(d > 0, lb, ub)
    return float(np.sum(np.where(np.abs(y) > zero, y * side, 0.0)) + np.sum(np.where(np.abs(d) > zero, d * at, 0.0)))


def _split(A, lo, hi, c, lb, ub, cb) -> SplitLP:  # type: ignore[no-untyped-def]
    return split_lp(A, lo, hi, c, lb, ub, split(A, cb, [f"b{k}" for k in range(int(cb.max()) + 1)]))


def test_hand_block_lp() -> None:
    # the shared resource a + d ≤ 4 buys 3 per unit as d (4 instead of c's 1) and 1 as a (3 instead of b's 2):
    # d takes what block 2 allows (3), a the remaining 1, b = 4 − 1 = 3; c'x = −3 − 6 − 12 = −21, and one more unit
    # of the resource would go to a instead of b: its price is −1 (≤ row of a minimisation)
    A, lo, hi, c, lb, ub, cb = _hand()
    lp = _split(A, lo, hi, c, lb, ub, cb)
    assert lp.link_rows.tolist() == [2]
    r = solve_split(lp, LocalPricer(lp.blocks), gap=1e-9)
    assert r.status == "optimal"
    assert r.objective == pytest.approx(-21.0, abs=1e-7)
    assert r.bound == pytest.approx(-21.0, abs=1e-7)
    assert r.x == pytest.approx([1.0, 3.0, 0.0, 3.0], abs=1e-7)
    assert r.link_duals == pytest.approx([-1.0], abs=1e-7)
    # block 1's row a + b ≤ 4 is worth b's 2 per unit, block 2's c + d ≤ 3 is worth d's 4 less the resource's 1
    assert r.row_duals == pytest.approx([-2.0, -3.0, -1.0], abs=1e-7)


def test_shared_start_makes_the_first_master_feasible() -> None:
    # x ≤ 8 (block 1), y ≤ 8 (block 2), x + 3y + z ≥ 12 (linking, z a linking column in [1, 5] costing 10):
    # z starts at 1 (its bound nearest 0), leaving 11, shared 1 : 3 by the coefficients: x ≥ 2.75, 3y ≥ 8.25;
    # x = y = 2.75 then meets the row (2.75 + 8.25 + 1 = 12), so phase 1's first master needs no artificial,
    # where the blocks' own optima (x = y = 0) leave 12 − 5 = 7 to the artificial (z at its upper bound 5, free in
    # phase 1). Optimum: z = 1, y = 11/3.
    A = csr_array(np.array([[1, 0, 0], [0, 1, 0], [1, 3, 1]], dtype=float))
    lo, hi = np.array([-np.inf, -np.inf, 12.0]), np.array([8.0, 8.0, np.inf])
    c, lb, ub = np.array([1.0, 1.0, 10.0]), np.array([0.0, 0.0, 1.0]), np.array([np.inf, np.inf, 5.0])
    lp = _split(A, lo, hi, c, lb, ub, np.array([0, 1, LINK]))
    (lo1, hi1), (lo2, hi2) = shares(lp)
    assert lo1.tolist() == pytest.approx([2.75]) and lo2.tolist() == pytest.approx([8.25])
    assert np.isposinf(hi1).all() and np.isposinf(hi2).all()
    with_start = solve_split(lp, LocalPricer(lp.blocks), gap=1e-9)
    without = solve_split(lp, LocalPricer(lp.blocks), gap=1e-9, shared_start=False)
    assert with_start.history[0]["phase"] == 1 and with_start.history[0]["master"] == pytest.approx(0.0, abs=1e-9)
    assert without.history[0]["master"] == pytest.approx(7.0, abs=1e-9)
    for r in (with_start, without):
        assert r.status == "optimal"
        assert r.objective == pytest.approx(10 + 11 / 3, abs=1e-7)
        assert r.x == pytest.approx([0.0, 11 / 3, 1.0], abs=1e-7)


def test_gap_is_relative_for_small_objectives() -> None:
    # a level stage of 0.003 solved to 0.0027 is 10 % off (the old max(1, |upper|) called it 3e-4)
    assert relative_gap(0.003, 0.0027) == pytest.approx(0.1)
    assert relative_gap(-20.0, -20.002) == pytest.approx(0.002 / 20.002)
    assert relative_gap(1.0, -1.0) == pytest.approx(2.0)  # opposite signs: the larger bound in size
    assert relative_gap(0.0, -1e-12) == pytest.approx(1e-6)  # a met level (both near 0): absolute, over 1e-6
    assert relative_gap(1.0, -np.inf) == np.inf


def _random_block_lp(seed: int, blocks: int = 3, per: int = 12, rows: int = 8, links: int = 4):  # type: ignore[no-untyped-def]
    """Block-diagonal rows around a known feasible point x0 (so feasible), bounded boxes, a few linking rows of
    every sense, and one free linking column."""
    rng = np.random.default_rng(seed)
    n = blocks * per + 1
    x0 = rng.uniform(0, 5, n)
    parts = []
    for k in range(blocks):
        B = sparse_random(rows, per, density=0.4, random_state=rng, data_rvs=lambda s: rng.uniform(-2, 3, s)).toarray()
        full = np.zeros((rows, n))
        full[:, k * per : (k + 1) * per] = B
        parts.append(full)
    link = rng.uniform(-1, 2, (links, n)) * (rng.uniform(size=(links, n)) < 0.3)
    link[:, -1] = rng.uniform(0.5, 1.5, links)
    A = np.vstack(parts + [link])
    ax = A @ x0
    lo = np.full(A.shape[0], -np.inf)
    hi = ax + rng.uniform(0, 2, A.shape[0])
    lo[-2] = ax[-2] - 1.0  # a ≥ side and an equality among the linking rows
    hi[-1] = lo[-1] = ax[-1]
    c = rng.uniform(-3, 1, n)
    lb, ub = np.zeros(n), np.full(n, 10.0)
    cb = np.repeat(np.arange(blocks), per)
    cb = np.append(cb, LINK)
    return csr_array(A), lo, hi, c, lb, ub, cb


@pytest.mark.parametrize("seed", range(6))
def test_random_block_lps_match_direct_highs(seed: int) -> None:
    # the direct HiGHS optimum of the whole LP is the second method; x must pass every row of the whole matrix
    A, lo, hi, c, lb, ub, cb = _random_block_lp(seed)
    want = _direct(A, lo, hi, c, lb, ub)
    lp = _split(A, lo, hi, c, lb, ub, cb)
    r = solve_split(lp, LocalPricer(lp.blocks), gap=1e-6)
    assert r.status == "optimal"
    assert r.gap <= 1e-6
    assert r.objective == pytest.approx(want, abs=1e-6 * max(1.0, abs(want)))
    assert r.bound <= want + 1e-7 * max(1.0, abs(want))
    assert float(c @ r.x) == pytest.approx(r.objective, abs=1e-7 * max(1.0, abs(want)))
    assert max_violation(A, lo, hi, lb, ub, r.x) <= 1e-6
    # the prices of every row form a dual solution: its dual objective (each price and reduced cost at the side
    # it binds) equals the optimum within the gap
    assert dual_objective(A, lo, hi, c, lb, ub, r.row_duals, 1e-9) == pytest.approx(
        want, abs=1e-5 * max(1.0, abs(want))
    )


def test_linking_column_copied_into_a_block_keeps_the_optimum() -> None:
    # a random block LP with its free linking column also put into every row of block 0: copied into block 0, the
    # copy tied to it; the optimum (direct HiGHS on the original LP) and the feasibility of x[:n] are unchanged
    from leapplan.plan.blocks import copy_linking_columns

    A, lo, hi, c, lb, ub, cb = _random_block_lp(3)
    dense = A.toarray()
    dense[:8, -1] = 0.5  # block 0's 8 rows
    A = csr_array(dense)
    want = _direct(A, lo, hi, c, lb, ub)
    cp = copy_linking_columns(A, lo, hi, c, lb, ub, cb)
    assert cp.copies == 1
    lp = _split(cp.A, cp.row_lower, cp.row_upper, cp.cost, cp.lower, cp.upper, cp.column_block)
    assert lp.link_rows.size == 4 + 1  # the 4 linking rows and the tie; block 0's rows stay its own
    r = solve_split(lp, LocalPricer(lp.blocks), gap=1e-7)
    assert r.objective == pytest.approx(want, abs=1e-6 * max(1.0, abs(want)))
    assert max_violation(A, lo, hi, lb, ub, r.x[: cp.n]) <= 1e-6


def test_unbounded_block_proposes_a_ray() -> None:
    # block 1 (x, z): x − z ≤ 2, cost −x: unbounded on its own (ray x = z); block 2 (y): y ≤ 3, cost −2y; linking
    # x + y ≤ 5. y is worth more: y = 3, x = 5 − 3 = 2, c'x = −2 − 6 = −8
    A = csr_array(np.array([[1, -1, 0], [0, 0, 1], [1, 0, 1]], dtype=float))
    lo, hi = np.full(3, -np.inf), np.array([2.0, 3.0, 5.0])
    c, lb, ub = np.array([-1.0, 0.0, -2.0]), np.zeros(3), np.full(3, np.inf)
    lp = _split(A, lo, hi, c, lb, ub, np.array([0, 0, 1]))
    pricer = LocalPricer(lp.blocks)
    r = solve_split(lp, pricer, gap=1e-9)
    assert pricer.solvers[0].rays  # the first proposal of block 1 was a ray
    assert r.status == "optimal"
    assert r.objective == pytest.approx(-8.0, abs=1e-7)
    assert r.x[[0, 2]] == pytest.approx([2.0, 3.0], abs=1e-7)
    assert max_violation(A, lo, hi, lb, ub, r.x) <= 1e-9


def test_infeasible_linking_row_is_found_in_phase_1() -> None:
    # x ≤ 4 (block 1), y ≤ 3 (block 2) cannot make x + y ≥ 10: phase 1's bound proves it (least violation 3)
    A = csr_array(np.array([[1, 0], [0, 1], [1, 1]], dtype=float))
    lo, hi = np.array([-np.inf, -np.inf, 10.0]), np.array([4.0, 3.0, np.inf])
    c, lb, ub = np.ones(2), np.zeros(2), np.full(2, np.inf)
    lp = _split(A, lo, hi, c, lb, ub, np.array([0, 1]))
    r = solve_split(lp, LocalPricer(lp.blocks))
    assert r.status == "infeasible"
    assert r.bound == pytest.approx(3.0, abs=1e-7)


@pytest.mark.slow
def test_blocks_on_two_dask_workers_give_the_in_process_answer() -> None:
    # the same LP priced by actors on a LocalCluster of 2 processes: the same iterates, so the same optimum
    from leapplan.plan.dask_blocks import DaskPool

    problem = _random_block_lp(0)
    lp = _split(*problem)
    here = solve_split(lp, LocalPricer(lp.blocks), gap=1e-6)
    with DaskPool(workers=2) as pool:
        assert len(pool.workers) == 2
        there = solve_split(lp, pool.pricer(lp.blocks), gap=1e-6)
    assert there.status == "optimal"
    assert there.objective == pytest.approx(here.objective, abs=1e-9 * max(1.0, abs(here.objective)))
    assert there.iterations == here.iterations
    assert there.x == pytest.approx(here.x, abs=1e-9)
    A, lo, hi, c, lb, ub, _ = problem
    assert max_violation(A, lo, hi, lb, ub, there.x) <= 1e-6


def test_unreachable_scheduler_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from leapplan import dask_client
    from leapplan.errors import DecomposeError
    from leapplan.plan.dask_blocks import DaskPool

    monkeypatch.setattr(dask_client, "CONNECT_TIMEOUT", "1s")  # nothing listens on port 9: do not wait 10 s

    with pytest.raises(DecomposeError, match="cannot reach the dask scheduler"):
        DaskPool(scheduler="tcp://127.0.0.1:9")
