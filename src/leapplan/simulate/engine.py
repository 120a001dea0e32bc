"""Carrying a plan out, period by period, for a batch of runs at once (numpy over runs × cells).

Each run has its own random stream (a child of the scenario seed's SeedSequence), so a run's numbers do
not depend on which batch or worker it ran in.

Material balance, per product and period, scenario-wide (grain: the state's pool):

    closing stock = opening stock + usable output + by-products + grain procured + imports
                    − inputs used − consumption − deliveries out of the scenario − grain lost in store

Inputs are rationed in proportion to what the cells want (``x = x_pot · min over inputs of r``, with
``r = min(1, available / wanted)``), iterated to the fixed point, so no product is used that was not made,
held or imported. Unusable output is lost. Consumption takes what is left, up to demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from leapplan.simulate.frictions import Frictions
from leapplan.simulate.harvest import draw_share, labour_ratio, period_persistence, persistent, weather
from leapplan.simulate.mechanisms import late_by, ramp, ratchet_factor
from leapplan.simulate.model import Model
from leapplan.simulate.rebuilding import carried_out as rebuilt_change
from leapplan.simulate.rebuilding import lag as rebuild_lag

RATION_ITERATIONS = 16
"""Fixed number of rationing iterations (fixed, so results do not depend on the batch)."""
MAX_CELLS_PER_BATCH = 4_000_000
"""Largest runs × periods × cells in one batch, to bound memory (32 MB per array)."""


def batch_size(m: Model, requested: int = 250) -> int:
    """Runs per batch for ``m``: at most ``requested``, fewer for big models; depends on the model only."""
    T, C, _, _ = m.shape
    return max(1, min(requested, MAX_CELLS_PER_BATCH // max(1, T * C)))


def draw(m: Model, seeds: Sequence[np.random.SeedSequence]) -> dict[str, np.ndarray]:
    """Every random number the runs need, drawn from each run's own generator in a fixed order."""
    T, C, _, G = m.shape
    n = len(seeds)
    out = {
        "delay": np.empty((n, T, C)),
        "quality": np.empty((n, T, C)),
        "report": np.empty((n, T, C)),
        "harvest": np.empty((n, T)),
        "harvest_region": np.empty((n, T, G)),
        "harvest_draw": np.empty((n, T, G)),
        "report_grain": np.empty((n, T, G)),
        "transport": np.empty((n, T)),
    }
    for i, seq in enumerate(seeds):
        rng = np.random.default_rng(seq)
        out["delay"][i] = rng.standard_exponential((T, C))
        out["quality"][i] = rng.random((T, C))
        out["report"][i] = rng.random((T, C))
        out["harvest"][i] = rng.standard_normal(T)
        out["harvest_region"][i] = rng.standard_normal((T, G))
        out["harvest_draw"][i] = rng.random((T, G))
        out["report_grain"][i] = rng.random((T, G))
        out["transport"][i] = rng.random(T)
    return out


