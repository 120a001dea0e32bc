"""The block interior point (``plan/block_ipm.py``) on block-angular LPs against a hand optimum and direct HiGHS."""

from __future__ import annotations

import pytest
from tests.plan.test_decompose import _direct, _hand, _random_block_lp, dual_objective

from leapplan.plan.block_ipm import solve_blocks
from leapplan.plan.blocks import split
from leapplan.plan.decompose import max_violation


def _solve(A, lo, hi, c, lb, ub, cb, pool=None, gap=1e-8):  # type: ignore[no-untyped-def]
    bl = split(A, cb, [f"b{k}" for k in range(int(cb.max()) + 1)])
    return solve_blocks(A, lo, hi, c, lb, ub, bl, pool, gap=gap)


def test_hand_block_lp() -> None:
    # test_decompose's hand LP: min −3a −2b −c −4d, a + b ≤ 4, c + d ≤ 3, a + d ≤ 4 (linking): d = 3, a = 1, b = 3,
    # optimum −21; one more unit of the shared row goes to a instead of b: price −1. The LP's optimum is unique
    # (the interior point converges to it) and so are its prices: the block rows' are −2 (a + b) and −3 (c + d)
    A, lo, hi, c, lb, ub, cb = _hand()
    solved = _solve(A, lo, hi, c, lb, ub, cb)
    r = solved.result
    assert r.status == "optimal"
    assert r.objective == pytest.approx(-21.0, abs=1e-6)
    assert r.bound == pytest.approx(-21.0, abs=1e-6)
    assert r.gap <= 1e-8
    assert r.x == pytest.approx([1.0, 3.0, 0.0, 3.0], abs=1e-6)
    assert r.link_duals == pytest.approx([-1.0], abs=1e-6)
    assert r.row_duals == pytest.approx([-2.0, -3.0, -1.0], abs=1e-6)
    assert len(solved.seconds) == 2


@pytest.mark.parametrize("seed", range(6))
def test_random_block_lps_match_direct_highs(seed: int) -> None:
    # the direct HiGHS optimum of the whole LP is the second method; x must pass every row of the whole matrix
    A, lo, hi, c, lb, ub, cb = _random_block_lp(seed)
    want = _direct(A, lo, hi, c, lb, ub)
    r = _solve(A, lo, hi, c, lb, ub, cb, gap=1e-7).result
    scale = max(1.0, abs(want))
    assert r.status == "optimal"
    assert r.gap <= 1e-7
    assert r.objective == pytest.approx(want, abs=1e-6 * scale)
    assert r.bound == pytest.approx(want, abs=1e-6 * scale)
    assert float(c @ r.x) == pytest.approx(r.objective, abs=1e-9 * scale)
    assert max_violation(A, lo, hi, lb, ub, r.x) <= 1e-6
    # the prices of every row and the reduced costs form a dual solution whose objective is the optimum
    assert dual_objective(A, lo, hi, c, lb, ub, r.row_duals, 1e-7) == pytest.approx(want, abs=1e-5 * scale)


def test_iteration_limit_is_reported() -> None:
    A, lo, hi, c, lb, ub, cb = _random_block_lp(0)
    bl = split(A, cb, ["b0", "b1", "b2"])
    r = solve_blocks(A, lo, hi, c, lb, ub, bl, gap=1e-8, max_iterations=2).result
    assert r.status == "iteration_limit" and r.iterations == 2 and r.gap > 1e-8


@pytest.mark.slow
def test_blocks_on_two_dask_workers_give_the_in_process_answer() -> None:
    # the blocks as actors on a LocalCluster of 2 processes: the same arithmetic, so the same iterates
    from leapplan.plan.dask_blocks import DaskPool

    problem = _random_block_lp(1)
    here = _solve(*problem).result
    with DaskPool(workers=2) as pool:
        there = _solve(*problem, pool=pool).result
    assert there.status == "optimal"
    assert there.iterations == here.iterations
    assert there.objective == pytest.approx(here.objective, abs=1e-12 * max(1.0, abs(here.objective)))
    assert there.x == pytest.approx(here.x, abs=1e-12)


def test_blocks_dealt_largest_first_to_the_least_loaded_worker() -> None:
    from leapplan.plan.dask_blocks import deal

    # largest first: 83 → a, 80 → b (the less loaded), 73 → b (80 < 83), 22 → a (105 < 153)
    assert deal(["a", "b"], [80, 83, 73, 22]) == ["b", "a", "b", "a"]
    # three equal blocks and a small one on two workers: the small one joins the lone large one
    assert deal(["a", "b"], [10, 10, 10, 1]) == ["a", "b", "a", "b"]
    assert deal(["a"], [3, 1]) == ["a", "a"]
