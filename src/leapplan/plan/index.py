"""The planner's index sets: every row and column of the LP as flat tables built from the scenario.

Everything the model needs is laid out here once, as pandas frames with one row per coordinate
(no dense region × technology grids), so that ``model.py`` only turns these tables into linopy
variables and constraints. Units: capacities in product units per year, quantities per period.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_array
from scipy.sparse.csgraph import shortest_path

from leapplan.scenario.accounts import product_scales, subtree
from leapplan.scenario.model import AgreementKind, Ownership, Period, RegionKind, Scale, Scenario, TechKind

log = logging.getLogger(__name__)

SEP = "/"
"""Separator inside composite coordinate labels, e.g. 'north/coal_small/county'."""

DEFAULT_OWNER: dict[RegionKind, Ownership] = {
    RegionKind.province: Ownership.provincial,
    RegionKind.prefecture: Ownership.prefecture,
    RegionKind.city: Ownership.city,
    RegionKind.county: Ownership.county,
    RegionKind.township: Ownership.township,
}
"""Who builds new plants in a region when no existing plant of that technology says otherwise."""


@dataclass(frozen=True)
class FundClass:
    """Funds with the same restrictions, pooled: spending may draw on any of them."""

    id: str
    funds: list[str]
    amounts: list[float]
    """Amount of each fund [yuan]."""
    available: list[float]
    """Start of each fund's availability [years since the start of the plan]."""


@dataclass(frozen=True)
class PlanIndex:
    """The flat coordinate tables of one scenario's plan."""

    periods: pd.Index
    """Period labels in order (dim 'period')."""
    dt: float
    """Length of a period [years]."""
    start: np.ndarray
    """Start of each period [years since the start of the plan]."""
    year: np.ndarray
    """Calendar year of each period."""
    units: pd.DataFrame
    """index 'unit' = region/technology/ownership; columns region, technology, ownership, product, sector, kind,
    base [units/yr], buildable, usable, labour, technicians, capital_cost, plant_size, build_time, lifetime, price."""
    avail: np.ndarray
    """avail[q, p, u]: share of capacity built in period q usable in period p [-], for buildable units."""
    inputs: pd.DataFrame
    """unit, product, coeff [input units per output unit]."""
    byproducts: pd.DataFrame
    """unit, product, coeff [by-product units per output unit]."""
    capital_goods: pd.DataFrame
    """unit, product, coeff [units per unit of new annual capacity]."""
    regions: pd.DataFrame
    """index region; population, labour_force, farmland, factor, staff_surplus [persons]."""
    products: pd.DataFrame
    """index product; unit, price, sector, consumption, import_limit, import_price, shippable, tonnage."""
    arcs: pd.DataFrame
    """index 'arc' = link>from; link, from_region, to_region, distance [km], capacity [t/yr]."""
    segments: pd.DataFrame
    """Grain yield curve as lines grain/ha ≤ intercept + slope × workers/ha, each the curve between start and end
    workers/ha; columns intercept, slope, start, end."""
    assignments: pd.DataFrame
    """Network technician assignments, index 'assignment' = network/member; network, hub, member, unit,
    gain [units/yr per technician], limit [persons]."""
    zone_links: pd.DataFrame
    """Zone technicians, index 'zone_link' = zone/county; zone, centre, county."""
    fund_classes: list[FundClass]
    spend_pairs: pd.DataFrame
    """index 'pair' = class|unit; fund_class, unit — for units that several fund classes may pay for."""
    sole_class: pd.Series
    """Fund class of each buildable unit that exactly one class may pay for (index unit)."""
    agreements: pd.DataFrame
    """index agreement; kind, from_region, to_region, product, quantity, hard, tkm [km], plus per-period weights."""
    agreement_weight: np.ndarray
    """weight[p, a]: share of agreement a's window falling in period p [-]."""
    agreement_overlap: np.ndarray
    """overlap[p, a]: years of agreement a's window inside period p [years]."""
    agreement_paths: csr_array
    """paths[a, link]: 1 where agreement a's shortest route uses the link."""
    links: pd.Index
    """Link ids (dim 'link')."""


def _period_grid(s: Scenario) -> tuple[pd.Index, float, np.ndarray, np.ndarray]:
    periods = pd.Index(s.periods, name="period")
    step = 1.0 if s.period is Period.year else 0.25
    start = np.arange(len(periods)) * step
    year = np.array([int(p[:4]) for p in s.periods])
    return periods, step, start, year


