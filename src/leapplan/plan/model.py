"""The plan LP in linopy: variables and constraint families over the flat index of ``index.py``.

Variables (all ≥ 0, quantities per period unless noted):
  x[period, unit]          gross output of a unit (region/technology/ownership) [product units]
  b[period, build]         new annual capacity started in the period [product units per year]
  s[period, flow]          shipment along a link in one direction [product units]
  imp[period, entry]       imports into a region from outside the scenario [product units]
  exp[period, exit]        deliveries out of the scenario (central allocation) [product units]
  farm[period, farm]       farm workers in a region [persons], grain[period, farm] grain output [t]
  food[period, people]     grain eaten by households [t]
  spend[period, pair]      funds of a fund class spent on a unit's new capacity [yuan]
  n[period, assignment]    network technicians a hub keeps at a member [persons]
  z[period, zone_link]     zone-centre technicians sent to a member county [persons]
  d[period, agreement]     deliveries under a zone agreement [agreement unit]
  short[target]            relative shortfall of a target [-];  slack[agreement] of an agreement [-]
With ``elastic=True`` (diagnosis of an infeasible plan) the guardrails and balances get slacks too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr
from linopy import Model, Variable

from leapplan.plan.index import SEP, PlanIndex, base_deliveries
from leapplan.plan.targets import TargetRows, add_targets
from leapplan.plan.terms import Rows, Terms
from leapplan.scenario.model import Scenario

log = logging.getLogger(__name__)


@dataclass
class PlanModel:
    """A built plan LP with the coordinates needed to read it back."""

    model: Model
    index: PlanIndex
    scenario: Scenario
    targets: TargetRows
    elastic: bool
    nodes: pd.DataFrame
    """index 'node' = region/product of the material balances; region, product, rhs (households + deliveries),
    deliveries (the base year's deliveries beyond the scenario's own uses, kept up every period)."""
    flows: pd.DataFrame
    """index 'flow' = arc/product; arc, link, from_region, to_region, product, distance."""
    imports: pd.DataFrame
    """index 'entry' = region/product; region, product."""
    exports: pd.DataFrame
    """index 'exit' = region/product; region, product."""
    farms: pd.Index
    people: pd.Index
    empty_rows: list[str] = field(default_factory=list)
    """Balance rows with a demand but nothing that could supply them (the plan is infeasible)."""
    rows: Rows = field(default_factory=Rows)
    """Every constraint family with the (row, label, coeff) triplets it was built from."""

    def var(self, name: str) -> Variable:
        return self.model.variables[name]


def _labels(v: Variable) -> np.ndarray:
    return np.asarray(v.labels.values)


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy()


def _row(p: np.ndarray | int, k: np.ndarray, n: int) -> np.ndarray:
    """Flat row index of (period p, column k) on a (period, n) grid; −1 where k is −1 (no such row)."""
    k = np.asarray(k)
    return np.where(k >= 0, np.asarray(p) * n + k, -1)


def _pidx(nP: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Period and column index arrays for a (period, n) grid, flattened in C order."""
    p = np.repeat(np.arange(nP), n)
    k = np.tile(np.arange(n), nP)
    return p, k


def _pairs(first: np.ndarray, product: np.ndarray, name: str, index: str) -> pd.DataFrame:
    """Frame of (``name``, product) pairs indexed by ``first|product``."""
    frame = pd.DataFrame({name: pd.array(first, dtype="str"), "product": pd.array(product, dtype="str")})
    frame.index = pd.Index(frame[name] + SEP + frame["product"], name=index)
    return frame


