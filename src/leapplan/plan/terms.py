"""Sparse linear expressions for linopy: from (row, variable label, coefficient) triplets.

The planner's constraints sum terms scattered over many variables (inputs of every unit into
its region's balance, shipments into both ends of a link …). Building them by xarray
broadcasting would create dense region × technology × product grids; instead each family is
written as triplets and packed here into one sparse row × variable matrix on the family's grid (linopy's
CSR-backed expression, so nothing is padded to the longest row), and every coordinate is placed by label
lookups done once, never by positional alignment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from linopy import LinearExpression, Model
from linopy.csr import CSRLinearExpression, Grid
from scipy.sparse import csr_array

from leapplan.plan.labels import column_labels


class Terms:
    """Accumulates triplets for one constraint family laid out on ``coords`` (C-order rows)."""

    def __init__(self, coords: Sequence[pd.Index]) -> None:
        self.coords = list(coords)
        self.shape = tuple(len(c) for c in coords)
        self._rows: list[np.ndarray] = []
        self._labels: list[np.ndarray] = []
        self._coeffs: list[np.ndarray] = []

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def add(self, rows: np.ndarray, labels: np.ndarray, coeffs: np.ndarray | float) -> None:
        """Add terms coeff × var[label] to rows (flat indices); entries with label −1 or coeff 0 are dropped."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        labels = np.asarray(labels, dtype=np.int64).ravel()
        c = np.broadcast_to(np.asarray(coeffs, dtype=float), rows.shape).ravel()
        keep = (rows >= 0) & (labels >= 0) & (c != 0) & np.isfinite(c)
        self._rows.append(rows[keep])
        self._labels.append(labels[keep])
        self._coeffs.append(c[keep])

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self._rows:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        return np.concatenate(self._rows), np.concatenate(self._labels), np.concatenate(self._coeffs)

    def has_terms(self) -> np.ndarray:
        """Boolean array of ``shape``: rows with at least one term."""
        rows, _, _ = self.flat()
        out = np.zeros(self.size, dtype=bool)
        out[rows] = True
        return out.reshape(self.shape)

    def expression(self, model: Model) -> LinearExpression:
        """The linopy expression over ``coords``, backed by a sparse (CSR) matrix: row = grid cell in C order,
        column = variable label; duplicate (row, label) terms are summed."""
        rows, labels, coeffs = self.flat()
        csr = csr_array((coeffs, (rows, labels)), shape=(self.size, column_labels(model)))
        csr.sum_duplicates()
        grid = Grid.from_coords(self.coords)
        return LinearExpression._from_csr(CSRLinearExpression(csr, np.zeros(self.size), grid, model), model)

    def only(self, held: np.ndarray) -> Terms:
        """The terms of the rows where ``held`` (a boolean over the grid's cells, C order), on the same grid."""
        rows, labels, coeffs = self.flat()
        keep = np.asarray(held, dtype=bool).ravel()[rows]
        out = Terms(self.coords)
        out._rows, out._labels, out._coeffs = [rows[keep]], [labels[keep]], [coeffs[keep]]
        return out

    def columns(self, keep: np.ndarray, index: pd.Index) -> Terms:
        """The terms of a (period, column) family restricted to the columns where ``keep``, on ``index``."""
        assert len(self.shape) == 2
        n = self.shape[1]
        new_pos = np.full(n, -1, dtype=np.int64)
        new_pos[np.flatnonzero(keep)] = np.arange(int(keep.sum()))
        out = Terms([self.coords[0], index])
        rows, labels, coeffs = self.flat()
        k = new_pos[rows % n]
        out.add(np.where(k >= 0, (rows // n) * len(index) + k, -1), labels, coeffs)
        return out

    def dataarray(self, values: np.ndarray) -> xr.DataArray:
        """``values`` (of ``shape``) as a DataArray on this family's coordinates."""
        return xr.DataArray(np.asarray(values, dtype=float).reshape(self.shape), coords=self.coords)

    def activity(self, values: np.ndarray, *, absolute: bool = False) -> np.ndarray:
        """Σ coeff × values[label] per row (Σ |coeff × value| with ``absolute``), shaped like the grid."""
        rows, labels, coeffs = self.flat()
        terms = coeffs * values[labels]
        out = np.bincount(rows, weights=np.abs(terms) if absolute else terms, minlength=self.size)
        return out.reshape(self.shape)


RowFilter = Callable[[Model, str, Terms, np.ndarray], np.ndarray]
"""Given the model, a family's name, its terms and its rows (a boolean per grid cell, C order: those its own mask
leaves), which of them the model holds (the same shape)."""


class Rows:
    """The constraint families of a model with the triplets each was built from, by family name; with ``keep``,
    only the rows it holds (a decomposed plan's parts: ``block_build.py``), the others masked out."""

    def __init__(self, keep: RowFilter | None = None) -> None:
        self.families: dict[str, Terms] = {}
        self.keep = keep

    def add(
        self,
        model: Model,
        terms: Terms,
        sign: str,
        rhs: xr.DataArray | float,
        *,
        name: str,
        mask: xr.DataArray | None = None,
        scaling: float | xr.DataArray = 1.0,
    ) -> None:
        """Add ``terms sign rhs`` to ``model`` as the frozen (sparse) family ``name`` and keep its triplets (with
        ``keep``: of the rows it holds)."""
        if self.keep is not None:
            grid = terms.dataarray(np.ones(terms.size))
            live = np.ones(terms.size, dtype=bool)
            if mask is not None:
                live = np.asarray(mask.broadcast_like(grid).transpose(*grid.dims).values, dtype=bool).ravel()
            held = np.asarray(self.keep(model, name, terms, live), dtype=bool).ravel() & live
            terms = terms.only(held)
            mask = terms.dataarray(held) > 0
        model.add_constraints(terms.expression(model), sign, rhs, name=name, mask=mask, scaling=scaling, freeze=True)
        self.families[name] = terms

    def __getitem__(self, name: str) -> Terms:
        return self.families[name]