def _units(s: Scenario) -> pd.DataFrame:
    techs = {t.id: t for t in s.technologies}
    products = {p.id: p for p in s.products}
    kinds = {r.id: r.kind for r in s.regions}
    rows: dict[tuple[str, str, str], dict[str, float]] = {}
    for e in s.enterprises:
        key = (e.region, e.technology, str(e.ownership))
        row = rows.setdefault(key, {"base": 0.0, "base_output": 0.0, "staff": 0.0, "buildable": 0.0})
        row["base"] += e.capacity
        row["base_output"] += e.base_output
        row["staff"] += e.technicians
    central_regions = {e.region for e in s.enterprises if e.ownership is Ownership.central}
    owned: dict[tuple[str, str], set[str]] = {}
    for reg, tech, o in rows:
        owned.setdefault((reg, tech), set()).add(o)
    for r in s.regions:
        if r.labour_force <= 0:
            continue
        owners = {DEFAULT_OWNER[r.kind].value}
        for t in s.technologies:
            existing = owned.get((r.id, t.id), set())
            if t.scale is Scale.large and r.kind is not RegionKind.city and not existing:
                continue
            here = owners | existing
            if t.kind is TechKind.modern and r.id in central_regions:
                here.add(Ownership.central.value)
            for o in here:
                row = rows.setdefault(
                    (r.id, t.id, o), {"base": 0.0, "base_output": 0.0, "staff": 0.0, "buildable": 0.0}
                )
                row["buildable"] = float(t.buildable)
    keys = sorted(rows)
    frame = pd.DataFrame([rows[k] for k in keys])
    frame["region"] = [k[0] for k in keys]
    frame["technology"] = [k[1] for k in keys]
    frame["ownership"] = [k[2] for k in keys]
    frame.index = pd.Index([SEP.join(k) for k in keys], name="unit")
    numbers = ("usable_share", "labour", "technicians", "capital_cost", "plant_size", "build_time", "lifetime")
    per_tech = pd.DataFrame(
        {
            "product": [t.product for t in techs.values()],
            "kind": [t.kind.value for t in techs.values()],
            "sector": [products[t.product].sector.value for t in techs.values()],
            "price": [products[t.product].price for t in techs.values()],
            **{n.replace("usable_share", "usable"): [float(getattr(t, n)) for t in techs.values()] for n in numbers},
        },
        index=pd.Index(list(techs), name="technology"),
    )
    at = per_tech.index.get_indexer(frame["technology"])
    for column in per_tech.columns:
        frame[column] = per_tech[column].to_numpy()[at]
    frame["buildable"] = frame["buildable"] > 0
    region_kinds = pd.Series({r: k.value for r, k in kinds.items()})
    frame["region_kind"] = region_kinds.reindex(frame["region"]).to_numpy()
    return frame


def _availability(units: pd.DataFrame, start: np.ndarray, step: float) -> np.ndarray:
    """Share of each period p during which capacity started at the beginning of period q is in service."""
    bt = units["build_time"].to_numpy()
    life = units["lifetime"].to_numpy()
    q0 = start[:, None, None]
    p0 = start[None, :, None]
    on = q0 + bt[None, None, :]
    off = on + life[None, None, :]
    overlap = np.clip(np.minimum(off, p0 + step) - np.maximum(on, p0), 0.0, step)
    return np.asarray(overlap / step)


def _coefficients(s: Scenario, units: pd.DataFrame, field: str) -> pd.DataFrame:
    """unit, product, coeff of each unit's technology's ``field`` (inputs, by-products or capital goods), in unit
    order and the technology's own order within a unit."""
    per_tech = pd.DataFrame(
        [(t.id, k, float(c)) for t in s.technologies for k, c in getattr(t, field).items() if c > 0],
        columns=["technology", "product", "coeff"],
    )
    left = pd.DataFrame({"unit": units.index.to_numpy(object), "technology": units["technology"].to_numpy(object)})
    out = left.merge(per_tech, on="technology", how="inner", sort=False)
    return out[["unit", "product", "coeff"]].reset_index(drop=True)


