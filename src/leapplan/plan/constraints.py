"""Constraint families of industry, transport, labour, technicians, funds and agreements (``define_*``).

Each function adds one family (or two closely tied ones) to the model under construction, as sparse triplets
(``terms.Terms``); units in each docstring. The families of farming, food and the grain reserve are in ``food.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leapplan.plan import upgrades
from leapplan.plan.model import Build, grid, row
from leapplan.plan.terms import Terms


def define_balances(b: Build) -> None:
    """Material balance of every node and period [product units]: usable output + by-products + shipments in +
    imports + reserve releases + agreement deliveries in = inputs + capital goods + shipments out + exports +
    household consumption + grain eaten, stored or dumped + freight + deliveries out + the base year's deliveries
    beyond the scenario. Equalities (no free disposal: output nobody uses cannot buy a target; grain nobody eats is
    dumped, at a cost), except products made as by-products, which may be left unused."""
    from leapplan.plan.food import consumer_nodes, grain_nodes

    m, ix, lay = b.m, b.ix, b.lay
    nP = b.nP
    units, nodes = ix.units, lay.nodes
    N = nodes.index
    nN = len(N)
    node_of = lay.node_of
    bal = Terms([b.P, N])
    X, B, S = b.labels("x"), b.labels("b"), b.labels("s")
    pp, uu = grid(nP, len(units))
    main = node_of(units["region"], units["product"])
    usable = units["usable"].to_numpy()
    ok = main[uu] >= 0
    bal.add(pp[ok] * nN + main[uu][ok], X[pp, uu][ok], usable[uu][ok])
    unit_pos = pd.Series(np.arange(len(units)), index=units.index)
    for table, sign in ((ix.byproducts, 1.0), (ix.inputs, -1.0)):
        if table.empty:
            continue
        u = unit_pos.reindex(table["unit"]).to_numpy()
        nd = node_of(units["region"].to_numpy()[u], table["product"])
        keep = nd >= 0
        u, nd, c = u[keep], nd[keep], table["coeff"].to_numpy()[keep]
        for p in range(nP):
            bal.add(row(p, nd, nN), X[p, u], sign * c)
    build = units[units["buildable"]]
    if not ix.capital_goods.empty:
        cg = ix.capital_goods
        v = pd.Series(np.arange(len(build)), index=build.index).reindex(cg["unit"]).to_numpy()
        nd = node_of(build["region"].to_numpy()[v], cg["product"])
        keep = nd >= 0
        for p in range(nP):
            bal.add(row(p, nd[keep], nN), B[p, v[keep]], -cg["coeff"].to_numpy()[keep])
    f_to = node_of(lay.flows["to_region"], lay.flows["product"])
    f_from = node_of(lay.flows["from_region"], lay.flows["product"])
    grain_id = b.s.agriculture.grain_product
    g_node = node_of(lay.farms, [grain_id] * len(lay.farms))
    f_node = node_of(lay.people, [grain_id] * len(lay.people))
    cn = consumer_nodes(b)
    c_node = node_of(cn["region"], cn["product"])
    gn = grain_nodes(b)
    d_node = node_of(nodes.loc[gn, "region"], nodes.loc[gn, "product"])
    trade = ((lay.imports, b.labels("imp"), 1.0), (lay.exports, b.labels("exp"), -1.0))
    for p in range(nP):
        bal.add(row(p, f_to, nN), S[p], 1.0)
        bal.add(row(p, f_from, nN), S[p], -1.0)
        for frame, labels, sign in trade:
            bal.add(row(p, node_of(frame["region"], frame["product"]), nN), labels[p], sign)
        bal.add(row(p, g_node, nN), b.labels("grain")[p], 1.0)
        for name, sign in (("food", -1.0), ("put", -1.0), ("take", 1.0)):
            bal.add(row(p, f_node, nN), b.labels(name)[p], sign)
        bal.add(row(p, c_node, nN), b.labels("more")[p], -1.0)
        bal.add(row(p, d_node, nN), b.labels("dump")[p], -1.0)
    agr = ix.agreements
    prod_agr = agr[agr["kind"] == "product"]
    D = b.labels("d")
    A_ = agr.index
    if len(prod_agr):
        a = A_.get_indexer(prod_agr.index)
        for p in range(nP):
            bal.add(row(p, node_of(prod_agr["to_region"], prod_agr["product"]), nN), D[p, a], 1.0)
            bal.add(row(p, node_of(prod_agr["from_region"], prod_agr["product"]), nN), D[p, a], -1.0)
    transport = [k for k in lay.pooled if ix.products.at[k, "sector"] == "transport"]
    if transport:
        # freight uses transport services: t-km of every shipment and of every agreement delivery in tonnes
        t_node = int(node_of([lay.root], [transport[0]])[0])
        dist = lay.flows["distance"].to_numpy()
        tons = prod_agr["product"].map(lambda k: bool(ix.products.at[k, "tonnage"])).to_numpy(dtype=bool)
        ta = A_.get_indexer(prod_agr.index[tons])
        for p in range(nP):
            bal.add(np.full(dist.size, p * nN + t_node), S[p], -dist)
            bal.add(np.full(ta.size, p * nN + t_node), D[p, ta], -prod_agr["tkm"].to_numpy()[tons])

    share = b.s.guardrails.consumption_per_head
    rhs = np.tile((nodes["households"] * share + nodes["deliveries"]).to_numpy(), (nP, 1))
    if b.elastic:
        short = m.add_variables(lower=0, upper=1, coords=[b.P, N], name="shortage")
        ps, ns = grid(nP, nN)
        bal.add(row(ps, ns, nN), np.asarray(short.labels.values)[ps, ns], rhs.ravel())
    has = bal.has_terms()
    empty = (~has) & (rhs > 1e-9)
    b.empty_rows += [f"{b.P[p]} {N[k]}" for p, k in zip(*np.nonzero(empty), strict=True)]
    eq = ~nodes["product"].isin(set(ix.byproducts["product"])).to_numpy()
    # regional balances and the few scenario-wide pools (whose rows hold thousands of terms) are kept apart, so
    # that neither is padded to the other's row length
    in_pool = nodes["product"].isin(lay.pooled).to_numpy()
    for family, keep, dim in (("balance", ~in_pool, "node"), ("pool", in_pool, "pool_node")):
        if not keep.any():
            continue
        index = pd.Index(N[keep], name=dim)
        part = bal.columns(keep, index)
        rhs_da = part.dataarray(rhs[:, keep])
        sc = b.per(index, b.inv_scale(nodes["product"][keep]))
        has_k, eq_k = has[:, keep], eq[keep]
        b.rows.add(m, part, "==", rhs_da, name=family, mask=part.dataarray(has_k & eq_k[None, :]) > 0, scaling=sc)
        if (~eq_k).any():
            b.rows.add(
                m,
                part,
                ">=",
                rhs_da,
                name=f"{family}_loose",
                mask=part.dataarray(has_k & ~eq_k[None, :]) > 0,
                scaling=sc,
            )


def define_agreement_supply(b: Build) -> None:
    """A pooled product delivered under an agreement must be made by the delivering region [product units]."""
    ix, lay = b.ix, b.lay
    agr = ix.agreements
    pooled_agr = agr[(agr["kind"] == "product") & agr["product"].isin(lay.pooled)]
    if not len(pooled_agr):
        return
    units = ix.units
    usable = units["usable"].to_numpy()
    X, D = b.labels("x"), b.labels("d")
    Ag = pd.Index(pooled_agr.index, name="pooled_agreement")
    made = Terms([b.P, Ag])
    for k, (a, r) in enumerate(pooled_agr.iterrows()):
        src = np.flatnonzero(
            (units["region"].to_numpy() == r["from_region"]) & (units["product"].to_numpy() == r["product"])
        )
        ai = agr.index.get_loc(a)
        for p in range(b.nP):
            made.add(np.full(src.size, p * len(Ag) + k), X[p, src], usable[src])
            made.add(np.array([p * len(Ag) + k]), D[p, ai : ai + 1], -1.0)
    b.rows.add(b.m, made, ">=", 0, name="agreement_supply", scaling=b.per(Ag, b.inv_scale(pooled_agr["product"])))


def new_in_service(b: Build, terms: Terms, p: int, rows: np.ndarray, coeff: float | np.ndarray) -> None:
    """Add coeff × (capacity started in any period and in service in period p) [units per year] to ``rows``
    (one per buildable unit, −1 where none)."""
    B = b.labels("b")
    for q in range(b.nP):
        share = b.ix.avail[q, p]
        on = (share > 0) & (rows >= 0)
        c = np.broadcast_to(np.asarray(coeff, dtype=float), share.shape)
        terms.add(rows[on], B[q, on], c[on] * share[on])


def define_capacity(b: Build) -> None:
    """Output within capacity [product units per period]: base capacity + new capacity in service + what
    network technicians add at members."""
    ix = b.ix
    units = ix.units
    U = pd.Index(units.index, name="unit")
    nU = len(U)
    X = b.labels("x")
    cap = Terms([b.P, U])
    pp, uu = grid(b.nP, nU)
    cap.add(row(pp, uu, nU), X[pp, uu], 1.0)
    build_unit = pd.Series(np.arange(nU), index=U).reindex(units.index[units["buildable"]]).to_numpy()
    for p in range(b.nP):
        new_in_service(b, cap, p, row(p, build_unit, nU), -b.step)
    asg = ix.assignments
    if len(asg):
        au = U.get_indexer(asg["unit"])
        for p in range(b.nP):
            cap.add(row(p, au, nU), b.labels("n")[p], -b.step * asg["gain"].to_numpy())
    upgrades.add_capacity(b, cap, nU)
    base = np.tile(units["base"].to_numpy() * b.step, (b.nP, 1))
    b.rows.add(b.m, cap, "<=", cap.dataarray(base), name="capacity", scaling=b.per(U, b.inv_scale(units["product"])))


def define_new_capacity_use(b: Build) -> None:
    """Capacity is built to be used: for the capacity a unit starts in period q, the unit's output over the plan
    periods in which that capacity stands is at least ``guardrails.new_capacity_use`` × what the capacity could
    make in them (so it is not left below that use in every one of them) [product units]."""
    least = b.s.guardrails.new_capacity_use
    ix = b.ix
    build = ix.units[ix.units["buildable"]]
    if least <= 0 or not len(build):
        return
    V = pd.Index(build.index, name="build")
    nV = len(V)
    X, B = b.labels("x"), b.labels("b")
    unit_of = ix.units.index.get_indexer(V)
    use = Terms([pd.Index(b.P, name="started"), V])
    for q in range(b.nP):
        rows = row(q, np.arange(nV), nV)
        stands = ix.avail[q]  # (period, build): share of each period the capacity started in q is in service
        use.add(rows, B[q], -least * b.step * stands.sum(axis=0))
        for p in range(b.nP):
            on = stands[p] > 0
            use.add(rows[on], X[p, unit_of[on]], 1.0)
    served = ix.avail.sum(axis=1) > 0  # (started, build): the capacity stands inside the plan
    b.rows.add(
        b.m,
        use,
        ">=",
        0.0,
        name="new_capacity_use",
        mask=use.dataarray(served) > 0,
        scaling=b.per(V, b.inv_scale(build["product"])).rename({"period": "started"}),
    )


def define_corridors(b: Build) -> None:
    """Tonnage on each link, both ways together, within its capacity [t per period]."""
    ix, lay = b.ix, b.lay
    L = ix.links
    if not len(L):
        return
    S, D = b.labels("s"), b.labels("d")
    agr = ix.agreements
    cor = Terms([b.P, L])
    ton = lay.flows["tonnage"].to_numpy().astype(bool)
    li = L.get_indexer(lay.flows["link"])
    paths = ix.agreement_paths.tocoo()
    tons_all = agr["product"].map(lambda k: bool(k) and bool(ix.products.at[k, "tonnage"])).to_numpy(dtype=bool)
    sel = tons_all[paths.row]
    for p in range(b.nP):
        cor.add(row(p, li[ton], len(L)), S[p, ton], 1.0)
        cor.add(row(p, paths.col[sel], len(L)), D[p, paths.row[sel]], 1.0)
    caps = np.tile(ix.arcs.groupby("link")["capacity"].first().reindex(L).to_numpy() * b.step, (b.nP, 1))
    b.rows.add(b.m, cor, "<=", cor.dataarray(caps), name="corridor", scaling=1e-5)


def define_trade(b: Build) -> None:
    """Imports and exports of each product within its limits [product units per period]."""
    products = b.ix.products
    for frame, labels, column in (
        (b.lay.imports, b.labels("imp"), "import_limit"),
        (b.lay.exports, b.labels("exp"), "export_limit"),
    ):
        if not len(frame):
            continue
        K = pd.Index(sorted(set(frame["product"]), key=list(products.index).index), name=column.removesuffix("_limit"))
        tt = Terms([b.P, K])
        ki = K.get_indexer(frame["product"])
        for p in range(b.nP):
            tt.add(row(p, ki, len(K)), labels[p], 1.0)
        lim = np.tile(products[column].reindex(K).to_numpy() * b.step, (b.nP, 1))
        b.rows.add(
            b.m,
            tt,
            "<=",
            tt.dataarray(lim),
            name=column,
            mask=tt.dataarray(tt.has_terms()) > 0,
            scaling=b.per(K, b.inv_scale(K)),
        )


def labour_regions(b: Build) -> pd.Index:
    """Regions with a labour row: those with plants, fields or a labour force."""
    ix = b.ix
    regions = ix.regions
    have = set(ix.units["region"].unique()) | set(b.lay.farms) | set(regions.index[regions["labour_force"] > 0])
    return pd.Index(sorted(have), name="region")


def define_labour(b: Build) -> None:
    """Workers in industry and in the fields, plus labour sent under agreements, within each region's labour force
    [persons]."""
    ix = b.ix
    units = ix.units
    R = labour_regions(b)
    nR = len(R)
    X, FA, D = b.labels("x"), b.labels("farm"), b.labels("d")
    lab = Terms([b.P, R])
    pp, uu = grid(b.nP, len(units))
    ri = R.get_indexer(units["region"])
    lab.add(row(pp, ri[uu], nR), X[pp, uu], units["labour"].to_numpy()[uu] / b.step)
    fi = R.get_indexer(b.lay.farms)
    agr = ix.agreements
    lab_agr = agr[agr["kind"] == "labour"]
    la = agr.index.get_indexer(lab_agr.index)
    for p in range(b.nP):
        lab.add(row(p, fi, nR), FA[p], 1.0)
        ov = ix.agreement_overlap[p, la] / b.step
        lab.add(row(p, R.get_indexer(lab_agr["to_region"]), nR), D[p, la], -ov)
        lab.add(row(p, R.get_indexer(lab_agr["from_region"]), nR), D[p, la], ov)
    lf = np.tile(ix.regions["labour_force"].reindex(R).to_numpy(), (b.nP, 1))
    b.rows.add(b.m, lab, "<=", lab.dataarray(lf), name="labour", mask=lab.dataarray(lab.has_terms()) > 0, scaling=1e-4)


def define_technicians(b: Build) -> None:
    """Technicians to run new plants, from the region's own staff surplus, zone centres and agreements [persons]."""
    ix = b.ix
    build = ix.units[ix.units["buildable"]]
    tech_units = build[build["technicians"] > 0]
    rebuilt = upgrades.technician_regions(b)
    if not len(tech_units) and not rebuilt:
        return
    V = pd.Index(build.index)
    TR = pd.Index(sorted(set(tech_units["region"]) | rebuilt), name="tech_region")
    tt = Terms([b.P, TR])
    vpos = V.get_indexer(tech_units.index)
    tri = TR.get_indexer(tech_units["region"])
    need = tech_units["technicians"].to_numpy()
    B, ZZ, D = b.labels("b"), b.labels("z"), b.labels("d")
    for q in range(b.nP):
        for p in range(b.nP):
            tt.add(row(p, tri, len(TR)), B[q, vpos], need * ix.avail[q, p, vpos])
    zl = ix.zone_links
    agr = ix.agreements
    tech_agr = agr[agr["kind"] == "technicians"]
    for p in range(b.nP):
        tt.add(row(p, TR.get_indexer(zl["county"]), len(TR)), ZZ[p], -1.0)
        tt.add(
            row(p, TR.get_indexer(tech_agr["to_region"]), len(TR)), D[p, agr.index.get_indexer(tech_agr.index)], -1.0
        )
    upgrades.add_technicians(b, tt, TR)
    surplus = np.tile(ix.regions["staff_surplus"].reindex(TR).to_numpy(), (b.nP, 1))
    b.rows.add(b.m, tt, "<=", tt.dataarray(surplus), name="technicians")


