"""Consumption- and production-based accounts of extensions (footprints), as pymrio's ``calc_all`` gives them.

Same definitions as pymrio 0.7 (``pymrio.tools.iomath.calc_accounts``), computed without L:
with Y_agg the final demand summed per consuming region (n × R) and M = S L,

* ``D_cba[:, (r, s)] = Σ_q M[:, (q, s)] · Y_agg[(q, s), r]`` — footprint of region r's demand for product s;
* ``D_pba = S · diag(L Σ_r Y_agg)`` — extension use where it happens;
* ``D_imp[:, (r, s)]`` — the part of D_cba[:, (r, s)] that happens outside region r
  (D_cba minus the same sum with M restricted to region r's producers: one transposed solve per region);
* ``D_exp = S · diag(x_exp)`` with x_exp[i] = x_tot[i] − (L Y_agg[:, region(i)])[i] — output for other regions' demand;
* ``M_down = S (Gᵀ − I)`` with G = diag(x)⁻¹ L diag(x), i.e. (L (S diag x)ᵀ)ᵀ diag(x)⁻¹ − S.

Region totals (``*_reg``) add the direct final-demand extensions F_Y for D_cba and D_pba; per-head
accounts (``*_cap``) divide by population. Units: extension units (per person for ``*_cap``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leapplan.balance.solve import LeontiefSolver
from leapplan.balance.system import IOSystem
from leapplan.errors import BalanceError


@dataclass(frozen=True)
class Accounts:
    """Extension accounts: rows are extension rows, columns (region, sector) or regions."""

    M: pd.DataFrame
    M_down: pd.DataFrame | None
    D_cba: pd.DataFrame
    D_pba: pd.DataFrame
    D_imp: pd.DataFrame
    D_exp: pd.DataFrame
    D_cba_reg: pd.DataFrame
    D_pba_reg: pd.DataFrame
    D_imp_reg: pd.DataFrame
    D_exp_reg: pd.DataFrame
    D_cba_cap: pd.DataFrame | None
    D_pba_cap: pd.DataFrame | None
    D_imp_cap: pd.DataFrame | None
    D_exp_cap: pd.DataFrame | None


def aggregate_final_demand(system: IOSystem) -> pd.DataFrame:
    """Final demand summed over categories per consuming region (columns' first level) [row units]."""
    y = system.final_demand
    if isinstance(y.columns, pd.MultiIndex):
        level = "region" if "region" in y.columns.names else 0
        return y.T.groupby(level=level, sort=False).sum().T
    return y


def _by_region_columns(frame: pd.DataFrame) -> pd.DataFrame:
    level = "region" if "region" in frame.columns.names else 0
    return frame.T.groupby(level=level, sort=False).sum().T


def footprints(system: IOSystem, M: pd.DataFrame, final_demand: pd.DataFrame) -> pd.DataFrame:
    """Consumption-based footprint of each final-demand column: M · Y [extension unit per column]."""
    return pd.DataFrame(
        M.to_numpy() @ final_demand.reindex(system.sectors).to_numpy(), index=M.index, columns=final_demand.columns
    )


def accounts(system: IOSystem, solver: LeontiefSolver, M: pd.DataFrame, ghosh: bool = False) -> Accounts:
    """All pymrio-style accounts for a multi-regional system whose sectors are a full region × sector grid."""
    if not system.is_multiregional:
        raise BalanceError("accounts need (region, sector) labels; this system has a single-level sector index")
    regions = system.regions
    sectors = system.sector_names
    n_r, n_s, n = len(regions), len(sectors), system.n
    grid = pd.MultiIndex.from_product([regions, sectors], names=system.sectors.names)
    if n != n_r * n_s or not system.sectors.equals(grid):
        raise BalanceError("accounts need sectors ordered region by region, each region with the same sectors")
    y_agg = aggregate_final_demand(system)
    cons = y_agg.columns
    y3 = y_agg.to_numpy().reshape(n_r, n_s, len(cons))
    s = system.extension_coefficients
    k = len(s.index)
    s_np = s.to_numpy(dtype=float)
    m3 = M.to_numpy().reshape(k, n_r, n_s)
    cols = pd.MultiIndex.from_product([cons, sectors], names=[cons.name or "region", system.sectors.names[1]])
    d_cba = np.einsum("kqs,qsc->kcs", m3, y3).reshape(k, -1)

    # forward solves: output for each consuming region's demand, and totals
    x_by_region = solver.solve(y_agg.to_numpy())
    x_tot = x_by_region.sum(axis=1)
    d_pba = s_np * x_tot[None, :]
    own = np.full(n, -1)
    region_of = np.repeat(np.arange(n_r), n_s)
    cons_pos = pd.Index(cons).get_indexer(regions)
    own = cons_pos[region_of]
    x_home = np.where(own >= 0, x_by_region[np.arange(n), np.maximum(own, 0)], 0.0)
    d_exp = s_np * (x_tot - x_home)[None, :]

    # domestic part of each consuming region's footprint: M restricted to that region's producers
    d_imp = d_cba.reshape(k, len(cons), n_s).copy()
    if k:
        rhs = np.zeros((n, n_r * k))
        for r in range(n_r):
            block = slice(r * n_s, (r + 1) * n_s)
            rhs[block, r * k : (r + 1) * k] = s_np[:, block].T
        m_dom = solver.solve_transposed(rhs).T.reshape(n_r, k, n_r, n_s)  # producer region, ext, (q, s)
        for c, reg in enumerate(cons):
            r = regions.get_loc(reg) if reg in regions else -1
            if r >= 0:
                d_imp[:, c, :] -= np.einsum("kqs,qs->ks", m_dom[r], y3[:, :, c])
    d_imp = d_imp.reshape(k, -1)

    frame = lambda data, columns: pd.DataFrame(data, index=s.index, columns=columns)  # noqa: E731
    D_cba, D_imp = frame(d_cba, cols), frame(d_imp, cols)
    D_pba, D_exp = frame(d_pba, system.sectors), frame(d_exp, system.sectors)
    m_down = None
    if ghosh:
        x = system.gross_output.to_numpy() if system.gross_output is not None else x_tot
        f = s_np * x[None, :]
        lf = solver.solve(f.T).T if k else np.zeros((0, n))
        inv_x = np.divide(1.0, x, out=np.zeros_like(x), where=x != 0)
        m_down = frame(lf * inv_x[None, :] - s_np, system.sectors)
    f_y_agg: pd.DataFrame | int = 0
    if system.final_demand_extensions is not None:
        f_y_agg = _by_region_columns(system.final_demand_extensions)
    D_cba_reg = _by_region_columns(D_cba) + f_y_agg
    D_pba_reg = _by_region_columns(D_pba) + f_y_agg
    D_imp_reg = _by_region_columns(D_imp)
    D_exp_reg = _by_region_columns(D_exp)
    caps: list[pd.DataFrame | None] = [None] * 4
    if system.population is not None:
        pop = system.population
        caps = [d / pop[d.columns] for d in (D_cba_reg, D_pba_reg, D_imp_reg, D_exp_reg)]
    return Accounts(M, m_down, D_cba, D_pba, D_imp, D_exp, D_cba_reg, D_pba_reg, D_imp_reg, D_exp_reg, *caps)
