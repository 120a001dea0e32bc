"""Sparse linear expressions for linopy: from (row, variable label, coefficient) triplets.

The planner's constraints sum terms scattered over many variables (inputs of every unit into
its region's balance, shipments into both ends of a link …). Building them by xarray
broadcasting would create dense region × technology × product grids; instead each family is
written as triplets and packed here into one padded ``(…row dims…, _term)`` dataset, so that
every coordinate is placed by label lookups done once, never by positional alignment.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr
from linopy import LinearExpression, Model

TERM = "_term"


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
        """The padded linopy expression over ``coords``."""
        rows, labels, coeffs = self.flat()
        order = np.argsort(rows, kind="stable")
        rows, labels, coeffs = rows[order], labels[order], coeffs[order]
        counts = np.bincount(rows, minlength=self.size)
        nterm = max(int(counts.max()) if counts.size else 0, 1)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        pos = np.arange(rows.size) - first[rows]
        var_arr = np.full((self.size, nterm), -1, dtype=np.int64)
        coef_arr = np.zeros((self.size, nterm))
        var_arr[rows, pos] = labels
        coef_arr[rows, pos] = coeffs
        dims = [str(c.name) for c in self.coords] + [TERM]
        shape = (*self.shape, nterm)
        ds = xr.Dataset(
            {"coeffs": (dims, coef_arr.reshape(shape)), "vars": (dims, var_arr.reshape(shape))},
            coords={str(c.name): c for c in self.coords},
        )
        return LinearExpression(ds, model)

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