def _regions(s: Scenario, units: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "population": [r.population for r in s.regions],
            "labour_force": [r.labour_force for r in s.regions],
            "farmland": [r.farmland for r in s.regions],
            "factor": [r.grain_yield_factor for r in s.regions],
        },
        index=pd.Index([r.id for r in s.regions], name="region"),
    )
    need = (units["base"] * units["technicians"]).groupby(units["region"]).sum()
    staff = units["staff"].groupby(units["region"]).sum()
    surplus = (staff.reindex(frame.index, fill_value=0.0) - need.reindex(frame.index, fill_value=0.0)).clip(lower=0)
    frame["staff_surplus"] = surplus
    return frame


def _products(s: Scenario) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "unit": [p.unit for p in s.products],
            "price": [p.price for p in s.products],
            "sector": [p.sector.value for p in s.products],
            "consumption": [p.consumption_per_head for p in s.products],
            "import_limit": [p.import_limit for p in s.products],
            "import_price": [p.import_price for p in s.products],
            "export_limit": [p.export_limit for p in s.products],
            "shippable": [p.sector.value != "transport" for p in s.products],
            "tonnage": [p.unit == "t" and p.sector.value != "transport" for p in s.products],
        },
        index=pd.Index([p.id for p in s.products], name="product"),
    )
    frame["scale"] = product_scales(s).reindex(frame.index).to_numpy()
    return frame


def _arcs(s: Scenario) -> pd.DataFrame:
    rows = []
    for link in s.links:
        for a, b in ((link.from_region, link.to_region), (link.to_region, link.from_region)):
            rows.append((f"{link.id}>{a}", link.id, a, b, link.distance, link.capacity))
    frame = pd.DataFrame(rows, columns=["arc", "link", "from_region", "to_region", "distance", "capacity"])
    return frame.set_index("arc")


def _segments(s: Scenario) -> pd.DataFrame:
    pts = s.agriculture.yield_curve
    rows = []
    for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
        slope = (y1 - y0) / (x1 - x0)
        rows.append((y0 - slope * x0, slope, x0, x1))
    rows.append((pts[-1][1], 0.0, pts[-1][0], np.inf))
    cols = ["intercept", "slope", "start", "end"]
    return pd.DataFrame(rows, columns=cols, index=pd.Index(range(len(rows)), name="segment"))


def _assignments(s: Scenario, units: pd.DataFrame) -> pd.DataFrame:
    ents = {e.id: e for e in s.enterprises}
    ids = [e.id for e in s.enterprises]
    product_of = {t.id: t.product for t in s.technologies}
    in_region: dict[str, list[tuple[int, str]]] = {}
    for i, e in enumerate(s.enterprises):
        in_region.setdefault(e.region, []).append((i, product_of[e.technology]))
    rows: dict[str, tuple[str, str, str, str, float, float]] = {}
    below_of: dict[str, set[str]] = {}
    for net in s.networks:
        if net.technicians <= 0 or net.effect.capacity_gain <= 0:
            continue
        commanders = set(net.commanders)
        made = set(net.products)
        for resp in net.responsibilities:
            members: list[str] = []
            for m in resp.members:
                if m in ents:
                    members.append(m)
                else:
                    if m not in below_of:
                        below_of[m] = subtree(s, m)
                    below = below_of[m]
                    found = [i for r in below for i, k in in_region.get(r, []) if k in made]
                    members += [ids[i] for i in sorted(found)]  # in the scenario's order
            for m in members:
                if m in commanders or m == resp.hub:
                    continue
                key = f"{net.id}{SEP}{m}"
                if key in rows:
                    continue
                e = ents[m]
                unit = SEP.join((e.region, e.technology, str(e.ownership)))
                gain = e.capacity * net.effect.capacity_gain
                limit = net.effect.max_capacity_gain / net.effect.capacity_gain
                rows[key] = (net.id, resp.hub, m, unit, gain, limit)
    frame = pd.DataFrame(list(rows.values()), columns=["network", "hub", "member", "unit", "gain", "limit"])
    frame.index = pd.Index(list(rows), name="assignment")
    return frame


def _zone_links(s: Scenario) -> pd.DataFrame:
    rows = [(f"{z.id}{SEP}{c}", z.id, z.centre, c) for z in s.zones if z.technicians > 0 for c in z.counties]
    frame = pd.DataFrame(rows, columns=["zone_link", "zone", "centre", "county"])
    return frame.set_index("zone_link")


