"""Policy mode with dynamics: the announced policies carried out period by period, each period's consequences
carried into the next by the mechanisms of ``simulate.mechanisms`` (each switchable, ``Frictions``).

Per period and run, in this order:

1. planners set the period's plan: the announced targets, raised on last period's reports (the ratchet), and the
   inputs those need (steel needs iron needs coal), cut where retrenchment capped a unit; modern plants first, the
   rest on indigenous plants, the labour policies' plants at their capacity while the campaign runs;
2. investment: indigenous capacity the plan lacks is built within the season by labour from the fields (as far as
   the largest mobilisation announced allows), modern capacity from the year's funds, in service after its build
   time (and the build delay); capacity built wears out over its lifetime;
3. labour: the workers the plants need are drawn from the fields of their home regions and stay; new state workers
   eat the state's ration; the farm labour left, less the hungry's lost work, works the land;
4. the harvest, season by season, on the land sown (cut by planners who believe the reports, and by seed
   shortage); procurement on the *reported* harvest; production with inputs rationed (``engine._ration``);
5. feeding: the state feeds its people and sells back to villages it believes short; villagers eat (mess halls
   while stocks last), keep next sowing's seed where they can;
6. consequences: reports, the ratchet, write-off of indigenous plants whose usable output is worth less than their
   inputs, retrenchment where inputs or food ran short, hunger for the next period, next year's grain area.

The balance of every product holds as in ``engine`` (grain: the state's pool and the villages' stocks together,
seed kept counted as grain used).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leapplan.simulate import mechanisms as mech
from leapplan.simulate.engine import Batch, _capacity, _ration, _resale, close_balance, record_output
from leapplan.simulate.frictions import Frictions
from leapplan.simulate.harvest import draw_share, labour_ratio, weather
from leapplan.simulate.model import Model
from leapplan.simulate.policy_model import PolicyArrays

CHAIN_ITERATIONS = 4
"""Passes of the planners' material balance (targets → their inputs → those inputs' inputs …)."""


@dataclass
class _State:
    """What a period hands on to the next, per run."""

    arrive: np.ndarray
    """(n, T, C) capacity built that comes into service in each period [units per year]."""
    beyond: np.ndarray
    """(n, C) capacity funded that comes into service after the horizon [units per year]."""
    open: np.ndarray
    """(n, C) share of each cell's plants not written off [-]."""
    ceiling: np.ndarray
    """(n, C) most output planners ask of a cell in the next period after retrenchment [units per period]."""
    floor: np.ndarray
    """(n, P) next period's plan raised on reports (the ratchet) [units per period]; 0 = none."""
    workers: np.ndarray
    """(n, C) workers drawn into each cell beyond its base-year workforce [persons]."""
    rural: np.ndarray
    """(n, G) grain the villages hold [t]."""
    seed: np.ndarray
    """(n, G) seed kept for the next sowing [t]."""
    area: np.ndarray
    """(n, G) share of the farmland planned for grain [-]."""
    work: np.ndarray
    """(n, G) work people can do relative to normal, after hunger [-]."""
    halls: np.ndarray
    """(n, G) bool: the mess halls still serve freely."""
    before: np.ndarray
    """(n, 4, G) share of the farm workers away in each quarter of the period before [-]."""
    funds: np.ndarray
    """(n, F) funds not yet spent [yuan]."""


