"""Blocks of the plan LP (``plan/blocks.py``): which rows link blocks, worked out by hand on a three-county map."""

from __future__ import annotations

import linopy
import numpy as np
import pytest
from tests.plan.scenarios import build, two_prefectures_raw

from leapplan.errors import DecomposeError
from leapplan.plan.blocks import LINK, Blocks, model_blocks, partition, split
from leapplan.plan.index import build_index
from leapplan.plan.model import PlanModel, build_model


@pytest.fixture(scope="module")
def built() -> tuple[PlanModel, Blocks]:
    s = build(two_prefectures_raw())
    with linopy.options as opts:
        opts(semantics="v1")
        pm = build_model(s, build_index(s))
    return pm, model_blocks(pm.model, s)


def _row(pm: PlanModel, bl: Blocks, family: str, **at: str) -> int:
    label = int(pm.model.constraints[family].labels.sel(**at).item())
    return int(bl.row_block[int(np.flatnonzero(np.asarray(pm.model.matrices.clabels) == label)[0])])


def _col(pm: PlanModel, bl: Blocks, name: str, **at: str) -> int:
    label = int(pm.model.variables[name].labels.sel(**at).item())
    return int(bl.column_block[int(np.flatnonzero(np.asarray(pm.model.matrices.vlabels) == label)[0])])


def test_blocks_are_the_prefectures(built: tuple[PlanModel, Blocks]) -> None:
    _, bl = built
    assert bl.names == ["east", "west"]


def test_shipment_between_blocks_links_and_inside_one_does_not(built: tuple[PlanModel, Blocks]) -> None:
    pm, bl = built
    east, west = 0, 1
    # road ab carries s[ab>a] (from A, east) and s[ab>b] (from B, west): its corridor row spans both blocks
    assert _row(pm, bl, "corridor", period="1958", link="ab") == LINK
    # road ac carries s[ac>a] and s[ac>c], both east: the row is east's
    assert _row(pm, bl, "corridor", period="1958", link="ac") == east
    # A's coal balance takes in s[ab>b/coal] (west's column): it links; C's coal balance sees only road ac: east
    assert _row(pm, bl, "balance", period="1958", node="a/coal") == LINK
    assert _row(pm, bl, "balance", period="1958", node="c/coal") == east
    # B's works: its capacity row has only B's columns
    assert _row(pm, bl, "capacity", period="1958", unit="b/works/county") == west
    # the province's budget is spent in both prefectures and the iron target counts output anywhere
    assert _row(pm, bl, "funds", period="1958", fund_class="F0") == LINK
    assert _row(pm, bl, "target", target="iron_1958") == LINK


def test_columns_by_the_region_they_name(built: tuple[PlanModel, Blocks]) -> None:
    pm, bl = built
    assert _col(pm, bl, "s", period="1958", flow="ab>b/coal") == 1  # shipped from B
    assert _col(pm, bl, "x", period="1958", unit="a/mine/county") == 0
    assert _col(pm, bl, "short", target="iron_1958") == LINK  # names no region: the master's
    assert _col(pm, bl, "lift", period="1958") == LINK


def test_balanced_blocks_in_tree_order() -> None:
    # tree order prov, east, a, c, west, b with weight 1 each: region i goes to block ⌊2 (i + ½) / 6⌋ = 0,0,0,1,1,1
    part = partition(build(two_prefectures_raw()), 2)
    assert part.of_region == {"prov": 0, "east": 0, "a": 0, "c": 1, "west": 1, "b": 1}
    # with C weighing 10 of 15: mid-weights 0.5, 1.5, 2.5, 8, 13.5, 14.5 over 15 × 2 → blocks 0, 0, 0, 1, 1, 1
    heavy = partition(build(two_prefectures_raw()), 2, {"c": 10.0})
    assert heavy.of_region["c"] == 1 and heavy.of_region["a"] == 0
    with pytest.raises(DecomposeError, match="at least 1"):
        partition(build(two_prefectures_raw()), 0)


def test_split_of_a_hand_matrix() -> None:
    # columns 0,1 in block 0, column 2 in block 1, column 3 linking; row 0 uses 0,1; row 1 uses 1,2; row 2 uses 2,3;
    # row 3 uses 2 only
    A = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1], [0, 0, 2, 0]], dtype=float)
    from scipy.sparse import csr_array

    bl = split(csr_array(A), np.array([0, 0, 1, LINK]), ["x", "y"])
    assert bl.row_block.tolist() == [0, LINK, LINK, 1]
    assert bl.linking_columns.tolist() == [3]


def test_linking_column_used_by_many_rows_of_one_block_is_copied_there() -> None:
    # column 2 (linking) is in rows 0 and 1, whose other columns (0, 1) are block 0's: copied into block 0 (column 3,
    # tied by row 3: x3 − x2 = 0), rows 0 and 1 then use the copy and belong to block 0. Row 2 uses column 2 once
    # beside block 1's column 4: not worth a copy, it still links.
    from scipy.sparse import csr_array

    from leapplan.plan.blocks import copy_linking_columns

    A = csr_array(np.array([[1, 0, 2, 0], [0, 1, 3, 0], [0, 0, 1, 1]], dtype=float))
    cb = np.array([0, 0, LINK, 1])
    lo, hi = np.zeros(3), np.ones(3)
    cp = copy_linking_columns(A, lo, hi, np.ones(4), np.zeros(4), np.full(4, 5.0), cb)
    assert cp.copies == 1 and cp.A.shape == (4, 5)
    assert cp.A.toarray().tolist() == [
        [1, 0, 0, 0, 2],
        [0, 1, 0, 0, 3],
        [0, 0, 1, 1, 0],
        [0, 0, -1, 0, 1],
    ]
    assert cp.column_block.tolist() == [0, 0, LINK, 1, 0]
    assert cp.upper[4] == 5.0 and cp.cost[4] == 0.0
    assert split(cp.A, cp.column_block, ["x", "y"]).row_block.tolist() == [0, 0, LINK, LINK]