def _years_since(s: Scenario, day: dt.date) -> float:
    first = dt.date(s.base_year + 1, 1, 1)
    return (day - first).days / 365.25


def _fund_classes(s: Scenario, units: pd.DataFrame) -> tuple[list[FundClass], pd.DataFrame, pd.Series]:
    groups: dict[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], list[tuple[str, float, float]]] = {}
    for f in s.funds:
        key = (tuple(sorted(f.recipients)), tuple(sorted(o.value for o in f.ownership)), tuple(sorted(f.technologies)))
        groups.setdefault(key, []).append((f.id, f.amount, float(f.available_from - (s.base_year + 1))))
    for z in s.zones:
        for a in z.agreements:
            if a.kind is AgreementKind.funds:
                key = ((a.to_region,), (), ())
                groups.setdefault(key, []).append((a.id, a.quantity, _years_since(s, a.start)))
    classes: list[FundClass] = []
    pairs: list[tuple[str, str]] = []
    buildable = units[units["buildable"] & (units["capital_cost"] > 0)]
    for k, (key, members) in enumerate(groups.items()):
        recipients, owners, techs = key
        members.sort(key=lambda m: (m[2], m[0]))
        cls = FundClass(f"F{k}", [m[0] for m in members], [m[1] for m in members], [m[2] for m in members])
        classes.append(cls)
        regions: set[str] = set()
        for r in recipients:
            regions |= subtree(s, r)
        ok = buildable["region"].isin(regions)
        if owners:
            ok &= buildable["ownership"].isin(owners)
        if techs:
            ok &= buildable["technology"].isin(techs)
        pairs += [(cls.id, u) for u in buildable.index[ok].to_numpy(dtype=object).tolist()]
    frame = pd.DataFrame(pairs, columns=["fund_class", "unit"])
    frame.index = pd.Index([f"{c}|{u}" for c, u in pairs], name="pair")
    count = frame.groupby("unit")["fund_class"].transform("size")
    sole = frame[count == 1].set_index("unit")["fund_class"]
    return classes, frame[count > 1], sole


def _agreements(
    s: Scenario, start: np.ndarray, step: float, arcs: pd.DataFrame, links: pd.Index
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, csr_array]:
    rows = []
    for z in s.zones:
        for a in z.agreements:
            if a.kind is AgreementKind.funds:
                continue
            rows.append(
                (
                    a.id,
                    a.kind.value,
                    a.from_region,
                    a.to_region,
                    a.product or "",
                    a.quantity,
                    a.hard,
                    a.unit,
                    _years_since(s, a.start),
                    _years_since(s, a.due + dt.timedelta(days=1)),
                )
            )
    cols = ["agreement", "kind", "from_region", "to_region", "product", "quantity", "hard", "unit", "t0", "t1"]
    frame = pd.DataFrame(rows, columns=cols).set_index("agreement")
    t0 = frame["t0"].to_numpy()
    t1 = frame["t1"].to_numpy()
    overlap = np.clip(np.minimum(t1[None, :], start[:, None] + step) - np.maximum(t0[None, :], start[:, None]), 0, None)
    span = overlap.sum(axis=0)
    inside = span > 1e-9
    if not inside.all():
        for a in frame.index[~inside]:
            log.warning("agreement %s falls outside the plan periods and is left out", a)
    frame = frame[inside]
    overlap = overlap[:, inside]
    weight = overlap / overlap.sum(axis=0, keepdims=True) if overlap.size else overlap
    frame = frame.assign(tkm=0.0)
    paths = _paths(s, frame, arcs, links)
    frame["tkm"] = paths @ arcs.groupby("link")["distance"].first().reindex(links).to_numpy() if len(links) else 0.0
    return frame, weight, overlap, paths


