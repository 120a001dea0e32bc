"""Published results reproduced to 1e-9 relative: Miller & Blair's two-sector example and pymrio's small MRIO."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from leapplan.balance.accounts import accounts
from leapplan.balance.leontief import gross_output, leontief_columns, leontief_rows, make_solver, total_output
from leapplan.balance.multipliers import Role, linkages, multipliers
from leapplan.balance.solve import Method
from leapplan.balance.system import IOSystem

if TYPE_CHECKING:
    from .conftest import SmallMRIO

RTOL = 1e-9


def miller_blair() -> IOSystem:
    """Miller & Blair (2009), Input-Output Analysis, 2nd ed., Table 2.3: flows, final demand, gross output;
    labour inputs 300 and 500 (labour coefficients 0.3 and 0.25, §2.6)."""
    sectors = pd.Index(["sec1", "sec2"])
    z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=sectors, columns=sectors)
    y = pd.DataFrame({"fd": [350.0, 1700.0]}, index=sectors)
    labour = pd.DataFrame([[300.0, 500.0]], index=["labour"], columns=sectors)
    return IOSystem.from_flows(z, y, extensions=labour)


@pytest.mark.parametrize("method", list(Method))
def test_miller_blair_two_sector(method: Method) -> None:
    s = miller_blair()
    # A (Table 2.4): 150/1000, 500/2000, 200/1000, 100/2000
    np.testing.assert_allclose(s.A.toarray(), [[0.15, 0.25], [0.20, 0.05]], rtol=1e-15)
    solver = make_solver(s, method)
    # L = adj(I − A) / det(I − A), det = 0.85·0.95 − 0.25·0.20 = 0.7575 (worked by hand)
    det = 0.7575
    L = np.array([[0.95, 0.25], [0.20, 0.85]]) / det
    np.testing.assert_allclose(leontief_columns(s, solver, ["sec1", "sec2"]).to_numpy(), L, rtol=RTOL)
    np.testing.assert_allclose(leontief_rows(s, solver, ["sec2"]).to_numpy(), L[[1]], rtol=RTOL)
    np.testing.assert_allclose(total_output(s, solver).to_numpy(), [1000.0, 2000.0], rtol=RTOL)
    # §2.3 example: new final demand (600, 1500) → x = L y
    y_new = pd.DataFrame({"fd": [600.0, 1500.0]}, index=s.sectors)
    np.testing.assert_allclose(gross_output(s, solver, y_new)["fd"].to_numpy(), L @ [600.0, 1500.0], rtol=RTOL)
    m = multipliers(s, solver)
    # simple output multipliers = column sums of L; labour multipliers = (0.3, 0.25) L
    np.testing.assert_allclose(m.output.to_numpy(), L.sum(axis=0), rtol=RTOL)
    np.testing.assert_allclose(m.extensions.loc["labour"].to_numpy(), np.array([0.3, 0.25]) @ L, rtol=RTOL)


def test_miller_blair_linkages() -> None:
    s = miller_blair()
    solver = make_solver(s)
    m = multipliers(s, solver)
    x = np.array([1000.0, 2000.0])
    links = linkages(s, solver, m.output, x)
    L = np.array([[0.95, 0.25], [0.20, 0.85]]) / 0.7575
    back = L.sum(axis=0) / L.sum(axis=0).mean()
    G = np.diag(1 / x) @ L @ np.diag(x)  # Ghosh inverse (Miller & Blair §12.1)
    fwd = G.sum(axis=1) / G.sum(axis=1).mean()
    np.testing.assert_allclose(links.table["backward"].to_numpy(), back, rtol=RTOL)
    np.testing.assert_allclose(links.table["forward"].to_numpy(), fwd, rtol=RTOL)
    # by hand: sec1 backward 1.0222, forward 1.2085 → key; sec2 0.9778, 0.7917 → weak
    assert list(links.table["role"]) == [Role.key.value, Role.weak.value]
    assert list(links.table["rank"]) == [1, 2]


@pytest.mark.parametrize("method", [Method.lu, Method.bicgstab, Method.gmres, Method.jacobi])
def test_pymrio_small_mrio_published(small_mrio: SmallMRIO, method: Method) -> None:
    t = small_mrio
    s = IOSystem.from_flows(t.Z, t.Y, extensions=t.F)
    assert s.gross_output is not None
    np.testing.assert_allclose(s.gross_output.to_numpy(), t.x, rtol=RTOL)
    np.testing.assert_allclose(s.extension_coefficients.to_numpy(), t.S, rtol=RTOL)
    solver = make_solver(s, method, tol=1e-14)
    L = leontief_columns(s, solver, list(s.sectors)).to_numpy()
    np.testing.assert_allclose(L, t.L, rtol=RTOL)
    m = multipliers(s, solver)
    np.testing.assert_allclose(m.extensions.to_numpy(), t.M, rtol=RTOL)
    acc = accounts(s, solver, m.extensions, ghosh=True)
    for ours, theirs in [(acc.D_cba, t.D_cba), (acc.D_pba, t.D_pba), (acc.D_imp, t.D_imp), (acc.D_exp, t.D_exp)]:
        np.testing.assert_allclose(ours.to_numpy(), theirs, rtol=RTOL)
    assert acc.M_down is not None
    np.testing.assert_allclose(acc.M_down.to_numpy(), t.M_down_8, atol=1e-8)
    # Ghosh row sums (forward linkage before normalisation) against the published G, quoted to 8 decimals
    x = s.gross_output.to_numpy()
    np.testing.assert_allclose(solver.solve(x) / x, t.G_8.sum(axis=1), atol=5e-8)
    # footprints add up: consumption = production + imports − exports (pymrio's identity)
    np.testing.assert_allclose(
        acc.D_cba.sum(axis=1), acc.D_pba.sum(axis=1) + acc.D_imp.sum(axis=1) - acc.D_exp.sum(axis=1), rtol=RTOL
    )
