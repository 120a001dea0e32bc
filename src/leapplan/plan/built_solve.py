"""A stage of a decomposed plan solved with its blocks built on the workers: the centre holds only the linking rows.

The centre's model has every variable and only the centre's rows (``block_build.build_part``); each ``BlockHost``
holds its blocks' own rows. The stage's LP is the one ``blocks.copy_linking_columns`` and ``split`` make of the
whole model: the copies of linking columns (the hosts' ``copies``, numbered in (column, block) order as there) are
columns n, n + 1, … tied to their columns by linking rows copy − column = 0. Ruiz's equilibration runs over the whole
matrix pass by pass, each host scaling its rows and the centre combining every column's largest entry
(``block_ipm.equilibrate``'s arithmetic); then the centre sends each block its part of the linking rows, its costs
and bounds, and ``block_ipm.solve_interior`` runs as on a split LP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_array, diags_array, vstack

from leapplan.plan.block_ipm import (
    EQUILIBRATION_PASSES,
    BlockKKT,
    BlocksSolved,
    Parts,
    Watch,
    cost_scale_of,
    in_own_units,
    largest_entries,
    solve_interior,
    touched_rows,
)
from leapplan.plan.blocks import LINK
from leapplan.plan.decompose import SplitLP

Ask = Callable[[str, list[tuple[Any, ...]]], list[Any]]
"""Runs a method on every host with its own arguments and returns the answers, host by host."""


@dataclass(frozen=True)
class Hosted:
    """Where the blocks are: which host holds each block, and each block's columns in the stage LP."""

    n: int
    """Columns of the model (before the copies)."""
    copy_of: np.ndarray
    """Column position of each copy's column (copies in (column, block) order)."""
    copy_block: np.ndarray
    block_columns: list[np.ndarray]
    """Positions of each block's columns in the stage LP: its own, then its copies (n + i)."""
    block_rows: list[int]
    """Own rows of each block."""
    column_block: np.ndarray
    """Block of each column of the stage LP (LINK: the centre's)."""
    members: list[list[int]]
    """Blocks of each host, in the order it holds them."""

    @classmethod
    def of(
        cls,
        vlabels: np.ndarray,
        codes: np.ndarray,
        shapes: list[list[tuple[np.ndarray, np.ndarray, int]]],
        members: list[list[int]],
    ) -> Hosted:
        """From the hosts' ``shapes`` (per host, per block: own column labels, copy labels, own rows), the model's
        column labels ``vlabels`` (ascending) and their blocks ``codes``."""
        n = vlabels.size
        K = sum(len(m) for m in members)
        own: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * K
        rows = [0] * K
        pairs = []
        for host, blocks in zip(shapes, members, strict=True):
            for (cols, copies, nrows), k in zip(host, blocks, strict=True):
                own[k] = np.searchsorted(vlabels, cols)
                rows[k] = nrows
                pairs.append(np.searchsorted(vlabels, copies) * K + k)
        pair = np.sort(np.concatenate(pairs)) if pairs else np.zeros(0, dtype=np.int64)
        copy_of, copy_block = pair // K, pair % K
        column_block = np.r_[codes, copy_block]
        block_columns = [np.r_[own[k], n + np.flatnonzero(copy_block == k)] for k in range(K)]
        return cls(n, copy_of, copy_block, block_columns, rows, column_block, members)


