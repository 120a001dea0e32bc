"""Read the solved LP back into the plan tables of ``PlanResult`` (long pandas frames)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leapplan.plan import upgrades
from leapplan.plan.model import PlanModel
from leapplan.plan.result import COLUMNS, empty_table
from leapplan.plan.weak_links import solution_vector
from leapplan.scenario.accounts import COLLECTIVE, DUST

EPS = 1e-7
"""Values below this (in their own unit) are reported as absent."""


def _sol(pm: PlanModel, name: str) -> np.ndarray:
    """The solution of variable ``name``; by interior point, values below ``DUST`` of their scale read as 0."""
    if name not in pm.model.variables:
        return np.zeros((len(pm.index.periods), 0))
    v = pm.model.variables[name]
    values = np.nan_to_num(np.asarray(v.solution.values))
    if not pm.interior:
        return values
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


def _built(pm: PlanModel) -> np.ndarray:
    """(period, unit) capacity started in any period and in service, as the LP counts it: from the start of its
    period plus the build time [units per year]."""
    ix = pm.index
    u = ix.units
    build = u["buildable"].to_numpy()
    new = np.zeros((len(ix.periods), len(u)))
    new[:, build] = np.einsum("qpv,qv->pv", ix.avail, _sol(pm, "b"))
    return new


def in_service(pm: PlanModel) -> tuple[np.ndarray, np.ndarray]:
    """(period, unit) capacity in service, and of it the capacity the plan built [units per year].

    The LP starts a period's building at the period's start, so that a plant quick to build stands from early in
    it; where the plan's output in that period does not need it, the building starts late in the period instead,
    ready at the next one's start (the same funds, in the same period): a plant finished months before anything
    runs it is not a plan to sign. Only its share of its own first period moves; the plan counts on no later end of
    its life."""
    ix = pm.index
    u = ix.units
    nP = len(ix.periods)
    build = u["buildable"].to_numpy()
    new = _built(pm)
    total = np.tile(u["base"].to_numpy(), (nP, 1)) + new
    total += upgrades.capacity_change(upgrades.paths_of(pm.scenario, ix), _sol(pm, upgrades.NAME), u.index)
    n = _sol(pm, "n")
    if n.size:
        pos = u.index.get_indexer(ix.assignments["unit"])
        np.add.at(total.T, pos, (n * ix.assignments["gain"].to_numpy()).T)
    b = _sol(pm, "b")
    if b.size:
        own = np.einsum("qqv->qv", ix.avail) * b  # (period, build): the period's own building in service in it
        slack = np.clip(total[:, build] - _sol(pm, "x")[:, build] / ix.dt, 0.0, None)
        late = np.minimum(own, slack)
        new[:, build] -= late
        total[:, build] -= late
    return total, new


def idle_builds(pm: PlanModel, least: float) -> set[str]:
    """Units of every (region, technology) where new capacity stands in the plan and the region's plants of that
    technology run below ``least`` of their capacity in every period it stands [unit ids]."""
    ix = pm.index
    u = ix.units
    build = u["buildable"].to_numpy()
    new = _built(pm)
    x = _sol(pm, "x") / ix.dt
    key = (u["region"] + "/" + u["technology"]).to_numpy()
    frame = pd.DataFrame(
        {"key": np.tile(key, len(ix.periods)), "period": np.repeat(np.arange(len(ix.periods)), len(u))}
    )
    frame["made"] = x.ravel()
    frame["capacity"] = (np.tile(u["base"].to_numpy(), (len(ix.periods), 1)) + new).ravel()
    frame["new"] = new.ravel()
    agg = frame.groupby(["key", "period"])[["made", "capacity", "new"]].sum()
    stands = agg[agg["new"] > EPS]
    use = stands["made"] / stands["capacity"]
    idle = use.groupby(level=0).max() < least * (1 - 1e-6)
    keys = set(idle.index[idle])
    return set(u.index[np.isin(key, list(keys)) & build])


def capacity(pm: PlanModel) -> pd.DataFrame:
    """Capacity in service, of it the plan's new capacity in service, and new capacity started, per period, region
    and technology [units per year] (see ``in_service``)."""
    ix = pm.index
    u = ix.units
    nP = len(ix.periods)
    build = u["buildable"].to_numpy()
    started = np.zeros((nP, len(u)))
    started[:, build] = _sol(pm, "b")
    total, new = in_service(pm)
    keys = u[["region", "technology", "product"]]
    frame = _long(total, ix.periods, keys).rename(columns={"value": "capacity"})
    frame["new_in_service"] = new.ravel()
    frame["new_capacity"] = started.ravel()
    frame = frame.groupby(["period", "region", "technology", "product"], as_index=False, sort=False)[
        ["capacity", "new_in_service", "new_capacity"]
    ].sum()
    keep = (frame["capacity"] > EPS) | (frame["new_capacity"] > EPS)
    return frame[keep][COLUMNS["capacity"]].reset_index(drop=True)


def upgrade_table(pm: PlanModel) -> pd.DataFrame:
    """Plants rebuilt as another technology: per period the rebuilding starts, region, owner and upgrade, the old
    capacity taken out, the new capacity it becomes, the first period the new capacity serves, what it cost and the
    workers kept and let go [units per year; yuan; persons]."""
    ix = pm.index
    paths = upgrades.paths_of(pm.scenario, ix)
    up = _sol(pm, upgrades.NAME)
    if not up.size:
        return empty_table("upgrades")
    f = paths.frame
    frame = _long(up, ix.periods, f.reset_index()).rename(columns={"value": "rebuilt"})
    frame["start"] = np.repeat(ix.start, len(f))
    frame = frame[frame["rebuilt"] > EPS].reset_index(drop=True)
    frame["new_capacity"] = frame["rebuilt"] * frame["ratio"]
    frame["cost"] = frame["new_capacity"] * frame["cost"]
    ready = frame["start"] + frame["time"]
    later = ready.to_numpy()[:, None] < ix.start[None, :] + ix.dt - 1e-9
    first = np.where(later.any(axis=1), later.argmax(axis=1), -1)
    frame["in_service"] = np.where(first >= 0, np.asarray(ix.periods)[np.clip(first, 0, None)], "")
    workers = frame["rebuilt"] * frame["labour"]  # at full use of the old capacity [persons]
    frame["workers_kept"] = workers * frame["kept"]
    frame["workers_released"] = workers - frame["workers_kept"]
    return frame[COLUMNS["upgrades"]]


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
    """Per region with people or fields: grain harvested, grain eaten and per head against the floor and the
    consumption guardrail, grain put into and taken out of the state reserve and held in the region's granaries at
    the period's end, grain dumped [t per period; kg per person per year]."""
    ix = pm.index
    s = pm.scenario
    lay = pm.layout
    regions = pd.Index(sorted(set(lay.people) | set(lay.farms)), name="region")
    nP = len(ix.periods)

    def over(name: str, coords: pd.Index) -> np.ndarray:
        frame = pd.DataFrame(_sol(pm, name), columns=coords)
        return frame.reindex(columns=regions, fill_value=0.0).to_numpy()

    pop = ix.regions["population"].reindex(regions).to_numpy()
    eaten = over("food", lay.people)
    keys = pd.DataFrame({"region": np.asarray(regions)})
    out = _long(over("grain", lay.farms), ix.periods, keys).rename(columns={"value": "grain_output"})
    out["population"] = np.tile(pop, nP)
    out["food"] = eaten.ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["food_per_head"] = np.where(out["population"] > 0, out["food"] * 1000 / (out["population"] * ix.dt), np.nan)
    lv = food_levels_frame(pm)
    out["floor"] = s.guardrails.food_per_head
    out["guardrail"] = np.tile(lv["lower_per_head"].reindex(regions).to_numpy(), nP)
    out["reserve_in"] = over("put", lay.people).ravel()
    out["reserve_out"] = over("take", lay.people).ravel()
    out["reserve_stock"] = over("stock", lay.people).ravel()
    gn = pm.model.variables["dump"].labels.coords["grain_node"].values
    dump = pd.DataFrame(_sol(pm, "dump"), columns=[str(k).split("/")[0] for k in gn])
    out["dumped"] = dump.T.groupby(level=0).sum().T.reindex(columns=regions, fill_value=0.0).to_numpy().ravel()
    return out


