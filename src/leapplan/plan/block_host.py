"""A worker's blocks of the plan LP for the whole of a decomposed plan: built there from the scenario, kept there.

A ``BlockHost`` builds the plan model with only the own rows of its blocks (``block_build.build_part``) and keeps it
for every stage. Per stage it takes part in Ruiz's equilibration of the whole LP (``ruiz``: its rows' scales are
its own, its columns' are the centre's once it has told the centre its columns' largest entries), makes each block's
``block_ipm.BlockKKT`` from its rows and what the centre sends (the block's part of the linking rows, its costs and
bounds), answers the interior point's calls as a ``block_ipm.LocalParts``, and at the end writes the solution and its
rows' prices into its model, where the weak links read them (``row_values``).
"""

from __future__ import annotations

import linopy
import numpy as np
from linopy.constants import Result, Solution, Status
from scipy.sparse import csr_array, diags_array

from leapplan.plan.block_build import BuiltBlock, build_part, built_blocks
from leapplan.plan.block_ipm import BlockKKT, LocalParts, largest_entries
from leapplan.plan.blocks import Partition, label_blocks
from leapplan.plan.decompose import BlockLP
from leapplan.plan.index import build_index
from leapplan.plan.labels import column_labels, row_labels
from leapplan.plan.weak_links import family_values
from leapplan.scenario.model import Scenario


class BlockHost(LocalParts):
    """The blocks ``blocks`` of the plan LP of ``s`` split by ``part`` (``copied``: the census's pairs), built here;
    ``call`` runs on the stage's ``BlockKKT`` of each in turn."""

    def __init__(self, s: Scenario, part: Partition, copied: np.ndarray, blocks: list[int]) -> None:
        super().__init__([])
        with linopy.options as opts:
            opts(semantics="v1")
            self.pm = build_part(s, build_index(s), part, copied, blocks)
            codes = label_blocks(self.pm.model, s, part)
            self.built: list[BuiltBlock] = built_blocks(self.pm, codes, blocks)
        self._scaled: list[csr_array] = []
        self._rows: list[np.ndarray] = []

    def shapes(self) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """Per block: (its columns' labels, its copies' labels, number of own rows)."""
        return [(b.columns, b.copies, b.row_labels.size) for b in self.built]

    def ruiz(self, scales: list[np.ndarray] | None) -> list[np.ndarray]:
        """One pass of Ruiz's equilibration (``block_ipm.equilibrate``) over its blocks' rows: first each block's
        columns divided by ``scales`` (the centre's column scales of the last pass; None: a new stage, from the
        unscaled rows); then its rows divided by the square roots of their largest |entries|, and the square roots of
        its columns' largest |entries| before that returned for the centre to combine."""
        if scales is None:
            self._scaled = [csr_array(b.A, dtype=float) for b in self.built]
            self._rows = [np.ones(b.A.shape[0]) for b in self.built]
        else:
            self.rescale(scales)
        out = []
        for k, A in enumerate(self._scaled):
            r, col = largest_entries(A)
            r[r == 0] = 1.0
            self._scaled[k] = csr_array(diags_array(1 / r) @ A)
            self._rows[k] = self._rows[k] / r
            out.append(col)
        return out

    def rescale(self, scales: list[np.ndarray]) -> None:
        """Each block's columns divided by the centre's column scales ``scales``."""
        self._scaled = [csr_array(A @ diags_array(1 / c)) for A, c in zip(self._scaled, scales, strict=True)]

    def prepare(self, sent: list[tuple[csr_array, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]) -> None:
        """The stage's parts: per block (its part of the linking rows, costs, lower and upper bounds, all scaled; the
        point to start from or None), with its rows scaled by ``ruiz``."""
        self.parts = []
        for b, A, R, (D, cost, lower, upper, start) in zip(self.built, self._scaled, self._rows, sent, strict=True):
            lp = BlockLP(cost, lower, upper, A, b.row_lower * R, b.row_upper * R, D)
            self.parts.append(BlockKKT.of_block(lp, start))
        self._scaled = []  # each part holds its own copy (with its rows' slacks)

    def starts(self, xs: list[np.ndarray]) -> list[np.ndarray]:
        """Each block's z = [x; w] at its scaled columns' values ``xs`` (``block_ipm.starts``)."""
        out = []
        for b, A, R, x in zip(self.built, self._scaled, self._rows, xs, strict=True):
            ineq = b.row_lower * R < b.row_upper * R
            out.append(np.r_[x, (A @ x)[ineq]])
        return out

    def finish(self) -> None:
        """Drop the stage's parts."""
        self.parts = []
        self._scaled = []

    def assign(self, primal: np.ndarray, cost_scale: float, objective: float) -> float:
        """Write the solution (``primal`` by variable label, linopy's units) and its blocks' own rows' prices (the
        stage's parts', unscaled) into this part's model; returns the largest amount by which the solution misses
        its rows (each copy at its column's value), in linopy's units."""
        m = self.pm.model
        dual = np.full(row_labels(m), np.nan)
        worst = 0.0
        for b, part, R in zip(self.built, self.parts, self._rows, strict=True):
            dual[b.row_labels] = part.solution()[1] * R * cost_scale
            ax = b.A @ primal[np.r_[b.columns, b.copies]]
            miss = np.maximum(np.maximum(b.row_lower - ax, ax - b.row_upper), 0.0)
            worst = max(worst, float(miss.max(initial=0.0)))
        full = primal[: column_labels(m)]  # its variables are the centre's first (the centre adds the levels)
        m.assign_result(Result(Status.from_termination_condition("optimal"), Solution(full, dual, objective)))
        return worst

    def row_values(self, name: str, sol: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(price, |right-hand side|, gross flow) of each row of family ``name`` this part holds (0 elsewhere), at the
        solution ``sol`` (by variable label): what ``weak_links`` reads of a family (``family_values``)."""
        got = family_values(self.pm, name, sol)
        if got is None:
            return None
        held, dual, rhs, gross = got
        return dual, np.where(held, rhs, 0.0), gross
