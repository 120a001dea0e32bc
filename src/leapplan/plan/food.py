"""Farming, food, household consumption and the state grain reserve: the plan's guardrails on agriculture and
people, and the margin it holds against harvest risk (``define_*``).

Food under risk. In a run of adverse harvests w (sample k of the regions' own shocks and harvest draws) a farm
region loses ``loss × grain`` in each period of the run (+ the campaign's extra draw). Its households give up what
they eat above the floor first; the rest, ``uncovered``, must come out of the state reserve:

    uncovered[w, k, q, f] ≥ loss[w, k, q, f] × grain[q, f] + campaign[w, k, q, f] × Gmax_f × moved[q, f]
                            − (food[q, f] − floor_f)                    for each period q of window w
    Σ_q keep^(p − q) Σ_f uncovered[w, k, q, f] ≤ Σ_r stock[p, r]        p the last period of window w
    stock[p, r] = keep × stock[p − 1, r] + put[p, r] − take[p, r],      keep = (1 − loss)^dt
    stock[−1, r] = the region's reserve, or agriculture.reserve's rest × r's share of the population
    Σ_r stock[year end, r] ≥ agriculture.reserve                        (the plan hands the reserve on)

The reserve is held in each region's granaries: grain put in at one region is taken out there, and grain that
moves between regions is shipped (the plan's freight). A single pooled stock let a plan put grain in where it
grew and take it out in the cities, moving it for nothing: on shanxi-1958 350,000–670,000 t a year, most of it
to Taiyuan. In a bad year the cover may come from any region's store (relief moves grain as it must).

A window is a run of consecutive periods ending in p whose scenario-wide shocks add up to a 1-in-1/(1 − food_risk)
run (``simulate.harvest.risk_outcomes``): one very bad year, or several bad ones in a row that drain the reserve
between them; the plan covers every window ending in every period.

The simulation carries a plan out by the same rule (households absorb a shortfall down to the floor, the state
releases reserve grain to lift them to it, and buys a harvest above plan into the reserve).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from linopy import Model

from leapplan.plan import seasons
from leapplan.plan.index import PlanIndex
from leapplan.plan.model import Build, grid, row
from leapplan.plan.terms import Terms
from leapplan.scenario.accounts import base_food_per_head, base_grain, base_output
from leapplan.scenario.model import Scenario
from leapplan.simulate.harvest import RiskOutcomes, period_persistence, risk_outcomes

FOOD_SATIATION = 1.2
"""Grain eaten per head above this multiple of the base year's adds nothing more to the plan's objective [-]."""
GOODS_SATIATION = 1.25
"""The same for every other consumer good [-]."""


def food_levels(s: Scenario, ix: PlanIndex, people: pd.Index) -> pd.DataFrame:
    """Per region with people: population, floor (the food floor), lower (what the plan must feed: the floor or
    the base year's grain eaten per head × consumption guardrail, the larger) and satiation, in t per period."""
    pop = ix.regions["population"].reindex(people).to_numpy()
    grain_id = s.agriculture.grain_product
    base = base_food_per_head(s)
    floor = max(s.guardrails.food_per_head / 1000, float(ix.products.at[grain_id, "consumption"]))
    lower = max(floor, s.guardrails.consumption_per_head * base)
    full = max(lower, FOOD_SATIATION * base)
    return pd.DataFrame(
        {
            "population": pop,
            "floor": pop * floor * ix.dt,
            "lower": pop * lower * ix.dt,
            "satiation": pop * full * ix.dt,
        },
        index=people,
    )


def consumer_nodes(b: Build) -> pd.DataFrame:
    """Balance nodes of consumer goods other than grain: region, product, room [units per period] for consumption
    above the guardrail that still counts (up to ``GOODS_SATIATION`` × the base year's per head)."""
    nodes = b.lay.nodes
    eats = (nodes["households"] > 0) & (nodes["product"] != b.s.agriculture.grain_product)
    out = nodes.loc[eats, ["region", "product"]].copy()
    share = b.s.guardrails.consumption_per_head
    out["room"] = nodes.loc[eats, "households"].to_numpy() * max(0.0, GOODS_SATIATION - share)
    out.index.name = "consumer_node"
    return out


def grain_nodes(b: Build) -> pd.Index:
    """Balance nodes of grain (dim 'grain_node')."""
    nodes = b.lay.nodes
    return pd.Index(nodes.index[nodes["product"] == b.s.agriculture.grain_product], name="grain_node")


def _per_ha_range(b: Build) -> tuple[np.ndarray, np.ndarray]:
    """Least and most farm workers per ha each farm region's plan can have."""
    fr = b.ix.regions.reindex(b.lay.farms)
    lf, land = fr["labour_force"].to_numpy(), fr["farmland"].to_numpy()
    agr = b.ix.agreements
    inflow = agr[agr["kind"] == "labour"].groupby("to_region")["quantity"].sum()
    inflow = inflow.reindex(b.lay.farms, fill_value=0.0).to_numpy(dtype=float)
    lo = np.zeros(len(lf)) if b.elastic else b.s.guardrails.min_farm_share * lf / land
    return lo, (lf + inflow) / land


def risk_outcomes_of(b: Build) -> RiskOutcomes | None:
    """The adverse harvest outcomes the plan covers, or None when the guardrail is off (or nothing to cover)."""
    s = b.s
    if s.guardrails.food_risk <= 0 or s.guardrails.food_per_head <= 0 or not len(b.lay.farms):
        return None
    from leapplan.plan.model import RISK_SAMPLES

    xs, ys = (np.array(v, dtype=float) for v in zip(*s.agriculture.yield_curve, strict=True))
    st = s.simulation
    # each window's draws are judged at the base year's harvest and the margin the guardrails leave above the floor
    farms = b.lay.farms
    harvest = base_grain(s).reindex(farms, fill_value=0.0).to_numpy() * b.step
    lv = food_levels(s, b.ix, b.lay.people)
    at = b.lay.people.get_indexer(farms)
    spare = (lv["lower"] - lv["floor"]).to_numpy()
    margin = np.where(at >= 0, spare[np.clip(at, 0, None)], 0.0)
    return risk_outcomes(
        s.guardrails.food_risk,
        st.harvest_sd,
        st.regional_harvest_sd,
        st.harvest_draw,
        st.harvest_draw_campaign,
        xs,
        ys,
        _per_ha_range(b),
        b.nP,
        RISK_SAMPLES,
        s.seed,
        judge=(harvest, margin),
        persistence=period_persistence(st.harvest_persistence, b.ix.dt),
    )


def define_farming(b: Build) -> None:
    """Farm labour at least the least farm share; grain within the concave yield curve; and the agriculture
    guardrail: each farm region's grain, and agriculture's usable output value, at least
    ``guardrails.agriculture`` × the base year's [t and yuan per period]."""
    s, ix, lay = b.s, b.ix, b.lay
    farms = lay.farms
    if not len(farms):
        return
    nF = len(farms)
    fr = ix.regions.reindex(farms)
    FA, GR = b.labels("farm"), b.labels("grain")
    pf, kf = grid(b.nP, nF)
    mf = Terms([b.P, farms])
    mf.add(row(pf, kf, nF), FA[pf, kf], 1.0)
    if b.elastic:
        fs = b.m.add_variables(lower=0, coords=[b.P, farms], name="farm_short")
        mf.add(row(pf, kf, nF), np.asarray(fs.labels.values)[pf, kf], np.tile(fr["labour_force"].to_numpy(), b.nP))
    floor_farm = np.tile(fr["labour_force"].to_numpy() * s.guardrails.min_farm_share, (b.nP, 1))
    b.rows.add(b.m, mf, ">=", mf.dataarray(floor_farm), name="min_farm", scaling=1e-4)

    grain_inv = float(b.inv_scale([s.agriculture.grain_product])[0])
    if seasons.seasonal(s):
        seasons.define_curve(b)
    else:
        Sg = pd.Index(ix.segments.index, name="segment")
        nS = len(Sg)
        curve = Terms([b.P, farms, Sg])
        land = fr["farmland"].to_numpy() * fr["factor"].to_numpy()
        rhs = np.zeros((b.nP, nF, nS))
        for k, (icpt, slope) in enumerate(zip(ix.segments["intercept"], ix.segments["slope"], strict=True)):
            rows = (pf * nF + kf) * nS + k
            curve.add(rows, GR[pf, kf], 1.0)
            curve.add(rows, FA[pf, kf], -b.step * slope * fr["factor"].to_numpy()[kf])
            rhs[:, :, k] = b.step * icpt * land
        # the curve is the least of its lines; only lines of segments the farm workers per ha can reach matter
        lo, hi = _per_ha_range(b)
        reach = (ix.segments["start"].to_numpy()[None, :] <= hi[:, None] + 1e-12) & (
            ix.segments["end"].to_numpy()[None, :] >= lo[:, None] - 1e-12
        )
        mask = np.broadcast_to(reach, (b.nP, nF, nS))
        b.rows.add(
            b.m,
            curve,
            "<=",
            curve.dataarray(rhs),
            name="grain_curve",
            scaling=grain_inv,
            mask=curve.dataarray(mask) > 0,
        )

    share = s.guardrails.agriculture
    if share <= 0:
        return
    _, harvest, _ = seasons.factors(s, ix)
    base = base_grain(s).reindex(farms, fill_value=0.0).to_numpy() * share * b.step
    floor = np.outer(harvest, base)
    gf = Terms([b.P, pd.Index(farms, name="grain_farm")])
    gf.add(row(pf, kf, nF), GR[pf, kf], 1.0)
    if b.elastic:
        gs = b.m.add_variables(lower=0, upper=1, coords=[b.P, farms], name="grain_short")
        gf.add(row(pf, kf, nF), np.asarray(gs.labels.values)[pf, kf], floor.ravel())
    b.rows.add(b.m, gf, ">=", gf.dataarray(floor), name="grain_floor", scaling=grain_inv)

    price = ix.products["price"]
    grain_price = float(price[s.agriculture.grain_product])
    units = ix.units
    farm_made = np.flatnonzero(units["sector"].to_numpy() == "agriculture")
    coeff = (units["usable"] * units["price"]).to_numpy()[farm_made]
    Pi = pd.Index(b.P, name="agriculture_period")
    av = Terms([Pi])
    X = b.labels("x")
    for p in range(b.nP):
        av.add(np.full(nF, p), GR[p], grain_price)
        av.add(np.full(farm_made.size, p), X[p, farm_made], coeff)
    frame = base_output(s, usable=True)
    need = float(frame.loc[frame["sector"] == "agriculture", "value"].sum()) * share * b.step
    grain_value = float(base.sum()) * grain_price
    needs = need + grain_value * (harvest - 1.0)  # the grain in it comes in by the harvest's seasons
    if b.elastic:
        vs = b.m.add_variables(lower=0, upper=1, coords=[Pi], name="agriculture_short")
        av.add(np.arange(b.nP), np.asarray(vs.labels.values), needs)
    b.rows.add(b.m, av, ">=", av.dataarray(needs), name="agriculture_value", scaling=1.0 / max(need, 1.0))


def define_food(b: Build) -> None:
    """Grain eaten in every region with people at least the floor and the consumption guardrail (``lower``), and
    ``fed`` the part above it up to satiation [t per period]."""
    people = b.lay.people
    if not len(people):
        return
    lv = food_levels(b.s, b.ix, b.lay.people)
    nE = len(people)
    FO, FE = b.labels("food"), b.labels("fed")
    pe, ke = grid(b.nP, nE)
    grain_inv = float(b.inv_scale([b.s.agriculture.grain_product])[0])
    fd = Terms([b.P, people])
    fd.add(row(pe, ke, nE), FO[pe, ke], 1.0)
    eat = seasons.factors(b.s, b.ix)[2]
    need = np.outer(eat, lv["lower"].to_numpy())
    fd.add(row(pe, ke, nE), b.labels("lift")[pe], -need.ravel())
    if b.elastic:
        fsh = b.m.add_variables(lower=0, coords=[b.P, people], name="food_short")
        fd.add(row(pe, ke, nE), np.asarray(fsh.labels.values)[pe, ke], need.ravel())
    b.rows.add(b.m, fd, ">=", fd.dataarray(need), name="food_floor", scaling=grain_inv)
    if b.elastic:  # the diagnosis asks only what gives; nobody is better fed in it
        for name in ("fed", "lift"):
            v = b.m.variables[name]
            v.update(upper=xr.DataArray(np.zeros(v.labels.shape), coords=v.labels.coords))
        return
    fed = Terms([b.P, pd.Index(people, name="fed_region")])
    fed.add(row(pe, ke, nE), FO[pe, ke], 1.0)
    fed.add(row(pe, ke, nE), FE[pe, ke], -1.0)
    b.rows.add(b.m, fed, ">=", fed.dataarray(need), name="fed", scaling=grain_inv)
    room = np.outer(eat, (lv["satiation"] - lv["lower"]).clip(lower=0.0).to_numpy())
    b.m.variables["fed"].update(upper=xr.DataArray(room, coords=[b.P, people]))


def opening_reserve(s: Scenario, ix: PlanIndex, people: pd.Index) -> np.ndarray:
    """The reserve in each region's granaries at the start [t]: a region's ``reserve`` where the scenario states
    it; the rest of ``agriculture.reserve`` spread over the other regions by population (an estimate), over all
    of them when every region states its own (a quarterly conversion's working stock, say)."""
    pop = ix.regions["population"].reindex(people).fillna(0.0).to_numpy(dtype=float)
    stated = {r.id: r.reserve for r in s.regions if r.reserve is not None}
    out = np.array([float(stated.get(str(r), 0.0)) for r in people])
    rest = max(s.agriculture.reserve - float(out.sum()), 0.0)
    share = np.where([str(r) in stated for r in people], 0.0, pop)
    if share.sum() <= 0:
        share = pop
    total = float(share.sum())
    return out + (rest * share / total if total > 0 else 0.0)


def define_reserve(b: Build) -> None:
    """The state grain reserve in each region's granaries [t]: stock[p, r] = (1 − storage_loss)^dt × stock[p − 1,
    r] + grain put in − grain taken out there, starting from ``opening_reserve``; at each year's end the
    granaries together hold at least ``agriculture.reserve``."""
    a = b.s.agriculture
    keep = (1 - a.storage_loss) ** b.step
    people = b.lay.people
    nE = len(people)
    if not nE:
        return
    ST, PU, TA = b.labels("stock"), b.labels("put"), b.labels("take")
    pe, ke = grid(b.nP, nE)
    res = Terms([b.P, pd.Index(people, name="granary")])
    rows = row(pe, ke, nE)
    res.add(rows, ST[pe, ke], 1.0)
    later = pe > 0
    res.add(rows[later], ST[pe[later] - 1, ke[later]], -keep)
    res.add(rows, PU[pe, ke], -1.0)
    res.add(rows, TA[pe, ke], 1.0)
    rhs = np.zeros((b.nP, nE))
    rhs[0] = keep * opening_reserve(b.s, b.ix, people)
    grain_inv = float(b.inv_scale([a.grain_product])[0])
    b.rows.add(b.m, res, "==", res.dataarray(rhs), name="reserve", scaling=grain_inv)
    if a.reserve > 0:
        # the reserve is for bad harvests: a plan made for expected harvests never eats into it from one year's end
        # to the next, and hands on at least the reserve it was given (within a year, a quarterly plan draws on the
        # store between harvests)
        years = [str(label)[:4] for label in b.P]  # '1958' or '1958Q3' → '1958'
        ends = np.array([p for p in range(b.nP) if p == b.nP - 1 or years[p + 1] != years[p]])
        Ei = pd.Index(np.asarray(b.P)[ends], name="reserve_floor")
        end = Terms([Ei])
        for j, p in enumerate(ends):
            end.add(np.full(nE, j), ST[p], 1.0)
        if b.elastic:
            es = b.m.add_variables(lower=0, upper=1, coords=[Ei], name="reserve_floor_short")
            end.add(np.arange(ends.size), np.asarray(es.labels.values), a.reserve)
        b.rows.add(b.m, end, ">=", a.reserve, name="reserve_floor", scaling=grain_inv)


def net_reserve_flows(m: Model) -> float:
    """Take what a region both puts into and takes out of the state reserve in one period off both (the model's
    ``put`` and ``take`` solutions); returns the grain so netted [t]. The two enter only the region's grain balance
    (take − put) and its granary's row (put − take) and cost nothing, so the plan, its objective and every row are
    unchanged: an interior point leaves such a circulation on the optimal face (at 2,800 counties about 250,000 t a
    region a year against 38,000 t of its harvest), which made the reserve's and the grain balances' gross flows,
    and so their weak links' value of one percent, absurd."""
    if "put" not in m.variables:
        return 0.0
    put, take = m.variables["put"], m.variables["take"]
    both = np.fmin(put.solution, take.solution).fillna(0.0).clip(min=0.0)
    put.solution = put.solution - both
    take.solution = take.solution - both
    return float(both.sum())


def define_risk(b: Build) -> None:
    """The food floor held through every run of adverse harvests the plan covers (see the module docstring) [t]."""
    risk = b.risk
    if risk is None:
        return
    s, ix, lay = b.s, b.ix, b.lay
    farms = lay.farms
    nF = len(farms)
    W, K = len(risk.windows), risk.loss.shape[1]
    fr = ix.regions.reindex(farms)
    FA, GR, FO = b.labels("farm"), b.labels("grain"), b.labels("food")
    UN, MV, ST = b.labels("uncovered"), b.labels("moved"), b.labels("stock")
    pf, kf = grid(b.nP, nF)
    base_farm = fr["labour_force"].to_numpy() * s.agriculture.base_farm_share
    grain_inv = float(b.inv_scale([s.agriculture.grain_product])[0])
    campaign = s.simulation.harvest_draw_campaign > 0
    if campaign:
        mv = Terms([b.P, pd.Index(farms, name="moved_farm")])
        mv.add(row(pf, kf, nF), MV[pf, kf], np.tile(base_farm, b.nP))
        mv.add(row(pf, kf, nF), FA[pf, kf], 1.0)
        b.rows.add(b.m, mv, ">=", mv.dataarray(np.tile(base_farm, (b.nP, 1))), name="moved", scaling=1e-4)
    lv = food_levels(b.s, b.ix, b.lay.people)
    _, harvest, eat = seasons.factors(s, ix)
    at = lay.people.get_indexer(farms)  # the farm region's households, −1 where it has none
    floor = np.where(at >= 0, lv["floor"].to_numpy()[np.clip(at, 0, None)], 0.0)
    _, hi = _per_ha_range(b)
    land = fr["farmland"].to_numpy()
    per_ha, yield_t = (np.array(v, dtype=float) for v in zip(*s.agriculture.yield_curve, strict=True))
    gmax = np.interp(hi, per_ha, yield_t)
    gmax = gmax * land * fr["factor"].to_numpy() * b.step
    coords = [
        pd.Index(np.arange(W), name="window"),
        pd.Index(np.arange(K), name="sample"),
        b.P,
        pd.Index(farms, name="risk_farm"),
    ]
    un = Terms(coords)
    has = at[kf] >= 0
    for w in range(W):
        for k in range(K):
            rows = ((w * K + k) * b.nP + pf) * nF + kf
            live = risk.inside[w][pf]
            un.add(rows[live], UN[w, k, pf, kf][live], 1.0)
            un.add(rows[live], GR[pf, kf][live], -risk.loss[w, k].ravel()[live])
            if campaign:
                drawn = risk.campaign_loss[w, k] * gmax[None, :] * harvest[:, None]  # hands away at harvest only
                un.add(rows[live], MV[pf, kf][live], -drawn.ravel()[live])
            ok = live & has
            un.add(rows[ok], FO[pf[ok], at[kf][ok]], 1.0)
    rhs = np.broadcast_to(eat[None, None, :, None] * floor, (W, K, b.nP, nF))
    mask = np.broadcast_to(risk.inside[:, None, :, None], (W, K, b.nP, nF))
    b.rows.add(b.m, un, ">=", un.dataarray(rhs), name="risk", scaling=grain_inv, mask=un.dataarray(mask) > 0)
    # what a run leaves uncovered comes out of the reserve: at the end of the run's last period the stock the plan
    # holds covers it all (what was released earlier in the run would have lost its storage share since)
    keep = (1 - s.agriculture.storage_loss) ** b.step
    cover = Terms(coords[:2])
    for w, (p, n) in enumerate(risk.windows):
        for k in range(K):
            r = w * K + k
            for q in range(p - n + 1, p + 1):
                cover.add(np.full(nF, r), UN[w, k, q], keep ** (p - q))
            cover.add(np.full(ST.shape[1], r), ST[p], -1.0)
    if b.elastic:
        # relative to the farm regions' food at the floor, like the other guardrails' slacks
        cs = b.m.add_variables(lower=0, coords=coords[:2], name="reserve_short")
        cover.add(np.arange(W * K), np.asarray(cs.labels.values).ravel(), -max(float(floor.sum()), 1.0))
    b.rows.add(b.m, cover, "<=", 0.0, name="reserve_cover", scaling=grain_inv)
