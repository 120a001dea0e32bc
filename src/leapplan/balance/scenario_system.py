"""A multi-regional input-output system from a scenario: (region, product) producers plus one market per product.

Choices (documented here, shown by ``leapplan balance``):

* **Producers**: one sector per (region, product) for every region that has enterprises. Its input
  coefficients come from the technology mix of *that region's* base-year capacity (province-wide mix,
  ``scenario.coefficients.technology_weights``, where the region has none), per unit of **usable** output:
  inputs, labour and capacity of a technology are divided by / multiplied with its ``usable_share``, so low-
  quality indigenous output (e.g. 40 % usable pig iron) needs proportionally more coal per usable tonne.
  By-products are not credited.
* **Trade — pooled supply** (the "pool" model of Chenery 1953 / Moses 1955): every user of product i buys it
  from one provincial market ``(MARKET, i)``, and the market buys from producing regions in proportion to
  their base-year usable output of i (capacity shares when no region produced i in the base year). This keeps
  A sparse at national scale (nnz ≈ producers + regional technology coefficients, no region × region block),
  and eliminating the market rows gives exactly the classic pooled MRIO coefficients s_qi · aʳ_ij.
  Transport links are not used for shares: transport appears as a product (t-km) with its own capacity.
* **Final demand**: y = (I − A) x₀ with x₀ the base-year usable output (markets: the provincial total), so
  the system reproduces the base year exactly; final demand then sits on the market rows (producer rows are 0)
  and a negative entry means the province used more of a product than it made (net inflow).
* **Extensions** [per unit of usable output]: ``labour`` [person-years], ``value_added`` [yuan at base-year
  prices], and ``uses:<product>`` — the direct input of each product, whose multipliers are the total
  ("complete") consumption coefficients, e.g. all coal burnt along the chain per tonne of steel.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_array, csc_array

from leapplan.balance.system import IOSystem
from leapplan.errors import BalanceError
from leapplan.scenario.coefficients import technology_weights
from leapplan.scenario.model import Scenario

MARKET = "market"
"""Region label of the provincial market (pool) sectors."""


def producing_regions(s: Scenario) -> list[str]:
    """Regions with at least one enterprise, in the order of the scenario's region list."""
    used = {e.region for e in s.enterprises}
    return [r.id for r in s.regions if r.id in used]


def _usable_tables(s: Scenario, regions: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Usable capacity and usable base output [product units], arrays (region, product)."""
    products = {p.id: k for k, p in enumerate(s.products)}
    reg = {r: k for k, r in enumerate(regions)}
    techs = {t.id: t for t in s.technologies}
    cap = np.zeros((len(regions), len(products)))
    out = np.zeros_like(cap)
    for e in s.enterprises:
        t = techs[e.technology]
        cap[reg[e.region], products[t.product]] += e.capacity * t.usable_share
        out[reg[e.region], products[t.product]] += e.base_output * t.usable_share
    return cap, out


def _regional_weights(s: Scenario, regions: list[str]) -> dict[tuple[str, str], float]:
    """Share of each technology in its product's usable capacity within each region [-]."""
    techs = {t.id: t for t in s.technologies}
    cap: dict[tuple[str, str], float] = {}
    for e in s.enterprises:
        t = techs[e.technology]
        cap[(e.region, t.id)] = cap.get((e.region, t.id), 0.0) + e.capacity * t.usable_share
    total: dict[tuple[str, str], float] = {}
    for (r, tid), c in cap.items():
        key = (r, techs[tid].product)
        total[key] = total.get(key, 0.0) + c
    return {
        (r, tid): c / total[(r, techs[tid].product)]
        for (r, tid), c in cap.items()
        if total[(r, techs[tid].product)] > 0
    }


def scenario_system(s: Scenario) -> IOSystem:
    """The pooled-supply multi-regional IO system of a scenario (see the module docstring for the choices)."""
    regions = producing_regions(s)
    if not regions:
        raise BalanceError(f"scenario {s.name!r} has no enterprises, so there is no production to balance")
    products = [p.id for p in s.products]
    pk = {p: k for k, p in enumerate(products)}
    n_p, n_r = len(products), len(regions)
    all_regions = [*regions, MARKET]
    sectors = pd.MultiIndex.from_product([all_regions, products], names=["region", "product"])
    n = len(sectors)
    market = n_r * n_p  # position of (MARKET, first product)
    prices = np.tile(np.array([p.price for p in s.products], dtype=float), n_r + 1)

    cap, out = _usable_tables(s, regions)
    province_w = technology_weights(s)
    regional_w = _regional_weights(s, regions)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    labour = np.zeros(n)
    by_product: dict[str, list] = {}
    for t in s.technologies:
        by_product.setdefault(t.product, []).append(t)
    for r_idx, r in enumerate(regions):
        for p, techs in by_product.items():
            j = r_idx * n_p + pk[p]
            has_own = any((r, t.id) in regional_w for t in techs)
            for t in techs:
                w = regional_w.get((r, t.id), 0.0) if has_own else province_w[t.id]
                if w == 0:
                    continue
                per_usable = w / t.usable_share if t.usable_share > 0 else 0.0
                labour[j] += per_usable * t.labour
                for inp, qty in t.inputs.items():
                    if inp in pk and qty > 0:
                        rows.append(market + pk[inp])  # inputs are bought from the provincial market
                        cols.append(j)
                        vals.append(per_usable * qty)
    # markets buy from producers by base-year usable output shares (capacity shares if nothing was produced)
    for k in range(n_p):
        basis = out[:, k] if out[:, k].sum() > 0 else cap[:, k]
        total = basis.sum()
        if total <= 0:
            continue  # no producer in the scenario: the product's use leaks out as an inflow from outside
        for q in np.flatnonzero(basis > 0):
            rows.append(int(q) * n_p + k)
            cols.append(market + k)
            vals.append(float(basis[q] / total))
    a = csc_array(coo_array((np.array(vals), (np.array(rows), np.array(cols))), shape=(n, n)))
    a.sum_duplicates()

    x0 = np.concatenate([out.ravel(), out.sum(axis=0)])
    y = x0 - a @ x0
    y[:market] = np.where(np.abs(y[:market]) <= 1e-9 * np.maximum(x0[:market], 1.0), 0.0, y[:market])
    capacity = np.concatenate([cap.ravel(), np.full(n_p, np.inf)])

    uses = np.zeros((n_p, n))
    coo = a.tocoo()
    from_market = coo.row >= market
    uses[coo.row[from_market] - market, coo.col[from_market]] = coo.data[from_market]
    va = prices - a.T @ prices
    ext_index = pd.Index(["labour", "value_added", *[f"uses:{p}" for p in products]], name="extension")
    ext = pd.DataFrame(np.vstack([labour, va, uses]), index=ext_index, columns=sectors)
    ext.iloc[:, market:] = 0.0  # markets only pass goods on
    return IOSystem(
        sectors=sectors,
        A=a,
        final_demand=pd.DataFrame({"final_demand": y}, index=sectors),
        extension_coefficients=ext,
        gross_output=pd.Series(x0, index=sectors, name="base_output"),
        capacity=pd.Series(capacity, index=sectors, name="usable_capacity"),
        prices=pd.Series(prices, index=sectors, name="price"),
        pass_through=np.arange(n) >= market,
        name=s.name,
    )
