"""The compiled simulation model: a scenario and a plan (or its policies) as plain numpy arrays.

Cells are (region, technology) pairs. Everything a worker needs is in ``Model`` (picklable, no pydantic),
so it can be shipped once to a Dask cluster.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csr_array

from leapplan.errors import SimulationError
from leapplan.scenario.accounts import DUST, grain_yield, product_scales
from leapplan.scenario.model import Period, Scenario, Sector, TechKind
from leapplan.simulate import rebuilding
from leapplan.simulate.policies import policy_plan
from leapplan.simulate.policy_model import PolicyArrays, policy_arrays
from leapplan.simulate.rebuilding import Rebuilt

logger = logging.getLogger(__name__)

TRANSPORT_UNITS = {"t-km", "tkm"}


@dataclass(frozen=True)
class Model:
    """Arrays of one scenario + plan. Shapes: T periods, C cells, P products, G food regions."""

    scenario: str
    periods: list[str]
    dt: float
    """Period length [years]."""
    mode: str
    """'plan' (a PlanResult), 'policies' (the scenario's policies) or 'base' (base year carried forward)."""
    products: list[str]
    units: list[str]
    prices: np.ndarray
    """(P,) base-year prices [yuan per unit]."""
    grain: int
    """Index of the grain product."""
    cell_region: np.ndarray
    """(C,) index into ``regions`` of each cell's region."""
    cell_tech: list[str]
    cell_product: np.ndarray
    """(C,) product index of each cell's main output."""
    usable: np.ndarray
    """(C,) nominal usable share [-]."""
    indigenous: np.ndarray
    """(C,) bool."""
    transport: np.ndarray
    """(C,) bool: the cell makes transport."""
    build_time: np.ndarray
    """(C,) [years]."""
    learning_time: np.ndarray
    """(T, C) [years], shorter where the plan sends technicians."""
    inputs: csr_array
    """(P, C) inputs per unit of each cell's output."""
    outputs: csr_array
    """(P, C) 1 at each cell's product."""
    byproducts: csr_array
    """(P, C) by-products per unit of output."""
    input_index: np.ndarray
    """(C, m) product indices of each cell's inputs, padded with P (a dummy whose ratio is 1)."""
    planned: np.ndarray
    """(T, C) planned output [product units per period]."""
    capacity: np.ndarray
    """(T, C) planned capacity in service [units per year]."""
    new_capacity: np.ndarray
    """(T, C) capacity the plan starts in each period [units per year]."""
    new_in_service: np.ndarray
    """(T, C) of ``capacity``, what the plan built [units per year]: the plan's own figure where its capacity table
    gives one, else all new capacity started so far."""
    imports: np.ndarray
    """(P,) most imports [units per period]."""
    demand: np.ndarray
    """(T, P) household consumption [units per period], grain left out (its food need is set per period)."""
    deliveries: np.ndarray
    """(T, P) planned deliveries out of the scenario: exports and the base year's deliveries beyond it [units per
    period]; zero without a plan."""
    regions: list[str]
    population: np.ndarray
    """(G,) [persons]."""
    farmland: np.ndarray
    """(G,) [ha]."""
    yield_factor: np.ndarray
    """(G,) [-]."""
    yield_x: np.ndarray
    yield_y: np.ndarray
    base_farm: np.ndarray
    """(G,) base-year farm workers [persons]."""
    farm: np.ndarray
    """(T, G) planned farm workers [persons]."""
    planned_grain: np.ndarray
    """(T, G) planned grain output [t per period]."""
    harvest: np.ndarray
    """(T, G) grain the planned farm labour harvests without frictions [t per period]."""
    ration: float
    """Normal grain eaten [t per person per year]."""
    food_plan: np.ndarray
    """(T, G) grain the plan has each food region's households eat [t per period] (plan mode)."""
    floor: np.ndarray
    """(G,) the food floor [t per period]."""
    grain_imports: np.ndarray
    """(T,) grain the plan brings in [t per period] (plan mode)."""
    reserve0: float
    """State grain reserve at the start [t]."""
    stock0: np.ndarray
    """(P,) stocks on hand at the start [units]: the grain reserve, and of every other product a millionth of its
    typical size (``scenario.accounts.DUST``), the dust a plan solved by interior point reads as 0."""
    keep: float
    """Share of grain in store that survives one period [-]."""
    mess: np.ndarray
    """(T,) grain eaten relative to the ration in farm regions [-]."""
    procurement: np.ndarray
    """(T,) share of the reported harvest the state takes; NaN = grain pooled scenario-wide."""
    ratchet: np.ndarray
    """(T, P) rise of next period's plan when reports exceed it [fraction]; 0 = none."""
    settings: dict[str, float]
    """The scenario's simulation settings (the numbers among them)."""
    labour_force: float = 0.0
    """Labour force of the food regions [persons]."""
    policy: PolicyArrays | None = None
    """What policy mode's dynamics need beyond the static policy plan (``simulate.dynamics``); policy mode only."""
    rebuilt: Rebuilt | None = None
    """Capacity the plan rebuilds from plants of another technology (``simulate.rebuilding``); plan mode only."""

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(T, C, P, G)."""
        return len(self.periods), len(self.cell_tech), len(self.products), len(self.regions)


def food_regions(s: Scenario) -> list[str]:
    """Regions whose people eat: every region with a population (populations do not nest, as in the summary)."""
    return [r.id for r in s.regions if r.population > 0]


def compile_model(s: Scenario, plan: Any | None = None) -> Model:
    """Compile ``s`` with ``plan`` (a PlanResult or an object with its tables) or, without one, its policies."""
    periods = s.periods
    dt = 1.0 if s.period is Period.year else 0.25
    prods = [p.id for p in s.products]
    pidx = {p: i for i, p in enumerate(prods)}
    techs = {t.id: t for t in s.technologies}
    rids = [r.id for r in s.regions]
    ridx = {r: i for i, r in enumerate(rids)}
    grain = s.agriculture.grain_product

    base_cap: dict[tuple[str, str], float] = {}
    base_out: dict[tuple[str, str], float] = {}
    for e in s.enterprises:
        where = (e.region, e.technology)
        base_cap[where] = base_cap.get(where, 0.0) + e.capacity
        base_out[where] = base_out.get(where, 0.0) + e.base_output

    foods = food_regions(s)
    regions = {r.id: r for r in s.regions}
    pop = np.array([regions[r].population for r in foods])
    land = np.array([regions[r].farmland for r in foods])
    factor = np.array([regions[r].grain_yield_factor for r in foods])
    base_farm = np.array([regions[r].labour_force for r in foods]) * s.agriculture.base_farm_share * (land > 0)
    xs, ys = (np.array(v, dtype=float) for v in zip(*s.agriculture.yield_curve, strict=True))

    def grain_of(workers: np.ndarray) -> np.ndarray:
        per_ha = np.divide(workers, land, out=np.zeros_like(workers, dtype=float), where=land > 0)
        return grain_yield(s, per_ha) * land * factor

    T = len(periods)
    if plan is not None:
        mode = "plan"
        cells, planned, capacity, new_cap, new_on, farm, learn_fast = _plan_tables(s, plan, base_cap, foods, base_farm)
        rebuilt = rebuilding.from_plan(s, plan, list(periods), cells, dt)
        if rebuilt is not None:
            rebuilding.check(rebuilt, capacity, list(periods), cells)
        harvest = np.stack([grain_of(farm[t]) for t in range(T)]) * dt
        harvest = _plan_grain(plan, periods, foods, harvest)
        planned_grain = harvest
        mess = np.ones(T)
        procurement = np.full(T, np.nan)
        ratchet = np.zeros((T, len(prods)))
    else:
        pp = policy_plan(s, base_cap, base_out, foods, base_farm, grain_of(base_farm), dt)
        mode = pp.mode
        cells, planned, capacity, new_cap, farm = pp.cells, pp.planned, pp.capacity, pp.new_capacity, pp.farm
        new_on = np.cumsum(new_cap, axis=0)
        planned_grain, mess, procurement, ratchet = pp.planned_grain, pp.mess, pp.procurement, pp.ratchet
        learn_fast = np.zeros((T, len(cells)), dtype=bool)
        harvest = np.stack([grain_of(farm[t]) for t in range(T)]) * dt
        rebuilt = None

    C = len(cells)
    cell_tech = [t for _, t in cells]
    for t in cell_tech:
        if t not in techs:
            raise SimulationError(f"the plan uses technology {t!r}, which the scenario does not have")
    cell_region = np.array([ridx[r] for r, _ in cells], dtype=np.int64)
    cell_product = np.array([pidx[techs[t].product] for t in cell_tech], dtype=np.int64)
    transport_products = {p.id for p in s.products if p.unit.lower() in TRANSPORT_UNITS or p.sector is Sector.transport}
    rows_in, cols_in, vals_in, rows_by, cols_by, vals_by = [], [], [], [], [], []
    for c, tech_id in enumerate(cell_tech):
        for key, q in techs[tech_id].inputs.items():
            if q > 0:
                rows_in.append(pidx[key])
                cols_in.append(c)
                vals_in.append(q)
        for key, q in techs[tech_id].byproducts.items():
            if q > 0:
                rows_by.append(pidx[key])
                cols_by.append(c)
                vals_by.append(q)
    P = len(prods)
    inputs = csr_array((vals_in, (rows_in, cols_in)), shape=(P, C))
    byproducts = csr_array((vals_by, (rows_by, cols_by)), shape=(P, C))
    outputs = csr_array((np.ones(C), (cell_product, np.arange(C))), shape=(P, C))
    width = max([len([q for q in techs[t].inputs.values() if q > 0]) for t in cell_tech] + [1])
    input_index = np.full((C, width), P, dtype=np.int64)
    for c, tech_id in enumerate(cell_tech):
        ins = [pidx[k] for k, q in techs[tech_id].inputs.items() if q > 0]
        input_index[c, : len(ins)] = ins

    st = s.simulation
    learning = np.full((T, C), st.learning_time) * np.where(learn_fast, st.support_speedup, 1.0)
    demand = np.tile(np.array([p.consumption_per_head for p in s.products]) * pop.sum() * dt, (T, 1))
    deliveries = np.zeros((T, len(prods)))
    food_plan = np.zeros((T, len(foods)))
    grain_imports = np.zeros(T)
    if plan is not None:
        demand, deliveries, food_plan, grain_imports = _plan_uses(s, plan, foods, demand, deliveries)
    demand[:, pidx[grain]] = 0.0
    grain_per_head = next(p.consumption_per_head for p in s.products if p.id == grain)
    if st.ration > 0:
        ration = st.ration / 1000.0
    elif grain_per_head > 0:
        ration = grain_per_head
    else:
        ration = _base_ration(s, base_out, grain_of(base_farm).sum(), pop.sum())
    return Model(
        scenario=s.name,
        periods=list(periods),
        dt=dt,
        mode=mode,
        products=prods,
        units=[p.unit for p in s.products],
        prices=np.array([p.price for p in s.products]),
        grain=pidx[grain],
        cell_region=cell_region,
        cell_tech=cell_tech,
        cell_product=cell_product,
        usable=np.array([techs[t].usable_share for t in cell_tech]),
        indigenous=np.array([techs[t].kind is TechKind.indigenous for t in cell_tech], dtype=bool),
        transport=np.array([techs[t].product in transport_products for t in cell_tech], dtype=bool),
        build_time=np.array([techs[t].build_time for t in cell_tech]),
        learning_time=learning,
        rebuilt=rebuilt,
        inputs=inputs,
        outputs=outputs,
        byproducts=byproducts,
        input_index=input_index,
        planned=planned,
        capacity=capacity,
        new_capacity=new_cap,
        new_in_service=new_on,
        imports=np.array([p.import_limit for p in s.products]) * dt,
        demand=demand,
        deliveries=deliveries,
        regions=foods,
        population=pop,
        farmland=land,
        yield_factor=factor,
        yield_x=xs,
        yield_y=ys,
        base_farm=base_farm,
        farm=farm,
        planned_grain=planned_grain,
        harvest=harvest,
        ration=ration,
        food_plan=food_plan,
        floor=pop * s.guardrails.food_per_head / 1000 * dt,
        grain_imports=grain_imports,
        reserve0=float(s.agriculture.reserve),
        stock0=_stock0(s),
        keep=float((1 - s.agriculture.storage_loss) ** dt),
        mess=mess,
        procurement=procurement,
        ratchet=ratchet,
        settings={k: float(v) for k, v in st.model_dump().items() if isinstance(v, int | float)},
        labour_force=float(sum(regions[r].labour_force for r in foods)),
        policy=policy_arrays(s, cells, foods, base_cap, base_out, base_farm, dt) if mode == "policies" else None,
    )


def _stock0(s: Scenario) -> np.ndarray:
    """(P,) stocks on hand at the start [units]: dust of every product but grain, and the grain reserve."""
    out = (DUST * product_scales(s)).reindex([p.id for p in s.products]).to_numpy(dtype=float, copy=True)
    out[[p.id for p in s.products].index(s.agriculture.grain_product)] = s.agriculture.reserve  # grain: the reserve
    return out


def _base_ration(s: Scenario, base_out: dict[tuple[str, str], float], grain_total: float, people: float) -> float:
    """Base-year grain per head left after industry's grain use [t per person per year]."""
    grain = s.agriculture.grain_product
    techs = {t.id: t for t in s.technologies}
    used = sum(q * techs[t].inputs.get(grain, 0.0) for (_, t), q in base_out.items())
    if people <= 0:
        return 0.0
    return max(0.0, grain_total - used) / people


def _plan_tables(
    s: Scenario, plan: Any, base_cap: dict[tuple[str, str], float], foods: list[str], base_farm: np.ndarray
) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cells, planned output, capacity, new capacity started and in service, farm workers and where technicians go,
    from plan tables."""
    periods = s.periods
    T = len(periods)
    known = {t.id for t in s.technologies}
    prod = _frame(plan, "production", ["period", "region", "technology", "quantity"])
    prod = prod[prod["technology"].isin(known) | (prod.get("product") != s.agriculture.grain_product)]
    cap = getattr(plan, "capacity", None)
    cap = cap if isinstance(cap, pd.DataFrame) and not cap.empty else None
    if cap is not None:
        cap = cap[cap["technology"].isin(known) | (cap.get("product") != s.agriculture.grain_product)]
    keys = set(base_cap)
    keys |= set(zip(prod["region"], prod["technology"], strict=True))
    if cap is not None:
        keys |= set(zip(cap["region"], cap["technology"], strict=True))
    cells = sorted(keys)
    cidx = {k: i for i, k in enumerate(cells)}
    tidx = {p: i for i, p in enumerate(periods)}
    unknown = sorted(set(prod["period"].astype(str)) - set(tidx))
    if unknown:
        raise SimulationError(f"the plan has period {unknown[0]!r}, which is not a period of {s.name}")
    C = len(cells)
    planned = np.zeros((T, C))
    ti = prod["period"].astype(str).map(tidx).to_numpy()
    ci = np.array([cidx[k] for k in zip(prod["region"], prod["technology"], strict=True)], dtype=np.int64)
    np.add.at(planned, (ti, ci), prod["quantity"].to_numpy(dtype=float))
    dt = 1.0 if s.period is Period.year else 0.25
    if cap is not None:
        capacity = np.zeros((T, C))
        new_cap = np.zeros((T, C))
        ti = cap["period"].astype(str).map(tidx).to_numpy()
        ci = np.array([cidx[k] for k in zip(cap["region"], cap["technology"], strict=True)], dtype=np.int64)
        np.add.at(capacity, (ti, ci), cap["capacity"].to_numpy(dtype=float))
        if "new_capacity" in cap:
            np.add.at(new_cap, (ti, ci), cap["new_capacity"].to_numpy(dtype=float))
        if "new_in_service" in cap:
            new_on = np.zeros((T, C))
            np.add.at(new_on, (ti, ci), cap["new_in_service"].to_numpy(dtype=float))
        else:  # a plan written before the column: all new capacity started so far
            new_on = np.cumsum(new_cap, axis=0)
        listed = np.zeros(C, dtype=bool)
        listed[np.unique(ci)] = True
        for k, c in cidx.items():
            if not listed[c]:
                capacity[:, c] = base_cap.get(k, 0.0)
    else:
        capacity = np.tile(np.array([base_cap.get(k, 0.0) for k in cells]), (T, 1))
        new_cap = np.zeros((T, C))
        new_on = np.zeros((T, C))
    capacity = np.where(capacity > 0, capacity, planned / dt)  # a cell planned without capacity: unbounded by it
    farm = np.tile(base_farm, (T, 1))
    labour = getattr(plan, "labour", None)
    if isinstance(labour, pd.DataFrame) and not labour.empty:
        gidx = {r: i for i, r in enumerate(foods)}
        rows = labour[labour["region"].isin(gidx) & labour["period"].astype(str).isin(tidx)]
        at = (
            rows["period"].astype(str).map(tidx).to_numpy(dtype=np.int64),
            rows["region"].map(gidx).to_numpy(dtype=np.int64),
        )
        farm[at] = rows["farm"].to_numpy(dtype=float)
        farm *= base_farm > 0
    learn_fast = np.zeros((T, C), dtype=bool)
    support = getattr(plan, "support", None)
    if isinstance(support, pd.DataFrame) and not support.empty:
        region_of = {e.id: e.region for e in s.enterprises}
        tech_of = {e.id: e.technology for e in s.enterprises}
        rows = support[(support["kind"] == "technicians") & support["period"].astype(str).isin(tidx)]
        cell_regions = np.array([r for r, _ in cells])
        cell_techs = np.array([t for _, t in cells])
        for period, member in zip(rows["period"].astype(str), rows["member"].astype(str), strict=True):
            if member in region_of:
                hit = (cell_regions == region_of[member]) & (cell_techs == tech_of[member])
            else:
                hit = cell_regions == member
            learn_fast[tidx[period]] |= hit
    logger.info("plan compiled: %d cells, %d periods", C, T)
    return cells, planned, capacity, new_cap, new_on, farm, learn_fast


def _plan_uses(
    s: Scenario, plan: Any, foods: list[str], demand: np.ndarray, deliveries: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From a plan's tables: household consumption (T, P), deliveries out of the scenario (T, P), grain eaten per
    food region (T, G) and grain imports (T,) [units per period]. A table the plan lacks keeps the default."""
    periods = s.periods
    tidx = {p: i for i, p in enumerate(periods)}
    pidx = {p.id: i for i, p in enumerate(s.products)}
    gidx = {r: i for i, r in enumerate(foods)}
    grain = s.agriculture.grain_product
    dt = 1.0 if s.period is Period.year else 0.25
    T = len(periods)
    demand, deliveries = demand.copy(), deliveries.copy()

    def table(name: str, columns: list[str]) -> pd.DataFrame | None:
        frame = getattr(plan, name, None)
        if not isinstance(frame, pd.DataFrame) or frame.empty or any(c not in frame for c in columns):
            return None
        frame = frame[frame["period"].astype(str).isin(tidx)]
        return frame if len(frame) else None

    cons = table("consumption", ["period", "product", "quantity"])
    if cons is not None:
        rows = cons[cons["product"].isin(pidx) & (cons["product"] != grain)].reset_index(drop=True)
        demand[:] = 0.0
        np.add.at(
            demand,
            (
                rows["period"].astype(str).map(tidx).to_numpy(dtype=np.int64),
                rows["product"].map(pidx).to_numpy(dtype=np.int64),
            ),
            rows["quantity"].to_numpy(dtype=float),
        )
    trade = table("trade", ["period", "product"])
    grain_imports = np.zeros(T)
    if trade is not None:
        rows = trade[trade["product"].isin(pidx)]
        ti = rows["period"].astype(str).map(tidx).to_numpy(dtype=np.int64)
        pi = rows["product"].map(pidx).to_numpy(dtype=np.int64)
        for column in ("exports", "deliveries"):
            if column in rows:
                np.add.at(deliveries, (ti, pi), rows[column].to_numpy(dtype=float))
        if "imports" in rows:
            g = (rows["product"] == grain).to_numpy()
            np.add.at(grain_imports, ti[g], rows["imports"].to_numpy(dtype=float)[g])
    pop = np.array([next(r.population for r in s.regions if r.id == f) for f in foods])
    ration = max(s.guardrails.food_per_head / 1000, next(p.consumption_per_head for p in s.products if p.id == grain))
    food_plan = np.tile(pop * ration * dt, (T, 1))
    food = table("food", ["period", "region"])
    if food is not None:
        rows = food[food["region"].isin(gidx)]
        eaten = (
            rows["food"].to_numpy(dtype=float)
            if "food" in rows
            else rows["food_per_head"].to_numpy(dtype=float) / 1000 * pop[rows["region"].map(gidx).to_numpy()] * dt
        )
        food_plan[
            rows["period"].astype(str).map(tidx).to_numpy(dtype=np.int64),
            rows["region"].map(gidx).to_numpy(dtype=np.int64),
        ] = eaten
    return demand, deliveries, food_plan, grain_imports


def _plan_grain(plan: Any, periods: list[str], foods: list[str], harvest: np.ndarray) -> np.ndarray:
    """The plan's own grain output per food region and period [t] where its food table gives it."""
    food = getattr(plan, "food", None)
    if not isinstance(food, pd.DataFrame) or food.empty or "grain_output" not in food:
        return harvest
    gidx = {r: i for i, r in enumerate(foods)}
    tidx = {p: i for i, p in enumerate(periods)}
    rows = food[food["region"].isin(gidx) & food["period"].astype(str).isin(tidx)]
    out = harvest.copy()
    out[rows["period"].astype(str).map(tidx).to_numpy(), rows["region"].map(gidx).to_numpy()] = rows[
        "grain_output"
    ].to_numpy(dtype=float)
    return out


def _frame(plan: Any, name: str, columns: list[str]) -> pd.DataFrame:
    frame = getattr(plan, name, None)
    if not isinstance(frame, pd.DataFrame):
        raise SimulationError(f"the plan has no {name} table")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SimulationError(f"the plan's {name} table lacks column {missing[0]!r}")
    return frame
