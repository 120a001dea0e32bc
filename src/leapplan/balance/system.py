"""The input-output system: sector labels, a sparse coefficient matrix A, final demand and extensions.

One convention throughout (Miller & Blair 2009, ch. 2): ``A[i, j]`` is the amount of sector *i*'s
product used per unit of sector *j*'s output, so gross output x solves ``(I − A) x = y``.
Multi-regional systems label sectors with a ``pd.MultiIndex`` of (region, sector), as pymrio does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csc_array, diags_array, issparse

from leapplan.balance.validate import (
    check_coefficients,
    check_extension,
    check_final_demand,
    check_flows,
    check_labels,
    check_vector,
)
from leapplan.errors import BalanceError


def _as_csc(matrix: Any, what: str) -> csc_array:
    if isinstance(matrix, pd.DataFrame):
        matrix = matrix.to_numpy(dtype=float)
    if issparse(matrix):
        out = csc_array(matrix, dtype=float)
    else:
        arr = np.asarray(matrix, dtype=float)
        if arr.ndim != 2:
            raise BalanceError(f"{what} must be a 2-D matrix, got {arr.ndim} dimension(s)")
        out = csc_array(arr)
    out.sum_duplicates()
    out.eliminate_zeros()
    return out


@dataclass(frozen=True, eq=False)
class IOSystem:
    """An input-output system with n sectors (for a multi-regional system: region × sector pairs).

    ``A`` is n × n [units of row sector per unit of column sector], ``final_demand`` n × categories
    [row sector units], ``extension_coefficients`` k × n [extension unit per unit of output] (pymrio's S),
    ``final_demand_extensions`` k × categories [extension unit] (pymrio's F_Y), ``gross_output`` the observed
    x [row units] when the system came from flows, ``capacity`` the most each sector can produce [row units],
    ``prices`` the value of one unit [money per unit] (None: the table is already in money),
    ``population`` persons per region for per-head accounts, ``pass_through`` a boolean mask of sectors that
    only pass goods on (pooled markets): they count in no output total, linkage or capacity check.
    """

    sectors: pd.Index
    A: csc_array
    final_demand: pd.DataFrame
    extension_coefficients: pd.DataFrame
    final_demand_extensions: pd.DataFrame | None = None
    gross_output: pd.Series | None = None
    capacity: pd.Series | None = None
    prices: pd.Series | None = None
    population: pd.Series | None = None
    pass_through: np.ndarray | None = None
    name: str = "io"

    @property
    def n(self) -> int:
        """Number of sectors (region × sector pairs) [-]."""
        return len(self.sectors)

    @property
    def is_multiregional(self) -> bool:
        """True when sectors are (region, sector) pairs."""
        return isinstance(self.sectors, pd.MultiIndex) and self.sectors.nlevels == 2

    @property
    def regions(self) -> pd.Index:
        """Region labels in order of first appearance (empty for a single-region table)."""
        if not self.is_multiregional:
            return pd.Index([])
        return self.sectors.get_level_values(0).unique()

    @property
    def sector_names(self) -> pd.Index:
        """Sector (product) labels without the region level, in order of first appearance."""
        if not self.is_multiregional:
            return self.sectors
        return self.sectors.get_level_values(1).unique()

    @property
    def total_final_demand(self) -> np.ndarray:
        """Final demand summed over categories [row units], shape (n,)."""
        return self.final_demand.to_numpy().sum(axis=1)

    @property
    def producing(self) -> np.ndarray:
        """Boolean mask of sectors that produce (all but pass-through markets)."""
        if self.pass_through is None:
            return np.ones(self.n, dtype=bool)
        return ~self.pass_through

    def value_scale(self) -> np.ndarray:
        """Price of one unit of each sector's output [money per unit]; ones for a monetary table."""
        if self.prices is None:
            return np.ones(self.n)
        return self.prices.to_numpy(dtype=float)

    def flows(self, gross_output: np.ndarray) -> csc_array:
        """Intermediate flows Z = A · diag(x) [row units] for gross output x [column units]."""
        return csc_array(self.A @ diags_array(np.asarray(gross_output, dtype=float)))

    def with_final_demand(self, final_demand: pd.DataFrame) -> IOSystem:
        """The same system with another final demand (same sector labels) [row units]."""
        check_final_demand(final_demand, self.sectors, "final demand")
        return replace(self, final_demand=final_demand.reindex(self.sectors))

    @classmethod
    def from_coefficients(
        cls,
        coefficients: Any,
        sectors: pd.Index | None = None,
        final_demand: pd.DataFrame | pd.Series | None = None,
        *,
        extension_coefficients: pd.DataFrame | None = None,
        final_demand_extensions: pd.DataFrame | None = None,
        gross_output: pd.Series | None = None,
        capacity: pd.Series | None = None,
        prices: pd.Series | None = None,
        population: pd.Series | None = None,
        name: str = "io",
        check: bool = True,
    ) -> IOSystem:
        """Build from a coefficient matrix A (DataFrame with labels, or sparse/dense with ``sectors``).

        ``check=False`` skips the O(nnz) sign and finiteness checks (for trusted, generated input).
        """
        if isinstance(coefficients, pd.DataFrame):
            check_labels(coefficients, "coefficient matrix A")
            sectors = coefficients.index if sectors is None else sectors
        if sectors is None:
            raise BalanceError("coefficient matrix without sector labels: pass sectors=")
        a = _as_csc(coefficients, "coefficient matrix A")
        if a.shape != (len(sectors), len(sectors)):
            raise BalanceError(
                f"coefficient matrix A is {a.shape[0]} × {a.shape[1]} but there are {len(sectors)} sector labels"
            )
        if check:
            check_coefficients(a, sectors, "coefficient matrix A")
        y = _final_demand_frame(final_demand, sectors)
        s = _extension_frame(extension_coefficients, sectors, check)
        return cls(
            sectors=sectors,
            A=a,
            final_demand=y,
            extension_coefficients=s,
            final_demand_extensions=final_demand_extensions,
            gross_output=_vector(gross_output, sectors, "gross output", check),
            capacity=_vector(capacity, sectors, "capacity", check),
            prices=_vector(prices, sectors, "prices", check),
            population=population,
            name=name,
        )

    @classmethod
    def from_flows(
        cls,
        flows: pd.DataFrame,
        final_demand: pd.DataFrame | pd.Series,
        *,
        gross_output: pd.Series | None = None,
        extensions: pd.DataFrame | None = None,
        final_demand_extensions: pd.DataFrame | None = None,
        capacity: pd.Series | None = None,
        population: pd.Series | None = None,
        name: str = "io",
    ) -> IOSystem:
        """Build from flows Z [money] and final demand Y; gross output x = row sums of Z and Y unless given.

        A = Z · diag(x)⁻¹ and S = F · diag(x)⁻¹, with zero columns where x is 0 (as pymrio's calc_A).
        """
        check_labels(flows, "flow matrix Z")
        sectors = flows.index
        z = _as_csc(flows, "flow matrix Z")
        check_flows(z, sectors, "flow matrix Z")
        y = _final_demand_frame(final_demand, sectors)
        if gross_output is None:
            x = np.asarray(z.sum(axis=1)).ravel() + y.to_numpy().sum(axis=1)
        else:
            x = _vector(gross_output, sectors, "gross output", True).to_numpy()  # type: ignore[union-attr]
        colsum = np.asarray(z.sum(axis=0)).ravel()
        bad = np.flatnonzero((x <= 0) & (colsum > 0))
        if bad.size:
            raise BalanceError(
                f"sector {sectors[bad[0]]!r} uses inputs ({colsum[bad[0]]:g}) but its gross output is "
                f"{x[bad[0]]:g}; gross output must be positive where a column has flows"
            )
        inv = np.divide(1.0, x, out=np.zeros_like(x), where=x > 0)
        a = csc_array(z @ diags_array(inv))
        s = None
        if extensions is not None:
            check_extension(extensions, sectors, "extension F", allow_negative=True)
            s = extensions.reindex(columns=sectors) * inv
        return cls.from_coefficients(
            a,
            sectors,
            y,
            extension_coefficients=s,
            final_demand_extensions=final_demand_extensions,
            gross_output=pd.Series(x, index=sectors, name="gross_output"),
            capacity=capacity,
            population=population,
            name=name,
        )


def _final_demand_frame(final_demand: pd.DataFrame | pd.Series | None, sectors: pd.Index) -> pd.DataFrame:
    if final_demand is None:
        return pd.DataFrame({"final_demand": np.zeros(len(sectors))}, index=sectors)
    if isinstance(final_demand, pd.Series):
        final_demand = final_demand.to_frame(final_demand.name or "final_demand")
    check_final_demand(final_demand, sectors, "final demand Y")
    return final_demand.reindex(sectors).astype(float)


def _extension_frame(s: pd.DataFrame | None, sectors: pd.Index, check: bool) -> pd.DataFrame:
    if s is None:
        return pd.DataFrame(np.zeros((0, len(sectors))), columns=sectors)
    if check:
        check_extension(s, sectors, "extension coefficients S", allow_negative=True)
    return s.reindex(columns=sectors).astype(float)


def _vector(v: pd.Series | None, sectors: pd.Index, what: str, check: bool) -> pd.Series | None:
    if v is None:
        return None
    if check:
        check_vector(v, sectors, what)
    return v.reindex(sectors).astype(float)
