"""What the audit knows about each reporting unit, built once per scenario as pandas tables.

A unit is an enterprise or a region. For an enterprise its technology gives the coefficients
(inputs [units of input per unit of output], labour [person-years per unit]); its capacity [units
per year] and workforce [persons] are the scenario's base-year figures. Technicians sent by a
network covering the enterprise (listed in a tier or a responsibility, directly or through its
region, for one of the network's products) raise its capacity by at most ``effect.max_capacity_gain``.

A region stands for the enterprises of its whole subtree making the product: capacity, allowed
capacity and workforce are sums; what it needs at least is computed in ``need.py`` (its plants with
the smallest coefficients first). A region with no plant for the product has no capacity (it is not
checked) and needs at least the smallest coefficient of any technology making the product.
By-products may be reported by their enterprises; they need no inputs of their own (the main output
carries them), so only the statistical checks apply to them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leapplan.audit.need import NeedTables, key, need_tables
from leapplan.audit.rules import label
from leapplan.scenario import Period, Scenario


@dataclass(frozen=True)
class UnitTables:
    """The scenario seen by the audit (built by :func:`unit_tables`)."""

    units: pd.DataFrame  # index (unit, product): kind, peer, parent, depth, capacity, allowed, workforce
    need: NeedTables  # least inputs and labour per (unit, product): see need.py
    kind: pd.Series  # unit id → 'enterprise' or the region kind
    parent: pd.Series  # unit id → parent region id ('' for the root)
    depth: pd.Series  # unit id → depth in the tree (root 0, an enterprise one below its region)
    expected: pd.Series  # (parent, product) → number of child units with plants for the product
    ancestors: pd.DataFrame  # [region, ancestor] every region with itself and each region above it
    enterprise_share: pd.DataFrame  # [unit, region, technology, product, share]: capacity share in region/tech
    names: dict[str, str]  # product id → name as it reads in a sentence
    unit_of: dict[str, str]  # product id → physical unit
    periods: dict[str, int]  # period label → position
    period_years: float  # 1 for years, 0.25 for quarters
    made: pd.Index  # key(unit, product) of every product an enterprise may report
    plants: pd.Index  # key(unit, product) of every unit with plants (capacity) for the product
    unit_keys: pd.Index  # key(unit, product) of each row of ``units``, in order
    technologies: pd.Index  # technology ids

    def member(self, values: pd.Series, known: pd.Index | dict[str, object]) -> np.ndarray:
        """Boolean mask: which ``values`` are in ``known`` (a hash lookup; fast on large batches)."""
        index = known if isinstance(known, pd.Index) else pd.Index(list(known))
        return np.asarray(index.get_indexer(values) >= 0)


def _network_gain(s: Scenario, ent: pd.DataFrame, subtree: dict[str, set[str]]) -> pd.Series:
    """Largest capacity gain technicians of a covering network can bring to each enterprise [fraction]."""
    gain = pd.Series(0.0, index=ent.index)
    for n in s.networks:
        members: set[str] = {e for t in n.tiers for e in t.enterprises}
        regions: set[str] = set()
        for r in n.responsibilities:
            for m in r.members:
                if m in subtree:
                    regions |= subtree[m]
                else:
                    members.add(m)
        covered = (ent.index.isin(list(members)) | ent["region"].isin(list(regions))) & ent["product"].isin(n.products)
        gain[covered] = gain[covered].clip(lower=n.effect.max_capacity_gain)
    return gain


def _ancestors(s: Scenario) -> tuple[pd.DataFrame, dict[str, int], dict[str, set[str]]]:
    parent = {r.id: r.parent for r in s.regions}
    rows: list[tuple[str, str]] = []
    depth: dict[str, int] = {}
    for r in s.regions:
        chain = [r.id]
        while (p := parent.get(chain[-1])) is not None and p not in chain:
            chain.append(p)
        depth[r.id] = len(chain) - 1
        rows += [(r.id, a) for a in chain]
    anc = pd.DataFrame(rows, columns=["region", "ancestor"])
    subtree = {a: set(g) for a, g in anc.groupby("ancestor")["region"]}
    return anc, depth, subtree


def unit_tables(s: Scenario) -> UnitTables:
    """Build the audit's view of a scenario (vectorised; a few ms for shanxi-1958)."""
    tech = {t.id: t for t in s.technologies}
    anc, depth, subtree = _ancestors(s)
    ent = pd.DataFrame(
        {
            "region": [e.region for e in s.enterprises],
            "technology": [e.technology for e in s.enterprises],
            "product": [tech[e.technology].product for e in s.enterprises],
            "capacity": [e.capacity for e in s.enterprises],
            "workforce": [e.workforce for e in s.enterprises],
            "labour": [tech[e.technology].labour for e in s.enterprises],
        },
        index=pd.Index([e.id for e in s.enterprises], name="unit"),
    )
    ent["gain"] = _network_gain(s, ent, subtree)
    ent["allowed"] = ent["capacity"] * (1 + ent["gain"])
    # enterprises: their main product, plus by-products (no physical data)
    e_units = ent.assign(kind="enterprise", peer=ent["technology"], parent=ent["region"])
    e_units["depth"] = e_units["region"].map(depth) + 1
    byp = pd.DataFrame(
        [
            (e.id, b, f"{e.technology}:{b}", e.region, depth[e.region] + 1)
            for e in s.enterprises
            for b in tech[e.technology].byproducts
        ],
        columns=["unit", "product", "peer", "parent", "depth"],
    ).assign(kind="enterprise")

    # regions: every enterprise counts in each region above it
    up = ent.reset_index().merge(anc, on="region")
    kinds = {r.id: r.kind.value for r in s.regions}
    parents = {r.id: r.parent or "" for r in s.regions}
    g = up.groupby(["ancestor", "product"])
    r_units = g[["capacity", "allowed", "workforce"]].sum()
    r_units = r_units.rename_axis(["unit", "product"]).reset_index()
    r_units["kind"] = r_units["unit"].map(kinds)
    r_units["peer"] = r_units["kind"] + ":" + r_units["product"]
    r_units["parent"] = r_units["unit"].map(parents)
    r_units["depth"] = r_units["unit"].map(depth)
    plants = pd.concat(
        [
            ent.reset_index().assign(kind="enterprise"),
            up.drop(columns="unit").rename(columns={"ancestor": "unit"}).assign(kind=lambda f: f["unit"].map(kinds)),
        ],
        ignore_index=True,
    )[["unit", "kind", "technology", "product", "allowed"]]

    cols = ["kind", "peer", "parent", "depth", "capacity", "allowed", "workforce"]
    units = pd.concat(
        [e_units.reset_index()[["unit", "product", *cols]], byp, r_units[["unit", "product", *cols]]],
        ignore_index=True,
    ).set_index(["unit", "product"])
    kind = pd.concat([pd.Series("enterprise", index=ent.index), pd.Series(kinds)])
    parent = pd.concat([ent["region"], pd.Series(parents)])
    dep = pd.concat([ent["region"].map(depth) + 1, pd.Series(depth)])
    units_flat = units.index.to_frame(index=False)
    e_all = units[units["kind"] == "enterprise"].index.to_frame(index=False)
    with_plants = units[units["capacity"].notna()].reset_index()
    expected = with_plants.groupby(["parent", "product"]).size()
    share = ent.reset_index()[["unit", "region", "technology", "product", "capacity"]]
    share["share"] = share["capacity"] / share.groupby(["region", "technology"])["capacity"].transform("sum")
    return UnitTables(
        units=units,
        need=need_tables(s, plants),
        kind=kind,
        parent=parent,
        depth=dep,
        expected=expected,
        ancestors=anc,
        enterprise_share=share.drop(columns="capacity"),
        names={p.id: label(p.name) for p in s.products},
        unit_of={p.id: p.unit for p in s.products},
        periods={p: i for i, p in enumerate(s.periods)},
        period_years=1.0 if s.period is Period.year else 0.25,
        made=pd.Index(key(e_all["unit"], e_all["product"]).unique()),
        plants=pd.Index(key(with_plants["unit"], with_plants["product"]).unique()),
        unit_keys=pd.Index(key(units_flat["unit"], units_flat["product"])),
        technologies=pd.Index([x.id for x in s.technologies]),
    )