def _paths(s: Scenario, agreements: pd.DataFrame, arcs: pd.DataFrame, links: pd.Index) -> csr_array:
    """Links on the shortest route of each product agreement (none for other kinds or unreachable pairs)."""
    nodes = pd.Index(sorted({r.id for r in s.regions}))
    out = np.zeros((len(agreements), len(links)))
    if len(links) == 0 or len(agreements) == 0:
        return csr_array(out)
    i = nodes.get_indexer(arcs["from_region"])
    j = nodes.get_indexer(arcs["to_region"])
    graph = csr_array((arcs["distance"].to_numpy(), (i, j)), shape=(len(nodes), len(nodes)))
    _, pred = shortest_path(graph, directed=True, return_predecessors=True)
    arc_of = {(a, b): link for link, a, b in zip(arcs["link"], arcs["from_region"], arcs["to_region"], strict=True)}
    link_pos = {link: k for k, link in enumerate(links)}
    for k, (kind, a, b) in enumerate(
        zip(agreements["kind"], agreements["from_region"], agreements["to_region"], strict=True)
    ):
        if kind != AgreementKind.product.value:
            continue
        src, node = nodes.get_loc(a), nodes.get_loc(b)
        if pred[src, node] < 0 and src != node:
            log.warning("no transport route from %s to %s: deliveries move without using a link", a, b)
            continue
        while node != src:
            prev = pred[src, node]
            out[k, link_pos[arc_of[(nodes[prev], nodes[node])]]] = 1.0
            node = prev
    return csr_array(out)


def base_deliveries(s: Scenario, ix: PlanIndex) -> pd.DataFrame:
    """Deliveries beyond the scenario's own uses in the base year, by producing region [product units per year].

    Per product, scenario-wide: base usable output + by-products − inputs of base production − household
    consumption (the final-demand closure y = (I − A) x₀ of ``balance.scenario_system`` less households),
    where positive; shared out over the regions by their base usable output. Grain (farm output) and
    transport services (the plan routes its own freight) are left out. Columns region, product, quantity."""
    units = ix.units
    gross = units["base_output"]
    usable = pd.DataFrame(
        {"region": units["region"], "product": units["product"], "made": gross.to_numpy() * units["usable"].to_numpy()}
    )
    made = usable.groupby(["region", "product"], as_index=False, sort=False)["made"].sum()
    made = made[made["made"] > 0].reset_index(drop=True)
    net = usable.groupby("product")["made"].sum()
    for table, sign in ((ix.byproducts, 1.0), (ix.inputs, -1.0)):
        flow = gross.reindex(table["unit"]).to_numpy() * table["coeff"].to_numpy()
        net = net.add(pd.Series(sign * flow).groupby(table["product"].to_numpy()).sum(), fill_value=0.0)
    people = sum(r.population for r in s.regions)
    eaten = pd.Series({p.id: p.consumption_per_head * people for p in s.products})
    net = net.sub(eaten, fill_value=0.0)
    skip = [s.agriculture.grain_product] + [p.id for p in s.products if p.sector.value == "transport"]
    surplus = net.clip(lower=0.0).drop(skip, errors="ignore")
    total = made.groupby("product")["made"].transform("sum")
    made["quantity"] = surplus.reindex(made["product"]).fillna(0.0).to_numpy() * made["made"] / total
    return made.loc[made["quantity"] > 0, ["region", "product", "quantity"]].reset_index(drop=True)


def build_index(s: Scenario) -> PlanIndex:
    """Lay out every coordinate of the plan LP for scenario ``s``."""
    periods, step, start, year = _period_grid(s)
    units = _units(s)
    arcs = _arcs(s)
    links = pd.Index([link.id for link in s.links], name="link")
    classes, pairs, sole = _fund_classes(s, units)
    funded = units.index.isin(pairs["unit"]) | units.index.isin(sole.index) | (units["capital_cost"] <= 0).to_numpy()
    units["buildable"] &= funded
    agreements, weight, overlap, paths = _agreements(s, start, step, arcs, links)
    return PlanIndex(
        periods=periods,
        dt=step,
        start=start,
        year=year,
        units=units,
        avail=_availability(units[units["buildable"]], start, step),
        inputs=_coefficients(s, units, "inputs"),
        byproducts=_coefficients(s, units, "byproducts"),
        capital_goods=_coefficients(s, units[units["buildable"]], "capital_goods"),
        regions=_regions(s, units),
        products=_products(s),
        arcs=arcs,
        segments=_segments(s),
        assignments=_assignments(s, units),
        zone_links=_zone_links(s),
        fund_classes=classes,
        spend_pairs=pairs,
        sole_class=sole,
        agreements=agreements,
        agreement_weight=weight,
        agreement_overlap=overlap,
        agreement_paths=paths,
        links=links,
    )