def define_pools(b: Build) -> None:
    """Technicians a network's hubs or a zone's centre send out, within the pool each has [persons]."""
    s, ix = b.s, b.ix
    pools = (
        (ix.assignments["network"], b.labels("n"), {net.id: net.technicians for net in s.networks}, "network"),
        (ix.zone_links["zone"], b.labels("z"), {zz.id: zz.technicians for zz in s.zones}, "zone"),
    )
    for owner, labels, size, dim in pools:
        keys = pd.Index(sorted(set(owner)), name=dim)
        if not len(keys):
            continue
        pool = Terms([b.P, keys])
        ki = keys.get_indexer(owner)
        for p in range(b.nP):
            pool.add(row(p, ki, len(keys)), labels[p], 1.0)
        sizes = np.tile([size[k] for k in keys], (b.nP, 1))
        b.rows.add(b.m, pool, "<=", pool.dataarray(sizes), name=f"{dim}_pool")


def define_funds(b: Build) -> None:
    """Funds spent on new capacity, by fund class, within what has become available, unspent funds carried
    forward [yuan]; a unit several classes may pay for is paid by its ``spend`` variables."""
    m, ix = b.m, b.ix
    build = ix.units[ix.units["buildable"]]
    V = pd.Index(build.index, name="build")
    B, SP = b.labels("b"), b.labels("spend")
    pairs = ix.spend_pairs
    if len(ix.fund_classes):
        Cls = pd.Index([c.id for c in ix.fund_classes], name="fund_class")
        fc = Terms([b.P, Cls])
        ci = Cls.get_indexer(pairs["fund_class"])
        avail = np.zeros((b.nP, len(Cls)))
        for k, fcls in enumerate(ix.fund_classes):
            for amount, t0 in zip(fcls.amounts, fcls.available, strict=True):
                avail[ix.start >= t0 - 1e-9, k] += amount
        sole = ix.sole_class
        sv_pos = V.get_indexer(sole.index)
        si = Cls.get_indexer(sole.to_numpy())
        sole_cost = build["capital_cost"].to_numpy()[sv_pos]
        carry = m.add_variables(lower=0, coords=[b.P, Cls], name="carry", scaling=1e-7)
        CA = np.asarray(carry.labels.values)
        cls_n = np.arange(len(Cls))
        for p in range(b.nP):
            fc.add(row(p, ci, len(Cls)), SP[p], 1.0)
            fc.add(row(p, si, len(Cls)), B[p, sv_pos], sole_cost)
            fc.add(row(p, cls_n, len(Cls)), CA[p], 1.0)
            if p > 0:
                fc.add(row(p, cls_n, len(Cls)), CA[p - 1], -1.0)
        avail = np.diff(avail, axis=0, prepend=0.0)
    multi = V.isin(pairs["unit"]) & (build["capital_cost"].to_numpy() > 0)
    fb = Terms([b.P, V]) if multi.any() else None
    if len(ix.fund_classes):
        upgrades.add_funds(b, fc, Cls, V, fb)
        b.rows.add(m, fc, "==", fc.dataarray(avail), name="funds", scaling=1e-7)
    if fb is not None:
        nV = len(V)
        pv = V.get_indexer(pairs["unit"])
        pb, kb = grid(b.nP, nV)
        fb.add(row(pb, kb, nV), B[pb, kb], -np.tile(build["capital_cost"].to_numpy(), b.nP))
        for p in range(b.nP):
            fb.add(row(p, pv, nV), SP[p], 1.0)
        b.rows.add(m, fb, "==", 0, name="build_funding", mask=fb.dataarray(np.tile(multi, (b.nP, 1))) > 0, scaling=1e-6)


def define_agreements(b: Build) -> None:
    """Each zone agreement delivered in full over its window, or short by its ``slack`` share [agreement unit]."""
    ix = b.ix
    agr = ix.agreements
    A_ = agr.index
    if not len(A_):
        return
    ag = Terms([A_])
    w = ix.agreement_weight
    qty = agr["quantity"].to_numpy()
    D = b.labels("d")
    for p in range(b.nP):
        coeff = np.where(agr["kind"].to_numpy() == "product", 1.0, w[p])
        ag.add(np.arange(len(A_)), D[p], coeff)
    ag.add(np.arange(len(A_)), b.labels("slack"), qty)
    b.rows.add(b.m, ag, ">=", ag.dataarray(qty), name="agreement", scaling=ag.dataarray(1 / qty))
