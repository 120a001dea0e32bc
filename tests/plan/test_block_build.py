"""The plan LP built in parts (``block_build.py``) against the whole model split by ``blocks.py``."""

from __future__ import annotations

import linopy
import numpy as np
import pytest
from scipy.sparse import csr_array

from leapplan.plan.block_build import build_part, built_blocks, census
from leapplan.plan.blocks import copy_linking_columns, label_blocks, partition, split
from leapplan.plan.index import build_index
from leapplan.plan.model import build_model
from leapplan.scenario.synth import synthesize


@pytest.fixture(scope="module")
def v1() -> object:
    with linopy.options as opts:
        opts(semantics="v1")
        yield


def test_the_parts_hold_the_rows_the_whole_model_splits_into(v1: object) -> None:
    # the second method: build the whole model, split its matrix (copies of linking columns as the decomposed runner
    # makes them); the parts, built from the scenario alone, must hold exactly those rows with those entries
    s = synthesize(counties=25, products=6, years=3, seed=3)
    ix = build_index(s)
    whole = build_model(s, ix)
    part = partition(s, 4)
    codes = label_blocks(whole.model, s, part)
    M = whole.model.matrices
    A = csr_array(M.A.tocsr())
    vlabels, clabels = np.asarray(M.vlabels), np.asarray(M.clabels)
    lower = np.where(M.sense != "<", M.b, -np.inf)
    upper = np.where(M.sense != ">", M.b, np.inf)
    cp = copy_linking_columns(A, lower, upper, M.c, M.lb, M.ub, codes[vlabels])
    bl = split(cp.A, cp.column_block, part.names)
    assert cp.copies > 0 and len(part.names) > 1  # the case is a real one: copies, several blocks

    counted = census(s, ix, part)
    copied = counted.copied
    # the centre: the linking rows that are rows of the model (the others are the copies' ties)
    centre = build_part(s, ix, part, copied)
    Mc = centre.model.matrices
    link = bl.linking_rows[bl.linking_rows < cp.m]
    assert np.array_equal(np.asarray(Mc.clabels), clabels[link])
    assert np.array_equal(np.asarray(Mc.vlabels), vlabels)
    assert abs(csr_array(Mc.A.tocsr()) - A[link]).max() == 0

    # each block built alone: its own rows, over its own columns and then its copies
    tie = cp.A[cp.m :]  # copy − column = 0: the copy's column n + i, the column's position
    copy_of = {int(c): int(tie[[i]].indices.min()) for i, c in enumerate(range(cp.n, cp.n + cp.copies))}
    for k in range(len(part.names)):
        (got,) = built_blocks(build_part(s, ix, part, copied, [k]), codes, [k])
        rows = bl.rows(k)
        cols = bl.columns(k)
        own, copies = cols[cols < cp.n], cols[cols >= cp.n]
        assert np.array_equal(got.row_labels, clabels[rows])
        assert np.array_equal(got.columns, vlabels[own])
        assert np.array_equal(got.copies, vlabels[[copy_of[int(c)] for c in copies]])
        assert abs(got.A - csr_array(cp.A[rows][:, cols])).max() == 0
        assert np.array_equal(got.row_lower, cp.row_lower[rows])
        assert np.array_equal(got.row_upper, cp.row_upper[rows])


def test_the_census_counts_each_blocks_entries_as_the_whole_matrix_has_them(v1: object) -> None:
    # a second count, row by row in Python on the whole model's matrix: an entry is block k's when its column is k's,
    # or when its column links and every block column of its row is k's
    s = synthesize(counties=25, products=6, years=3, seed=3)
    ix = build_index(s)
    whole = build_model(s, ix)
    part = partition(s, 4)
    codes = label_blocks(whole.model, s, part)
    M = whole.model.matrices
    A = csr_array(M.A.tocsr())
    cb = codes[np.asarray(M.vlabels)]
    want = [0] * len(part.names)
    for i in range(A.shape[0]):
        cols = A.indices[A.indptr[i] : A.indptr[i + 1]]
        blocks = {int(b) for b in cb[cols] if b >= 0}
        for b in cb[cols]:
            if b >= 0:
                want[int(b)] += 1
            elif len(blocks) == 1:
                want[next(iter(blocks))] += 1
    assert census(s, ix, part).sizes == want
    assert min(want) > 0
