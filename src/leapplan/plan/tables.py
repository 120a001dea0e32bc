"""Read the solved LP back into the plan tables of ``PlanResult`` (long pandas frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leapplan.plan.model import PlanModel
from leapplan.plan.result import COLUMNS
from leapplan.plan.weak_links import solution_vector
from leapplan.scenario.accounts import COLLECTIVE

EPS = 1e-7
"""Values below this (in their own unit) are reported as absent."""
DUST = 1e-6
"""Solution values below this share of their variable's scale (linopy's variable scaling: the typical size of
the product in one place) are read as 0: an interior point solution leaves such dust where a vertex has 0."""


def _sol(pm: PlanModel, name: str) -> np.ndarray:
    if name not in pm.model.variables:
        return np.zeros((len(pm.index.periods), 0))
    v = pm.model.variables[name]
    values = np.nan_to_num(np.asarray(v.solution.values))
    scale = 1.0 / np.broadcast_to(np.asarray(v.solver_scaling.values, dtype=float), values.shape)
    return np.where(np.abs(values) < DUST * scale, 0.0, values)


def _long(values: np.ndarray, periods: pd.Index, keys: pd.DataFrame) -> pd.DataFrame:
    """(period, key) values as rows: period + the key columns + 'value'."""
    nP, nK = values.shape
    frame = keys.iloc[np.tile(np.arange(nK), nP)].reset_index(drop=True)
    frame.insert(0, "period", np.repeat(np.asarray(periods), nK))
    frame["value"] = values.ravel()
    return frame


def production(pm: PlanModel) -> pd.DataFrame:
    u = pm.index.units
    frame = _long(_sol(pm, "x"), pm.index.periods, u[["region", "technology", "product", "ownership", "usable"]])
    frame = frame.rename(columns={"value": "quantity"})
    frame["usable_quantity"] = frame["quantity"] * frame.pop("usable")
    frame = frame.groupby(["period", "region", "technology", "product"], as_index=False, sort=False)[
        ["quantity", "usable_quantity"]
    ].sum()
    return frame[frame["quantity"] > EPS].reset_index(drop=True)


def capacity(pm: PlanModel) -> pd.DataFrame:
    ix = pm.index
    u = ix.units
    nP = len(ix.periods)
    build = u["buildable"].to_numpy()
    b = _sol(pm, "b")
    new = np.zeros((nP, len(u)))
    new[:, build] = b
    in_service = np.tile(u["base"].to_numpy(), (nP, 1))
    in_service[:, build] += np.einsum("qpv,qv->pv", ix.avail, b)
    n = _sol(pm, "n")
    if n.size:
        pos = u.index.get_indexer(ix.assignments["unit"])
        np.add.at(in_service.T, pos, (n * ix.assignments["gain"].to_numpy()).T)
    frame = _long(in_service, ix.periods, u[["region", "technology", "product"]]).rename(columns={"value": "capacity"})
    frame["new_capacity"] = new.ravel()
    frame = frame.groupby(["period", "region", "technology", "product"], as_index=False, sort=False)[
        ["capacity", "new_capacity"]
    ].sum()
    return frame[(frame["capacity"] > EPS) | (frame["new_capacity"] > EPS)].reset_index(drop=True)


def shipments(pm: PlanModel) -> pd.DataFrame:
    frame = _long(_sol(pm, "s"), pm.index.periods, pm.flows[["link", "from_region", "to_region", "product"]])
    frame = frame.rename(columns={"value": "quantity"})
    return frame[frame["quantity"] > EPS][COLUMNS["shipments"]].reset_index(drop=True)


def labour(pm: PlanModel) -> pd.DataFrame:
    ix = pm.index
    u = ix.units
    x = _sol(pm, "x")
    per = x * (u["labour"].to_numpy() / ix.dt)
    ind = pd.DataFrame(per.T, index=u["region"]).groupby(level=0).sum().T
    farm = pd.DataFrame(_sol(pm, "farm"), columns=pm.farms)
    regions = sorted(set(ind.columns) | set(farm.columns))
    ind = ind.reindex(columns=regions, fill_value=0.0)
    farm = farm.reindex(columns=regions, fill_value=0.0)
    keys = pd.DataFrame({"region": regions})
    out = _long(farm.to_numpy(), ix.periods, keys).rename(columns={"value": "farm"})
    out["industry"] = ind.to_numpy().ravel()
    out["labour_force"] = ix.regions["labour_force"].reindex(out["region"]).to_numpy()
    return out


def food(pm: PlanModel) -> pd.DataFrame:
    ix = pm.index
    s = pm.scenario
    grain_id = s.agriculture.grain_product
    people = pm.people
    pop = ix.regions["population"].reindex(people).to_numpy()
    eaten = _sol(pm, "food")
    grain = pd.DataFrame(_sol(pm, "grain"), columns=pm.farms).reindex(columns=people, fill_value=0.0).to_numpy()
    per_head = max(s.guardrails.food_per_head, 1000 * float(ix.products.at[grain_id, "consumption"]))
    # grain left over in a region's balance is food too: add the balance surplus of grain
    name = "balance_loose" if "balance_loose" in pm.model.constraints else "balance"
    con = pm.model.constraints[name]
    lhs = pm.rows[name].activity(solution_vector(pm))
    surplus = lhs - np.nan_to_num(np.asarray(con.rhs.values))
    nodes = pd.Index(np.asarray(con.labels.coords["node"].values))
    g_cols = nodes.get_indexer([f"{r}/{grain_id}" for r in people])
    spare = np.where(g_cols >= 0, surplus[:, np.clip(g_cols, 0, None)], 0.0)
    spare = np.clip(spare, 0.0, None)
    keys = pd.DataFrame({"region": np.asarray(people)})
    out = _long(grain, ix.periods, keys).rename(columns={"value": "grain_output"})
    out["food_per_head"] = ((eaten + spare) * 1000 / (pop * ix.dt)).ravel()
    out["floor"] = per_head
    return out


def output_value(pm: PlanModel) -> pd.DataFrame:
    ix = pm.index
    u = ix.units
    x = _sol(pm, "x")
    frame = _long(x * u["price"].to_numpy(), ix.periods, u[["ownership", "sector"]]).rename(columns={"value": "value"})
    frame["usable_value"] = (x * (u["price"] * u["usable"]).to_numpy()).ravel()
    grain_id = pm.scenario.agriculture.grain_product
    g = _sol(pm, "grain").sum(axis=1) * ix.products.at[grain_id, "price"]
    farm = pd.DataFrame(
        {
            "period": np.asarray(ix.periods),
            "ownership": COLLECTIVE,
            "sector": ix.products.at[grain_id, "sector"],
            "value": g,
            "usable_value": g,
        }
    )
    frame = pd.concat([frame, farm], ignore_index=True)
    return frame.groupby(["period", "ownership", "sector"], as_index=False, sort=True)[["value", "usable_value"]].sum()


def support(pm: PlanModel) -> pd.DataFrame:
    ix = pm.index
    parts = []
    asg = ix.assignments
    if len(asg):
        f = _long(_sol(pm, "n"), ix.periods, asg[["hub", "member", "network"]].rename(columns={"hub": "source"}))
        f["kind"] = "technicians"
        parts.append(f)
    zl = ix.zone_links
    if len(zl):
        f = _long(
            _sol(pm, "z"),
            ix.periods,
            zl[["centre", "county", "zone"]].rename(
                columns={"centre": "source", "county": "member", "zone": "network"}
            ),
        )
        f["kind"] = "technicians"
        parts.append(f)
    agr = ix.agreements
    if len(agr):
        keys = (
            agr[["from_region", "to_region", "kind", "product"]]
            .rename(columns={"from_region": "source", "to_region": "member"})
            .reset_index()
        )
        keys["kind"] = keys["kind"].replace({"product": "product"})
        f = _long(_sol(pm, "d"), ix.periods, keys)
        parts.append(f)
    spend = _fund_spend(pm)
    if len(spend):
        parts.append(spend)
    if not parts:
        return pd.DataFrame(columns=COLUMNS["support"])
    out = pd.concat(parts, ignore_index=True).rename(columns={"value": "quantity"})
    out = out[out["quantity"] > EPS]
    cols = COLUMNS["support"] + [c for c in ("network", "agreement", "product") if c in out.columns]
    return out[cols].reset_index(drop=True)


def _class_spend(pm: PlanModel) -> tuple[np.ndarray, pd.DataFrame]:
    """Spending per period and (fund class, region) [yuan]."""
    ix = pm.index
    build = ix.units[ix.units["buildable"]]
    b = _sol(pm, "b")
    rows = []
    sole = ix.sole_class
    v = build.index.get_indexer(sole.index)
    cost = b[:, v] * build["capital_cost"].to_numpy()[v]
    rows.append((cost, sole.to_numpy(), build["region"].to_numpy()[v]))
    pairs = ix.spend_pairs
    if len(pairs):
        rows.append(
            (_sol(pm, "spend"), pairs["fund_class"].to_numpy(), ix.units["region"].reindex(pairs["unit"]).to_numpy())
        )
    values = np.concatenate([r[0] for r in rows], axis=1)
    keys = pd.DataFrame(
        {"fund_class": np.concatenate([r[1] for r in rows]), "region": np.concatenate([r[2] for r in rows])}
    )
    return values, keys


def _fifo(pm: PlanModel) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per fund: (spent, carried) per period [yuan], drawing each class's spending from its oldest funds first."""
    ix = pm.index
    values, keys = _class_spend(pm)
    out = {}
    for c in ix.fund_classes:
        spent_c = values[:, (keys["fund_class"] == c.id).to_numpy()].sum(axis=1)
        remaining = np.zeros(len(c.funds))
        added = np.zeros(len(c.funds), dtype=bool)
        spent = np.zeros((len(ix.periods), len(c.funds)))
        carried = np.zeros_like(spent)
        for p, t0 in enumerate(ix.start):
            for k, (amount, t_from) in enumerate(zip(c.amounts, c.available, strict=True)):
                if not added[k] and t_from <= t0 + 1e-9:
                    remaining[k] += amount
                    added[k] = True
            need = spent_c[p]
            for k in range(len(c.funds)):
                take = min(need, remaining[k])
                spent[p, k] = take
                remaining[k] -= take
                need -= take
            carried[p] = remaining
        for k, f in enumerate(c.funds):
            out[f] = (spent[:, k], carried[:, k])
    return out


