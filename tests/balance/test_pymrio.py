"""pymrio's own ``calc_all()`` on its bundled test system, run here and compared at 1e-9 relative."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from leapplan.balance.accounts import accounts
from leapplan.balance.leontief import leontief_columns, make_solver, total_output
from leapplan.balance.multipliers import multipliers
from leapplan.balance.pymrio_bridge import from_pymrio, to_pymrio
from leapplan.balance.solve import Method
from leapplan.balance.system import IOSystem

pymrio = pytest.importorskip("pymrio")

RTOL = 1e-9
ACCOUNTS = [
    "M",
    "M_down",
    "D_cba",
    "D_pba",
    "D_imp",
    "D_exp",
    "D_cba_reg",
    "D_pba_reg",
    "D_imp_reg",
    "D_exp_reg",
    "D_cba_cap",
    "D_pba_cap",
    "D_imp_cap",
    "D_exp_cap",
]


@pytest.fixture(scope="module")
def reference() -> tuple[Any, IOSystem]:
    io = pymrio.load_test()
    ours = from_pymrio(io)  # before calc_all: only Z, Y, F, F_Y and population are read
    io.calc_all(include_ghosh=True)
    return io, ours


def _close(ours: pd.DataFrame, theirs: pd.DataFrame, what: str) -> None:
    assert list(ours.columns) == list(theirs.columns), what
    a, b = ours.to_numpy(dtype=float), theirs.to_numpy(dtype=float)
    # relative to each entry, with entries below 1e-12 of the table's largest compared absolutely
    scale = np.maximum(np.abs(b), 1e-12 * np.abs(b).max())
    worst = float(np.max(np.abs(a - b) / scale))
    assert worst <= RTOL, f"{what}: worst relative difference {worst:.2e}"


@pytest.mark.parametrize("method", [Method.lu, Method.bicgstab])
def test_calc_all_matches_pymrio(reference: tuple[Any, IOSystem], method: Method) -> None:
    io, s = reference
    solver = make_solver(s, method, tol=1e-15 if method is not Method.lu else 1e-12)
    _close(total_output(s, solver).to_frame("indout"), io.x, "x")
    _close(leontief_columns(s, solver, list(s.sectors[:5])), io.L.iloc[:, :5], "L")
    m = multipliers(s, solver)
    acc = accounts(s, solver, m.extensions, ghosh=True)
    for ext in io.get_extensions(data=False, instance_names=True):
        theirs = getattr(io, ext)
        for name in ACCOUNTS:
            _close(getattr(acc, name).loc[ext], getattr(theirs, name), f"{ext}.{name}")


def test_round_trip_through_pymrio(reference: tuple[Any, IOSystem]) -> None:
    io, s = reference
    solver = make_solver(s)
    x = total_output(s, solver)
    back = to_pymrio(s, x=x)
    back.calc_all()
    again = from_pymrio(back)
    np.testing.assert_allclose(again.A.toarray(), s.A.toarray(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(back.x.iloc[:, 0].to_numpy(), io.x.iloc[:, 0].to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(back.emissions.M.to_numpy(), io.emissions.M.to_numpy(), rtol=RTOL)
    assert list(back.emissions.M.index) == list(io.emissions.M.index)