def simulate_policies(m: Model, fr: Frictions, d: dict[str, np.ndarray], detail: bool = False) -> Batch:
    """Carry the scenario's policies out with the mechanisms ``fr`` switches on, for the runs whose draws are ``d``."""
    pa = m.policy
    assert pa is not None, "policy mode needs the model's policy arrays"
    n = d["delay"].shape[0]
    T, C, P, G = m.shape
    st, dt = m.settings, m.dt
    farm_land = m.farmland > 0
    seeding = fr.seed_grain and st["seed_rate"] > 0 and m.population.sum() > 0
    floor_head = m.floor / np.where(m.population > 0, m.population * dt, 1.0)  # [t per person per period]
    static_cap = None if fr.investment else _capacity(m, fr, d)
    planned = np.broadcast_to(m.planned, (n, T, C)).copy()
    planned_grain = np.broadcast_to(m.planned_grain, (n, T, G)).copy()
    k_report = st["report_inflation"] if fr.reporting_bias else 0.0
    inputs_t, outputs_t, by_t = m.inputs.T.tocsr(), m.outputs.T.tocsr(), m.byproducts.T.tocsr()
    villagers0 = m.population * farm_land
    food_ration = food_ration_of(m, fr)
    s = _State(
        arrive=np.zeros((n, T, C)),
        beyond=np.zeros((n, C)),
        open=np.ones((n, C)),
        ceiling=np.full((n, C), np.inf),
        floor=np.zeros((n, P)),
        workers=np.zeros((n, C)),
        rural=np.tile(villages_stock0(m, fr), (n, 1)),
        seed=np.zeros((n, G)),
        area=np.ones((n, G)),
        work=np.ones((n, G)),
        halls=np.ones((n, G), dtype=bool),
        before=np.zeros((n, 4, G)),
        funds=np.zeros((n, pa.funds.shape[1])),
    )
    out = {k: np.zeros((n, T, P)) for k in ("planned", "actual", "usable", "reported", "stocks", "imports")}
    out |= {k: np.zeros((n, T, P)) for k in ("intermediate", "consumption", "made", "delivered", "lost")}
    reg = {k: np.zeros((n, T, G)) for k in ("grain", "grain_planned", "grain_reported", "procured", "resold")}
    reg |= {k: np.zeros((n, T, G)) for k in ("eaten", "rural_stock", "farm", "people", "sown")}
    seed_used = np.zeros((n, T))
    cells = (
        {k: np.zeros((n, T, C)) for k in ("planned", "actual", "usable", "reported", "capacity")} if detail else None
    )
    stock = np.tile(m.stock0, (n, 1))
    opening = stock.copy()
    opening[:, m.grain] += s.rural.sum(axis=1)
    for t in range(T):
        window = pa.campaign_share[t] > 0
        if fr.investment:
            pot, plan_t = _plan_and_build(m, pa, fr, d, s, t, window)
        else:
            assert static_cap is not None
            pot, plan_t = static_cap[:, t] * dt, planned[:, t]
        s.workers = _labour(m, pa, fr, s, t, window, plan_t)
        if fr.investment and fr.labour_stays:  # output needs its workers
            staffed = (pa.base_capacity[t] * s.open + s.workers / np.where(pa.labour > 0, pa.labour, 1.0)) * dt
            pot = np.where(pa.labour > 0, np.minimum(pot, staffed), pot)
        pot = pot * (s.work[:, pa.located] if fr.hunger else 1.0)
        if fr.transport_breakdowns and m.transport.any():
            lost_tr = np.clip(st["transport_breakdown"] * 2 * d["transport"][:, t], 0, 1)
            pot = np.where(m.transport, pot * (1 - lost_tr)[:, None], pot)
        x_pot = np.minimum(plan_t, pot)
        us = np.broadcast_to(m.usable, (n, C))
        loss = np.zeros((n, C))
        if fr.indigenous_quality:
            loss = np.where(m.indigenous, np.clip(st["indigenous_quality_loss"] * 2 * d["quality"][:, t], 0, 1), 0.0)
            us = us * (1 - loss)

        moved, away = _moved(m, pa, fr, s, t, window)
        villagers = villagers0 - (s.workers * pa.modern) @ pa.source
        state_people = m.population * ~farm_land + (s.workers * pa.modern) @ pa.home
        area_t = s.area
        if seeding and t > 0:
            area_t = s.area * mech.sown_share(s.seed, st["seed_rate"] * m.farmland * s.area)
        harvest = _harvest(m, pa, fr, d, t, moved, s.before, area_t, s.work if fr.hunger else np.ones((n, G)))
        s.before = moved
        pg = planned_grain[:, t]
        reported_grain = harvest + k_report * (0.5 + d["report_grain"][:, t]) * np.maximum(0.0, pg - harvest)

        q = m.procurement[t]
        lost = (stock[:, m.grain] + s.rural.sum(axis=1)) * (1 - m.keep)
        s.rural = s.rural * m.keep
        if np.isnan(q):
            procured = harvest
            rural_avail = np.zeros((n, G))
        else:
            procured = mech.procure(q, reported_grain, s.rural + harvest) * farm_land
            rural_avail = (s.rural + harvest - procured) * farm_land
        supply0 = stock.copy()
        supply0[:, m.grain] += -stock[:, m.grain] * (1 - m.keep) + procured.sum(axis=1)
        x = _ration(m, x_pot, us, supply0 + m.imports)
        made = (x * us) @ outputs_t + x @ by_t
        used = x @ inputs_t
        demand = np.broadcast_to(m.demand[t], (n, P)).copy()
        mess = np.where(s.halls, m.mess[t], 1.0) if fr.mess_halls else np.ones((n, G))
        if np.isnan(q):
            demand[:, m.grain] = m.ration * ((villagers + state_people) * mess).sum(axis=1) * dt
        else:
            demand[:, m.grain] = food_ration * state_people.sum(axis=1) * dt
        imports, consumption, delivered, stock = close_balance(m, t, supply0 + made - used, demand)

        people = villagers + state_people
        kept = np.zeros((n, G))
        resold = np.zeros((n, G))
        if np.isnan(q):
            share = np.divide(people, people.sum(axis=1, keepdims=True), out=np.zeros_like(people), where=people > 0)
            eaten = consumption[:, m.grain, None] * share
        else:
            need = mess * food_ration * villagers * dt
            believed = rural_avail + (reported_grain - harvest) * farm_land
            resold = _resale(m, stock, need, believed, state_people.sum(axis=1))
            rural_avail = rural_avail + resold
            if fr.sown_area and t + 1 < T:
                s.area = mech.area_after_reports(
                    reported_grain / dt,
                    m.farmland * area_t,
                    pa.base_yield,
                    st["sown_area_response"],
                    st["sown_area_max_cut"],
                )
            if seeding:
                seed_need = st["seed_rate"] * m.farmland * s.area
                eaten_v, kept = mech.keep_seed_and_eat(rural_avail, need, seed_need)
            else:
                eaten_v = np.minimum(need, rural_avail)
            s.rural = rural_avail - eaten_v - kept
            fed = state_people.sum(axis=1, keepdims=True)
            city = np.divide(state_people, fed, out=np.zeros_like(people), where=fed > 0)
            eaten = eaten_v + consumption[:, m.grain, None] * city
            if fr.mess_halls:
                s.halls &= (eaten_v >= need * (1 - 1e-9)) | ~farm_land
        s.seed = kept
        reported = x + k_report * (0.5 + d["report"][:, t]) * np.maximum(0.0, plan_t - x)
        got, wanted = consumption[:, m.grain], demand[:, m.grain]
        _consequences(m, pa, fr, s, t, plan_t, x, x_pot, reported, loss, got, wanted, eaten, people)
        if t + 1 < T:
            planned_grain[:, t + 1] *= mech.ratchet_factor(reported_grain, pg, m.ratchet[t + 1, m.grain])
            if fr.retrenchment:  # a famine shows planners the real harvest: grain plans cut to it from now on
                starved = mech.sent_back_for_food(eaten, floor_head * people * dt, st["retrench_shortage"]) > 0
                cut = np.minimum(planned_grain[:, t + 1 :], harvest[:, None, :])
                planned_grain[:, t + 1 :] = np.where(starved[:, None, :] & farm_land, cut, planned_grain[:, t + 1 :])
            if not fr.investment:
                planned[:, t + 1] *= mech.ratchet_factor(reported, plan_t, m.ratchet[t + 1][m.cell_product])
        farm = m.base_farm * (1 - away)

        cell_values = {"planned": plan_t, "actual": x, "usable": x * us, "reported": reported}
        record_output(out, t, m.grain, outputs_t, cell_values, (pg, harvest, harvest, reported_grain))
        out["stocks"][:, t] = stock
        out["stocks"][:, t, m.grain] += s.rural.sum(axis=1)
        out["imports"][:, t] = imports
        out["delivered"][:, t] = delivered
        out["lost"][:, t, m.grain] = lost
        out["intermediate"][:, t] = used
        out["intermediate"][:, t, m.grain] += kept.sum(axis=1)
        out["consumption"][:, t] = consumption
        out["consumption"][:, t, m.grain] = eaten.sum(axis=1)
        out["made"][:, t] = made
        out["made"][:, t, m.grain] += harvest.sum(axis=1)
        seed_used[:, t] = kept.sum(axis=1)
        for key, value in (
            ("grain", harvest),
            ("grain_planned", pg),
            ("grain_reported", reported_grain),
            ("procured", procured if not np.isnan(q) else 0.0),
            ("resold", resold),
            ("eaten", eaten),
            ("rural_stock", s.rural),
            ("farm", farm),
            ("people", people),
            ("sown", area_t * farm_land),
        ):
            reg[key][:, t] = value
        if cells is not None:
            for key, value in {**cell_values, "capacity": pot / dt}.items():
                cells[key][:, t] = value
    return Batch(**out, **reg, seed=seed_used, opening=opening, cells=cells)


