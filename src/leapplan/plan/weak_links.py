"""Weak links: binding constraints of the target-achievement LP, ranked and put in a planner's words.

The dual of a row is the change of the stage objective per unit of its right-hand side. Each
stage objective is a shortfall in the targets' own unit (yuan of output value, tonnes …), so
the dual, signed as the relaxation goes (``RELAX``), is what one more unit of the scarce thing (a tonne of coal in a county, a tonne of
corridor capacity, a worker, a technician, a yuan of funds) adds to the targets. Rows are ranked
by ``|dual| × size`` (the gain from relaxing the row by 1 %), size being the row's right-hand
side or, for balances with nothing on the right, half its gross flow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leapplan.plan.labels import column_labels
from leapplan.plan.model import PlanModel
from leapplan.plan.result import empty_table

TOP = 25
"""How many weak links to keep."""

RELAX: dict[str, float] = {
    "pool": 1.0,
    "pool_loose": 1.0,
    "balance": 1.0,
    "balance_loose": 1.0,
    "food_floor": 1.0,
    "min_farm": 1.0,
    "capacity": -1.0,
    "corridor": -1.0,
    "labour": -1.0,
    "technicians": -1.0,
    "network_pool": -1.0,
    "zone_pool": -1.0,
    "import_limit": -1.0,
    "export_limit": -1.0,
    "funds": -1.0,
    "grain_floor": 1.0,
    "agriculture_value": 1.0,
    "reserve_cover": -1.0,
    "reserve": -1.0,
}
"""Sign turning a row's dual (d objective / d rhs) into the gain from relaxing it: for ≥ rows and
balances relaxing lowers the right-hand side (more supply, a lower floor), for ≤ rows and funds it
raises it (more capacity, more money)."""


@dataclass(frozen=True)
class Gauge:
    """What the stage objective measures, for the explanations."""

    unit: str
    """Unit of the objective after scaling by ``scale`` (e.g. 'yuan')."""
    scale: float
    """Objective units per unit of the LP stage objective."""
    what: str
    """In words, e.g. 'of local_1958 and county_1958 (priority 1)'."""
    verb: str = "adds"


def _family_rows(
    pm: PlanModel, name: str, dual: np.ndarray, size: np.ndarray, coords: dict[str, np.ndarray]
) -> pd.DataFrame:
    frame = pd.DataFrame({k: np.asarray(v).ravel() for k, v in coords.items()})
    frame["dual"] = dual.ravel()
    frame["size"] = size.ravel()
    frame["constraint"] = name
    return frame


def _gross(pm: PlanModel, name: str, sol: np.ndarray) -> np.ndarray:
    """Half the sum of |terms| of each row of family ``name``: the gross flow through it."""
    return pm.rows[name].activity(sol, absolute=True) / 2


def family_values(
    pm: PlanModel, name: str, sol: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(held, price, |right-hand side|, gross flow) of each row of family ``name`` on its grid: whether the model
    holds the row, its price (0 where not held), and its gross flow at the solution ``sol`` (by variable label);
    None when the model has no such family."""
    m = pm.model
    if name not in m.constraints:
        return None
    con = m.constraints[name]
    held = np.asarray(con.labels.values) >= 0
    dual = np.where(held, np.nan_to_num(np.asarray(con.dual.values)), 0.0)
    rhs = np.abs(np.nan_to_num(np.asarray(con.rhs.values)))
    return held, dual, rhs, _gross(pm, name, sol)


def solution_vector(pm: PlanModel) -> np.ndarray:
    """Primal values indexed by linopy variable label."""
    m = pm.model
    out = np.zeros(column_labels(m))
    for v in m.variables.data.values():
        labels = np.asarray(v.labels.values).ravel()
        vals = np.asarray(v.solution.values).ravel()
        ok = labels >= 0
        out[labels[ok]] = np.nan_to_num(vals[ok])
    return out


