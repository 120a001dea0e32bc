"""The weak-link chain: what a change in final demand asks of every sector, against its capacity.

"To increase steel you must first have iron; to have iron you must have coal; to have coal you must have
transport" (seed 004). For a demand change Δy the required output is x₀ + L Δy; every producing sector whose
requirement exceeds its capacity is a weak link. Links are ordered along the supply chain by their
*average propagation length* from the demand change (Dietzenbacher, Romero & Bosma 2005, "Using average
propagation lengths to identify production chains in the Andalusian economy", Estudios de Economía Aplicada
23: 405–422): APL = (L (L − I) Δy)ᵢ / ((L − I) Δy)ᵢ, the average number of production steps between the
demand and sector i — steel (≈1) ← pig iron ← coal ← transport. Two extra solves, any size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from leapplan.balance.solve import LeontiefSolver
from leapplan.balance.system import IOSystem
from leapplan.errors import BalanceError

_CHANGE = re.compile(r"^\s*([^=]+?)\s*=\s*([+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)\s*(%?)\s*$")


@dataclass(frozen=True)
class DemandChange:
    """A change of final demand for one product: ``relative`` True means ``amount`` is a percentage of the
    product's base gross output [%] ('steel=+20%': a fifth more steel), else an amount in the product's unit."""

    product: str
    amount: float
    relative: bool


def parse_demand_change(text: str) -> DemandChange:
    """Parse 'steel=+20%' or 'steel=+5000' (product unit); raises ``BalanceError`` on anything else."""
    m = _CHANGE.match(text)
    if not m:
        raise BalanceError(f"demand change {text!r} is not like 'steel=+20%' or 'steel=+5000'")
    return DemandChange(m.group(1), float(m.group(2)), m.group(3) == "%")


def _product_level(system: IOSystem) -> np.ndarray:
    return np.asarray(system.sectors.get_level_values(-1) if system.is_multiregional else system.sectors)


def demand_vector(system: IOSystem, changes: list[DemandChange], base: np.ndarray | None = None) -> np.ndarray:
    """Δy [row units] for the changes over base gross output x₀ [row units] (default: the system's gross output).

    'steel=+20%' asks for 20 % of the product's base output (summed over the sectors that make it) as extra
    final demand — how planners read "steel +20 %"; a percentage of final demand would be tiny for a product
    used mostly by other sectors. 'steel=+5000' adds 5,000 units. Either is spread over the product's rows in
    proportion to their base final demand (equally when that is not positive); when the system has
    pass-through markets the demand goes to the product's market, where final demand sits.
    """
    names = _product_level(system).astype(str)
    y = system.total_final_demand
    x0 = base
    if x0 is None and system.gross_output is not None:
        x0 = system.gross_output.to_numpy()
    dy = np.zeros(system.n)
    for c in changes:
        rows = np.flatnonzero(names == c.product)
        if rows.size == 0:
            known = ", ".join(sorted(set(names.tolist()))[:12])
            raise BalanceError(f"demand change for unknown product {c.product!r}; known: {known}")
        amount = c.amount
        if c.relative:
            if x0 is None:
                raise BalanceError("a change in % needs the base gross output: pass base= (analyse does)")
            made = rows[system.producing[rows]]
            total_output = float(np.asarray(x0, dtype=float)[made].sum())
            if total_output <= 0:
                raise BalanceError(
                    f"{c.product!r} has no base output ({total_output:g}), so '{c.amount:+g}%' means nothing; "
                    f"give an amount instead, e.g. '{c.product}=+1000'"
                )
            amount = total_output * c.amount / 100.0
        if system.pass_through is not None and system.pass_through[rows].any():
            rows = rows[system.pass_through[rows]]
        share = y[rows]
        total = float(share.sum())
        weights = share / total if total > 0 and np.all(share >= 0) else np.full(rows.size, 1.0 / rows.size)
        dy[rows] += weights * amount
    return dy


@dataclass(frozen=True)
class WeakLinks:
    """``required``: per producing sector — ``base`` x₀, ``change`` L Δy, ``required``, ``capacity``,
    ``shortfall`` = max(required − capacity, 0), ``utilisation`` = required / capacity [-], ``steps`` (APL) —
    all in the sector's unit. ``chain``: the sectors with a shortfall, nearest the demand first.
    ``products``: the same summed per product (steps: the smallest among its sectors)."""

    demand_change: pd.Series
    required: pd.DataFrame
    chain: pd.DataFrame
    products: pd.DataFrame


def weak_links(
    system: IOSystem, solver: LeontiefSolver, dy: np.ndarray, base: np.ndarray | None = None, tolerance: float = 1e-9
) -> WeakLinks:
    """Required outputs for final-demand change Δy over base output x₀ (default: the system's gross output,
    else L y), capacities, shortfalls and the supply-chain order of the binding sectors."""
    dy = np.asarray(dy, dtype=float)
    if base is None:
        base = (
            system.gross_output.to_numpy()
            if system.gross_output is not None
            else solver.solve(system.total_final_demand)
        )
    base = np.asarray(base, dtype=float)
    dx = solver.solve(dy)
    # average propagation length: L (L − I) Δy⁺ / (L − I) Δy⁺, on the positive part of the change
    push = np.maximum(dy, 0.0) if np.any(dy > 0) else np.abs(dy)
    indirect = solver.solve(push) - push
    steps = np.divide(
        solver.solve(indirect),
        indirect,
        out=np.full(system.n, np.nan),
        where=indirect > 1e-12 * max(float(np.abs(indirect).max(initial=0.0)), 1e-300),
    )
    steps = np.where(push > 0, 0.0, steps)  # sectors hit by the demand itself stand at the head of the chain
    if system.pass_through is not None:
        # with pooled markets every production step is two hops (market → producer → next market)
        steps = np.where(system.producing, (steps + 1.0) / 2.0, steps)
    required = base + dx
    cap = system.capacity.to_numpy() if system.capacity is not None else np.full(system.n, np.inf)
    shortfall = np.maximum(required - cap, 0.0)
    # rounding noise is relative to each entry and, for the solve as a whole, to the largest requirement in value
    # terms (e.g. 3e-9 t of coke where there is no coke plant, beside 2e9 t-km of transport, is not a shortfall)
    p = system.value_scale()
    value = np.abs(required) * np.where(p > 0, p, 0.0)
    floor = tolerance * float(value[system.producing].max(initial=0.0))
    noise = (shortfall <= tolerance * np.maximum(np.abs(required), 1.0)) | ((p > 0) & (shortfall * p <= floor))
    shortfall[noise] = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap > 0, required / cap, np.where(required > 0, np.inf, 0.0))
    table = pd.DataFrame(
        {
            "base": base,
            "change": dx,
            "required": required,
            "capacity": cap,
            "shortfall": shortfall,
            "utilisation": util,
            "steps": steps,
        },
        index=system.sectors,
    )
    table = table[system.producing]
    chain = table[table["shortfall"] > 0].sort_values(
        ["steps", "shortfall"], ascending=[True, False], na_position="last"
    )
    product = _product_level(system)[system.producing]
    grouped = table.reset_index(drop=True).groupby(pd.Index(product, name="product"), sort=False)
    products = grouped[["base", "change", "required", "capacity", "shortfall"]].sum()
    products["steps"] = grouped["steps"].min()
    products = products.sort_values("steps", na_position="last")
    return WeakLinks(pd.Series(dy, index=system.sectors, name="demand_change"), table, chain, products)
