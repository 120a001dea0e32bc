"""Multipliers (Miller & Blair 2009, ch. 6) and backward/forward linkages with a key-sector ranking.

All from a handful of solves: the output multipliers and every extension multiplier are rows of
Mᵀ = (I − A)⁻ᵀ Sᵀ (one transposed solve per extension row); Ghosh forward linkages are (L x)ᵢ / xᵢ
(one forward solve), since G = diag(x)⁻¹ L diag(x).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from leapplan.balance.solve import LeontiefSolver
from leapplan.balance.system import IOSystem


class Role(StrEnum):
    """Rasmussen–Hirschman class of a sector by its normalised linkages."""

    key = "key"  # backward > 1 and forward > 1
    backward = "backward"  # backward > 1 only: pulls on suppliers
    forward = "forward"  # forward > 1 only: pushes to users
    weak = "weak"


_ROLES = (Role.key, Role.backward, Role.forward, Role.weak)


@dataclass(frozen=True)
class Multipliers:
    """``output``: value of gross output in all sectors per unit value of final demand for each sector
    (simple output multiplier, Miller & Blair §6.2) [money per money]; ``extensions``: total (direct and
    indirect) extension use per unit of final demand (pymrio's M = S L) [extension unit per unit of product]."""

    output: pd.Series
    extensions: pd.DataFrame


def multipliers(system: IOSystem, solver: LeontiefSolver) -> Multipliers:
    """Output multipliers and the multipliers of every extension row, in one block of transposed solves."""
    p = system.value_scale()
    s = system.extension_coefficients.to_numpy(dtype=float)
    counted = p * system.producing
    rhs = np.column_stack([counted, s.T]) if s.size else counted[:, None]
    z = solver.solve_transposed(rhs)
    output = pd.Series(
        np.divide(z[:, 0], p, out=np.zeros(system.n), where=p > 0), index=system.sectors, name="output_multiplier"
    )
    ext = pd.DataFrame(z[:, 1:].T, index=system.extension_coefficients.index, columns=system.sectors)
    return Multipliers(output=output, extensions=ext)


def value_added_coefficients(system: IOSystem) -> pd.Series:
    """Value added per unit of output: price minus the value of inputs, p_j − Σᵢ pᵢ a_ij [money per unit]."""
    p = system.value_scale()
    inputs = system.A.T @ p
    return pd.Series(p - inputs, index=system.sectors, name="value_added")


@dataclass(frozen=True)
class Linkages:
    """Per sector: ``backward`` Rasmussen backward linkage (value column sums of L over their mean) [-],
    ``forward`` Ghosh forward linkage (row sums of G over their mean) [-], ``role`` and ``rank``
    (1 = strongest: key sectors first, then by backward + forward; 0 = not ranked). Sectors with zero output
    get forward 0."""

    table: pd.DataFrame

    def key_sectors(self) -> pd.DataFrame:
        """Rows of the key sectors, strongest first."""
        t = self.table
        return t[(t["role"] == Role.key.value) & (t["rank"] > 0)].sort_values("rank")


def linkages(
    system: IOSystem,
    solver: LeontiefSolver,
    output_multiplier: pd.Series,
    x: np.ndarray,
    among: np.ndarray | None = None,
) -> Linkages:
    """Backward (Rasmussen) and forward (Ghosh) linkages from the output multipliers and gross output x.

    Both are normalised by their mean over the ``among`` sectors (default: all producing sectors), and only
    those are ranked (others get rank 0). Pass-through markets count in neither sum.
    """
    among = system.producing if among is None else np.asarray(among, dtype=bool)
    back_raw = output_multiplier.to_numpy()
    mean_back = back_raw[among].mean() if among.any() else 0.0
    backward = back_raw / mean_back if mean_back > 0 else back_raw
    x = np.asarray(x, dtype=float)
    lx = solver.solve(x * system.producing)
    pos = x > 0
    ghosh = np.divide(lx, x, out=np.zeros_like(x), where=pos)
    sel = pos & among
    forward = ghosh / ghosh[sel].mean() if sel.any() else ghosh
    code = np.where(
        (backward > 1) & (forward > 1), 0, np.where(backward > 1, 1, np.where(forward > 1, 2, 3))
    )  # order of _ROLES: key, backward, forward, weak
    roles = np.array([r.value for r in _ROLES], dtype=object)[code]
    table = pd.DataFrame({"backward": backward, "forward": forward, "role": roles}, index=system.sectors)
    idx = np.flatnonzero(among)
    order = idx[np.lexsort((-(backward + forward)[idx], code[idx]))]
    rank = np.zeros(system.n, dtype=int)
    rank[order] = np.arange(1, len(order) + 1)
    table["rank"] = rank
    return Linkages(table=table)
