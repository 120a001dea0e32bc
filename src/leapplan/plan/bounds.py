"""A lower bound on a level's least shortfall from a small relaxation of the stage's LP.

Any subset of an LP's rows, with the columns they touch at their bounds, is a relaxation: its minimum of a level is
at most the level's minimum in the whole LP. The subset taken here is the level's neighbourhood: the rows that hold
its column (its definition), the rows that hold their columns (the targets' rows), and the rows that hold theirs
(the output the targets count, with its capacity, the past's output as it happened in a re-plan, its balances).
When a solution of the whole LP already reaches that bound, the level is at its least: ``solve.py`` then holds it
without a stage of its own. In a re-plan on audited figures, a target whose year has passed is settled by what
happened (its counted output at most what was made), and the first stage often reaches its bound already; reported
figures that do not fit the books leave it out of reach.
"""

from __future__ import annotations

import logging
from typing import Any

import highspy
import numpy as np
from scipy.sparse import csc_array, csr_array

log = logging.getLogger(__name__)

HOPS = 3
"""Rounds of rows taken around the level's column: its definition, the targets' rows, the rows of what they count."""


def neighbourhood(
    A: csc_array, start: int, hops: int = HOPS, R: csr_array | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of ``A`` reached from column ``start`` in ``hops`` rounds of rows (each round: every row
    holding a column reached so far, then every column those rows hold); ``R``: ``A`` by rows, if at hand."""
    R = csr_array(A) if R is None else R
    cols = np.array([start])
    seen_rows = np.zeros(A.shape[0], dtype=bool)
    seen_cols = np.zeros(A.shape[1], dtype=bool)
    seen_cols[start] = True
    for _ in range(hops):
        rows = np.unique(A[:, cols].indices) if cols.size else np.zeros(0, dtype=np.int64)
        rows = rows[~seen_rows[rows]]
        if not rows.size:
            break
        seen_rows[rows] = True
        cols = np.unique(R[rows].indices)
        cols = cols[~seen_cols[cols]]
        seen_cols[cols] = True
    return np.flatnonzero(seen_rows), np.flatnonzero(seen_cols)


def relaxed_minima(h: Any, columns: list[int], hops: int = HOPS) -> np.ndarray:
    """The least value of each of ``columns`` of the LP in the HiGHS model ``h`` subject to the rows of its
    neighbourhood only (``neighbourhood``) [the column's unit, unscaled]; −inf where that LP is not solved. The
    LP is read from ``h`` once for all of them."""
    lp = h.getLp()
    a = lp.a_matrix_
    A = csc_array((np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_)), shape=(lp.num_row_, lp.num_col_))
    R = csr_array(A)
    bounds = [np.asarray(v) for v in (lp.col_lower_, lp.col_upper_, lp.row_lower_, lp.row_upper_)]
    return np.array([_least(A, R, bounds, column, hops) for column in columns], dtype=float)


def _least(A: csc_array, R: csr_array, bounds: list[np.ndarray], column: int, hops: int) -> float:
    col_lower, col_upper, row_lower, row_upper = bounds
    rows, cols = neighbourhood(A, column, hops, R)
    sub = csc_array(A[rows][:, cols])
    small = highspy.HighsLp()
    small.num_col_, small.num_row_ = int(cols.size), int(rows.size)
    cost = np.zeros(cols.size)
    cost[np.searchsorted(cols, column)] = 1.0
    small.col_cost_ = cost
    small.col_lower_ = col_lower[cols]
    small.col_upper_ = col_upper[cols]
    small.row_lower_ = row_lower[rows]
    small.row_upper_ = row_upper[rows]
    small.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    small.a_matrix_.start_ = sub.indptr
    small.a_matrix_.index_ = sub.indices
    small.a_matrix_.value_ = sub.data
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.passModel(small)
    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        log.info("relaxation of column %d: %s", column, solver.modelStatusToString(solver.getModelStatus()))
        return -np.inf
    return float(solver.getInfo().objective_function_value)