def food_levels_frame(pm: PlanModel) -> pd.DataFrame:
    """Per region with people: the floor and the consumption guardrail per head [kg per person per year]."""
    from leapplan.plan.food import food_levels

    lv = food_levels(pm.scenario, pm.index, pm.people)
    per = lv["population"] * pm.index.dt / 1000
    return pd.DataFrame({"floor_per_head": lv["floor"] / per, "lower_per_head": lv["lower"] / per}, index=lv.index)


def consumption(pm: PlanModel) -> pd.DataFrame:
    """Household consumption per region and consumer good, grain eaten included, against the base year's per head
    (pooled goods scenario-wide, at the root region) [product units per period]."""
    ix = pm.index
    s = pm.scenario
    lay = pm.layout
    nodes = lay.nodes
    share = s.guardrails.consumption_per_head
    cons = nodes[nodes["households"] > 0]
    base = np.tile(cons["households"].to_numpy(), (len(ix.periods), 1))
    more = pd.DataFrame(_sol(pm, "more"), columns=pm.model.variables["more"].labels.coords["consumer_node"].values)
    quantity = base * share + more.reindex(columns=cons.index, fill_value=0.0).to_numpy()
    out = _long(quantity, ix.periods, cons[["region", "product"]].reset_index(drop=True)).rename(
        columns={"value": "quantity"}
    )
    out["base"] = base.ravel()
    grain = food(pm)
    grain = grain[grain["population"] > 0]
    g = pd.DataFrame(
        {
            "period": grain["period"],
            "region": grain["region"],
            "product": s.agriculture.grain_product,
            "quantity": grain["food"],
            "base": grain["population"] * _base_food(pm) * ix.dt,
        }
    )
    out = pd.concat([g, out], ignore_index=True)
    out["unit"] = ix.products["unit"].reindex(out["product"]).to_numpy()
    return out