def persistent_shocks(m: Model, frictions: Frictions, d: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The draws with the harvest shocks made persistent from period to period (``harvest.persistent``, coefficient
    ``harvest_persistence`` ^ dt per period) when shock_persistence is on; the planner covers the same process."""
    rho = period_persistence(m.settings.get("harvest_persistence", 0.0), m.dt)
    if not frictions.shock_persistence or rho == 0:
        return d
    return d | {"harvest": persistent(d["harvest"], rho), "harvest_region": persistent(d["harvest_region"], rho)}


@dataclass
class Batch:
    """Results of a batch of runs. Shapes: (n, T, P) per product, (n, T, G) per food region, (n, T, C) per cell."""

    planned: np.ndarray
    actual: np.ndarray
    usable: np.ndarray
    reported: np.ndarray
    stocks: np.ndarray
    """Closing stocks [units]; grain includes farm households' own stocks."""
    imports: np.ndarray
    intermediate: np.ndarray
    consumption: np.ndarray
    """Household consumption [units]; grain: all grain eaten."""
    made: np.ndarray
    """Usable output plus by-products entering the balance [units]; grain: the harvest."""
    grain: np.ndarray
    grain_planned: np.ndarray
    grain_reported: np.ndarray
    procured: np.ndarray
    resold: np.ndarray
    """Grain the state sells back to farm regions it believes short [t]."""
    eaten: np.ndarray
    rural_stock: np.ndarray
    delivered: np.ndarray
    """Deliveries out of the scenario the plan asks for, as far as stocks allow [units]."""
    lost: np.ndarray
    """Grain lost in store [t]."""
    cells: dict[str, np.ndarray] | None = None
    """Per cell (detail only): planned, actual, usable, reported, capacity."""
    farm: np.ndarray | None = None
    """(n, T, G) farm workers over the period [persons] (policy mode with dynamics; else the model's)."""
    people: np.ndarray | None = None
    """(n, T, G) people each food region feeds [persons] (policy mode with dynamics; else the model's)."""
    seed: np.ndarray | None = None
    """(n, T) seed grain kept for the next sowing, counted in grain's intermediate use [t]."""
    sown: np.ndarray | None = None
    """(n, T, G) share of the farmland sown with grain [-]."""
    opening: np.ndarray | None = None
    """(n, P) stocks at the start, the villages' grain included [units] (policy mode with dynamics)."""


def simulate_batch(m: Model, frictions: Frictions, d: dict[str, np.ndarray], detail: bool = False) -> Batch:
    """Carry the model's plan out for the runs whose draws are ``d``."""
    d = persistent_shocks(m, frictions, d)
    if m.mode == "policies" and m.policy is not None and frictions.dynamic():
        from leapplan.simulate.dynamics import simulate_policies

        return simulate_policies(m, frictions, d, detail)
    n = d["delay"].shape[0]
    T, C, P, G = m.shape
    st = m.settings
    dt = m.dt
    cap = _capacity(m, frictions, d)
    usable = np.broadcast_to(m.usable, (n, T, C))
    if frictions.indigenous_quality:
        loss = np.clip(st["indigenous_quality_loss"] * 2 * d["quality"], 0, 1)
        usable = np.where(m.indigenous, usable * (1 - loss), usable)
    planned = np.broadcast_to(m.planned, (n, T, C)).copy()
    planned_grain = np.broadcast_to(m.planned_grain, (n, T, G)).copy()
    k_report = st["report_inflation"] if frictions.reporting_bias else 0.0
    inputs_t = m.inputs.T.tocsr()
    outputs_t = m.outputs.T.tocsr()
    by_t = m.byproducts.T.tocsr()
    farmland = m.farmland > 0
    rural = farmland & (m.population > 0)
    pop_city = m.population[~farmland].sum()

    res = {
        k: np.zeros((n, T, P))
        for k in (
            "planned",
            "actual",
            "usable",
            "reported",
            "stocks",
            "imports",
            "intermediate",
            "consumption",
            "made",
            "delivered",
            "lost",
        )
    }
    reg = {
        k: np.zeros((n, T, G))
        for k in ("grain", "grain_planned", "grain_reported", "procured", "resold", "eaten", "rural_stock")
    }
    cells = (
        {k: np.zeros((n, T, C)) for k in ("planned", "actual", "usable", "reported", "capacity")} if detail else None
    )
    planning = m.mode == "plan"
    stock = np.tile(m.stock0, (n, 1))
    rural_stock = np.zeros((n, G))
    for t in range(T):
        plan_t = planned[:, t]
        x_pot = np.minimum(plan_t, cap[:, t] * dt)
        us = usable[:, t]
        harvest = _harvest(m, frictions, d, t)
        pg = planned_grain[:, t]
        reported_grain = harvest + k_report * (0.5 + d["report_grain"][:, t]) * np.maximum(0.0, pg - harvest)
        q = m.procurement[t]
        resold = np.zeros((n, G))
        if np.isnan(q):
            procured = harvest
            rural_avail = np.zeros((n, G))
        else:
            procured = np.minimum(q * reported_grain, rural_stock + harvest) * farmland
            rural_avail = (rural_stock + harvest - procured) * farmland
        lost = stock[:, m.grain] * (1 - m.keep)
        supply0 = stock.copy()
        supply0[:, m.grain] = supply0[:, m.grain] - lost + procured.sum(axis=1) + m.grain_imports[t]
        x = _ration(m, x_pot, us, supply0 + m.imports)
        made = (x * us) @ outputs_t + x @ by_t
        used = x @ inputs_t
        demand = np.broadcast_to(m.demand[t], (n, P)).copy()
        if planning:
            demand[:, m.grain] = 0.0  # households eat by the plan's rule below
        elif np.isnan(q):
            demand[:, m.grain] = m.ration * m.population.sum() * dt * m.mess[t]
        else:
            demand[:, m.grain] = m.ration * pop_city * dt
        imports, consumption, delivered, stock = close_balance(m, t, supply0 + made - used, demand)
        if planning:
            eaten, resold = _feed(m, t, harvest - pg, stock)
            consumption[:, m.grain] = eaten.sum(axis=1)
        elif np.isnan(q):
            share = m.population / m.population.sum()
            eaten = consumption[:, m.grain, None] * share[None, :]
        else:
            need = m.mess[t] * m.ration * m.population * dt * rural
            resold = _resale(m, stock, need, rural_avail + (reported_grain - harvest) * farmland, pop_city)
            rural_avail = rural_avail + resold
            eaten_rural = np.minimum(need, rural_avail)
            rural_stock = rural_avail - eaten_rural
            city_share = np.where(farmland, 0.0, m.population / pop_city) if pop_city > 0 else np.zeros(G)
            eaten = eaten_rural + consumption[:, m.grain, None] * city_share[None, :]
        reported = x + k_report * (0.5 + d["report"][:, t]) * np.maximum(0.0, plan_t - x)
        if t + 1 < T:
            _ratchet(m, planned, planned_grain, t, plan_t, reported, pg, reported_grain)

        cell_values = {"planned": plan_t, "actual": x, "usable": x * us, "reported": reported}
        record_output(res, t, m.grain, outputs_t, cell_values, (pg, harvest, harvest, reported_grain))
        res["stocks"][:, t] = stock
        res["stocks"][:, t, m.grain] += rural_stock.sum(axis=1)
        res["imports"][:, t] = imports
        res["imports"][:, t, m.grain] += m.grain_imports[t]
        res["delivered"][:, t] = delivered
        res["lost"][:, t, m.grain] = lost
        res["intermediate"][:, t] = used
        res["consumption"][:, t] = consumption
        res["consumption"][:, t, m.grain] = eaten.sum(axis=1)
        res["made"][:, t] = made
        res["made"][:, t, m.grain] += harvest.sum(axis=1)
        reg["grain"][:, t] = harvest
        reg["grain_planned"][:, t] = pg
        reg["grain_reported"][:, t] = reported_grain
        reg["procured"][:, t] = procured if not np.isnan(q) else 0.0
        reg["resold"][:, t] = resold
        reg["eaten"][:, t] = eaten
        reg["rural_stock"][:, t] = rural_stock
        if cells is not None:
            for key, value in (
                ("planned", plan_t),
                ("actual", x),
                ("usable", x * us),
                ("reported", reported),
                ("capacity", cap[:, t]),
            ):
                cells[key][:, t] = value
    return Batch(**res, **reg, cells=cells)


def close_balance(
    m: Model, t: int, have: np.ndarray, demand: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(imports, consumption, delivered, closing stock), each (n, P) [units], of period t from what is ``have`` after
    production and the households' ``demand``: imports up to their limit where stocks fall short, consumption up to
    demand, then the plan's deliveries out of the scenario as far as stocks allow."""
    imports = np.clip(demand - have, 0.0, m.imports)
    consumption = np.clip(np.minimum(demand, have + imports), 0.0, None)
    stock = have + imports - consumption
    delivered = np.clip(np.minimum(m.deliveries[t], stock), 0.0, None)
    return imports, consumption, delivered, stock - delivered


def record_output(
    res: dict[str, np.ndarray],
    t: int,
    grain: int,
    outputs_t: Any,
    cells: dict[str, np.ndarray],
    grain_rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    """Period t's planned, actual, usable and reported output per product into ``res`` (n, T, P): the cells' (n, C)
    ``cells`` summed by product (``outputs_t``, C × P), and grain per food region (n, G) in that order added."""
    for (key, value), extra in zip(cells.items(), grain_rows, strict=True):
        res[key][:, t] = value @ outputs_t
        res[key][:, t, grain] += extra.sum(axis=1)


def _ration(m: Model, x_pot: np.ndarray, us: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """(n, C) output when inputs are rationed in proportion to what cells want, from ``limit`` (n, P) held
    or importable plus this period's usable output and by-products (iterated, from x_pot down)."""
    n, P = limit.shape
    xp = np.ascontiguousarray(x_pot.T)
    ust = np.ascontiguousarray(us.T)
    lim = np.ascontiguousarray(limit.T)
    wanted = m.inputs @ xp
    short = wanted > 0
    ext = np.ones((P + 1, n))
    x = xp
    for _ in range(RATION_ITERATIONS):
        avail = lim + m.outputs @ (x * ust) + m.byproducts @ x
        ratio = np.ones((P, n))
        np.divide(avail, wanted, out=ratio, where=short & (wanted > avail))
        ext[:P] = ratio
        least = ext[m.input_index[:, 0]]
        for j in range(1, m.input_index.shape[1]):
            np.minimum(least, ext[m.input_index[:, j]], out=least)
        new = xp * least
        if np.array_equal(new, x):
            break
        x = new
    return np.ascontiguousarray(x.T)


def old_capacity(m: Model) -> np.ndarray:
    """(T, C) the plan's capacity in service less the new capacity of it (``Model.new_in_service``): what stood
    before its building [units per year]."""
    return np.clip(m.capacity - m.new_in_service, 0.0, None)


def _capacity(m: Model, frictions: Frictions, d: dict[str, np.ndarray]) -> np.ndarray:
    """(n, T, C) capacity in service after build delays, learning and transport breakdowns [units per year]."""
    n = d["delay"].shape[0]
    T, C, _, _ = m.shape
    cap = np.broadcast_to(old_capacity(m), (n, T, C)).copy()
    lag = build_lag(m, frictions, d["delay"])
    cap += arrived(m, m.new_capacity, lag, frictions.learning)
    if m.rebuilt is not None:
        delay = d["delay"] if frictions.build_delays else None
        lag_r = rebuild_lag(m.rebuilt, m.settings, m.dt, delay)
        cap += rebuilt_change(m.rebuilt, m.settings, m.learning_time, m.dt, lag_r, frictions.learning)
    cap = np.minimum(cap, m.capacity)
    if frictions.transport_breakdowns and m.transport.any():
        lost = np.clip(m.settings["transport_breakdown"] * 2 * d["transport"], 0, 1)
        cap[:, :, m.transport] *= (1 - lost)[:, :, None]
    return cap


def build_lag(m: Model, frictions: Frictions, delay: np.ndarray) -> np.ndarray:
    """(n, T, C) periods that new capacity started in each period comes late, for the runs' standard exponential
    draws ``delay`` (n, T, C) (0 without build delays) [-]."""
    if not frictions.build_delays:
        return np.zeros(delay.shape)
    return late_by(delay, m.settings["build_delay"], m.build_time, m.dt)


def arrived(m: Model, new: np.ndarray, lag: np.ndarray, learning: bool) -> np.ndarray:
    """(n, T, C) capacity of the building ``new`` (T, C) [units per year] in service in each period, in service
    ``lag`` (n, T, C) periods after it was started and, with ``learning``, ramping up as technicians learn it
    [units per year]."""
    n = lag.shape[0]
    T, C = new.shape
    out = np.zeros((n, T, C))
    for s in range(T):
        if not new[s].any():
            continue
        arrive = s + lag[:, s]
        for t in range(s, T):
            age = t - arrive
            eff = ramp(np.maximum(age, 0), m.dt, m.settings["ramp_start"], m.learning_time[t]) if learning else 1.0
            out[:, t] += new[s] * (age >= 0) * eff
    return out


def _harvest(m: Model, frictions: Frictions, d: dict[str, np.ndarray], t: int) -> np.ndarray:
    """(n, G) grain harvested in period t [t]: the planned harvest × weather × the labour ratio
    (``simulate.harvest``; the same functions size the plan's reserve)."""
    st = m.settings
    farm = m.farm[t]
    grain = np.broadcast_to(m.harvest[t], d["harvest_draw"][:, t].shape)
    if frictions.harvest_labour:
        moved = np.clip(1 - np.divide(farm, m.base_farm, out=np.ones_like(farm), where=m.base_farm > 0), 0, 1)
        drawn = draw_share(st["harvest_draw"], st["harvest_draw_campaign"], moved, d["harvest_draw"][:, t])
        per_ha = np.divide(farm, m.farmland, out=np.zeros_like(farm), where=m.farmland > 0)
        grain = grain * labour_ratio(m.yield_x, m.yield_y, per_ha, drawn, st["harvest_draw"])
    if frictions.harvest_shocks:
        grain = grain * weather(
            st["harvest_sd"], st["regional_harvest_sd"], d["harvest"][:, t, None], d["harvest_region"][:, t]
        )
    return grain


def _feed(m: Model, t: int, deviation: np.ndarray, stock: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(eaten, released), each (n, G) [t]: how a plan feeds people when the harvest departs from it (``deviation``
    = harvest − planned harvest per food region), taking from ``stock`` (n, P), changed in place.

    Households eat what the plan gives them, less their region's harvest shortfall (a harvest above plan goes into
    the state's store); the state releases reserve grain to lift every region still below the food floor to it, in
    proportion to the gaps, as far as the store goes. If the store cannot even give what the plan gives, every
    region's ration is cut in proportion. This is the rule the planner sizes its reserve for (``plan.food``)."""
    g = m.grain
    eaten = np.clip(m.food_plan[t][None, :] + np.minimum(deviation, 0.0), 0.0, None)
    want = eaten.sum(axis=1)
    have = np.clip(stock[:, g], 0.0, None)
    cut = np.divide(have, want, out=np.ones_like(have), where=want > have)
    eaten *= cut[:, None]
    left = have - eaten.sum(axis=1)
    gaps = np.clip(m.floor[None, :] - eaten, 0.0, None)
    total = gaps.sum(axis=1)
    give = np.minimum(left, total)
    released = gaps * np.divide(give, total, out=np.zeros_like(give), where=total > 0)[:, None]
    stock[:, g] = left - give
    return eaten + released, released


def _resale(
    m: Model, stock: np.ndarray, need: np.ndarray, believed: np.ndarray, pop_city: float | np.ndarray
) -> np.ndarray:
    """(n, G) grain the state sells back to farm regions, taken from ``stock`` (changed in place).

    The state keeps ``state_reserve`` years of the cities' grain and sells the rest to farm regions whose
    grain, as the state believes it from the reports (``believed``), falls short of their need, in
    proportion to that shortfall. Over-reported harvests hide real shortfalls.
    """
    reserve = m.settings["state_reserve"] * m.ration * pop_city
    surplus = np.clip(stock[:, m.grain] - reserve, 0.0, None)
    short = np.clip(need - believed, 0.0, None)
    total = short.sum(axis=1)
    scale = np.divide(surplus, total, out=np.zeros_like(total), where=total > surplus)
    scale = np.where(total > surplus, scale, 1.0)
    resold = short * scale[:, None]
    stock[:, m.grain] -= resold.sum(axis=1)
    return resold


def _ratchet(
    m: Model,
    planned: np.ndarray,
    planned_grain: np.ndarray,
    t: int,
    plan_t: np.ndarray,
    reported: np.ndarray,
    plan_grain: np.ndarray,
    reported_grain: np.ndarray,
) -> None:
    """Raise next period's plan on this period's reports: by the reported over-fulfilment, and by the
    policy's ratchet where reports exceed the plan."""
    rise = m.ratchet[t + 1]
    planned[:, t + 1] *= ratchet_factor(reported, plan_t, rise[m.cell_product])
    planned_grain[:, t + 1] *= ratchet_factor(reported_grain, plan_grain, rise[m.grain])
