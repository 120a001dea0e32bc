"""What the plan optimises, stage by stage: the targets' shortfalls by priority, then what serves people.

After the targets (each priority level's shortfall minimised and held, see ``solve.py``), one stage maximises

    W = Σ_p [ w_food · π_g · (F · lift[p] + Σ_r fed[p, r])  +  w_goods · Σ_n π_n · more[p, n] ]
        − w_cost  · Σ_p [ δ_p · Σ_v c_v · b[p, v]  +  Σ_e π^imp_e · imp[p, e]  +  ω · Σ_u l_u · x[p, u] ]
        − w_waste · Σ_p Σ_u π_u · x[p, u]  −  w_freight · π_t · Σ_p [ Σ_f dist_f · s[p, f] + Σ_a tkm_a · d[p, a] ]
        − w_dump  · Σ_p π_g · Σ_n dump[p, n]

in yuan at base-year prices (π the products' base-year prices, c the capital cost per unit of capacity, l the labour
per unit of output and ω a worker's opportunity cost, what a farm worker grew in the base year; δ_p = (1 + E)^−t_p
reduces capital outlays, new capacity's and upgrades', started t_p years after the plan began to its start, so that
capacity is built when it is needed rather than years before; see ``Weights.discount``):
grain eaten above the guardrails (up to satiation) first, and twice over the share ``lift[p]`` by which every region
eats above them in period p (food[p, r] ≥ (1 + lift[p]) × guardrail[p, r]; F the guardrails' grain summed over
regions): the worst-fed regions are lifted first, then other household consumption above the base year's
per head (up to satiation), less the funds, imports and industrial labour the plan spends, less gross output and
freight (output and
transport nobody needs, cross-hauling and a needlessly low usable share all cost), less grain left to rot.
Capacity nobody runs is kept out by ``guardrails.new_capacity_use`` and paid for in the cost term.

In the target stages each level's shortfall is minimised together with the freight the plan hauls, priced at the
value of the inputs a t-km of haulage burns (``haulage_value``) in the level's own units (``level_freight``): freight
burns coal, steel and fodder that count as output, and without a price a plan could add to a target by hauling goods
to and fro (or running trains for nothing); at this price hauling for its own sake never pays, while every haul of
real use, worth far more than it burns, still does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leapplan.plan import seasons, upgrades
from leapplan.plan.model import PlanModel


@dataclass(frozen=True)
class Weights:
    """Weights of the terms of W [per yuan at base-year prices]."""

    food: float = 1.0
    goods: float = 0.5
    cost: float = 0.1
    waste: float = 0.01
    freight: float = 1.0
    dump: float = 1.0
    discount: float = 0.08
    """Rate at which capital outlays count less for every year later they are made [per year]: the normative
    coefficient for reducing outlays made at different times to one moment (E_np = 0.08 in the Soviet standard
    methodology for the economic effectiveness of capital investment, 1969). Without it building a year early
    costs W nothing, and a plan finishes capacity years before anything runs it."""


WEIGHTS = Weights()
MONEY = 1e6
"""W is solved in million yuan."""


def _labels(pm: PlanModel, name: str) -> np.ndarray:
    return np.asarray(pm.model.variables[name].labels.values)


def cost_terms(pm: PlanModel, rate: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Labels and coefficients of funds spent on new capacity, on upgrades and on imports [yuan]; with ``rate``
    the capital outlays (new capacity and upgrades, by the period they start) are reduced to the plan's start at
    that rate per year (``deferral``), imports count in full."""
    ix = pm.index
    build = ix.units[ix.units["buildable"]]
    nP = len(ix.periods)
    factor = deferral(pm, rate)
    price_imp = ix.products["import_price"].reindex(pm.imports["product"]).to_numpy()
    up_labels, up_costs = upgrades.cost_terms(pm)
    labels = np.concatenate([_labels(pm, "b").ravel(), _labels(pm, "imp").ravel(), up_labels])
    coeffs = np.concatenate(
        [
            np.outer(factor, build["capital_cost"].to_numpy()).ravel(),
            np.tile(price_imp, nP),
            up_costs * np.repeat(factor, up_labels.size // nP),
        ]
    )
    return labels, coeffs


def deferral(pm: PlanModel, rate: float) -> np.ndarray:
    """What a yuan of capital outlay in each period counts in W: (1 + rate)^−start, start the period's start in
    years since the plan began [-]."""
    return (1.0 + rate) ** -np.asarray(pm.index.start, dtype=float)


def waste_terms(pm: PlanModel) -> tuple[np.ndarray, np.ndarray]:
    """Labels and coefficients of gross output value [yuan]."""
    ix = pm.index
    return _labels(pm, "x").ravel(), np.tile(ix.units["price"].to_numpy(), len(ix.periods))


def freight_terms(pm: PlanModel) -> tuple[np.ndarray, np.ndarray]:
    """Labels and coefficients of the freight the plan hauls [t-km]: shipments along links and agreement
    deliveries in tonnes."""
    ix = pm.index
    nP = len(ix.periods)
    ship = pm.flows["distance"].to_numpy() * pm.flows["tonnage"].to_numpy()
    agr = ix.agreements
    tons = agr["product"].map(lambda k: bool(k) and bool(ix.products.at[k, "tonnage"])).to_numpy(dtype=bool)
    deliver = np.where(tons & (agr["kind"] == "product").to_numpy(), agr["tkm"].to_numpy(), 0.0)
    labels = np.concatenate([_labels(pm, "s").ravel(), _labels(pm, "d").ravel()])
    return labels, np.concatenate([np.tile(ship, nP), np.tile(deliver, nP)])


def haulage_value(pm: PlanModel) -> float:
    """Price of one t-km of freight in the target stages: the base-year freight price [yuan per t-km]."""
    ix = pm.index
    transport = ix.products[ix.products["sector"] == "transport"]
    return float(transport["price"].min()) if len(transport) else 0.0


def labour_terms(pm: PlanModel) -> tuple[np.ndarray, np.ndarray]:
    """Labels and coefficients of industry's labour at its opportunity cost: what a farm worker grew in the base
    year [yuan]."""
    from leapplan.scenario.accounts import base_grain

    s, ix = pm.scenario, pm.index
    farm_workers = sum(r.labour_force for r in s.regions if r.farmland > 0) * s.agriculture.base_farm_share
    grain_price = float(ix.products.at[s.agriculture.grain_product, "price"])
    wage = float(base_grain(s).sum()) * grain_price / farm_workers if farm_workers > 0 else 0.0
    per = ix.units["labour"].to_numpy() / ix.dt * wage
    return _labels(pm, "x").ravel(), np.tile(per, len(ix.periods))


def lifted_food(pm: PlanModel) -> float:
    """Grain the guardrails ask of all regions in a period, what one unit of ``lift[p]`` feeds on top [t]."""
    from leapplan.plan.food import food_levels

    people = pm.layout.people
    return float(food_levels(pm.scenario, pm.index, people)["lower"].sum()) if len(people) else 0.0


def welfare_terms(pm: PlanModel, w: Weights = WEIGHTS) -> tuple[np.ndarray, np.ndarray]:
    """Labels and coefficients of −W (minimised) [million yuan]."""
    ix = pm.index
    nP = len(ix.periods)
    grain_price = float(ix.products.at[pm.scenario.agriculture.grain_product, "price"])
    more = pm.model.variables["more"]
    goods = np.asarray(more.labels.coords[more.labels.dims[1]].values)
    goods_price = ix.products["price"].reindex([str(k).split("/")[-1] for k in goods]).to_numpy()
    parts = [
        (_labels(pm, "fed").ravel(), np.full(_labels(pm, "fed").size, -w.food * grain_price)),
        (_labels(pm, "lift").ravel(), -w.food * grain_price * lifted_food(pm) * seasons.factors(pm.scenario, ix)[2]),
        (_labels(pm, "more").ravel(), -w.goods * np.tile(goods_price, nP)),
        (_labels(pm, "dump").ravel(), np.full(_labels(pm, "dump").size, w.dump * grain_price)),
    ]
    for (labels, coeffs), weight in (
        (cost_terms(pm, w.discount), w.cost),
        (labour_terms(pm), w.cost),
        (waste_terms(pm), w.waste),
        (freight_terms(pm), w.freight * haulage_value(pm)),
    ):
        parts.append((labels, weight * coeffs))
    labels = np.concatenate([p[0] for p in parts])
    coeffs = np.concatenate([p[1] for p in parts])
    keep = labels >= 0
    return labels[keep], coeffs[keep] / MONEY


def level_freight(pm: PlanModel, targets: list[str], weights: np.ndarray) -> float:
    """Weight of one yuan of freight in a level whose targets ``targets`` enter with ``weights`` (per unit of
    relative shortfall): as much as one yuan of the target it is worth most to [level units per yuan]."""
    from leapplan.scenario.model import Metric

    tf = pm.targets.frame
    by_id = {t.id: t for t in pm.scenario.targets}
    prices = pm.index.products["price"]
    best = 0.0
    for tid, w in zip(targets, weights, strict=True):
        if tid not in tf.index:
            continue
        scope = by_id[tid].scope
        if scope.metric is Metric.output_value:
            value = 1.0
        elif scope.metric is Metric.output and scope.product is not None:
            value = float(prices.get(scope.product, 0.0))
        else:
            continue
        norm = float(tf.at[tid, "norm"])
        if value > 0 and norm > 0:
            best = max(best, float(w) / (norm * value))
    return best


def welfare_parts(pm: PlanModel, sol: np.ndarray, w: Weights = WEIGHTS) -> dict[str, float]:
    """The terms of W in the solution ``sol`` (values by label) [yuan, unweighted]."""
    ix = pm.index
    grain_price = float(ix.products.at[pm.scenario.agriculture.grain_product, "price"])
    more = pm.model.variables["more"]
    goods = np.asarray(more.labels.coords[more.labels.dims[1]].values)
    goods_price = ix.products["price"].reindex([str(k).split("/")[-1] for k in goods]).to_numpy()
    nP = len(ix.periods)

    def value(labels: np.ndarray, coeffs: np.ndarray) -> float:
        keep = labels >= 0
        return float(coeffs[keep] @ sol[labels[keep]])

    fed = _labels(pm, "fed").ravel()
    dump = _labels(pm, "dump").ravel()
    return {
        "better_fed": value(fed, np.full(fed.size, grain_price)),
        "more_goods": value(_labels(pm, "more").ravel(), np.tile(goods_price, nP)),
        "cost": value(*cost_terms(pm)),
        "industry_labour": value(*labour_terms(pm)),
        "freight_tkm": value(*freight_terms(pm)),
        "gross_output": value(*waste_terms(pm)),
        "grain_dumped": value(dump, np.full(dump.size, grain_price)),
    }