def _base_food(pm: PlanModel) -> float:
    from leapplan.scenario.accounts import base_food_per_head

    return base_food_per_head(pm.scenario)


def reserve(pm: PlanModel) -> pd.DataFrame:
    """The state grain reserve per period: opening, grain put in and taken out, storage loss, closing; the harvest
    shortfall it must cover in the worst adverse outcome the plan covers, and the households' margin above the
    floor [t]."""
    ix = pm.index
    a = pm.scenario.agriculture
    keep = (1 - a.storage_loss) ** ix.dt
    closing = _sol(pm, "stock").sum(axis=1)
    opening = np.concatenate([[a.reserve], closing[:-1]])
    put = _sol(pm, "put").sum(axis=1)
    take = _sol(pm, "take").sum(axis=1)
    out = pd.DataFrame(
        {
            "period": np.asarray(ix.periods),
            "opening": opening,
            "put": put,
            "take": take,
            "loss": opening * (1 - keep),
            "closing": closing,
        }
    )
    if pm.risk is not None:
        keep_p = (1 - a.storage_loss) ** ix.dt
        un = np.nan_to_num(np.asarray(pm.model.variables["uncovered"].solution.values)).sum(axis=3)  # (W, K, T)
        need = np.zeros(len(ix.periods))
        for w, (p, n) in enumerate(pm.risk.windows):
            drawn = sum(un[w, :, q] * keep_p ** (p - q) for q in range(p - n + 1, p + 1))
            need[p] = max(need[p], float(np.max(drawn)))
        out["cover_needed"] = need
    else:
        out["cover_needed"] = 0.0
    f = food(pm)
    f = f[f["population"] > 0]
    margin = (f["food"] - f["floor"] * f["population"] * ix.dt / 1000).clip(lower=0.0)
    out["margin"] = margin.groupby(f["period"].to_numpy()).sum().reindex(ix.periods).to_numpy()
    out["risk"] = pm.scenario.guardrails.food_risk if pm.risk is not None else 0.0
    return out