def funds(pm: PlanModel) -> pd.DataFrame:
    ix = pm.index
    rows = []
    for fund, (spent, carried) in _fifo(pm).items():
        for p, period in enumerate(ix.periods):
            rows.append((period, fund, spent[p], carried[p]))
    return pd.DataFrame(rows, columns=COLUMNS["funds"])


def _fund_spend(pm: PlanModel) -> pd.DataFrame:
    """Funds as support rows: fund → region, split within a class in proportion to regional spending."""
    ix = pm.index
    if not ix.fund_classes:
        return pd.DataFrame()
    values, keys = _class_spend(pm)
    fifo = _fifo(pm)
    rows = []
    for c in ix.fund_classes:
        cols = (keys["fund_class"] == c.id).to_numpy()
        by_region = pd.DataFrame(values[:, cols].T, index=keys["region"][cols]).groupby(level=0).sum()
        total = by_region.sum(axis=0).to_numpy()
        for f in c.funds:
            spent = fifo[f][0]
            share = np.divide(spent, total, out=np.zeros_like(spent), where=total > 0)
            for p, period in enumerate(ix.periods):
                if spent[p] <= EPS:
                    continue
                for region, amount in by_region.iloc[:, p].items():
                    if amount * share[p] > EPS:
                        rows.append((period, f, region, "funds", amount * share[p]))
    return pd.DataFrame(rows, columns=["period", "source", "member", "kind", "value"])