def food_ration_of(m: Model, fr: Frictions) -> float:
    """Grain eaten per head in normal times [t per person per year]: the ration, less the seed per head when
    seed_grain follows the seed (the base year's grain per head held it)."""
    st = m.settings
    if fr.seed_grain and st["seed_rate"] > 0 and m.population.sum() > 0:
        return float(m.ration - st["seed_rate"] * m.farmland.sum() / m.population.sum())
    return float(m.ration)


def villages_stock0(m: Model, fr: Frictions) -> np.ndarray:
    """(G,) grain farm households hold at the start [t]: ``rural_stock`` years of their food ration."""
    return m.settings["rural_stock"] * food_ration_of(m, fr) * m.population * (m.farmland > 0)


def _vintages(m: Model, pa: PolicyArrays, fr: Frictions, t: int) -> tuple[np.ndarray, np.ndarray]:
    """(t + 1, C) each vintage's share still in service in period t (wear) and its output relative to full
    (wear × learning) [-]; vintage s came into service in period s."""
    age = (t - np.arange(t + 1))[:, None]
    surv = mech.survival(age, m.dt, pa.lifetime[None, :]) if fr.wear else np.ones((t + 1, len(pa.lifetime)))
    rmp = mech.ramp(age, m.dt, m.settings["ramp_start"], m.learning_time[t][None, :]) if fr.learning else 1.0
    return surv, surv * rmp