def weak_links(
    pm: PlanModel,
    gauge: Gauge,
    names: dict[str, str],
    top: int = TOP,
    until: int | None = None,
    artefacts: set[str] | None = None,
) -> pd.DataFrame:
    """Ranked weak links of the last solved stage of ``pm`` [gauge unit per constraint unit].

    Only rows of periods up to year ``until`` count (a constraint of a later year cannot hold back a
    target due earlier). Rows about the products in ``artefacts`` (those making up the reference metric
    of a ratio_to_metric target, e.g. farm output for 'catch up with agriculture') and the farm rows when
    grain is among them are left out: relaxing them helps only by shrinking the reference (less grain
    grown means less to catch up with), an artefact of the ratio rather than a link of the chain.
    """
    m = pm.model
    ix = pm.index
    sol = solution_vector(pm)
    P = np.asarray(ix.periods)
    step = ix.dt
    parts = []

    def take(name: str, per: float = 1.0) -> tuple[np.ndarray, np.ndarray] | None:
        got = family_values(pm, name, sol)
        if got is None:
            return None
        held, dual, rhs, gross = got
        if pm.remote is not None:  # a decomposed plan's centre: the blocks' own rows are the hosts'
            rhs = np.where(held, rhs, 0.0)
            for part in pm.remote(name, sol):
                if part is not None:
                    dual, rhs, gross = dual + part[0], rhs + part[1], gross + part[2]
        size = np.maximum(rhs / per, gross / per)
        return dual * per * RELAX[name], size

    transport = set(ix.products.index[ix.products["sector"] == "transport"])
    for name, dim in (
        ("balance", "node"),
        ("balance_loose", "node"),
        ("pool", "pool_node"),
        ("pool_loose", "pool_node"),
    ):
        if (got := take(name)) is None:
            continue
        nodes = pm.nodes.loc[np.asarray(m.constraints[name].labels.coords[dim].values)]
        pp = np.repeat(P[:, None], len(nodes), axis=1)
        kind = np.where(nodes["product"].isin(transport).to_numpy(), "transport", "material")
        # a negative gain is a product with no use for more of it: its output counts only where something takes it
        kind = np.where(got[0] < 0, "outlet", np.broadcast_to(kind, pp.shape))
        parts.append(
            _family_rows(
                pm,
                name,
                np.abs(got[0]),
                got[1],
                {
                    "period": pp,
                    "region": np.broadcast_to(nodes["region"].to_numpy(), pp.shape),
                    "product": np.broadcast_to(nodes["product"].to_numpy(), pp.shape),
                    "kind": kind,
                },
            )
        )
    if (got := take("capacity", step)) is not None:
        u = ix.units
        pp = np.repeat(P[:, None], len(u), axis=1)
        parts.append(
            _family_rows(
                pm,
                "capacity",
                got[0],
                got[1],
                {
                    "period": pp,
                    "region": np.broadcast_to(u["region"].to_numpy(), pp.shape),
                    "product": np.broadcast_to(u["product"].to_numpy(), pp.shape),
                    "technology": np.broadcast_to(u["technology"].to_numpy(), pp.shape),
                    "kind": np.full(pp.shape, "capacity"),
                },
            )
        )
    if (got := take("corridor", step)) is not None:
        links = np.asarray(ix.links)
        pp = np.repeat(P[:, None], len(links), axis=1)
        parts.append(
            _family_rows(
                pm,
                "corridor",
                got[0],
                got[1],
                {
                    "period": pp,
                    "region": np.broadcast_to(links, pp.shape),
                    "product": np.full(pp.shape, ""),
                    "kind": np.full(pp.shape, "corridor"),
                },
            )
        )
    simple = [
        ("labour", "region", "labour"),
        ("min_farm", "farm", "farm_labour"),
        ("food_floor", "people", "food"),
        ("technicians", "tech_region", "technicians"),
        ("network_pool", "network", "network_technicians"),
        ("zone_pool", "zone", "zone_technicians"),
        ("funds", "fund_class", "funds"),
        ("import_limit", "import", "imports"),
        ("export_limit", "export", "exports"),
        ("grain_floor", "grain_farm", "agriculture"),
        ("reserve", "granary", "reserve"),
    ]
    for name, dim, family in simple:
        if (got := take(name)) is None:
            continue
        keys = np.asarray(m.constraints[name].labels.coords[dim].values)
        pp = np.repeat(P[:, None], len(keys), axis=1)
        trade = name in ("import_limit", "export_limit")
        product = np.broadcast_to(keys, pp.shape) if trade else np.full(pp.shape, "")
        region = np.full(pp.shape, "") if trade else np.broadcast_to(keys, pp.shape)
        if name in ("food_floor", "grain_floor"):
            product = np.full(pp.shape, pm.scenario.agriculture.grain_product)
        parts.append(
            _family_rows(
                pm,
                name,
                got[0],
                got[1],
                {"period": pp, "region": region, "product": product, "kind": np.full(pp.shape, family)},
            )
        )
    if (got := take("agriculture_value")) is not None:
        keys = np.asarray(m.constraints["agriculture_value"].labels.coords["agriculture_period"].values)
        parts.append(
            _family_rows(
                pm,
                "agriculture_value",
                got[0],
                got[1],
                {
                    "period": keys,
                    "region": np.full(keys.shape, ""),
                    "product": np.full(keys.shape, ""),
                    "kind": np.full(keys.shape, "agriculture_value"),
                },
            )
        )
    if (got := take("reserve_cover")) is not None and pm.risk is not None:
        # per period: the window ending there whose cover is worth most
        ends = np.array([p for p, _ in pm.risk.windows])
        dual = np.zeros(len(P))
        size = np.zeros(len(P))
        for p in range(len(P)):
            sel = got[0][ends == p]
            if sel.size:
                at = np.unravel_index(int(np.argmax(sel)), sel.shape)
                dual[p], size[p] = sel[at], got[1][ends == p][at]
        parts.append(
            _family_rows(
                pm,
                "reserve_cover",
                dual,
                size,
                {
                    "period": P,
                    "region": np.full(len(P), ""),
                    "product": np.full(len(P), pm.scenario.agriculture.grain_product),
                    "kind": np.full(len(P), "reserve_cover"),
                },
            )
        )
    if not parts:
        return empty_table("weak_links")
    frame = pd.concat(parts, ignore_index=True)
    if until is not None:
        frame = frame[frame["period"].astype(str).str[:4].astype(int) <= until].copy()
    if artefacts:
        drop = frame["product"].isin(artefacts) & frame["kind"].isin(
            ["material", "outlet", "food", "imports", "exports"]
        )
        if pm.scenario.agriculture.grain_product in artefacts:
            drop |= frame["kind"] == "farm_labour"
        frame = frame[~drop].copy()
    frame["shadow_price"] = frame["dual"] * gauge.scale
    frame = frame[frame["shadow_price"] > 1e-9 * max(1.0, gauge.scale)].copy()
    frame["value_of_one_percent"] = frame["shadow_price"] * frame["size"] * 0.01
    frame = frame[frame["value_of_one_percent"] > 0].copy()  # a link of no size frees nothing when relaxed by 1 %
    frame["technology"] = frame.get("technology", pd.Series(index=frame.index, dtype=object)).fillna("")
    frame = frame.sort_values(["value_of_one_percent", "shadow_price"], ascending=False, kind="stable")
    frame = frame.drop_duplicates(["kind", "region", "product", "technology", "period"]).head(top)
    units = [_unit_of(pm, k, p) for k, p in zip(frame["kind"], frame["product"], strict=True)]
    frame["unit"] = [f"{gauge.unit} per {u}" for u in units]
    things = [_thing(pm, names, row, u) for row, u in zip(frame.itertuples(index=False), units, strict=True)]
    frame["explanation"] = [
        f"one more {thing} in {row.period} {gauge.verb} {row.shadow_price:,.4g} {gauge.unit} {gauge.what}"
        for thing, row in zip(things, frame.itertuples(index=False), strict=True)
    ]
    frame["action"] = [f"{_action(names, row)} in {row.period}" for row in frame.itertuples(index=False)]
    frame["label"] = [_label(names, row) for row in frame.itertuples(index=False)]
    cols = [
        "kind",
        "region",
        "product",
        "period",
        "shadow_price",
        "unit",
        "explanation",
        "value_of_one_percent",
        "technology",
        "constraint",
        "size",
        "action",
        "label",
    ]
    return frame[cols].reset_index(drop=True)


