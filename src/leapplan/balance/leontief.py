"""Leontief quantities of a system: gross output, and selected columns or rows of L = (I − A)⁻¹.

L is never formed: a column j of L is one solve with the unit vector e_j, a row i is one transposed solve.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from leapplan.balance.productivity import require_productive
from leapplan.balance.solve import LeontiefSolver, Method
from leapplan.balance.system import IOSystem
from leapplan.errors import BalanceError


def make_solver(system: IOSystem, method: Method | str = Method.auto, tol: float = 1e-12) -> LeontiefSolver:
    """Check productivity (raises ``BalanceError`` naming the culprits) and prepare a solver for the system.

    The check's result is kept on the solver as ``solver.productivity``."""
    scale = system.prices.to_numpy() if system.prices is not None else None
    try:
        solver = LeontiefSolver(system.A, method=method, tol=tol, scale=scale)
    except BalanceError:
        require_productive(system)  # names the culprits when it is a productivity problem
        raise
    solver.productivity = require_productive(system, solver)
    return solver


def positions(system: IOSystem, labels: Sequence[object]) -> np.ndarray:
    """Row positions of sector labels; raises ``BalanceError`` naming an unknown label."""
    pos = system.sectors.get_indexer(pd.Index(list(labels)) if not isinstance(labels, pd.Index) else labels)
    if np.any(pos < 0):
        bad = [lab for lab, p in zip(labels, pos, strict=True) if p < 0][0]
        raise BalanceError(f"unknown sector {bad!r}; known sectors start with {list(system.sectors[:5])}")
    return pos


def gross_output(system: IOSystem, solver: LeontiefSolver, final_demand: pd.DataFrame | None = None) -> pd.DataFrame:
    """Gross output x = L y for each final-demand column [row units]; defaults to the system's final demand."""
    y = system.final_demand if final_demand is None else final_demand.reindex(system.sectors)
    x = solver.solve(y.to_numpy(dtype=float))
    return pd.DataFrame(x.reshape(system.n, -1), index=system.sectors, columns=y.columns)


def total_output(system: IOSystem, solver: LeontiefSolver) -> pd.Series:
    """Gross output for the total final demand (all categories summed) [row units]."""
    x = solver.solve(system.total_final_demand)
    return pd.Series(x, index=system.sectors, name="x")


def leontief_columns(system: IOSystem, solver: LeontiefSolver, labels: Sequence[object]) -> pd.DataFrame:
    """Columns of L for the given sectors: output of every sector per unit of final demand for each [-]."""
    pos = positions(system, labels)
    rhs = np.zeros((system.n, len(pos)))
    rhs[pos, np.arange(len(pos))] = 1.0
    cols = solver.solve(rhs)
    return pd.DataFrame(cols, index=system.sectors, columns=system.sectors[pos])


def leontief_rows(system: IOSystem, solver: LeontiefSolver, labels: Sequence[object]) -> pd.DataFrame:
    """Rows of L for the given sectors: output of each per unit of final demand of every sector [-]."""
    pos = positions(system, labels)
    rhs = np.zeros((system.n, len(pos)))
    rhs[pos, np.arange(len(pos))] = 1.0
    rows = solver.solve_transposed(rhs)
    return pd.DataFrame(rows.T, index=system.sectors[pos], columns=system.sectors)
