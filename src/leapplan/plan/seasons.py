"""The seasons of a quarterly plan (``Scenario.seasons``): farm work, harvest and eating by quarter.

With f_q, h_q and c_q the shares of the year's farm work, harvest and grain eaten in quarter q (each summing to 1
over the year), a year's grain is the yield curve at W year-round farm workers, with the fields needing 4 f_q W
workers in quarter q; the grain comes in as harvested:

    grain[p, r] ≤ 4 h_p × dt × (intercept_k × land_r + slope_k × factor_r × farm[q, r] / (4 f_q))
                  for every quarter q of p's year with f_q > 0 and every segment k of the curve

(so the quarter that needs most hands binds the whole year's harvest: labour drawn away at harvest costs grain),
and the food floor and the consumption guardrail of quarter p are 4 c_p times a quarter of the year's. Grain
harvested in one quarter and eaten in a later one is held in the state's store (``food.define_reserve``), losing
its storage share each quarter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leapplan.plan.index import PlanIndex
from leapplan.plan.model import Build, grid
from leapplan.plan.terms import Terms
from leapplan.scenario.model import Period, Scenario


def seasonal(s: Scenario) -> bool:
    """True when the plan follows seasons: a quarterly scenario with seasonal profiles."""
    return s.period is Period.quarter and s.seasons is not None


def factors(s: Scenario, ix: PlanIndex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(farm work, harvest, eating) of each plan period relative to an even quarter: 4 × the quarter's share
    (ones without seasons) [-]."""
    n = len(ix.periods)
    if not seasonal(s) or s.seasons is None:
        return np.ones(n), np.ones(n), np.ones(n)
    quarter = np.array([int(str(p)[-1]) - 1 for p in ix.periods])
    out = [4 * np.asarray(prof.shares, dtype=float)[quarter] for prof in (s.seasons.farm_labour, s.seasons.harvest)]
    return out[0], out[1], 4 * np.asarray(s.seasons.consumption.shares, dtype=float)[quarter]


def define_curve(b: Build) -> None:
    """Grain of each farm region and quarter within its harvest share of the year's yield curve, at the farm
    workers of the quarter of its year that has fewest for the work it needs [t per period]."""
    s, ix, lay = b.s, b.ix, b.lay
    farms = lay.farms
    nF = len(farms)
    fr = ix.regions.reindex(farms)
    FA, GR = b.labels("farm"), b.labels("grain")
    work, harvest, _ = factors(s, ix)
    Sg = pd.Index(ix.segments.index, name="segment")
    nS = len(Sg)
    Q = pd.Index(np.arange(4), name="season")
    curve = Terms([b.P, Q, farms, Sg])
    rhs = np.zeros((b.nP, 4, nF, nS))
    keep = np.zeros((b.nP, 4, nF, nS), dtype=bool)
    land = fr["farmland"].to_numpy() * fr["factor"].to_numpy()
    factor = fr["factor"].to_numpy()
    first = np.arange(b.nP) - np.arange(b.nP) % 4  # first quarter of each period's year
    pf, kf = grid(b.nP, nF)
    for k, (icpt, slope) in enumerate(zip(ix.segments["intercept"], ix.segments["slope"], strict=True)):
        for q in range(4):
            other = first[pf] + q
            rows = ((pf * 4 + q) * nF + kf) * nS + k
            live = (other < b.nP) & (work[np.clip(other, 0, b.nP - 1)] > 0)
            if harvest.min() <= 0:  # a quarter without harvest needs one row (grain ≤ 0), not one per line
                live &= (harvest[pf] > 0) | ((q == 0) & (k == 0))
            keep.reshape(-1)[rows[live]] = True
            curve.add(rows[live], GR[pf, kf][live], 1.0)
            per = b.step * slope * factor[kf] * harvest[pf] / np.where(live, work[np.clip(other, 0, b.nP - 1)], 1.0)
            curve.add(rows[live], FA[np.clip(other, 0, b.nP - 1), kf][live], -per[live])
            rhs[:, q, :, k] = b.step * icpt * harvest[:, None] * land[None, :]
    grain_inv = float(b.inv_scale([s.agriculture.grain_product])[0])
    b.rows.add(
        b.m, curve, "<=", curve.dataarray(rhs), name="grain_curve", scaling=grain_inv, mask=curve.dataarray(keep) > 0
    )