def build_model(s: Scenario, ix: PlanIndex, *, elastic: bool = False) -> PlanModel:
    """Build the plan LP (without objective) for scenario ``s`` laid out by ``ix``."""
    m = Model(sparse=True)
    families = Rows()
    P = ix.periods
    nP = len(P)
    step = ix.dt
    units = ix.units
    U = pd.Index(units.index, name="unit")
    build = units[units["buildable"]]
    V = pd.Index(build.index, name="build")
    products = ix.products
    regions = ix.regions

    # --- nodes: region × product balances for goods carried in tonnes; every other product (transport
    # services, electricity, machines counted in pieces, sets or kW) is one scenario-wide pool
    root = next(r.id for r in s.regions if r.parent is None)
    active = set(units["region"].unique()) | set(regions.index[regions["population"] > 0])
    active |= set(ix.arcs["from_region"]) | set(ix.arcs["to_region"])
    goods = [k for k in products.index if products.at[k, "tonnage"]]
    pooled = [k for k in products.index if not products.at[k, "tonnage"]]
    nodes = _pairs(np.repeat(sorted(active), len(goods)), np.tile(goods, len(active)), "region", "node")
    if pooled:
        nodes = pd.concat([nodes, _pairs(np.repeat(root, len(pooled)), np.asarray(pooled), "region", "node")])
    pop = regions["population"].reindex(nodes["region"]).to_numpy().copy()
    pop[len(nodes) - len(pooled) :] = regions["population"].sum()
    grain_id = s.agriculture.grain_product
    eaten = products["consumption"].where(products.index != grain_id, 0.0)
    nodes["rhs"] = eaten.reindex(nodes["product"]).to_numpy() * pop * step
    N = nodes.index
    node_pos = pd.Series(np.arange(len(N)), index=N)
    pooled_set = set(pooled)
    # (region, product) → node position through a dense table of region × product codes
    region_codes = pd.Index(sorted(active | {root}), dtype=object)  # object keys: no string-array conversion
    product_codes = pd.Index(products.index.to_numpy(dtype=object), dtype=object)
    node_table = np.full((len(region_codes), len(product_codes)), -1, dtype=np.int64)
    node_table[region_codes.get_indexer(nodes["region"]), product_codes.get_indexer(nodes["product"])] = np.arange(
        len(nodes)
    )
    is_pooled = product_codes.isin(pooled)
    root_code = region_codes.get_loc(root)

    def node_of(region: pd.Series | np.ndarray | list[str], product: pd.Series | np.ndarray | list[str]) -> np.ndarray:
        """Position of each (region, product) balance node (pooled products: the root's), −1 where none."""
        r = region_codes.get_indexer(pd.Index(np.asarray(region, dtype=object), dtype=object))
        k = product_codes.get_indexer(pd.Index(np.asarray(product, dtype=object), dtype=object))
        r = np.where((k >= 0) & is_pooled[np.clip(k, 0, None)], root_code, r)
        found = (r >= 0) & (k >= 0)
        out = np.full(r.shape, -1, dtype=np.int64)
        out[found] = node_table[r[found], k[found]]
        return out

    # the base year's deliveries beyond the scenario's own uses go on (no output falls for want of a use)
    out = base_deliveries(s, ix)
    owed_at = node_of(out["region"], out["product"])
    owed = np.zeros(len(N))
    keep = owed_at >= 0
    np.add.at(owed, owed_at[keep], out["quantity"].to_numpy()[keep] * s.guardrails.base_deliveries * step)
    nodes["deliveries"] = owed
    nodes["rhs"] += owed

    # --- flows along links (goods in tonnes only)
    flows = _pairs(np.repeat(ix.arcs.index.to_numpy(), len(goods)), np.tile(goods, len(ix.arcs)), "arc", "flow")
    for c in ("link", "from_region", "to_region", "distance"):
        flows[c] = np.repeat(ix.arcs[c].to_numpy(), len(goods))
    flows["tonnage"] = True

    # --- imports
    importable = [k for k in products.index if products.at[k, "import_limit"] > 0]
    people = pd.Index(sorted(regions.index[regions["population"] > 0]), name="people")
    # imports arrive at the cities (the railheads); a scenario without cities takes them anywhere with people or work
    kinds = {r.id: r.kind.value for r in s.regions}
    here = regions.reindex(sorted(active))
    working = list(here.index[(here["population"] > 0) | (here["labour_force"] > 0)])
    gates = [r for r in working if kinds[r] == "city"] or working
    imp_rows = [(r, k) for r in gates for k in importable if k not in pooled_set]
    imp_rows += [(root, k) for k in importable if k in pooled_set]
    imports = pd.DataFrame(imp_rows, columns=["region", "product"])
    imports.index = pd.Index([f"{r}{SEP}{k}" for r, k in imp_rows], name="entry")
    exportable = [k for k in products.index if products.at[k, "export_limit"] > 0]
    exp_rows = [(r, k) for r in gates for k in exportable if k not in pooled_set]
    exp_rows += [(root, k) for k in exportable if k in pooled_set]
    exports = pd.DataFrame(exp_rows, columns=["region", "product"])
    exports.index = pd.Index([f"{r}{SEP}{k}" for r, k in exp_rows], name="exit")
    farms = pd.Index(sorted(regions.index[regions["farmland"] > 0]), name="farm")

    scale = products["scale"]
    inv = 1.0 / scale

    def per(coords: pd.Index, values: np.ndarray) -> xr.DataArray:
        return xr.DataArray(np.tile(np.asarray(values, dtype=float), (nP, 1)), coords=[P, coords])

    g_inv = float(inv[s.agriculture.grain_product])
    x = m.add_variables(lower=0, coords=[P, U], name="x", scaling=per(U, inv.reindex(units["product"])))
    in_service = ix.avail.sum(axis=1) > 0
    b = m.add_variables(
        lower=0,
        coords=[P, V],
        name="b",
        scaling=per(V, inv.reindex(build["product"])),
        mask=xr.DataArray(in_service, coords=[P, V]),
    )
    sv = m.add_variables(
        lower=0, coords=[P, flows.index], name="s", scaling=per(flows.index, inv.reindex(flows["product"]))
    )
    imp = m.add_variables(
        lower=0, coords=[P, imports.index], name="imp", scaling=per(imports.index, inv.reindex(imports["product"]))
    )
    exp = m.add_variables(
        lower=0, coords=[P, exports.index], name="exp", scaling=per(exports.index, inv.reindex(exports["product"]))
    )
    farm = m.add_variables(lower=0, coords=[P, farms], name="farm", scaling=1e-4)
    grain = m.add_variables(lower=0, coords=[P, farms], name="grain", scaling=g_inv)
    food = m.add_variables(lower=0, coords=[P, people], name="food", scaling=g_inv)
    pairs = ix.spend_pairs
    spend = m.add_variables(lower=0, coords=[P, pairs.index], name="spend", scaling=1e-6)
    asg = ix.assignments
    n_up = xr.DataArray(np.tile(asg["limit"].to_numpy(), (nP, 1)), coords=[P, asg.index])
    n = m.add_variables(lower=0, upper=n_up, coords=[P, asg.index], name="n")
    z = m.add_variables(lower=0, coords=[P, ix.zone_links.index], name="z")
    agr = ix.agreements
    A_ = agr.index
    d_up = xr.DataArray(np.where(ix.agreement_overlap > 0, np.inf, 0.0), coords=[P, A_])
    d = m.add_variables(lower=0, upper=d_up, coords=[P, A_], name="d")
    slack_up = xr.DataArray(np.where(agr["hard"].to_numpy() & (not elastic), 0.0, 1.0), coords=[A_])
    m.add_variables(lower=0, upper=slack_up, coords=[A_], name="slack")

    X, B, S, IM, EX = _labels(x), _labels(b), _labels(sv), _labels(imp), _labels(exp)
    FA, GR, FO, SP, NN, ZZ, DD = (_labels(v) for v in (farm, grain, food, spend, n, z, d))
    unit_pos = pd.Series(np.arange(len(U)), index=U)
    build_unit = unit_pos.reindex(V).to_numpy()

    # ---------------------------------------------------------------- material balances
    bal = Terms([P, N])
    nN = len(N)
    pp, uu = _pidx(nP, len(U))
    main_node = node_of(units["region"], units["product"])
    usable = _col(units, "usable")
    ok = main_node[uu] >= 0
    bal.add(pp[ok] * nN + main_node[uu][ok], X[pp, uu][ok], usable[uu][ok])
    for table, sign in ((ix.byproducts, 1.0), (ix.inputs, -1.0)):
        if table.empty:
            continue
        u = unit_pos.reindex(table["unit"]).to_numpy()
        nd = node_of(units["region"].to_numpy()[u], table["product"])
        keep = nd >= 0
        u, nd, c = u[keep], nd[keep], table["coeff"].to_numpy()[keep]
        for p in range(nP):
            bal.add(_row(p, nd, nN), X[p, u], sign * c)
    if not ix.capital_goods.empty:
        cg = ix.capital_goods
        v = pd.Series(np.arange(len(V)), index=V).reindex(cg["unit"]).to_numpy()
        nd = node_of(build["region"].to_numpy()[v], cg["product"])
        keep = nd >= 0
        for p in range(nP):
            bal.add(_row(p, nd[keep], nN), B[p, v[keep]], -cg["coeff"].to_numpy()[keep])
    f_to = node_of(flows["to_region"], flows["product"])
    f_from = node_of(flows["from_region"], flows["product"])
    for p in range(nP):
        bal.add(_row(p, f_to, nN), S[p], 1.0)
        bal.add(_row(p, f_from, nN), S[p], -1.0)
        bal.add(_row(p, node_of(imports["region"], imports["product"]), nN), IM[p], 1.0)
        bal.add(_row(p, node_of(exports["region"], exports["product"]), nN), EX[p], -1.0)
    g_node = node_of(farms, [grain_id] * len(farms))
    f_node = node_of(people, [grain_id] * len(people))
    for p in range(nP):
        bal.add(_row(p, g_node, nN), GR[p], 1.0)
        bal.add(_row(p, f_node, nN), FO[p], -1.0)
    prod_agr = agr[agr["kind"] == "product"]
    if len(prod_agr):
        a = A_.get_indexer(prod_agr.index)
        for p in range(nP):
            bal.add(_row(p, node_of(prod_agr["to_region"], prod_agr["product"]), nN), DD[p, a], 1.0)
            bal.add(_row(p, node_of(prod_agr["from_region"], prod_agr["product"]), nN), DD[p, a], -1.0)
    # ---------------------------------------------------------------- freight uses transport services
    transport = [k for k in pooled if products.at[k, "sector"] == "transport"]
    if transport:
        t_node = int(node_pos[f"{root}{SEP}{transport[0]}"])
        dist = flows["distance"].to_numpy()
        tons = prod_agr["product"].map(lambda k: bool(products.at[k, "tonnage"])).to_numpy(dtype=bool)
        ta = A_.get_indexer(prod_agr.index[tons])
        for p in range(nP):
            bal.add(np.full(dist.size, p * nN + t_node), S[p], -dist)
            bal.add(np.full(ta.size, p * nN + t_node), DD[p, ta], -prod_agr["tkm"].to_numpy()[tons])

    pooled_agr = prod_agr[prod_agr["product"].isin(pooled)]
    if len(pooled_agr):
        # a pooled product delivered under an agreement must be made by the delivering region
        Ag = pd.Index(pooled_agr.index, name="pooled_agreement")
        made = Terms([P, Ag])
        for k, (a, row) in enumerate(pooled_agr.iterrows()):
            src = np.flatnonzero(
                (units["region"].to_numpy() == row["from_region"]) & (units["product"].to_numpy() == row["product"])
            )
            ai = A_.get_loc(a)
            for p in range(nP):
                made.add(np.full(src.size, p * len(Ag) + k), X[p, src], usable[src])
                made.add(np.array([p * len(Ag) + k]), DD[p, ai : ai + 1], -1.0)
        families.add(m, made, ">=", 0, name="agreement_supply", scaling=per(Ag, inv.reindex(pooled_agr["product"])))

    rhs = np.tile(nodes["rhs"].to_numpy(), (nP, 1))
    if elastic:
        short = m.add_variables(lower=0, upper=1, coords=[P, N], name="shortage")
        ps, ns = _pidx(nP, nN)
        bal.add(_row(ps, ns, nN), _labels(short)[ps, ns], rhs.ravel())
    has = bal.has_terms()
    empty = (~has) & (rhs > 1e-9)
    empty_rows = [f"{P[p]} {N[k]}" for p, k in zip(*np.nonzero(empty), strict=True)]
    # what is made is used: balances hold with equality (no free disposal, so output nobody uses cannot
    # buy a target), except grain (households may eat above the floor) and by-products (may be dumped)
    loose = set(ix.byproducts["product"]) | {grain_id}
    eq = ~nodes["product"].isin(loose).to_numpy()
    # regional balances and the few scenario-wide pools (whose rows hold thousands of terms) are kept
    # apart, so that neither is padded to the other's row length
    in_pool = nodes["product"].isin(pooled).to_numpy()
    for family, keep, dim in (("balance", ~in_pool, "node"), ("pool", in_pool, "pool_node")):
        if not keep.any():
            continue
        index = pd.Index(N[keep], name=dim)
        part = bal.columns(keep, index)
        rhs_da = part.dataarray(rhs[:, keep])
        sc = per(index, inv.reindex(nodes["product"][keep]))
        has_k, eq_k = has[:, keep], eq[keep]
        families.add(m, part, "==", rhs_da, name=family, mask=part.dataarray(has_k & eq_k[None, :]) > 0, scaling=sc)
        if (~eq_k).any():
            families.add(
                m,
                part,
                ">=",
                rhs_da,
                name=f"{family}_loose",
                mask=part.dataarray(has_k & ~eq_k[None, :]) > 0,
                scaling=sc,
            )

    # ---------------------------------------------------------------- capacity
    cap = Terms([P, U])
    nU = len(U)
    cap.add(_row(pp, uu, nU), X[pp, uu], 1.0)
    for q in range(nP):
        for p in range(nP):
            share = ix.avail[q, p]
            on = share > 0
            cap.add(_row(p, build_unit[on], nU), B[q, on], -step * share[on])
    if len(asg):
        au = unit_pos.reindex(asg["unit"]).to_numpy()
        for p in range(nP):
            cap.add(_row(p, au, nU), NN[p], -step * asg["gain"].to_numpy())
    base = np.tile(_col(units, "base") * step, (nP, 1))
    families.add(m, cap, "<=", cap.dataarray(base), name="capacity", scaling=per(U, inv.reindex(units["product"])))

    # ---------------------------------------------------------------- corridors
    L = ix.links
    if len(L):
        cor = Terms([P, L])
        ton = flows["tonnage"].to_numpy().astype(bool)
        li = L.get_indexer(flows["link"])
        paths = ix.agreement_paths.tocoo()
        tons_all = agr["product"].map(lambda k: bool(k) and bool(products.at[k, "tonnage"])).to_numpy(dtype=bool)
        for p in range(nP):
            cor.add(_row(p, li[ton], len(L)), S[p, ton], 1.0)
            sel = tons_all[paths.row]
            cor.add(_row(p, paths.col[sel], len(L)), DD[p, paths.row[sel]], 1.0)
        caps = np.tile(ix.arcs.groupby("link")["capacity"].first().reindex(L).to_numpy() * step, (nP, 1))
        families.add(m, cor, "<=", cor.dataarray(caps), name="corridor", scaling=1e-5)

    # ---------------------------------------------------------------- imports and exports
    for trade, traded, labels, column in (
        (imports, importable, IM, "import_limit"),
        (exports, exportable, EX, "export_limit"),
    ):
        if not len(trade):
            continue
        K = pd.Index(traded, name=column.removesuffix("_limit"))
        tt = Terms([P, K])
        ki = K.get_indexer(trade["product"])
        for p in range(nP):
            tt.add(_row(p, ki, len(K)), labels[p], 1.0)
        lim = np.tile(products[column].reindex(K).to_numpy() * step, (nP, 1))
        families.add(
            m,
            tt,
            "<=",
            tt.dataarray(lim),
            name=column,
            mask=tt.dataarray(tt.has_terms()) > 0,
            scaling=per(K, inv.reindex(K)),
        )

    # ---------------------------------------------------------------- labour
    R = pd.Index(
        sorted(set(units["region"].unique()) | set(farms) | set(regions.index[regions["labour_force"] > 0])),
        name="region",
    )
    nR = len(R)
    lab = Terms([P, R])
    ri = R.get_indexer(units["region"])
    lab.add(_row(pp, ri[uu], nR), X[pp, uu], _col(units, "labour")[uu] / step)
    fi = R.get_indexer(farms)
    lab_agr = agr[agr["kind"] == "labour"]
    la = A_.get_indexer(lab_agr.index)
    for p in range(nP):
        lab.add(_row(p, fi, nR), FA[p], 1.0)
        ov = ix.agreement_overlap[p, la] / step
        lab.add(_row(p, R.get_indexer(lab_agr["to_region"]), nR), DD[p, la], -ov)
        lab.add(_row(p, R.get_indexer(lab_agr["from_region"]), nR), DD[p, la], ov)
    lf = np.tile(regions["labour_force"].reindex(R).to_numpy(), (nP, 1))
    families.add(m, lab, "<=", lab.dataarray(lf), name="labour", mask=lab.dataarray(lab.has_terms()) > 0, scaling=1e-4)

    # ---------------------------------------------------------------- farming, grain and food
    if len(farms):
        fr = regions.reindex(farms)
        mf = Terms([P, farms])
        pf, kf = _pidx(nP, len(farms))
        mf.add(_row(pf, kf, len(farms)), FA[pf, kf], 1.0)
        floor_farm = np.tile(fr["labour_force"].to_numpy() * s.guardrails.min_farm_share, (nP, 1))
        if elastic:
            fs = m.add_variables(lower=0, coords=[P, farms], name="farm_short")
            mf.add(_row(pf, kf, len(farms)), _labels(fs)[pf, kf], np.tile(fr["labour_force"].to_numpy(), nP))
        families.add(m, mf, ">=", mf.dataarray(floor_farm), name="min_farm", scaling=1e-4)
        Sg = pd.Index(ix.segments.index, name="segment")
        curve = Terms([P, farms, Sg])
        nS = len(Sg)
        land = fr["farmland"].to_numpy() * fr["factor"].to_numpy()
        rhs_c = np.zeros((nP, len(farms), nS))
        for k, (icpt, slope) in enumerate(zip(ix.segments["intercept"], ix.segments["slope"], strict=True)):
            rows = (pf * len(farms) + kf) * nS + k
            curve.add(rows, GR[pf, kf], 1.0)
            curve.add(rows, FA[pf, kf], -step * slope * fr["factor"].to_numpy()[kf])
            rhs_c[:, :, k] = step * icpt * land
        # the curve is the least of its lines; only lines of segments the farm workers per ha can reach matter
        lf = fr["labour_force"].to_numpy()
        inflow = np.zeros(len(farms))
        lab_in = agr[agr["kind"] == "labour"].groupby("to_region")["quantity"].sum()
        inflow += lab_in.reindex(farms, fill_value=0.0).to_numpy(dtype=float)
        w_lo = 0.0 if elastic else s.guardrails.min_farm_share * lf / fr["farmland"].to_numpy()
        w_hi = (lf + inflow) / fr["farmland"].to_numpy()
        reach = (ix.segments["start"].to_numpy()[None, :] <= w_hi[:, None] + 1e-12) & (
            ix.segments["end"].to_numpy()[None, :] >= np.asarray(w_lo)[..., None] - 1e-12
        )
        mask = np.broadcast_to(reach, (nP, len(farms), nS))
        families.add(
            m,
            curve,
            "<=",
            curve.dataarray(rhs_c),
            name="grain_curve",
            scaling=g_inv,
            mask=curve.dataarray(mask) > 0,
        )
    if len(people):
        fd = Terms([P, people])
        pe, ke = _pidx(nP, len(people))
        fd.add(_row(pe, ke, len(people)), FO[pe, ke], 1.0)
        per_head = max(s.guardrails.food_per_head / 1000, float(products.at[grain_id, "consumption"]))
        need = regions["population"].reindex(people).to_numpy() * per_head * step
        if elastic:
            fsh = m.add_variables(lower=0, coords=[P, people], name="food_short")
            fd.add(_row(pe, ke, len(people)), _labels(fsh)[pe, ke], np.tile(need, nP))
        families.add(m, fd, ">=", fd.dataarray(np.tile(need, (nP, 1))), name="food_floor", scaling=g_inv)

    # ---------------------------------------------------------------- technicians for new plants
    tech_units = build[build["technicians"] > 0]
    if len(tech_units):
        TR = pd.Index(sorted(set(tech_units["region"])), name="tech_region")
        tt = Terms([P, TR])
        vpos = V.get_indexer(tech_units.index)
        tri = TR.get_indexer(tech_units["region"])
        need_c = tech_units["technicians"].to_numpy()
        for q in range(nP):
            for p in range(nP):
                share = ix.avail[q, p, vpos]
                tt.add(_row(p, tri, len(TR)), B[q, vpos], need_c * share)
        zl = ix.zone_links
        tech_agr = agr[agr["kind"] == "technicians"]
        for p in range(nP):
            tt.add(_row(p, TR.get_indexer(zl["county"]), len(TR)), ZZ[p], -1.0)
            tt.add(_row(p, TR.get_indexer(tech_agr["to_region"]), len(TR)), DD[p, A_.get_indexer(tech_agr.index)], -1.0)
        surplus = np.tile(regions["staff_surplus"].reindex(TR).to_numpy(), (nP, 1))
        families.add(m, tt, "<=", tt.dataarray(surplus), name="technicians")

    # ---------------------------------------------------------------- technician pools
    pools = (
        (asg["network"], NN, {net.id: net.technicians for net in s.networks}, "network"),
        (ix.zone_links["zone"], ZZ, {zz.id: zz.technicians for zz in s.zones}, "zone"),
    )
    for owner, labels, size, dim in pools:
        keys = pd.Index(sorted(set(owner)), name=dim)
        if not len(keys):
            continue
        pool = Terms([P, keys])
        ki = keys.get_indexer(owner)
        for p in range(nP):
            pool.add(_row(p, ki, len(keys)), labels[p], 1.0)
        families.add(m, pool, "<=", pool.dataarray(np.tile([size[k] for k in keys], (nP, 1))), name=f"{dim}_pool")

    # ---------------------------------------------------------------- funds
    if len(ix.fund_classes):
        Cls = pd.Index([c.id for c in ix.fund_classes], name="fund_class")
        fc = Terms([P, Cls])
        ci = Cls.get_indexer(pairs["fund_class"])
        avail = np.zeros((nP, len(Cls)))
        for k, fcls in enumerate(ix.fund_classes):
            for amount, t0 in zip(fcls.amounts, fcls.available, strict=True):
                avail[ix.start >= t0 - 1e-9, k] += amount
        sole = ix.sole_class
        sv_pos = V.get_indexer(sole.index)
        si = Cls.get_indexer(sole.to_numpy())
        sole_cost = build["capital_cost"].to_numpy()[sv_pos]
        carry = m.add_variables(lower=0, coords=[P, Cls], name="carry", scaling=1e-7)
        CA = _labels(carry)
        cls_n = np.arange(len(Cls))
        for p in range(nP):
            fc.add(_row(p, ci, len(Cls)), SP[p], 1.0)
            fc.add(_row(p, si, len(Cls)), B[p, sv_pos], sole_cost)
            fc.add(_row(p, cls_n, len(Cls)), CA[p], 1.0)
            if p > 0:
                fc.add(_row(p, cls_n, len(Cls)), CA[p - 1], -1.0)
        avail = np.diff(avail, axis=0, prepend=0.0)
        families.add(m, fc, "==", fc.dataarray(avail), name="funds", scaling=1e-7)
    multi = V.isin(pairs["unit"]) & (build["capital_cost"].to_numpy() > 0)
    if multi.any():
        fb = Terms([P, V])
        nV = len(V)
        pv = V.get_indexer(pairs["unit"])
        pb, kb = _pidx(nP, nV)
        fb.add(_row(pb, kb, nV), B[pb, kb], -np.tile(build["capital_cost"].to_numpy(), nP))
        for p in range(nP):
            fb.add(_row(p, pv, nV), SP[p], 1.0)
        families.add(m, fb, "==", 0, name="build_funding", mask=fb.dataarray(np.tile(multi, (nP, 1))) > 0, scaling=1e-6)

    # ---------------------------------------------------------------- agreements
    if len(A_):
        ag = Terms([A_])
        w = ix.agreement_weight
        qty = agr["quantity"].to_numpy()
        for p in range(nP):
            coeff = np.where(agr["kind"].to_numpy() == "product", 1.0, w[p])
            ag.add(np.arange(len(A_)), DD[p], coeff)
        ag.add(np.arange(len(A_)), _labels(m.variables["slack"]), qty)
        families.add(m, ag, ">=", ag.dataarray(qty), name="agreement", scaling=ag.dataarray(1 / qty))

    targets = add_targets(m, s, ix, families, elastic=elastic)
    return PlanModel(m, ix, s, targets, elastic, nodes, flows, imports, exports, farms, people, empty_rows, families)