def trade(pm: PlanModel) -> pd.DataFrame:
    """What leaves and enters the scenario per region and product [product units per period]: imports, exports
    (deliveries out within the export limits), and the base year's deliveries beyond the scenario that every period
    keeps making (``guardrails.base_deliveries``); with what the imports cost [yuan]."""
    ix = pm.index
    keys = ["period", "region", "product"]
    parts = []
    for name, frame, column in (("imp", pm.imports, "imports"), ("exp", pm.exports, "exports")):
        if len(frame):
            f = _long(_sol(pm, name), ix.periods, frame[["region", "product"]].reset_index(drop=True))
            parts.append(f.rename(columns={"value": column}))
    owed = pm.nodes[pm.nodes["deliveries"] > 0]
    if len(owed):
        values = np.tile(owed["deliveries"].to_numpy(), (len(ix.periods), 1))
        f = _long(values, ix.periods, owed[["region", "product"]].reset_index(drop=True))
        parts.append(f.rename(columns={"value": "deliveries"}))
    if not parts:
        return pd.DataFrame(columns=COLUMNS["trade"] + ["import_cost"])
    out = parts[0]
    for more in parts[1:]:
        out = out.merge(more, on=keys, how="outer")
    for column in ("imports", "exports", "deliveries"):
        if column not in out:
            out[column] = 0.0
    out = out.fillna(0.0)
    out["import_cost"] = out["imports"] * ix.products["import_price"].reindex(out["product"]).to_numpy()
    out = out[(out["imports"] > EPS) | (out["exports"] > EPS) | (out["deliveries"] > EPS)]
    return out[COLUMNS["trade"] + ["import_cost"]].sort_values(keys).reset_index(drop=True)


