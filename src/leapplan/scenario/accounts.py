"""Base-year accounts of a scenario: output and output value, grain, and what each target implies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leapplan.scenario.model import Metric, Scenario, Scope, TargetKind

COLLECTIVE = "collective"
"""Ownership label for farm output, which no enterprise makes."""


def grain_yield(s: Scenario, workers_per_ha: np.ndarray | float) -> np.ndarray:
    """Grain yield on land of factor 1 [t per ha] for farm workers per ha, from the concave yield curve."""
    xs, ys = zip(*s.agriculture.yield_curve, strict=True)
    return np.interp(np.asarray(workers_per_ha, dtype=float), xs, ys)


def base_grain(s: Scenario) -> pd.Series:
    """Base-year grain output per region with farmland [t], at the base-year farm share of labour."""
    regions = [r for r in s.regions if r.farmland > 0]
    land = np.array([r.farmland for r in regions])
    workers = np.array([r.labour_force for r in regions]) * s.agriculture.base_farm_share
    factor = np.array([r.grain_yield_factor for r in regions])
    out = grain_yield(s, workers / land) * land * factor
    return pd.Series(out, index=[r.id for r in regions], name="grain", dtype=float)


DUST = 1e-6
"""Share of a product's typical size (``product_scales``) below which a quantity is read as 0: an interior point
solution leaves such dust where a vertex has 0, and the simulation keeps that much of each product on hand."""


def product_scales(s: Scenario) -> pd.Series:
    """Typical size of each product in one place, rounded to a power of ten [product units]: base capacity (or
    household use, or for grain the food floor) over the regions with a labour force. The planner scales its LP by
    it, and reads values below a millionth of it as 0 (``DUST``); the simulation does the same."""
    people = sum(r.population for r in s.regions)
    places = max(1, sum(1 for r in s.regions if r.labour_force > 0))
    made: dict[str, float] = {}
    product_of = {t.id: t.product for t in s.technologies}
    for e in s.enterprises:
        made[product_of[e.technology]] = made.get(product_of[e.technology], 0.0) + e.capacity
    typical = pd.Series(
        {p.id: max(made.get(p.id, 0.0), p.consumption_per_head * people) / places for p in s.products}, dtype=float
    )
    grain = s.agriculture.grain_product
    if grain in typical.index:
        typical[grain] = max(typical[grain], people * s.guardrails.food_per_head / 1000 / places)
    return 10.0 ** np.round(np.log10(np.maximum(typical, 1.0)))


def base_food_per_head(s: Scenario) -> float:
    """Grain eaten per person in the base year [t per person per year]: the base harvest less the grain base
    production used as an input, over the whole population (no grain carried in, out or into stocks)."""
    people = sum(r.population for r in s.regions)
    if people <= 0:
        return 0.0
    techs = {t.id: t for t in s.technologies}
    grain = s.agriculture.grain_product
    used = sum(e.base_output * techs[e.technology].inputs.get(grain, 0.0) for e in s.enterprises)
    return max(0.0, float(base_grain(s).sum()) - used) / people


def base_output(s: Scenario, *, usable: bool = False) -> pd.DataFrame:
    """Base-year output by region, ownership and product: columns region, ownership, sector, branch,
    product, unit, output [product unit], value [yuan at base-year prices]. With ``usable``, each enterprise's
    output × its technology's usable share (what targets count); farm grain counts in full either way."""
    techs = {t.id: t for t in s.technologies}
    products = {p.id: p for p in s.products}
    rows = [
        (
            e.region,
            str(e.ownership),  # a StrEnum: str() is its value, without the enum descriptor's cost
            techs[e.technology].product,
            e.base_output * (techs[e.technology].usable_share if usable else 1.0),
        )
        for e in s.enterprises
    ]
    grain = base_grain(s)
    rows += [(region, COLLECTIVE, s.agriculture.grain_product, qty) for region, qty in grain.items()]
    frame = pd.DataFrame(rows, columns=["region", "ownership", "product", "output"])
    frame = frame.groupby(["region", "ownership", "product"], as_index=False, sort=True)["output"].sum()
    frame["sector"] = frame["product"].map(lambda p: products[p].sector.value)
    frame["branch"] = frame["product"].map(lambda p: products[p].branch)
    frame["unit"] = frame["product"].map(lambda p: products[p].unit)
    frame["value"] = frame["output"] * frame["product"].map(lambda p: products[p].price)
    return frame[["region", "ownership", "sector", "branch", "product", "unit", "output", "value"]]


def subtree(s: Scenario, root: str) -> set[str]:
    """Ids of ``root`` and every region below it."""
    children: dict[str, list[str]] = {}
    for r in s.regions:
        if r.parent is not None:
            children.setdefault(r.parent, []).append(r.id)
    out, stack = set(), [root]
    while stack:
        node = stack.pop()
        out.add(node)
        stack.extend(children.get(node, []))
    return out


def scope_mask(s: Scenario, frame: pd.DataFrame, scope: Scope) -> pd.Series:
    """Rows of an output frame (columns region, ownership, sector, product) that a target scope covers."""
    mask = pd.Series(True, index=frame.index)
    if scope.sector is not None:
        mask &= frame["sector"] == scope.sector.value
    if scope.ownership:
        mask &= frame["ownership"].isin([o.value for o in scope.ownership])
    if scope.region is not None:
        mask &= frame["region"].isin(subtree(s, scope.region))
    if scope.product is not None:
        mask &= frame["product"] == scope.product
    return mask


def measure(s: Scenario, frame: pd.DataFrame, scope: Scope) -> float:
    """The scope's metric on an output frame: yuan for output_value, product units for output."""
    mask = scope_mask(s, frame, scope)
    column = "value" if scope.metric is Metric.output_value else "output"
    return float(frame.loc[mask, column].sum())


@dataclass(frozen=True)
class TargetGrowth:
    """What a target asks, read against the base year."""

    id: str
    description: str
    year: int
    base: float
    required: float
    unit: str
    annual_growth: float
    """Compound growth per year the metric needs from the base year [fraction], NaN where undefined."""


def target_growth(s: Scenario, *, usable: bool = False) -> list[TargetGrowth]:
    """Each target's required level and the compound annual growth it implies, holding any reference metric
    at its base-year level (×2 in two years = 41.4 %/yr). With ``usable``, base-year output is counted as the
    planner counts it (gross output × the technology's usable share; see ``base_output``)."""
    frame = base_output(s, usable=usable)
    out = []
    for t in s.targets:
        years = t.year - s.base_year
        unit = _unit(s, t.scope)
        if t.scope.metric is Metric.new_plants:
            base = 0.0
            required = t.value
            growth = float("nan")
        else:
            base = measure(s, frame, t.scope)
            if t.kind is TargetKind.absolute:
                required = t.value
            elif t.kind is TargetKind.ratio_to_base:
                required = t.value * base
            else:
                assert t.reference is not None
                required = t.value * measure(s, frame, t.reference)
            growth = (required / base) ** (1 / years) - 1 if base > 0 else float("nan")
        out.append(TargetGrowth(t.id, t.description, t.year, base, required, unit, growth))
    return out


def _unit(s: Scenario, scope: Scope) -> str:
    if scope.metric is Metric.output_value:
        return s.currency
    if scope.metric is Metric.new_plants:
        return "plants"
    return next(p.unit for p in s.products if p.id == scope.product)
