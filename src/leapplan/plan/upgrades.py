"""Upgrades as decisions: existing plants of one technology rebuilt as plants of another (``Scenario.upgrades``).

Variable (≥ 0):  up[period, path]  annual capacity of the old technology taken out of service at the start of the
period to be rebuilt [old product units per year]; a path is one upgrade at one existing unit (region/upgrade/owner).

In the rows of the plan it
  * takes ``up`` out of the old unit's capacity from its period on (``capacity``),
  * adds ``ratio × up`` to the new technology's unit in the region once the rebuilding is done (``time`` after the
    start) and for the new technology's lifetime (``capacity``; technicians the new technology needs, too),
  * costs ``cost × ratio × up`` yuan, paid from the funds that may build the new technology there (``funds``,
    ``build_funding``) and counted with the cost of building in the objective;
  * and never rebuilds more than the unit's base-year capacity (``upgrade_limit``).
The rebuilt plant is run by the old plant's owner when that level runs plants of the new technology in the region,
otherwise by the level that builds there (``index.DEFAULT_OWNER``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from leapplan.plan.index import DEFAULT_OWNER, SEP, PlanIndex
from leapplan.plan.model import Build, PlanModel, grid, row
from leapplan.plan.terms import Terms
from leapplan.scenario.model import Scenario

NAME = "up"
"""Name of the upgrade variable."""


@dataclass(frozen=True)
class Paths:
    """Every (existing unit, upgrade) the plan may choose, with the share of each period rebuilt capacity serves."""

    frame: pd.DataFrame
    """index 'path' = region/upgrade/ownership; upgrade, region, ownership, from_unit, to_unit, from_technology,
    to_technology, product, base [units/yr], ratio [-], cost [yuan per new unit/yr], time [years], kept [-],
    labour [person-years per unit], funded (bool)."""
    avail: np.ndarray
    """avail[q, p, k]: share of period p in which capacity rebuilt on path k from the start of period q serves [-]."""


def paths_of(s: Scenario, ix: PlanIndex) -> Paths:
    """The upgrade paths of scenario ``s`` laid out on the plan index ``ix``."""
    units = ix.units
    techs = {t.id: t for t in s.technologies}
    kinds = {r.id: r.kind for r in s.regions}
    funded = set(ix.sole_class.index) | set(ix.spend_pairs["unit"])
    rows = []
    for u in s.upgrades:
        old = units[(units["technology"] == u.from_technology) & (units["base"] > 0)]
        new = techs[u.to_technology]
        for key, r in old.iterrows():
            to = SEP.join((r["region"], u.to_technology, r["ownership"]))
            if to not in units.index:
                to = SEP.join((r["region"], u.to_technology, DEFAULT_OWNER[kinds[r["region"]]].value))
            if to not in units.index:
                continue
            rows.append(
                {
                    "path": SEP.join((r["region"], u.id, r["ownership"])),
                    "upgrade": u.id,
                    "region": r["region"],
                    "ownership": r["ownership"],
                    "from_unit": key,
                    "to_unit": to,
                    "from_technology": u.from_technology,
                    "to_technology": u.to_technology,
                    "product": new.product,
                    "base": float(r["base"]),
                    "ratio": u.capacity_ratio,
                    "cost": u.cost,
                    "time": u.time,
                    "kept": u.workforce_kept,
                    "labour": float(r["labour"]),
                    "lifetime": new.lifetime,
                    "funded": u.cost <= 0 or to in funded,
                }
            )
    columns = ["path", "upgrade", "region", "ownership", "from_unit", "to_unit", "from_technology", "to_technology"]
    columns += ["product", "base", "ratio", "cost", "time", "kept", "labour", "lifetime", "funded"]
    frame = pd.DataFrame(rows, columns=columns).set_index("path")
    start, step = ix.start, ix.dt
    on = start[:, None, None] + frame["time"].to_numpy()[None, None, :]
    off = on + frame["lifetime"].to_numpy()[None, None, :]
    p0 = start[None, :, None]
    avail = np.clip(np.minimum(off, p0 + step) - np.maximum(on, p0), 0.0, step) / step
    return Paths(frame, np.asarray(avail))


def define_upgrades(b: Build) -> None:
    """The upgrade variable ``up`` and its own row: what a unit rebuilds over the plan within its base-year
    capacity [units per year]. Its terms in the capacity, technician and funds rows come from the functions below,
    called by ``define_capacity``, ``define_technicians`` and ``define_funds``."""
    paths = paths_of(b.s, b.ix)
    K = pd.Index(paths.frame.index, name="path")
    if not len(K):
        return
    useful = (paths.avail.sum(axis=1) > 0) & paths.frame["funded"].to_numpy()[None, :]
    b.m.add_variables(
        lower=0,
        coords=[b.P, K],
        name=NAME,
        scaling=b.per(K, b.inv_scale(paths.frame["product"])),
        mask=xr.DataArray(useful, coords=[b.P, K]),
    )
    U = b.labels(NAME)
    limit = Terms([K])
    for p in range(b.nP):
        limit.add(np.arange(len(K)), U[p], 1.0)
    b.rows.add(
        b.m,
        limit,
        "<=",
        limit.dataarray(paths.frame["base"].to_numpy()),
        name="upgrade_limit",
        mask=limit.dataarray(limit.has_terms()) > 0,
        scaling=xr.DataArray(b.inv_scale(paths.frame["product"]), coords=[K]),
    )


def _labels(b: Build) -> np.ndarray | None:
    return b.labels(NAME) if NAME in b.m.variables else None


def add_capacity(b: Build, cap: Terms, nU: int) -> None:
    """Terms of the upgrades in the capacity rows (on the (period, unit) grid) [product units per period]."""
    U = _labels(b)
    if U is None:
        return
    paths = paths_of(b.s, b.ix)
    f = paths.frame
    units = b.ix.units.index
    old, new = units.get_indexer(f["from_unit"]), units.get_indexer(f["to_unit"])
    ratio = f["ratio"].to_numpy()
    for q in range(b.nP):
        for p in range(q, b.nP):
            cap.add(row(p, old, nU), U[q], b.step)
            share = paths.avail[q, p]
            cap.add(row(p, new, nU), U[q], -b.step * ratio * share)


def add_technicians(b: Build, tt: Terms, regions: pd.Index) -> None:
    """Terms of the rebuilt capacity's technicians in the technician rows (on the (period, tech_region) grid)
    [persons]."""
    U = _labels(b)
    if U is None:
        return
    paths = paths_of(b.s, b.ix)
    f = paths.frame
    need = b.ix.units["technicians"].reindex(f["to_unit"]).to_numpy() * f["ratio"].to_numpy()
    ri = regions.get_indexer(f["region"])
    for q in range(b.nP):
        for p in range(b.nP):
            tt.add(row(p, np.where(need > 0, ri, -1), len(regions)), U[q], need * paths.avail[q, p])


def technician_regions(b: Build) -> set[str]:
    """Regions whose rebuilt capacity needs technicians."""
    if _labels(b) is None:
        return set()
    f = paths_of(b.s, b.ix).frame
    need = b.ix.units["technicians"].reindex(f["to_unit"]).to_numpy()
    return set(f["region"][need > 0])


def add_funds(b: Build, fc: Terms, classes: pd.Index, build: pd.Index, funding: Terms | None) -> None:
    """Terms of the upgrades' cost: in the funds row of the sole fund class that may build the new technology's
    unit, or in that unit's ``build_funding`` row (on the (period, build) grid) when several classes may pay [yuan]."""
    U = _labels(b)
    if U is None:
        return
    paths = paths_of(b.s, b.ix)
    f = paths.frame
    money = (f["cost"] * f["ratio"]).to_numpy()
    sole = b.ix.sole_class.reindex(f["to_unit"])
    ci = classes.get_indexer(sole.fillna("").to_numpy())
    vi = build.get_indexer(f["to_unit"])
    for p in range(b.nP):
        fc.add(row(p, ci, len(classes)), U[p], money)
        if funding is not None:
            funding.add(row(p, np.where(ci < 0, vi, -1), len(build)), U[p], -money)


def cost_terms(pm: PlanModel) -> tuple[np.ndarray, np.ndarray]:
    """Labels and coefficients of the funds the upgrades cost [yuan] (empty when there are none)."""
    if NAME not in pm.model.variables:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    f = paths_of(pm.scenario, pm.index).frame
    labels = np.asarray(pm.model.variables[NAME].labels.values)
    return labels.ravel(), np.tile((f["cost"] * f["ratio"]).to_numpy(), labels.shape[0])


def capacity_change(paths: Paths, up: np.ndarray, units: pd.Index) -> np.ndarray:
    """(period, unit) capacity in service added (new technology) and taken out (old) by the upgrades
    [units per year]."""
    nP = up.shape[0]
    out = np.zeros((nP, len(units)))
    if not up.size:
        return out
    f = paths.frame
    old, new = units.get_indexer(f["from_unit"]), units.get_indexer(f["to_unit"])
    gone = np.cumsum(up, axis=0)
    came = np.einsum("qpk,qk->pk", paths.avail, up) * f["ratio"].to_numpy()
    pp, kk = grid(nP, len(f))
    np.add.at(out, (pp, old[kk]), -gone.ravel())
    np.add.at(out, (pp, new[kk]), came.ravel())
    return out
