"""The plan LP built in parts: the centre holds only the linking rows, each worker only its blocks' own rows.

Every part builds the plan model from the scenario (``model.build_model`` with a row filter, ``terms.Rows``): all
the variables, so that column labels and scaling are the whole model's, and of each constraint family only the rows
it holds, the others masked (their labels are the whole model's too). Which rows those are is what ``blocks.split``
after ``blocks.copy_linking_columns`` makes of the whole matrix, found family by family as it is built: a row belongs
to the block of its block columns (``blocks.row_homes``) when every linking column it uses is copied into that block,
and a linking column is copied into a block when at least ``blocks.MIN_ROWS_TO_COPY`` of the block's rows use it.
Those counts need every family, so the centre first makes a build that keeps no row (``census``) and hands the
copied pairs to the workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from linopy import Model
from scipy.sparse import csr_array

from leapplan.plan.blocks import (
    LINK,
    ColumnCodes,
    Partition,
    copied_pairs,
    linking_pairs,
    row_homes,
    row_owners,
)
from leapplan.plan.index import PlanIndex
from leapplan.plan.model import PlanModel, build_model
from leapplan.plan.terms import RowFilter, Terms
from leapplan.scenario.model import Scenario


def _live_terms(terms: Terms, live: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, labels) of the terms of the rows where ``live``."""
    rows, labels, _ = terms.flat()
    keep = live[rows]
    return rows[keep], labels[keep]


def _entries(rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The matrix entries of terms (rows, labels): each (row, label) once, as duplicates are summed into one."""
    if not rows.size:
        return rows, labels
    width = int(labels.max()) + 1
    key = np.unique(rows * width + labels)
    return key // width, key % width


@dataclass(frozen=True)
class Census:
    """What the centre counts over every row of the plan LP before any part is built (``census``)."""

    copied: np.ndarray
    """The (column label × blocks + block) pairs whose block gets a copy of the linking column (sorted,
    ``blocks.copied_pairs``)."""
    sizes: list[int]
    """Entries of each block's columns, own rows' and linking rows' (a linking column's in a row of the block
    counting as the block's): the work ``dask_blocks.deal`` balances, as the matrices' nonzeros."""


def census(s: Scenario, ix: PlanIndex, part: Partition) -> Census:
    """The copies and block sizes of the plan LP of ``s`` split by ``part``, from a build that keeps no row."""
    codes = ColumnCodes(s, part)
    found: list[np.ndarray] = []
    K = len(part.names)
    sizes = np.zeros(K, dtype=np.int64)

    def count(model: Model, name: str, terms: Terms, live: np.ndarray) -> np.ndarray:
        nonlocal sizes
        rows, labels = _entries(*_live_terms(terms, live))
        c = codes.of(model)[labels]
        home = row_homes(rows, c, terms.size)
        found.append(linking_pairs(rows, labels, c, home, K))
        at = np.where(c >= 0, c, home[rows])
        sizes = sizes + np.bincount(at[at >= 0], minlength=K)
        return np.zeros(terms.size, dtype=bool)

    build_model(s, ix, keep=count)
    copied = copied_pairs(np.concatenate(found) if found else np.zeros(0, dtype=np.int64))
    return Census(copied, sizes.tolist())


def part_filter(s: Scenario, part: Partition, copied: np.ndarray, blocks: list[int] | None) -> RowFilter:
    """The rows a part holds: the centre's (``blocks`` None), those ``blocks.row_owners`` leaves linking; a worker's,
    the own rows of ``blocks``."""
    codes = ColumnCodes(s, part)
    K = len(part.names)
    wanted = np.asarray(sorted(blocks) if blocks is not None else [], dtype=np.int64)

    def keep(model: Model, name: str, terms: Terms, live: np.ndarray) -> np.ndarray:
        rows, labels = _live_terms(terms, live)
        owner = row_owners(rows, labels, codes.of(model)[labels], terms.size, copied, K)
        return owner == LINK if blocks is None else np.isin(owner, wanted)

    return keep


def build_part(
    s: Scenario, ix: PlanIndex, part: Partition, copied: np.ndarray, blocks: list[int] | None = None
) -> PlanModel:
    """The plan model with only the centre's rows (``blocks`` None) or only the own rows of ``blocks``; every
    variable, and row labels as the whole model's. The centre's model takes every row added later (a stage's)."""
    pm = build_model(s, ix, keep=part_filter(s, part, copied, blocks))
    pm.rows.keep = None
    return pm


@dataclass(frozen=True)
class BuiltBlock:
    """One block's own rows as a part built them, over the block's columns: its columns of the whole model in
    label order, then the copies of the linking columns its rows use (``copies``, in label order)."""

    block: int
    columns: np.ndarray
    """Variable labels of its own columns (the whole model's labels)."""
    copies: np.ndarray
    """Variable labels of the linking columns copied into it."""
    row_labels: np.ndarray
    """Constraint labels of its own rows (the whole model's)."""
    A: csr_array
    """Own rows × [own columns, copies], in linopy's scaled units (``Model.matrices``)."""
    row_lower: np.ndarray
    row_upper: np.ndarray


def built_blocks(pm: PlanModel, codes: np.ndarray, blocks: list[int]) -> list[BuiltBlock]:
    """The own rows of each of ``blocks`` in a part built for them (``build_part``), ``codes`` the block of every
    variable label (``blocks.label_blocks``)."""
    M = pm.model.matrices
    A = csr_array(M.A.tocsr()) if M.A is not None else csr_array((0, len(M.vlabels)))
    vlabels, clabels = np.asarray(M.vlabels), np.asarray(M.clabels)
    cb = codes[vlabels]
    rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    home = row_homes(rows, cb[A.indices], A.shape[0])
    lower = np.where(M.sense != "<", M.b, -np.inf)
    upper = np.where(M.sense != ">", M.b, np.inf)
    out = []
    for k in blocks:
        rk = np.flatnonzero(home == k)
        own = np.flatnonzero(cb == k)
        Ak = csr_array(A[rk])
        used = np.unique(Ak.indices)
        copies = used[cb[used] == LINK]
        out.append(
            BuiltBlock(
                block=k,
                columns=vlabels[own],
                copies=vlabels[copies],
                row_labels=clabels[rk],
                A=csr_array(Ak[:, np.r_[own, copies]]),
                row_lower=np.asarray(lower[rk], dtype=float),
                row_upper=np.asarray(upper[rk], dtype=float),
            )
        )
    return out