def _unit_of(pm: PlanModel, kind: str, product: str) -> str:
    products = pm.index.products
    per_year = {"capacity", "corridor"}
    if kind in ("material", "outlet", "transport", "imports", "exports", "food", "agriculture", "reserve_cover"):
        return str(products.at[product, "unit"]) + (" of grain" if kind in ("food", "agriculture") else "")
    if kind == "reserve":
        return "t of grain"
    if kind == "agriculture_value":
        return pm.scenario.currency
    if kind == "corridor":
        return "t/yr of corridor capacity"
    if kind in per_year:
        return str(products.at[product, "unit"]) + "/yr of capacity"
    if kind in ("labour", "farm_labour"):
        return "worker"
    if kind.endswith("technicians"):
        return "technician"
    if kind == "funds":
        return pm.scenario.currency
    return "unit"


def _thing(pm: PlanModel, names: dict[str, str], row: Any, unit: str) -> str:
    """What one more unit of the row is, in words: 't of coal in Taiyuan', 'worker in Yuci' …"""
    kind = row.kind
    region = names.get(row.region, row.region)
    product = names.get(row.product, row.product)
    return {
        "material": f"{unit} of {product} in {region}",
        "outlet": f"{unit} of {product} used in {region} (output counts only where something takes it)",
        "transport": f"{unit} of freight transport",
        "exports": f"{unit} of {product} taken out of the scenario",
        "capacity": f"{unit} of {names.get(row.technology, row.technology)} in {region}",
        "corridor": f"t/yr of carrying capacity on {region}",
        "labour": f"worker in {region}",
        "farm_labour": f"worker fewer required in the fields of {region} (a lower least farm share)",
        "food": f"{unit} less eaten in {region} (a lower food guardrail)",
        "agriculture": f"{unit} less required of {region} (a lower agriculture guardrail)",
        "agriculture_value": f"{pm.scenario.currency} less agricultural output required (a lower agriculture guardrail)",
        "reserve": f"t of grain in the state reserve in {region} at the start",
        "reserve_cover": "t of grain available to cover a bad harvest",
        "technicians": f"technician for new plants in {region}",
        "network_technicians": f"technician in the {region} network's pool",
        "zone_technicians": f"technician in zone {region}'s pool",
        "funds": f"{unit} of {region}",
        "imports": f"{unit} of {product} allowed in from outside",
    }.get(kind, f"unit of {kind} in {region}")