def assigned_allowed(s: Scenario, t: UnitTables, support: pd.DataFrame) -> pd.DataFrame:
    """Allowed output with the technicians a plan assigns [unit, product, period, allowed; units per year].

    ``support`` is a plan's support table [period, source, member, kind, quantity, network]: a row of kind
    ``technicians`` whose ``network`` is one of the scenario's networks keeps ``quantity`` technicians at the
    member enterprise, raising its capacity by ``capacity_gain`` per technician up to ``max_capacity_gain``
    (the plan's own rule). An enterprise without assigned technicians gets no gain; a region sums its plants.
    """
    nets = {n.id: n.effect for n in s.networks}
    sup = support[(support["kind"].astype(str) == "technicians")]
    if "network" not in sup.columns:
        hub_net = {r.hub: n.id for n in s.networks for r in n.responsibilities}
        sup = sup.assign(network=sup["source"].astype(str).map(hub_net))
    sup = sup[sup["network"].isin(list(nets)) & sup["member"].isin(list(t.kind.index))]
    ent = t.units[(t.units["kind"] == "enterprise") & t.units["capacity"].notna()].reset_index()
    periods = pd.Index(list(t.periods), name="period")
    grid = ent[["unit", "product", "parent", "capacity"]].merge(periods.to_frame(index=False), how="cross")
    if len(sup):
        cg = sup["network"].map({k: v.capacity_gain for k, v in nets.items()}).astype(float)
        cap = sup["network"].map({k: v.max_capacity_gain for k, v in nets.items()}).astype(float)
        frac = np.minimum(cg * pd.to_numeric(sup["quantity"], errors="coerce").fillna(0.0), cap)
        gain = (
            sup.assign(gain=frac, unit=sup["member"].astype(str), period=sup["period"].astype(str))
            .groupby(["unit", "period"])["gain"]
            .sum()
        )
        grid = grid.merge(gain.reset_index(), on=["unit", "period"], how="left")
    else:
        grid["gain"] = 0.0
    grid["allowed"] = grid["capacity"] * (1 + grid["gain"].fillna(0.0))
    up = grid.rename(columns={"parent": "region"}).merge(t.ancestors, on="region")
    regions = up.groupby(["ancestor", "product", "period"], as_index=False)["allowed"].sum()
    regions = regions.rename(columns={"ancestor": "unit"})
    return pd.concat([grid[["unit", "product", "period", "allowed"]], regions], ignore_index=True)


_CACHE: list[tuple[Scenario, UnitTables]] = []
_LOCK = threading.Lock()


def tables_for(s: Scenario) -> UnitTables:
    """:func:`unit_tables` of ``s``, cached for the last 4 scenario objects (scenarios are immutable).

    The cache is by identity: keep one Scenario object per scenario (building the tables takes ~0.3 s).
    """
    with _LOCK:
        for cached, tables in _CACHE:
            if cached is s:
                return tables
    tables = unit_tables(s)
    with _LOCK:
        _CACHE.insert(0, (s, tables))
        del _CACHE[4:]
    return tables
