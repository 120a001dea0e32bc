"""The block interior point (``plan/block_ipm.py``) on block-angular LPs against a hand optimum and direct HiGHS."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import csr_array
from scipy.sparse.linalg import splu
from tests.plan.test_decompose import _direct, _hand, _random_block_lp, dual_objective

from leapplan.plan.block_ipm import (
    CENTRALITY_CORRECTORS,
    REGULARISE_DUAL,
    BlockKKT,
    _Centre,
    closed,
    closing_gap,
    inverse_form,
    solve_blocks,
    sparse_schur,
    starts,
)
from leapplan.plan.blocks import split
from leapplan.plan.decompose import max_violation, split_lp


def _solve(A, lo, hi, c, lb, ub, cb, pool=None, gap=1e-8, sparse=None):  # type: ignore[no-untyped-def]
    bl = split(A, cb, [f"b{k}" for k in range(int(cb.max()) + 1)])
    return solve_blocks(A, lo, hi, c, lb, ub, bl, pool, gap=gap, sparse=sparse)


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


def test_a_stage_starts_from_the_last_stages_solution() -> None:
    # the hand LP's optimum a, b, c, d = 1, 3, 0, 3 as each part's z = [x; slacks of its inequality rows]: block 1
    # (a, b; a + b = 4), block 2 (c, d; c + d = 3), the master (no columns; the linking row a + d = 4)
    A, lo, hi, c, lb, ub, cb = _hand()
    first = _solve(A, lo, hi, c, lb, ub, cb).result
    lp = split_lp(A, lo, hi, c, lb, ub, split(A, cb, ["b0", "b1"]))
    z = starts(lp, A, first.x)
    assert [p.size for p in z if p is not None] == [1, 3, 3]
    assert np.concatenate([p for p in z if p is not None]) == pytest.approx([4, 1, 3, 4, 0, 3, 3], abs=1e-6)
    # the next stage: min −a −3b −c −4d on the same rows; b is worth more than a in a + b ≤ 4 and d more than c in
    # c + d ≤ 3, so b = 4, d = 3, a = c = 0 (a + d = 3 ≤ 4): −24, by hand and by HiGHS on the whole LP
    c2 = np.array([-1.0, -3.0, -1.0, -4.0])
    assert _direct(A, lo, hi, c2, lb, ub) == pytest.approx(-24.0)
    bl = split(A, cb, ["b0", "b1"])
    r = solve_blocks(A, lo, hi, c2, lb, ub, bl, gap=1e-8, start=first.x).result
    assert r.status == "optimal" and r.objective == pytest.approx(-24.0, abs=1e-6)
    assert r.x == pytest.approx([0.0, 4.0, 0.0, 3.0], abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_random_block_lps_started_from_another_costs_solution_match_direct_highs(seed: int) -> None:
    A, lo, hi, c, lb, ub, cb = _random_block_lp(seed)
    first = _solve(A, lo, hi, c, lb, ub, cb, gap=1e-7).result
    c2 = c * np.random.default_rng(seed).uniform(0.5, 1.5, c.size)
    want = _direct(A, lo, hi, c2, lb, ub)
    bl = split(A, cb, [f"b{k}" for k in range(int(cb.max()) + 1)])
    r = solve_blocks(A, lo, hi, c2, lb, ub, bl, gap=1e-7, start=first.x).result
    assert r.status == "optimal"
    assert r.objective == pytest.approx(want, abs=1e-6 * max(1.0, abs(want)))
    assert max_violation(A, lo, hi, lb, ub, r.x) <= 1e-6


@pytest.mark.parametrize(("seed", "sparse"), [(s, None) for s in range(6)] + [(s, True) for s in range(3)])
def test_random_block_lps_match_direct_highs(seed: int, sparse: bool | None) -> None:
    # the direct HiGHS optimum of the whole LP is the second method; x must pass every row of the whole matrix;
    # sparse: the linking rows' Schur complement held sparse (SuperLU) instead of dense (these LPs' are dense)
    A, lo, hi, c, lb, ub, cb = _random_block_lp(seed)
    want = _direct(A, lo, hi, c, lb, ub)
    r = _solve(A, lo, hi, c, lb, ub, cb, gap=1e-7, sparse=sparse).result
    scale = max(1.0, abs(want))
    assert r.status == "optimal"
    assert r.gap <= 1e-7
    assert r.objective == pytest.approx(want, abs=1e-6 * scale)
    assert r.bound == pytest.approx(want, abs=1e-6 * scale)
    assert float(c @ r.x) == pytest.approx(r.objective, abs=1e-9 * scale)
    assert max_violation(A, lo, hi, lb, ub, r.x) <= 1e-6
    # the prices of every row and the reduced costs form a dual solution whose objective is the optimum
    assert dual_objective(A, lo, hi, c, lb, ub, r.row_duals, 1e-7) == pytest.approx(want, abs=1e-5 * scale)


def test_schur_complement_sparse_and_dense_solve_alike() -> None:
    # S = δ I + the pieces placed over their touched rows, assembled by hand here and solved by numpy: both of the
    # centre's factors must give its solution; the fill rule: 3 blocks touching 2 of 20 rows each fill
    # 3·4 + 20 = 32 < 0.1·400 entries (sparse), touching 10 of 20 rows 3·100 + 20 = 320 (dense)
    rng = np.random.default_rng(3)
    m = 20
    touched = [np.arange(m), np.array([0, 5]), np.array([5, 11]), np.array([2, 19])]
    pieces: list[object] = [csr_array(np.diag(rng.uniform(1.0, 2.0, m)))]
    S = np.diag(pieces[0].diagonal()) + REGULARISE_DUAL * np.eye(m)  # type: ignore[attr-defined]
    for t in touched[1:]:
        a = rng.normal(size=(2, 2))
        pieces.append(a @ a.T)
        S[np.ix_(t, t)] += a @ a.T
    q = rng.normal(size=m)
    want = np.linalg.solve(S, q)
    for sparse in (False, True):
        got = _Centre(np.zeros(m), touched, sparse).assemble(pieces).solve(q)
        assert got == pytest.approx(want, rel=1e-10, abs=1e-12)
    assert sparse_schur(touched, m)
    assert not sparse_schur([np.arange(m)] + [np.arange(10)] * 3, m)


def test_sparse_schur_complement_kept_pattern_and_ordering() -> None:
    # the sparse S is built on the pattern and in the ordering of its first factor from then on: three iterations'
    # pieces (the same touched rows, new values; a sparse piece gaining an entry outside the pattern in the third,
    # a dense piece not symmetric, so that a transposed placement would show) each solved as numpy solves S
    rng = np.random.default_rng(5)
    m = 40
    touched = [np.arange(m), np.array([0, 7, 33]), np.array([7, 12, 20, 39]), np.array([2, 33])]
    centre = _Centre(np.zeros(m), touched, True)
    for it in range(4):
        master = np.diag(rng.uniform(5.0, 6.0, m))
        master[3, 4] = master[4, 3] = 0.5
        if it >= 2:
            master[10, 30] = master[30, 10] = 0.7
        pieces: list[object] = [csr_array(master)]
        S = master + REGULARISE_DUAL * np.eye(m)
        for t in touched[1:]:
            a = rng.normal(size=(t.size, t.size))
            pieces.append(a)
            S[np.ix_(t, t)] += a
        q = rng.normal(size=m)
        got = centre.assemble(pieces).solve(q)
        assert got == pytest.approx(np.linalg.solve(S, q), rel=1e-9, abs=1e-12)
        assert centre.order is not None  # found by the first factor, kept (found again when the pattern grew)
    # the diagonal, the master's 4 entries off it, and the blocks' 6 + 12 + 2 (no pair of rows in two blocks)
    assert centre.pattern is not None and centre.pattern.keys.size == m + 4 + 6 + 12 + 2


def test_sparse_schur_complement_ordered_again_when_its_pattern_grows() -> None:
    # the master's piece is a chain over rows 1 … m − 1 at first, row 0 alone (its entries cancelled, as with Θ = 1
    # at the start), so a minimum-degree ordering eliminates row 0 first; then row and column 0 fill (an arrowhead):
    # factored in the first ordering, S's factor would fill completely (about m²/2 entries in L); ordered again,
    # row 0 goes last and L keeps about the chain's and the arrow's 3m
    m = 60
    centre = _Centre(np.zeros(m), [np.arange(m), np.array([5, 6])], True)
    block = np.array([[1.0, 0.2], [0.2, 1.0]])
    for it in range(3):
        master = np.diag(np.full(m, 4.0 * m))
        master[np.arange(1, m - 1), np.arange(2, m)] = master[np.arange(2, m), np.arange(1, m - 1)] = 1.0
        if it > 0:
            master[0, 1:] = master[1:, 0] = 1.0
        S = master + REGULARISE_DUAL * np.eye(m)
        S[np.ix_([5, 6], [5, 6])] += block
        q = np.arange(1.0, m + 1)
        factor = centre.assemble([csr_array(master), block])
        assert factor.solve(q) == pytest.approx(np.linalg.solve(S, q), rel=1e-10)
        lu = getattr(factor, "lu", factor)
        assert lu.L.nnz <= 3 * m


def test_inverse_form_from_the_symmetric_factor_is_numpys() -> None:
    # B' G⁻¹ B for G = M Θ M' + δ I (a block's normal equations, symmetric positive definite) from SuperLU's factor
    # without interchanges (Z' D⁻¹ Z) and, for a factor with row interchanges, from G⁻¹ B: both against numpy's dense
    # solve of the same matrices
    rng = np.random.default_rng(11)
    M = rng.normal(size=(30, 50)) * (rng.uniform(size=(30, 50)) < 0.15)
    G = M @ np.diag(rng.lognormal(0.0, 2.0, 50)) @ M.T + REGULARISE_DUAL * np.eye(30)
    B = csr_array(rng.normal(size=(30, 7)) * (rng.uniform(size=(30, 7)) < 0.3))
    want = B.toarray().T @ np.linalg.solve(G, B.toarray())
    symmetric = splu(
        csr_array(G).tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True}
    )
    assert np.array_equal(symmetric.perm_r, symmetric.perm_c)
    pivoted = splu(csr_array(G).tocsc(), permc_spec="COLAMD", diag_pivot_thresh=1.0)
    assert not np.array_equal(pivoted.perm_r, pivoted.perm_c)
    for lu in (symmetric, pivoted):
        assert inverse_form(lu, B) == pytest.approx(want, rel=1e-8, abs=1e-10 * np.abs(want).max())
    assert inverse_form(symmetric, csr_array((30, 0))).shape == (0, 0)
    # symmetric but indefinite (a pivot of D below 0): Z' D⁻¹ Z without the square root
    H = G - 2.0 * np.median(np.diag(G)) * np.eye(30)
    lu = splu(csr_array(H).tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    assert (lu.U.diagonal() < 0).any()
    want = B.toarray().T @ np.linalg.solve(H, B.toarray())
    assert inverse_form(lu, B) == pytest.approx(want, rel=1e-8, abs=1e-10 * np.abs(want).max())


def test_a_blocks_factor_keeps_one_ordering_and_solves_as_numpy() -> None:
    # G = M Θ M' + δ I is factored in an ordering found once, on M's pattern: at the start's unit Θ and at a Θ spread
    # over many decades, its solves and the block's piece N Θ N' − B' G⁻¹ B (B = M Θ N') are numpy's dense ones
    A, lo, hi, c, lb, ub, cb = _random_block_lp(1)
    lp = split_lp(A, lo, hi, c, lb, ub, split(A, cb, ["b0", "b1", "b2"]))
    k = BlockKKT.of_block(lp.blocks[0])
    rng = np.random.default_rng(5)
    k.factor(True)
    order = k._order
    assert order is not None and sorted(order) == list(range(k.M.shape[0]))
    k.zl = np.where(k.hl, rng.lognormal(0, 4, k.n), 0.0)
    k.zu = np.where(k.hu, rng.lognormal(0, 4, k.n), 0.0)
    piece = k.factor()
    assert k._order is order
    M, N, th = k.M.toarray(), k.N.toarray(), np.diag(k.theta)
    G = M @ th @ M.T + REGULARISE_DUAL * np.eye(M.shape[0])
    B = M @ th @ N.T
    v = rng.standard_normal(G.shape[0])
    assert k._solve(v) == pytest.approx(np.linalg.solve(G, v), rel=1e-8, abs=1e-10)
    want = N @ th @ N.T - B.T @ np.linalg.solve(G, B)
    assert piece == pytest.approx(want, rel=1e-8, abs=1e-10 * np.abs(want).max())


def test_iteration_limit_is_reported() -> None:
    A, lo, hi, c, lb, ub, cb = _random_block_lp(0)
    bl = split(A, cb, ["b0", "b1", "b2"])
    r = solve_blocks(A, lo, hi, c, lb, ub, bl, gap=1e-8, max_iterations=2).result
    assert r.status == "iteration_limit" and r.iterations == 2 and r.gap > 1e-8
    # iterations 0 and 1 stepped, 2 stopped: the split of each step's time fits between its iteration and the next
    h = r.history
    assert [x["iteration"] for x in h] == [0, 1, 2] and "factor_s" not in h[2]
    for now, after in zip(h[:2], h[1:], strict=True):
        parts = now["factor_s"] + now["predictor_corrector_s"] + now["centrality_s"]
        assert 0 < parts <= after["seconds"] - now["seconds"]
        assert 0 <= now["correctors"] <= CENTRALITY_CORRECTORS


@pytest.mark.slow
def test_blocks_on_two_dask_workers_give_the_in_process_answer() -> None:
    # the blocks as actors on a LocalCluster of 2 processes: the same arithmetic, so the same iterates
    from leapplan.plan.dask_blocks import DaskPool

    problem = _random_block_lp(1)
    here = _solve(*problem).result
    with DaskPool(workers=2) as pool:
        there = _solve(*problem, pool=pool).result
        # the stage's actors are gone from the workers once it returns: a next stage's are not built beside them
        held = pool.client.run(lambda dask_worker: len(dask_worker.state.actors))
    assert list(held.values()) == [0, 0]
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


def test_a_stage_is_closed_only_when_slack_times_dual_is_small_too() -> None:
    # the 100-county first stage at iteration 72 with the stall rule tried in objective units: p − d = −1.07e-8, a
    # relative gap of 3.8e-6, while Σ slack × dual was 1.35e-6, 4.8e-4 of the objective (the proximal and residual
    # terms cancelled it), and the plan lay 2e-4 above the optimum
    p, d = 0.002823125809, 0.002823136467
    assert not closed(p, d, 1.35e-6, 0.0, 1e-4)
    # the same objectives with Σ slack × dual under 1e-4 × 0.0028231 = 2.82e-7: closed
    assert closed(p, d, 2.0e-8, 0.0, 1e-4)
    # no Σ slack × dual closes a relative gap of 1e-3 when 1e-4 is asked
    assert not closed(0.0100, 0.00999, 1e-12, 0.0, 1e-4)


def test_the_residuals_error_widens_the_gap() -> None:
    # |p − d| = 1.0658e-8 on p = 0.002823136467: with an error of 2.5e-7 the gap is 2.6066e-7 / 0.0028231 = 9.23e-5,
    # closed at 1e-4; with 3e-7 it is 1.1e-4, open
    p, d = 0.002823125809, 0.002823136467
    assert closing_gap(p, d, 2.5e-7) == pytest.approx(9.233e-5, rel=1e-3)
    assert closed(p, d, 2.0e-8, 2.5e-7, 1e-4)
    assert not closed(p, d, 2.0e-8, 3.0e-7, 1e-4)
    # in unscaled units: the costs divided by 1,000 in the LP, so the objectives and the error are 1,000 × larger
    assert closing_gap(p, d, 2.5e-7, cost_scale=1000.0) == pytest.approx(9.233e-5, rel=1e-3)


def test_the_gap_reported_covers_the_distance_to_highs_optimum() -> None:
    # random block LPs solved to a loose gap: the plan's objective lies within the gap reported of HiGHS's optimum,
    # the reported gap within the one asked, and the bound no higher than the optimum (to HiGHS's own accuracy)
    for seed in range(4):
        A, lo, hi, c, lb, ub, cb = _random_block_lp(seed)
        best = _direct(A, lo, hi, c, lb, ub)
        r = _solve(A, lo, hi, c, lb, ub, cb, gap=1e-2).result
        assert r.status == "optimal" and r.gap <= 1e-2
        assert abs(r.objective - best) <= r.gap * abs(best)
        assert r.bound <= best + 1e-9 * abs(best)


def test_a_parts_error_bounds_what_the_residuals_add_to_the_gap() -> None:
    # min x1 + 2 x2 + 3 x3, x1 + x2 = 4, x2 + 2 x3 = 6, 0 ≤ x1 ≤ 10, 0 ≤ x2, 0 ≤ x3 ≤ 5, at the iterate x = (1, 2, 1),
    # y = (0.5, 1), z_l = (0.2, 0.3, 0.1), z_u = (0.05, 0, 0.4), by hand: r_p = (1, 2), A'y = (0.5, 1.5, 2),
    # r_d = c − A'y − z_l + z_u = (0.35, 0.2, 1.3); p = 8, d = r'y − u'z_u = 8 − 2.5 = 5.5, Σ slack × dual = 2.95,
    # error = Σ |r_d| x + Σ |y| |r_p| = 2.05 + 2.5 = 4.55; p − d = Σ slack × dual − y'r_p + r_d'x = 2.95 − 2.5 + 2.05
    A = csr_array(np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 2.0]]))
    rhs = np.array([4.0, 6.0])
    part = BlockKKT(
        A, rhs, rhs, csr_array((0, 3)), np.array([1.0, 2.0, 3.0]), np.zeros(3), np.array([10.0, np.inf, 5.0])
    )
    part.x = np.array([1.0, 2.0, 1.0])
    part.y = np.array([0.5, 1.0])
    part.zl = np.array([0.2, 0.3, 0.1])
    part.zu = np.array([0.05, 0.0, 0.4])
    st = part.stats(np.zeros(0))
    assert (st.pobj, st.dobj, st.comp) == pytest.approx((8.0, 5.5, 2.95))
    assert st.error == pytest.approx(4.55)
    assert abs(st.pobj - st.dobj - st.comp) <= st.error