def stage_blocks(
    A: csr_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    hosted: Hosted,
    ask: Ask,
    parts_of: Callable[[BlockKKT], Parts],
    *,
    gap: float,
    max_iterations: int,
    time_limit: float,
    watch: Watch | None = None,
    start: np.ndarray | None = None,
) -> BlocksSolved:
    """The stage LP whose centre rows are ``A`` (over the model's columns) with bounds ``row_lower``, ``row_upper``,
    columns ``cost``, ``lower``, ``upper``, its blocks on the hosts: equilibrated, solved by the block interior point
    (``parts_of(master)``: the parts, the master first, once the hosts have prepared the stage), the solution and the
    centre rows' prices in the LP's own units. ``start``: x of the stage LP (with the copies) to start from."""
    n, c = hosted.n, hosted.copy_of.size
    m = A.shape[0]
    ties = csr_array(
        (
            np.tile([1.0, -1.0], c),
            (np.repeat(np.arange(c), 2), np.column_stack([n + np.arange(c), hosted.copy_of]).ravel()),
        ),
        shape=(c, n + c),
    )
    As = csr_array(vstack([csr_array((A.data, A.indices, A.indptr), shape=(m, n + c)), ties]), dtype=float)
    rl = np.r_[row_lower, np.zeros(c)]
    ru = np.r_[row_upper, np.zeros(c)]
    cost_x = np.r_[cost, np.zeros(c)]
    lo = np.r_[lower, np.asarray(lower)[hosted.copy_of]]
    up = np.r_[upper, np.asarray(upper)[hosted.copy_of]]
    K = len(hosted.block_columns)

    def per_host(values: list[Any]) -> list[tuple[Any, ...]]:
        return [(([values[k] for k in blocks]),) for blocks in hosted.members]

    # Ruiz's equilibration of the whole matrix, the hosts' rows and the centre's pass by pass
    R, C = np.ones(As.shape[0]), np.ones(n + c)
    scales: list[np.ndarray] | None = None
    for _ in range(EQUILIBRATION_PASSES):
        answers = ask("ruiz", per_host(scales) if scales is not None else [(None,)] * len(hosted.members))
        row, col = largest_entries(As)
        for blocks, got in zip(hosted.members, answers, strict=True):
            for k, g in zip(blocks, got, strict=True):
                at = hosted.block_columns[k]
                col[at] = np.maximum(col[at], g)
        row[row == 0] = 1.0
        col[col == 0] = 1.0
        As = csr_array(diags_array(1 / row) @ As @ diags_array(1 / col))
        R /= row
        C /= col
        scales = [col[hosted.block_columns[k]] for k in range(K)]
    if scales is not None:
        ask("rescale", per_host(scales))
    cost_scale = cost_scale_of(cost_x, C)
    cs, ls, us = cost_x * C / cost_scale, lo / C, up / C
    link_columns = np.flatnonzero(hosted.column_block == LINK)
    offsets = np.cumsum([m + c, *hosted.block_rows])
    lp = SplitLP(
        n=n + c,
        rows=int(offsets[-1]),
        link_rows=np.arange(m + c),
        link_columns=link_columns,
        block_columns=hosted.block_columns,
        block_rows=[np.arange(offsets[k], offsets[k + 1]) for k in range(K)],
        A0=csr_array(As[:, link_columns]),
        row_lower=rl * R,
        row_upper=ru * R,
        cost0=cs[link_columns],
        lower0=ls[link_columns],
        upper0=us[link_columns],
        blocks=[],
        names=[str(k) for k in range(K)],
    )
    xs = start / C if start is not None else None
    block_starts: list[np.ndarray | None] = [None] * K
    master_start = None
    if xs is not None:
        ineq = lp.row_lower < lp.row_upper
        master_start = np.r_[xs[link_columns], (As @ xs)[ineq]]
        got = ask("starts", per_host([xs[cols] for cols in hosted.block_columns]))
        for blocks, zs in zip(hosted.members, got, strict=True):
            for k, z in zip(blocks, zs, strict=True):
                block_starts[k] = z
    Ds = [csr_array(As[:, cols]) for cols in hosted.block_columns]
    sent = [(Ds[k], cs[cols], ls[cols], us[cols], block_starts[k]) for k, cols in enumerate(hosted.block_columns)]
    ask("prepare", per_host(sent))
    master = BlockKKT.of_master(lp, master_start)
    parts = parts_of(master)
    touched = [master.touched, *(touched_rows(D) for D in Ds)]
    r = solve_interior(
        lp,
        parts,
        touched,
        gap=gap,
        max_iterations=max_iterations,
        time_limit=time_limit,
        cost_scale=cost_scale,
        watch=watch,
    )
    seconds = [float(t) for t in parts.call("elapsed")[1:]]
    in_own_units(r, C, R, cost_scale)
    r.row_duals = np.r_[r.link_duals, np.full(lp.rows - m - c, np.nan)]
    return BlocksSolved(r, lp, seconds, cost_scale)
