"""Block factor benchmark: one block's share of an interior-point iteration of the decomposed plan (issue 15).

    python benchmarks/block_factor.py                 # 400 counties × 20 products × 5 years, the largest block
    python benchmarks/block_factor.py --counties 2800 # the national synthetic scenario (builds it: minutes, ~3 GB)

Each iteration a block factors G = M Θ M' + δ I (its own rows) and hands the centre B' G⁻¹ B, B = M Θ N' over the
linking rows it touches. The baseline computes it as before 5 December: W = G⁻¹ B by SuperLU (two triangular
solves per column of B), then B' W. From 5 December it used the factor's symmetry: Z = L⁻¹ P B, B' G⁻¹ B = Z' D⁻¹ Z
(one triangular solve per column, with the whole L); ``block_ipm.inverse_form`` now solves each group of columns
on the rows they reach in L's elimination tree (``plan/reach.py``, its groups kept from one factor to the next).
All run on the same block and Θ in this process (G in the block's kept ordering, as ``BlockKKT.factor`` has it;
Θ drawn log-normal, as an interior point's spreads late in a stage); the script prints each one's best of five,
the ratios to the baseline, and how far the results differ.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from scipy.sparse import csc_array, csr_array, diags_array, eye_array
from scipy.sparse.linalg import splu


def largest_block(counties: int) -> tuple[Any, int]:
    """The largest block (by own rows) of the scaled, split first-stage LP of the synthetic scenario, and the number
    of blocks."""
    import linopy

    from leapplan.plan import solve as plan_solve
    from leapplan.plan.block_ipm import BlockKKT, equilibrate
    from leapplan.plan.blocks import copy_linking_columns, label_blocks, partition, split
    from leapplan.plan.decompose import split_lp
    from leapplan.plan.index import build_index
    from leapplan.plan.model import build_model
    from leapplan.scenario.synth import synthesize

    s = synthesize(counties, 20, 5, seed=0)
    with linopy.options as opts:
        opts(semantics="v1")
        pm = build_model(s, build_index(s))
        levels = plan_solve._levels(pm)
        plan_solve._add_levels(pm, levels)
        stages = plan_solve.Stages(pm, {}, levels, False, lambda *_: None)
        pm.model.objective = plan_solve._scalar(pm, *stages.level_objective(list(range(len(levels)))))
        part = partition(s, None, None)
        codes = label_blocks(pm.model, s, part)
        M = pm.model.matrices
        A = M.A.tocsr()
        lower = np.where(M.sense != "<", M.b, -np.inf)
        upper = np.where(M.sense != ">", M.b, np.inf)
        cp = copy_linking_columns(A, lower, upper, M.c, M.lb, M.ub, codes[np.asarray(M.vlabels)])
    bl = split(cp.A, cp.column_block, part.names)
    sc = equilibrate(cp.A, cp.cost)
    R, C = sc.rows, sc.columns
    lp = split_lp(sc.A, cp.row_lower * R, cp.row_upper * R, cp.cost * C / sc.cost_scale, cp.lower / C, cp.upper / C, bl)
    block = max(lp.blocks, key=lambda b: b.A.shape[0])
    return BlockKKT.of_block(block), len(lp.blocks)


def _best(fn: Any, repeat: int = 5) -> tuple[Any, float]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=400)
    args = parser.parse_args()
    from scipy.sparse.linalg import spsolve_triangular

    from leapplan.plan.block_ipm import REGULARISE_DUAL, inverse_form
    from leapplan.plan.reach import ReachSolver

    k, blocks = largest_block(args.counties)
    rng = np.random.default_rng(0)
    theta = np.where(k.fixed, 0.0, rng.lognormal(0.0, 3.0, k.n))
    th = diags_array(theta)
    Mo = k._M_ordered
    G = csc_array(Mo @ th @ Mo.T) + REGULARISE_DUAL * eye_array(Mo.shape[0], format="csc")
    B = csr_array(Mo @ th @ k.N.T)

    def factor() -> Any:
        return splu(G, permc_spec="NATURAL", diag_pivot_thresh=0.0, options={"SymmetricMode": True})

    lu, factor_s = _best(factor)
    Bd = B.toarray()
    d = lu.U.diagonal()

    def whole_l() -> Any:  # 5 December's inverse_form, as it was (the factor is not pivoted: P B = B)
        Z = spsolve_triangular(csr_array(lu.L), B.toarray(), lower=True, unit_diagonal=True, overwrite_b=True)
        Y = Z / np.sqrt(d)[:, None]
        return Y.T @ Y

    before, before_s = _best(lambda: Bd.T @ lu.solve(Bd))
    whole, whole_s = _best(whole_l)
    solver = ReachSolver()
    t0 = time.perf_counter()
    inverse_form(lu, B, solver)
    first_s = time.perf_counter() - t0
    after, after_s = _best(lambda: inverse_form(lu, B, solver))
    scale = float(np.abs(before).max())
    print(
        f"{args.counties} counties, largest of {blocks} blocks: {k.M.shape[0]:,} rows, {k.M.shape[1]:,} columns, "
        f"{k.touched.size} linking rows touched; factor of G {factor_s:.3f} s (L and U {lu.L.nnz + lu.U.nnz:,} entries)"
    )
    print(f"  B' G⁻¹ B by G⁻¹ B (baseline): {before_s:.3f} s")
    print(
        f"  B' G⁻¹ B by Z' D⁻¹ Z, the whole L: {whole_s:.3f} s, {whole_s / before_s:.2f} × the baseline; "
        f"largest difference {np.abs(whole - before).max() / scale:.1e} of the largest entry"
    )
    print(
        f"  B' G⁻¹ B by Z' D⁻¹ Z grouped by reach (inverse_form): {after_s:.3f} s, {after_s / before_s:.2f} × the "
        f"baseline, {after_s / whole_s:.2f} × the whole L's; its first call, finding the groups, {first_s:.3f} s; "
        f"largest difference {np.abs(after - before).max() / scale:.1e} of the largest entry"
    )


if __name__ == "__main__":
    main()
