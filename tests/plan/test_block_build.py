"""The plan LP built in parts (``block_build.py``) against the whole model split by ``blocks.py``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import linopy
import numpy as np
import pytest
from scipy.sparse import csr_array

from leapplan.plan.block_build import build_part, built_blocks, census
from leapplan.plan.blocks import Partition, copy_linking_columns, label_blocks, partition, split
from leapplan.plan.index import PlanIndex, build_index
from leapplan.plan.model import build_model
from leapplan.scenario.model import Scenario
from leapplan.scenario.synth import synthesize


@dataclass(frozen=True)
class Whole:
    """A 25-county scenario on 4 blocks and its whole model's matrix."""

    s: Scenario
    ix: PlanIndex
    part: Partition
    codes: np.ndarray
    """Block of each variable label (``label_blocks``)."""
    A: csr_array
    vlabels: np.ndarray
    clabels: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    M: Any


@pytest.fixture(scope="module")
def whole() -> Iterator[Whole]:
    with linopy.options as opts:
        opts(semantics="v1")
        s = synthesize(counties=25, products=6, years=3, seed=3)
        ix = build_index(s)
        model = build_model(s, ix).model
        part = partition(s, 4)
        M = model.matrices
        vlabels = np.asarray(M.vlabels)
        yield Whole(
            s,
            ix,
            part,
            label_blocks(model, s, part),
            csr_array(M.A.tocsr()),
            vlabels,
            np.asarray(M.clabels),
            np.where(M.sense != "<", M.b, -np.inf),
            np.where(M.sense != ">", M.b, np.inf),
            M,
        )


def test_the_parts_hold_the_rows_the_whole_model_splits_into(whole: Whole) -> None:
    # the second method: build the whole model, split its matrix (copies of linking columns as the decomposed runner
    # makes them); the parts, built from the scenario alone, must hold exactly those rows with those entries
    s, ix, part, A, vlabels, clabels, M = whole.s, whole.ix, whole.part, whole.A, whole.vlabels, whole.clabels, whole.M
    cp = copy_linking_columns(A, whole.lower, whole.upper, M.c, M.lb, M.ub, whole.codes[vlabels])
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
        (got,) = built_blocks(build_part(s, ix, part, copied, [k]), whole.codes, [k])
        rows = bl.rows(k)
        cols = bl.columns(k)
        own, copies = cols[cols < cp.n], cols[cols >= cp.n]
        assert np.array_equal(got.row_labels, clabels[rows])
        assert np.array_equal(got.columns, vlabels[own])
        assert np.array_equal(got.copies, vlabels[[copy_of[int(c)] for c in copies]])
        assert abs(got.A - csr_array(cp.A[rows][:, cols])).max() == 0
        assert np.array_equal(got.row_lower, cp.row_lower[rows])
        assert np.array_equal(got.row_upper, cp.row_upper[rows])


def test_the_census_counts_each_blocks_entries_as_the_whole_matrix_has_them(whole: Whole) -> None:
    # a second count, row by row in Python on the whole model's matrix: an entry is block k's when its column is k's,
    # or when its column links and every block column of its row is k's
    A, cb = whole.A, whole.codes[whole.vlabels]
    want = [0] * len(whole.part.names)
    for i in range(A.shape[0]):
        cols = A.indices[A.indptr[i] : A.indptr[i + 1]]
        blocks = {int(b) for b in cb[cols] if b >= 0}
        for b in cb[cols]:
            if b >= 0:
                want[int(b)] += 1
            elif len(blocks) == 1:
                want[next(iter(blocks))] += 1
    assert census(whole.s, whole.ix, whole.part).sizes == want
    assert min(want) > 0
