"""Where the plan's material balances sit: balance nodes, flows on links, import and export points.

Goods carried in tonnes balance per region × product (a node); every other product (transport services,
electricity, machines counted in pieces, sets or kW) is one scenario-wide pool at the root region.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leapplan.plan.index import SEP, PlanIndex, base_deliveries
from leapplan.scenario.model import Scenario


def pairs(first: np.ndarray, product: np.ndarray, name: str, index: str) -> pd.DataFrame:
    """Frame of (``name``, product) pairs indexed by ``first/product``."""
    frame = pd.DataFrame({name: pd.array(first, dtype="str"), "product": pd.array(product, dtype="str")})
    frame.index = pd.Index(frame[name] + SEP + frame["product"], name=index)
    return frame


@dataclass(frozen=True)
class Layout:
    """Balance nodes, flows and trade points of one scenario's plan."""

    root: str
    goods: list[str]
    """Products balanced per region (carried in tonnes)."""
    pooled: list[str]
    """Products balanced scenario-wide at the root."""
    nodes: pd.DataFrame
    """index 'node' = region/product; region, product, households [units per period at the base year's consumption
    per head], deliveries [units per period: the base year's deliveries beyond the scenario, kept up]."""
    flows: pd.DataFrame
    """index 'flow' = arc/product; arc, link, from_region, to_region, product, distance [km], tonnage."""
    imports: pd.DataFrame
    """index 'entry' = region/product; region, product."""
    exports: pd.DataFrame
    """index 'exit' = region/product; region, product."""
    farms: pd.Index
    """Regions with farmland (dim 'farm')."""
    people: pd.Index
    """Regions with a population (dim 'people')."""
    region_codes: pd.Index
    product_codes: pd.Index
    node_table: np.ndarray
    """node_table[region code, product code]: node position, −1 where none."""

    def node_of(self, region: pd.Series | np.ndarray | list[str], product: pd.Series | np.ndarray | list[str]) -> np.ndarray:
        """Position of each (region, product) balance node (pooled products: the root's), −1 where none."""
        r = self.region_codes.get_indexer(pd.Index(np.asarray(region, dtype=object), dtype=object))
        k = self.product_codes.get_indexer(pd.Index(np.asarray(product, dtype=object), dtype=object))
        is_pooled = self.product_codes.isin(self.pooled)
        r = np.where((k >= 0) & is_pooled[np.clip(k, 0, None)], self.region_codes.get_loc(self.root), r)
        found = (r >= 0) & (k >= 0)
        out = np.full(r.shape, -1, dtype=np.int64)
        out[found] = self.node_table[r[found], k[found]]
        return out


def build_layout(s: Scenario, ix: PlanIndex) -> Layout:
    """Lay out the balance nodes, flows and trade points of scenario ``s``."""
    units, products, regions = ix.units, ix.products, ix.regions
    step = ix.dt
    root = next(r.id for r in s.regions if r.parent is None)
    active = set(units["region"].unique()) | set(regions.index[regions["population"] > 0])
    active |= set(ix.arcs["from_region"]) | set(ix.arcs["to_region"])
    goods = [k for k in products.index if products.at[k, "tonnage"]]
    pooled = [k for k in products.index if not products.at[k, "tonnage"]]
    nodes = pairs(np.repeat(sorted(active), len(goods)), np.tile(goods, len(active)), "region", "node")
    if pooled:
        nodes = pd.concat([nodes, pairs(np.repeat(root, len(pooled)), np.asarray(pooled), "region", "node")])
    pop = regions["population"].reindex(nodes["region"]).to_numpy().copy()
    pop[len(nodes) - len(pooled) :] = regions["population"].sum()
    grain_id = s.agriculture.grain_product
    eaten = products["consumption"].where(products.index != grain_id, 0.0)
    nodes["households"] = eaten.reindex(nodes["product"]).to_numpy() * pop * step

    region_codes = pd.Index(sorted(active | {root}), dtype=object)  # object keys: no string-array conversion
    product_codes = pd.Index(products.index.to_numpy(dtype=object), dtype=object)
    table = np.full((len(region_codes), len(product_codes)), -1, dtype=np.int64)
    table[region_codes.get_indexer(nodes["region"]), product_codes.get_indexer(nodes["product"])] = np.arange(len(nodes))

    kinds = {r.id: r.kind.value for r in s.regions}
    importable = [k for k in products.index if products.at[k, "import_limit"] > 0]
    exportable = [k for k in products.index if products.at[k, "export_limit"] > 0]
    # imports arrive at the cities (the railheads); a scenario without cities takes them anywhere with people or work
    here = regions.reindex(sorted(active))
    working = list(here.index[(here["population"] > 0) | (here["labour_force"] > 0)])
    gates = [r for r in working if kinds[r] == "city"] or working

    def trade(traded: list[str], name: str) -> pd.DataFrame:
        rows = [(r, k) for r in gates for k in traded if k not in pooled] + [(root, k) for k in traded if k in pooled]
        frame = pd.DataFrame(rows, columns=["region", "product"])
        frame.index = pd.Index([f"{r}{SEP}{k}" for r, k in rows], name=name)
        return frame

    flows = pairs(np.repeat(ix.arcs.index.to_numpy(), len(goods)), np.tile(goods, len(ix.arcs)), "arc", "flow")
    for c in ("link", "from_region", "to_region", "distance"):
        flows[c] = np.repeat(ix.arcs[c].to_numpy(), len(goods))
    flows["tonnage"] = True
    layout = Layout(
        root=root,
        goods=goods,
        pooled=pooled,
        nodes=nodes,
        flows=flows,
        imports=trade(importable, "entry"),
        exports=trade(exportable, "exit"),
        farms=pd.Index(sorted(regions.index[regions["farmland"] > 0]), name="farm"),
        people=pd.Index(sorted(regions.index[regions["population"] > 0]), name="people"),
        region_codes=region_codes,
        product_codes=product_codes,
        node_table=table,
    )
    # the base year's deliveries beyond the scenario's own uses go on (no output falls for want of a use)
    out = base_deliveries(s, ix)
    owed_at = layout.node_of(out["region"], out["product"])
    owed = np.zeros(len(nodes))
    keep = owed_at >= 0
    np.add.at(owed, owed_at[keep], out["quantity"].to_numpy()[keep] * s.guardrails.base_deliveries * step)
    nodes["deliveries"] = owed
    return layout
