"""Checks on input-output tables; each failure raises ``BalanceError`` naming the cell or label and the fix."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import csc_array

from leapplan.errors import BalanceError


def _label(index: pd.Index, k: int) -> str:
    v = index[k]
    return "/".join(str(p) for p in v) if isinstance(v, tuple) else str(v)


def _show(value: float) -> str:
    """A bad number as the user would name it: an empty cell reads back as NaN."""
    return "empty or NaN" if np.isnan(value) else str(value)


def _diff(expected: pd.Index, got: pd.Index) -> str:
    missing = [str(v) for v in expected.difference(got, sort=False)][:5]
    extra = [str(v) for v in got.difference(expected, sort=False)][:5]
    parts = []
    if missing:
        parts.append(f"missing {', '.join(missing)}")
    if extra:
        parts.append(f"unexpected {', '.join(extra)}")
    return "; ".join(parts) or "same labels in another order with duplicates"


def check_unique(index: pd.Index, what: str) -> None:
    """Labels must be unique."""
    dup = index[index.duplicated()]
    if len(dup):
        raise BalanceError(f"{what}: label {_label(dup, 0)!r} appears more than once; sector labels must be unique")


def check_labels(frame: pd.DataFrame, what: str) -> None:
    """A square table with the same unique labels on rows and columns, in the same order."""
    rows, cols = frame.shape
    if rows != cols:
        raise BalanceError(
            f"{what} is {rows} rows × {cols} columns; it must be square, with one row and one column per sector"
        )
    check_unique(frame.index, f"{what} rows")
    check_unique(frame.columns, f"{what} columns")
    if not frame.index.equals(frame.columns):
        if set(frame.index) == set(frame.columns):
            raise BalanceError(f"{what}: rows and columns hold the same sectors in a different order; sort them alike")
        raise BalanceError(f"{what}: column labels do not match row labels ({_diff(frame.index, frame.columns)})")


def _check_finite_entries(
    data: np.ndarray, row: np.ndarray, col: np.ndarray, rows: pd.Index, cols: pd.Index, what: str
) -> None:
    bad = np.flatnonzero(~np.isfinite(data))
    if bad.size:
        k = bad[0]
        raise BalanceError(
            f"{what}: {_show(data[k])} at row {_label(rows, row[k])!r}, column {_label(cols, col[k])!r}; "
            "fill empty cells with 0 or a number"
        )


def _coo_parts(a: csc_array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    coo = a.tocoo()
    return coo.data, coo.row, coo.col


def check_coefficients(a: csc_array, sectors: pd.Index, what: str) -> None:
    """Finite, non-negative coefficients."""
    check_unique(sectors, what)
    data, row, col = _coo_parts(a)
    _check_finite_entries(data, row, col, sectors, sectors, what)
    neg = np.flatnonzero(data < 0)
    if neg.size:
        k = neg[0]
        raise BalanceError(
            f"{what}: negative coefficient {data[k]:g} at row {_label(sectors, row[k])!r}, column "
            f"{_label(sectors, col[k])!r}; input coefficients must be ≥ 0"
        )


def check_flows(z: csc_array, sectors: pd.Index, what: str) -> None:
    """Finite, non-negative intermediate flows."""
    data, row, col = _coo_parts(z)
    _check_finite_entries(data, row, col, sectors, sectors, what)
    neg = np.flatnonzero(data < 0)
    if neg.size:
        k = neg[0]
        raise BalanceError(
            f"{what}: negative flow {data[k]:g} at row {_label(sectors, row[k])!r}, column "
            f"{_label(sectors, col[k])!r}; intermediate flows must be ≥ 0"
        )


def check_final_demand(y: pd.DataFrame, sectors: pd.Index, what: str) -> None:
    """Rows labelled like the sectors, finite numbers (negative entries such as stock changes are allowed)."""
    check_unique(y.index, f"{what} rows")
    if len(y.index) != len(sectors) or not y.index.isin(sectors).all() or not sectors.isin(y.index).all():
        raise BalanceError(f"{what}: row labels do not match the sectors of the table ({_diff(sectors, y.index)})")
    values = y.to_numpy(dtype=float)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        r, c = bad[0]
        raise BalanceError(
            f"{what}: {_show(values[r, c])} at row {_label(y.index, r)!r}, column {y.columns[c]!r}; fill it with a number"
        )


def check_extension(s: pd.DataFrame, sectors: pd.Index, what: str, allow_negative: bool) -> None:
    """One column per sector, finite numbers."""
    if len(s.columns) != len(sectors) or not s.columns.isin(sectors).all():
        raise BalanceError(f"{what}: column labels do not match the sectors ({_diff(sectors, s.columns)})")
    values = s.to_numpy(dtype=float)
    bad = np.argwhere(~np.isfinite(values) | ((values < 0) & (not allow_negative)))
    if len(bad):
        r, c = bad[0]
        raise BalanceError(f"{what}: bad value {values[r, c]} at row {s.index[r]!r}, column {s.columns[c]!r}")


def check_vector(v: pd.Series, sectors: pd.Index, what: str) -> None:
    """One finite, non-negative value per sector."""
    check_unique(v.index, what)
    if len(v) != len(sectors) or not v.index.isin(sectors).all():
        raise BalanceError(f"{what}: labels do not match the sectors ({_diff(sectors, v.index)})")
    values = v.to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        raise BalanceError(f"{what}: bad value {values[bad[0]]} for {_label(v.index, bad[0])!r}; must be a number ≥ 0")