def _action(names: dict[str, str], row: Any) -> str:
    """What relieving the row means, without its unit: 'more capacity of rolling mill in Yuci' …"""
    region = names.get(row.region, row.region)
    product = names.get(row.product, row.product)
    return {
        "material": f"more {product} in {region}",
        "outlet": f"a use for more {product} in {region}",
        "transport": "more freight transport",
        "exports": f"more {product} taken out of the scenario",
        "capacity": f"more capacity of {names.get(row.technology, row.technology)} in {region}",
        "corridor": f"more carrying capacity on {region}",
        "labour": f"more workers in {region}",
        "farm_labour": f"fewer workers required in the fields of {region}",
        "food": f"less grain eaten in {region}",
        "agriculture": f"less grain required of {region}",
        "agriculture_value": "less agricultural output required",
        "reserve": f"more grain in the state reserve in {region} at the start",
        "reserve_cover": "more grain to cover a bad harvest",
        "technicians": f"more technicians for new plants in {region}",
        "network_technicians": f"more technicians in the {region} network's pool",
        "zone_technicians": f"more technicians in zone {region}'s pool",
        "funds": f"more money in {region}",
        "imports": f"more {product} allowed in from outside",
    }.get(row.kind, f"relaxing {row.kind} in {region}")


def _label(names: dict[str, str], row: Any) -> str:
    """'capacity · rolling mill · Yuci · 1961': the row's kind and place by name."""
    parts = [
        row.kind.replace("_", " "),
        names.get(row.technology, "") if row.technology else names.get(row.product, row.product),
    ]
    parts += [names.get(row.region, row.region), str(row.period)]
    return " · ".join(p for p in parts if p)
