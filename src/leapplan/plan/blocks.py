"""Blocks of the plan LP for a decomposed solve: a partition of the regions, the block of every column and row.

A column belongs to the block of the region(s) its coordinate labels name (a label is split at the layout's
separators ``/``, ``>`` and ``|``, and a part that is no region id at ``_``; every part that is a region id counts):
a unit 'k0001/coal_small/county' to k0001's block, a shipment 'k0001_c000>k0001/grain' to the block holding both
k0001 and c000. A column naming no region, or regions of several blocks, or a region in no block (the root above
the prefectures), is a *linking column* and lives in the master. A row is a *linking row* when its columns lie in
more than one block or it has a linking column; every other row belongs to its columns' block. Nothing here is
written per constraint family: the rows are read from the built matrix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from linopy import Model, Variable
from scipy.sparse import csr_array

from leapplan.errors import DecomposeError
from leapplan.plan.labels import column_labels
from leapplan.scenario.model import Scenario

LINK = -1
"""Block code of a linking column or row (the master's)."""
_NONE = -2
"""Block code of a coordinate that names no region (while combining a column's dims)."""
_SPLIT = re.compile(r"[/>|]")


@dataclass(frozen=True)
class Partition:
    """Regions grouped into blocks; regions in no block (the root above the groups) belong to the master."""

    names: list[str]
    """Block names (a prefecture's id, or 'block 1', 'block 2', …)."""
    of_region: dict[str, int]
    """Block index of every region in a block."""


def partition(s: Scenario, n: int | None = None, weights: Mapping[str, float] | None = None) -> Partition:
    """Blocks of scenario ``s``: with ``n`` None, one per region directly below the root (a prefecture or province
    with everything under it; the root itself is in no block); else ``n`` blocks of consecutive regions in
    tree order (each region after its parent, a group's regions together), balanced by ``weights`` (by region:
    e.g. columns naming it; 1 each when None). Every region is then in a block."""
    children: dict[str | None, list[str]] = {}
    for region in s.regions:
        children.setdefault(region.parent, []).append(region.id)
    roots = children.get(None, [])
    order: list[str] = []
    stack = list(reversed(roots))
    while stack:
        r = stack.pop()
        order.append(r)
        stack.extend(reversed(children.get(r, [])))
    if n is None:
        tops = [c for root in roots for c in children.get(root, [])]
        if len(tops) < 2:
            raise DecomposeError(
                f"scenario {s.name!r} has no regional grouping below its root: give a number of blocks"
            )
        of_region: dict[str, int] = {}
        for k, top in enumerate(tops):
            group = [top]
            while group:
                r = group.pop()
                of_region[r] = k
                group.extend(children.get(r, []))
        return Partition(tops, of_region)
    if n < 1:
        raise DecomposeError(f"the number of blocks must be at least 1, not {n}")
    n = min(n, len(order))
    w = np.array([float((weights or {}).get(r, 1.0)) if weights is not None else 1.0 for r in order])
    w = np.maximum(w, 0.0)
    total = float(w.sum()) or 1.0
    # region i goes to block ⌊n × (weight before it + half its own) / total⌋: consecutive blocks of equal weight
    mid = np.cumsum(w) - w / 2
    idx = np.minimum((mid / total * n).astype(int), n - 1)
    # no empty block: squeeze the block numbers used to 0 … m-1
    used = np.unique(idx)
    idx = np.searchsorted(used, idx)
    return Partition([f"block {k + 1}" for k in range(len(used))], dict(zip(order, idx.tolist(), strict=True)))


def _label_block(label: str, of_region: Mapping[str, int], regions: set[str]) -> int:
    """Block code of one coordinate label: _NONE (no region), LINK (regions of several blocks or of none) or k."""
    found: set[int] = set()
    named = False
    for part in _SPLIT.split(label):
        pieces = [part] if part in regions else [p for p in part.split("_") if p in regions]
        for r in pieces:
            named = True
            found.add(of_region.get(r, LINK))
    if not named:
        return _NONE
    return found.pop() if len(found) == 1 else LINK


def _merge(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Combine the block codes of two dims of the same cells."""
    out = np.where(a == _NONE, b, np.where(b == _NONE, a, np.where(a == b, a, LINK)))
    return np.asarray(out)


def _variable_blocks(v: Variable, part: Partition, regions: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """(labels, block codes) of a variable's live entries."""
    labels = np.asarray(v.labels.values)
    code = np.full(labels.shape, _NONE, dtype=np.int64)
    for axis, dim in enumerate(v.labels.dims):
        values = v.labels.coords[dim].values
        per = np.array([_label_block(str(x), part.of_region, regions) for x in values], dtype=np.int64)
        shape = [1] * labels.ndim
        shape[axis] = len(per)
        code = _merge(code, per.reshape(shape))
    code = np.where(code == _NONE, LINK, code)
    live = labels >= 0
    return labels[live], code[live]


def label_blocks(model: Model, s: Scenario, part: Partition) -> np.ndarray:
    """Block code of every variable label of ``model`` (array over labels 0 … column_labels − 1; LINK for linking
    columns)."""
    regions = {r.id for r in s.regions}
    out = np.full(column_labels(model), LINK, dtype=np.int64)
    for _, v in model.variables.items():
        labels, code = _variable_blocks(v, part, regions)
        out[labels] = code
    return out


class ColumnCodes:
    """``label_blocks`` of a model under construction: each variable's codes found once, when first asked after it
    was added."""

    def __init__(self, s: Scenario, part: Partition) -> None:
        self.part = part
        self.regions = {r.id for r in s.regions}
        self.codes = np.zeros(0, dtype=np.int64)
        self.seen: set[str] = set()

    def of(self, model: Model) -> np.ndarray:
        """Block code of every variable label of ``model`` so far (LINK for linking columns)."""
        n = column_labels(model)
        if n > self.codes.size:
            self.codes = np.concatenate([self.codes, np.full(n - self.codes.size, LINK, dtype=np.int64)])
        for name, v in model.variables.items():
            if name not in self.seen:
                labels, code = _variable_blocks(v, self.part, self.regions)
                self.codes[labels] = code
                self.seen.add(name)
        return self.codes


def row_homes(rows: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """The block of each of ``size`` rows from its terms' rows and their columns' block ``codes``: the one block of
    its block columns (LINK when they lie in several blocks, or it has none)."""
    inside = codes >= 0
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    lo = np.full(size, big)
    hi = np.full(size, small)
    np.minimum.at(lo, rows[inside], codes[inside])
    np.maximum.at(hi, rows[inside], codes[inside])
    return np.where((lo == hi) & (lo != big), lo, LINK)


def linking_pairs(
    rows: np.ndarray, columns: np.ndarray, codes: np.ndarray, home: np.ndarray, blocks: int
) -> np.ndarray:
    """column × ``blocks`` + block of each term of a linking column in a row with a home block (``row_homes``): the
    (column, block) pairs ``copy_linking_columns`` counts."""
    at = (codes == LINK) & (home[rows] >= 0)
    return np.asarray(columns[at] * blocks + home[rows[at]], dtype=np.int64)


def copied_pairs(pairs: np.ndarray) -> np.ndarray:
    """The (column, block) pairs (``linking_pairs`` of every row) of which the block gets a copy: used by at least
    ``MIN_ROWS_TO_COPY`` of its rows (sorted)."""
    uniq, counts = np.unique(pairs, return_counts=True)
    return np.asarray(uniq[counts >= MIN_ROWS_TO_COPY], dtype=np.int64)


def row_owners(
    rows: np.ndarray, columns: np.ndarray, codes: np.ndarray, size: int, copied: np.ndarray, blocks: int
) -> np.ndarray:
    """Where each of ``size`` rows is solved after ``copy_linking_columns``: its home block (``row_homes``) when
    every linking column it uses is copied there (``copied``: sorted pairs, ``copied_pairs``), else LINK."""
    home = row_homes(rows, codes, size)
    at = (codes == LINK) & (home[rows] >= 0)
    pair = columns[at] * blocks + home[rows[at]]
    spoilt = np.zeros(size, dtype=bool)
    spoilt[rows[at][~np.isin(pair, copied)]] = True
    return np.where(spoilt, LINK, home)


def region_weights(model: Model, s: Scenario) -> dict[str, float]:
    """Number of columns naming each region (one region per column; the sizes ``partition`` balances)."""
    each = Partition([r.id for r in s.regions], {r.id: k for k, r in enumerate(s.regions)})
    codes = label_blocks(model, s, each)
    counts = np.bincount(codes[codes >= 0], minlength=len(each.names))
    return {r: float(c) for r, c in zip(each.names, counts, strict=True)}


@dataclass(frozen=True)
class Blocks:
    """The block of every column and row of a constraint matrix."""

    names: list[str]
    column_block: np.ndarray
    """Block of each matrix column (LINK: a linking column, in the master)."""
    row_block: np.ndarray
    """Block of each matrix row (LINK: a linking row)."""

    def columns(self, k: int) -> np.ndarray:
        return np.flatnonzero(self.column_block == k)

    def rows(self, k: int) -> np.ndarray:
        return np.flatnonzero(self.row_block == k)

    @property
    def linking_rows(self) -> np.ndarray:
        return np.flatnonzero(self.row_block == LINK)

    @property
    def linking_columns(self) -> np.ndarray:
        return np.flatnonzero(self.column_block == LINK)


def split(A: csr_array, column_block: np.ndarray, names: list[str]) -> Blocks:
    """Rows of ``A`` by block, given the block of each column: a row whose columns all lie in block k is k's; a row
    with columns in several blocks or with a linking column links (an empty row links too: the master keeps it)."""
    A = csr_array(A)
    m = A.shape[0]
    cb = np.asarray(column_block, dtype=np.int64)
    codes = cb[A.indices]
    rows = np.repeat(np.arange(m), np.diff(A.indptr))
    # per row: least and greatest block code among its columns; one block iff equal and not LINK
    lo = np.full(m, np.iinfo(np.int64).max)
    hi = np.full(m, np.iinfo(np.int64).min)
    np.minimum.at(lo, rows, codes)
    np.maximum.at(hi, rows, codes)
    row_block = np.where((lo == hi) & (lo >= 0), lo, LINK)
    return Blocks(names, cb, row_block)


def model_blocks(model: Model, s: Scenario, n: int | None = None) -> Blocks:
    """Blocks of a built plan LP: by the scenario's grouping below its root when ``n`` is None, else ``n`` blocks
    balanced by the columns naming each region. Columns and rows in ``model.matrices`` order."""
    part = partition(s, n, region_weights(model, s) if n is not None else None)
    M = model.matrices
    codes = label_blocks(model, s, part)
    return split(M.A, codes[np.asarray(M.vlabels)], part.names)


@dataclass(frozen=True)
class Copied:
    """An LP with linking columns copied into blocks (``copy_linking_columns``): the first ``n`` columns and ``m``
    rows are the original LP's."""

    A: csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    column_block: np.ndarray
    n: int
    m: int
    copies: int


MIN_ROWS_TO_COPY = 2
"""A linking column is copied into a block when at least this many of the block's rows (rows whose other columns
all lie in that block) use it."""


def copy_linking_columns(
    A: csr_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    column_block: np.ndarray,
) -> Copied:
    """Give a linking column used by several rows of one block (the share ``lift`` every region's food row uses, say)
    a copy in that block, tied to it by one linking row ``copy − column = 0``: those rows then belong to the block
    instead of linking (one linking row per copy instead of one per row). A row is moved into its block only when
    every linking column it uses has a copy there. Copies cost nothing and keep the column's bounds; the LP's optimum
    is unchanged."""
    A = csr_array(A)
    m, n = A.shape
    cb = np.asarray(column_block, dtype=np.int64)
    rows = np.repeat(np.arange(m), np.diff(A.indptr))
    cols = A.indices
    codes = cb[cols]
    home = row_homes(rows, codes, m)
    linking = (codes == LINK) & (home[rows] >= 0)
    if not linking.any():
        return Copied(A, row_lower, row_upper, cost, lower, upper, cb, n, m, 0)
    K = int(cb.max()) + 1
    pair = linking_pairs(rows, cols, codes, home, K)
    copied = np.isin(pair, copied_pairs(pair))
    # a row moves into its block only if all its linking columns are copied there
    spoilt = np.zeros(m, dtype=bool)
    spoilt[rows[linking][~copied]] = True
    moves = copied & ~spoilt[rows[linking]]
    used = np.unique(pair[moves])
    if not used.size:
        return Copied(A, row_lower, row_upper, cost, lower, upper, cb, n, m, 0)
    copy_col = n + np.searchsorted(used, pair[moves])
    new_cols = cols.copy()
    at = np.flatnonzero(linking)[moves]
    new_cols[at] = copy_col
    orig, block = used // K, used % K
    c = used.size
    tie_rows = np.repeat(m + np.arange(c), 2)
    tie_cols = np.column_stack([n + np.arange(c), orig]).ravel()
    tie_vals = np.tile([1.0, -1.0], c)
    B = csr_array(
        (np.concatenate([A.data, tie_vals]), (np.concatenate([rows, tie_rows]), np.concatenate([new_cols, tie_cols]))),
        shape=(m + c, n + c),
    )
    return Copied(
        A=B,
        row_lower=np.concatenate([row_lower, np.zeros(c)]),
        row_upper=np.concatenate([row_upper, np.zeros(c)]),
        cost=np.concatenate([cost, np.zeros(c)]),
        lower=np.concatenate([lower, np.asarray(lower)[orig]]),
        upper=np.concatenate([upper, np.asarray(upper)[orig]]),
        column_block=np.concatenate([cb, block]),
        n=n,
        m=m,
        copies=c,
    )