def targets(pm: PlanModel) -> pd.DataFrame:
    """Each target's required and achievable value in its unit (targets count usable output), and the cut."""
    from leapplan.plan.runner import MET

    tf = pm.targets.frame
    sol = solution_vector(pm)

    def total(trip: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
        rows, labels, coeffs = trip
        out = np.zeros(len(tf))
        np.add.at(out, rows, coeffs * sol[labels])
        return out

    achieved = total(pm.targets.metric)
    counted = np.where(pm.targets.counted >= 0, sol[np.clip(pm.targets.counted, 0, None)], 0.0)
    reference = np.maximum(total(pm.targets.reference), counted)
    required = np.where(tf["kind"] == "ratio_to_metric", reference, tf["rhs"].to_numpy())
    live = tf["in_horizon"].to_numpy(dtype=bool)
    achieved = np.where(live, achieved, np.nan)
    cut = np.where(live, np.clip(required - achieved, 0.0, None), np.nan)
    cut = np.where(cut <= MET * np.maximum(1.0, np.abs(required)), 0.0, cut)
    return pd.DataFrame(
        {
            "id": tf.index,
            "year": tf["year"].to_numpy(),
            "hard": tf["hard"].to_numpy(),
            "priority": tf["priority"].to_numpy(),
            "required": required,
            "achievable": achieved,
            "cut": cut,
            "unit": tf["unit"].to_numpy(),
            "cut_share": np.divide(cut, required, out=np.zeros_like(cut), where=required > 0),
            "base": tf["base"].to_numpy(),
            "description": tf["description"].to_numpy(),
        }
    )


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
    """Spending per period and (fund class, unit) [yuan]; keys: fund_class, unit, region."""
    ix = pm.index
    build = ix.units[ix.units["buildable"]]
    b = _sol(pm, "b")
    rows = []
    sole = ix.sole_class
    v = build.index.get_indexer(sole.index)
    cost = b[:, v] * build["capital_cost"].to_numpy()[v]
    rows.append((cost, sole.to_numpy(), np.asarray(sole.index)))
    paid_up = _upgrade_money(pm)
    one = paid_up.columns.isin(sole.index)
    rows.append((paid_up.to_numpy()[:, one], sole.reindex(paid_up.columns[one]).to_numpy(), paid_up.columns[one]))
    pairs = ix.spend_pairs
    if len(pairs):
        rows.append((_sol(pm, "spend"), pairs["fund_class"].to_numpy(), pairs["unit"].to_numpy()))
    values = np.concatenate([r[0] for r in rows], axis=1)
    units = np.concatenate([r[2] for r in rows])
    keys = pd.DataFrame(
        {
            "fund_class": np.concatenate([r[1] for r in rows]),
            "unit": units,
            "region": ix.units["region"].reindex(units).to_numpy(),
        }
    )
    return values, keys


def _upgrade_money(pm: PlanModel) -> pd.DataFrame:
    """Funds spent on upgrades per period (rows) and unit of the new technology (columns) [yuan]."""
    paths = upgrades.paths_of(pm.scenario, pm.index)
    up = _sol(pm, upgrades.NAME)
    f = paths.frame
    if not up.size:
        return pd.DataFrame(np.zeros((len(pm.index.periods), 0)))
    money = pd.DataFrame(up * (f["cost"] * f["ratio"]).to_numpy(), columns=f["to_unit"].to_numpy())
    return money.T.groupby(level=0, sort=False).sum().T


def builds(pm: PlanModel) -> pd.DataFrame:
    """New capacity started per period and unit, in plants of the technology's typical size, with what it cost and
    which fund paid for it (a unit paid from several funds has a row per fund, its capacity split in proportion)
    [product units per year; plants; yuan]."""
    ix = pm.index
    build = ix.units[ix.units["buildable"]]
    b = _sol(pm, "b")
    values, keys = _class_spend(pm)
    fifo = _fifo(pm)
    rows = []
    for c in ix.fund_classes:
        cols = np.flatnonzero((keys["fund_class"] == c.id).to_numpy())
        total = values[:, cols].sum(axis=1)
        for f in c.funds:
            share = np.divide(fifo[f][0], total, out=np.zeros_like(total), where=total > EPS)
            for p, period in enumerate(ix.periods):
                if share[p] <= 0:
                    continue
                for j in cols:
                    # a fund paying less than a millionth of a build is the solver's dust, not a source to list
                    if values[p, j] * share[p] > EPS and share[p] > DUST:
                        rows.append((period, keys.at[j, "unit"], f, values[p, j] * share[p]))
    paid = pd.DataFrame(rows, columns=["period", "unit", "fund", "paid"])
    cost = b * build["capital_cost"].to_numpy()
    frame = _long(b, ix.periods, pd.DataFrame({"unit": np.asarray(build.index)}))
    frame["cost"] = cost.ravel()
    frame = frame[frame["value"] > EPS].rename(columns={"value": "new_capacity"})
    frame = frame.merge(paid, on=["period", "unit"], how="left")
    frame["fund"] = frame["fund"].fillna("")
    frame["paid"] = frame["paid"].fillna(0.0)
    # each build's capacity and cost split among the funds that paid for it, in proportion to what each paid
    paid_all = frame.groupby(["period", "unit"])["paid"].transform("sum")
    split = np.where(paid_all > EPS, frame["paid"] / paid_all.where(paid_all > EPS, 1.0), 1.0)
    frame["new_capacity"] *= split
    frame["cost"] *= split
    info = build.reindex(frame["unit"])
    for column in ("region", "technology", "ownership", "product", "kind"):
        frame[column] = info[column].to_numpy()
    frame["plants"] = frame["new_capacity"] / info["plant_size"].to_numpy()
    return frame[COLUMNS["builds"] + ["unit"]].reset_index(drop=True)


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