def _plan_and_build(
    m: Model, pa: PolicyArrays, fr: Frictions, d: dict[str, np.ndarray], s: _State, t: int, window: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(potential output [units per period], plan [units per period]), each (n, C), of period t; builds this
    period's capacity into ``s.arrive`` (indigenous within the season, modern from funds after its build time)."""
    dt = m.dt
    P = len(m.products)
    base = pa.base_capacity[t] * s.open
    surv, eff = _vintages(m, pa, fr, t)
    phys = np.einsum("nsc,sc->nc", s.arrive[:, : t + 1], surv)
    campaign = np.where(window, np.clip(pa.campaign_workers[t] / np.where(pa.labour > 0, pa.labour, 1.0), 0, None), 0)
    s.arrive[:, t] += np.clip(campaign * s.open - phys, 0.0, None) * window
    workable = pa.modern | window if not fr.labour_stays else np.ones_like(window)

    def potential() -> np.ndarray:
        active = np.ones((t + 1, len(window)))
        active[t] = np.where(window, pa.campaign_share[t], 1.0)
        return dt * (base + np.einsum("nsc,sc->nc", s.arrive[:, : t + 1], eff * active) * workable)

    pot = potential()
    demand = np.broadcast_to(m.demand[t], (len(pot), P))
    modern_pot = _by_product(m, pot * pa.modern)
    announced = np.maximum(np.broadcast_to(pa.announced[t], modern_pot.shape), modern_pot)
    build_on = np.maximum(announced, s.floor) if fr.capacity_ratchet else announced
    can_build = (pa.mobilisation[t] > 0) & (fr.labour_stays | window) & ~pa.modern
    weight = _native_weight(m, pa, pot, can_build * s.open)
    campaign_cells = window & np.isnan(pa.targets[t][m.cell_product])
    required, x = _chain(m, pa, build_on, pot, demand, weight, campaign_cells, s.ceiling)

    build = np.where(can_build, np.clip(x - pot, 0.0, None) / dt, 0.0) * s.open
    held = (np.einsum("nsc,sc->nc", s.arrive[:, : t + 1], surv) * ~pa.modern * pa.labour) @ pa.source
    wanted = (build * pa.labour) @ pa.source
    room = pa.mobilisation[t] * m.base_farm
    build *= mech.mobilise(wanted, held, np.broadcast_to(room, wanted.shape))[:, pa.located]
    s.arrive[:, t] += build
    _fund(m, pa, fr, d, s, t, required)
    pot = potential()
    plan_on = np.maximum(required, s.floor)
    x = mech.allocate(plan_on, pot, pa.modern, m.cell_product, P, _native_weight(m, pa, pot, can_build * s.open))
    x = np.where(campaign_cells, np.maximum(x, pot), x)
    return pot, np.minimum(x, s.ceiling)


def _by_product(m: Model, values: np.ndarray) -> np.ndarray:
    """(n, P) sums of (n, C) cell values by product."""
    out = np.zeros((values.shape[0], len(m.products)))
    np.add.at(out.T, m.cell_product, values.T)
    return out


def _native_weight(m: Model, pa: PolicyArrays, pot: np.ndarray, can_build: np.ndarray) -> np.ndarray:
    """(n, C) how a product's output beyond its modern plants is spread over its indigenous plants: by their
    potential, or, for a product with none yet that mass labour may build, by the farm workers of their region."""
    has = _by_product(m, pot * ~pa.modern)[:, m.cell_product] > 0
    fields = (m.base_farm @ pa.source.T) * can_build
    return np.where(has, pot, fields) * ~pa.modern


def _chain(
    m: Model,
    pa: PolicyArrays,
    floor: np.ndarray,
    pot: np.ndarray,
    demand: np.ndarray,
    weight: np.ndarray,
    campaign: np.ndarray,
    ceiling: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(required (n, P), allocation (n, C)) [units per period]: the planners' material balance, each product at
    least ``floor`` and what households and the other plans need of it (``CHAIN_ITERATIONS`` passes); the labour
    policies' plants at their potential while the campaign runs, except for products with a target."""
    inputs_t = m.inputs.T.tocsr()
    P = len(m.products)
    required = floor.copy()
    x = np.zeros_like(pot)
    for _ in range(CHAIN_ITERATIONS):
        x = mech.allocate(required, pot, pa.modern, m.cell_product, P, weight)
        x = np.minimum(np.where(campaign, np.maximum(x, pot), x), ceiling)
        need = x @ inputs_t + demand
        need[:, m.grain] = 0.0
        required = np.maximum(floor, need)
    return required, x


def _fund(
    m: Model, pa: PolicyArrays, fr: Frictions, d: dict[str, np.ndarray], s: _State, t: int, required: np.ndarray
) -> None:
    """Spend the period's funds on modern capacity, into ``s.arrive`` after its build time (``s.beyond`` past the
    horizon): first the capacity the plan's products lack (required beyond the modern capacity in service and
    under construction), spread over the product's modern plants by their base-year capacity; what is left expands
    every modern plant in proportion to its base-year capital stock (capacity × capital cost)."""
    dt = m.dt
    n, T, C = s.arrive.shape
    s.funds += pa.funds[t]
    if not s.funds.any():
        return
    base = pa.base_capacity[t]
    coming = s.arrive[:, t:].sum(axis=1) + s.beyond
    surv, _ = _vintages(m, pa, fr, t)
    standing = np.einsum("nsc,sc->nc", s.arrive[:, : t + 1], surv)
    have = _by_product(m, (base * s.open + standing + coming) * pa.modern)
    gap = np.clip(required / dt - have, 0.0, None)
    spread = _by_product(m, np.broadcast_to(base * pa.modern, (n, C)))
    share = np.divide(
        base * pa.modern, spread[:, m.cell_product], out=np.zeros((n, C)), where=spread[:, m.cell_product] > 0
    )
    want = gap[:, m.cell_product] * share
    built = np.zeros((n, C))
    stock_value = base * pa.capital_cost * pa.modern
    for f in range(s.funds.shape[1]):
        allowed = pa.fund_cells[f] & pa.modern
        cost = want * pa.capital_cost * allowed
        paid = cost * mech.pay(cost, s.funds[:, f])
        s.funds[:, f] -= paid.sum(axis=1)
        got = np.divide(paid, pa.capital_cost, out=np.zeros_like(paid), where=pa.capital_cost > 0)
        want -= got
        built += got
        weight = stock_value * allowed
        if weight.sum() > 0:
            rest = s.funds[:, f, None] * weight / weight.sum()
            built += rest / np.where(pa.capital_cost > 0, pa.capital_cost, 1.0)
            s.funds[:, f] = 0.0
    delay = d["delay"][:, t] if fr.build_delays else None
    when = t + mech.arrival_lag(m.build_time, dt, delay, m.settings["build_delay"])
    when = np.broadcast_to(when, (n, C))
    inside = when < T
    runs, cols = np.nonzero(inside & (built > 0))
    np.add.at(s.arrive, (runs, when[runs, cols], cols), built[runs, cols])
    s.beyond += np.where(inside, 0.0, built)


def _labour(
    m: Model, pa: PolicyArrays, fr: Frictions, s: _State, t: int, window: np.ndarray, plan: np.ndarray
) -> np.ndarray:
    """(n, C) workers drawn into each cell beyond its base-year workforce [persons]: the labour policies' own while
    they run; else those the plan needs of the capacity built, and (labour_stays) those already there: state
    workers stay until retrenchment sends them back, indigenous workers while their plants stand."""
    campaign = np.where(window, pa.campaign_workers[t], 0.0)
    if not (fr.investment and fr.labour_stays):
        return np.broadcast_to(campaign, s.workers.shape).copy()
    surv, _ = _vintages(m, pa, fr, t)
    built = np.einsum("nsc,sc->nc", s.arrive[:, : t + 1], surv)
    base = pa.base_capacity[t] * s.open
    need = np.clip(np.minimum(plan / m.dt, base + built) - base, 0.0, None) * pa.labour
    stay = np.where(pa.modern, s.workers, np.minimum(s.workers, built * pa.labour))
    return np.where(window, campaign, np.maximum(need, stay))


def _moved(
    m: Model, pa: PolicyArrays, fr: Frictions, s: _State, t: int, window: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """((n, 4, G) share of the base year's farm workers away from the fields in each quarter of period t, (n, G) the
    same over the period) [-]: the labour policies' in their quarters, the other drawn workers all year."""
    year_round = (s.workers * ~window) @ pa.source
    share = np.divide(year_round, m.base_farm, out=np.zeros_like(year_round), where=m.base_farm > 0)
    moved = np.clip(pa.campaign_moved[t][None] + share[:, None, :], 0.0, 1.0)
    spans = pa.quarters[t]
    away = moved[:, spans].mean(axis=1)
    return moved, away


def _harvest(
    m: Model,
    pa: PolicyArrays,
    fr: Frictions,
    d: dict[str, np.ndarray],
    t: int,
    moved: np.ndarray,
    before: np.ndarray,
    area: np.ndarray,
    work: np.ndarray,
) -> np.ndarray:
    """(n, G) grain harvested in period t [t]. Each season's share of the year's harvest (harvest_season) grows with
    the farm labour of the twelve months up to its harvest (``before``: the quarters of the period before) and is
    gathered with the labour moved away in its own quarter (``moved``); without seasons, or for periods shorter than
    a year, the whole harvest sees the period's average. Harvest = the yield curve at farm workers per ha sown
    (``area`` share of the farmland; less the hungry's lost ``work``) × the harvest draw (``harvest.labour_ratio``:
    the share of the workers drawn away at harvest, more the more labour was moved away) × the weather, as in
    ``engine._harvest``. A quarterly period harvests its own season's share of the year."""
    st = m.settings
    spans = pa.quarters[t]
    average = np.broadcast_to(moved[:, spans].mean(axis=1, keepdims=True), moved.shape)
    if fr.harvest_season:
        weights = pa.season[t] / max(pa.season[t].sum(), 1e-12)
        share_of_year = float(pa.season[t].sum())
        if spans.all():  # a year: each season's crop year ends with its harvest
            both = np.concatenate([before, moved], axis=1)
            grown = np.stack([both[:, q + 1 : q + 5].mean(axis=1) for q in range(4)], axis=1)
        else:
            grown = average
    else:
        moved = grown = average
        weights, share_of_year = spans / spans.sum(), m.dt
    land = (m.farmland * area)[:, None, :]
    farm = m.base_farm * (1 - grown) * work[:, None, :]
    per_ha = np.divide(farm, land, out=np.zeros_like(farm), where=land > 0)
    grain = np.interp(per_ha, m.yield_x, m.yield_y) * land * m.yield_factor * share_of_year
    if fr.harvest_labour:
        u = d["harvest_draw"][:, t, None, :]
        drawn = draw_share(st["harvest_draw"], st["harvest_draw_campaign"], moved, u)
        grain = grain * labour_ratio(m.yield_x, m.yield_y, per_ha, drawn, st["harvest_draw"])
    out = np.einsum("nqg,q->ng", grain, weights)
    if fr.harvest_shocks:
        z_common, z_region = d["harvest"][:, t, None], d["harvest_region"][:, t]
        out = out * weather(st["harvest_sd"], st["regional_harvest_sd"], z_common, z_region)
    return out


def _consequences(
    m: Model,
    pa: PolicyArrays,
    fr: Frictions,
    s: _State,
    t: int,
    plan: np.ndarray,
    x: np.ndarray,
    x_pot: np.ndarray,
    reported: np.ndarray,
    loss: np.ndarray,
    state_got: np.ndarray,
    state_need: np.ndarray,
    eaten: np.ndarray,
    people: np.ndarray,
) -> None:
    """What period t hands on: next period's plan raised on the reports, the hungry's work, plants written off,
    retrenchment where inputs or food ran short (all in ``s``)."""
    st, dt = m.settings, m.dt
    T = len(m.periods)
    if fr.investment and t + 1 < T:
        rise = m.ratchet[t + 1]
        raised = _by_product(m, plan * mech.ratchet_factor(reported, plan, rise[m.cell_product]))
        s.floor = np.where(rise > 0, raised, 0.0)
        s.floor[:, m.grain] = 0.0
    floor = m.floor[None, :] / np.where(m.population > 0, m.population, 1.0) * people
    if fr.hunger:
        s.work = mech.hunger_factor(eaten, floor, st["hunger_work"])
    if fr.write_off and fr.investment:
        gone = mech.written_off(m.usable, loss, pa.write_off) * (x > 0)
        s.arrive[:, : t + 1] *= 1 - gone[:, None, :]
        s.open *= 1 - gone
        s.workers *= 1 - gone
    s.ceiling = np.full_like(s.ceiling, np.inf)
    if fr.retrenchment and fr.investment:
        base = pa.base_capacity[t] * s.open
        short = mech.input_shortfall(x, x_pot) > st["retrench_shortage"]
        s.ceiling = np.where(short, np.minimum(s.ceiling, x), s.ceiling)
        s.workers = np.where(short, np.minimum(s.workers, np.clip(x / dt - base, 0, None) * pa.labour), s.workers)
        back_state = mech.sent_back_for_food(state_got, state_need, st["retrench_shortage"])
        back_village = mech.sent_back_for_food(eaten, floor, st["retrench_shortage"])
        back = np.where(pa.modern, back_state[:, None], back_village[:, pa.located])
        cut = back > 0
        s.workers = s.workers * (1 - back)
        staffed = (base + s.workers / np.where(pa.labour > 0, pa.labour, 1.0)) * dt
        s.ceiling = np.where(cut & (pa.labour > 0), np.minimum(s.ceiling, staffed), s.ceiling)
