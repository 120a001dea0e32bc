"""One simulated run of a plan, with every series per region, product and period as tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leapplan.scenario.model import Scenario
from leapplan.simulate.engine import Batch, draw, simulate_batch
from leapplan.simulate.frictions import Frictions
from leapplan.simulate.model import Model, compile_model


def run_seeds(seed: int, start: int, stop: int) -> list[np.random.SeedSequence]:
    """Seed sequences of runs start … stop−1: the children of ``SeedSequence(seed)``, run i = child i."""
    return [np.random.SeedSequence(seed, spawn_key=(i,)) for i in range(start, stop)]


@dataclass(frozen=True)
class SimulationResult:
    """One run. Quantities in product units per period; food per head in kg per person per year."""

    scenario: str
    seed: int
    run: int
    mode: str
    """'plan', 'policies' or 'base': what was carried out."""
    series: pd.DataFrame
    """[period, region, product, planned, reported, actual, usable, fulfilment] per region and product."""
    food: pd.DataFrame
    """[period, region, population, grain_planned, grain, grain_reported, procured, resold, eaten,
    food_per_head, floor, farm_stock, farm_workers, sown_share] per food region (grain in t, food per head
    kg/person/yr; population: the people the region feeds, new state workers included)."""
    balance: pd.DataFrame
    """[period, product, opening, made, imports, intermediate, consumption, delivered, lost, closing] scenario-wide."""
    totals: pd.DataFrame
    """[period, product, unit, planned, reported, actual, usable, stock, fulfilment] scenario-wide."""

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data: the scenario-wide totals and food per period."""
        food = self.food.groupby("period", sort=False)[["grain", "eaten", "population"]].sum()
        return {
            "scenario": self.scenario,
            "seed": self.seed,
            "run": self.run,
            "mode": self.mode,
            "totals": _records(self.totals),
            "food_per_head": {p: float(r.eaten / r.population * 1000) for p, r in food.iterrows()},
        }


def simulate_once(
    scenario: Scenario,
    plan: Any | None = None,
    *,
    seed: int | None = None,
    frictions: Frictions | None = None,
    run: int = 0,
    model: Model | None = None,
) -> SimulationResult:
    """Carry ``plan`` (or, without one, the scenario's policies) out once: run ``run`` of seed ``seed``
    (default the scenario's), the same numbers as run ``run`` of an ensemble with that seed."""
    m = model if model is not None else compile_model(scenario, plan)
    seed = scenario.seed if seed is None else seed
    fr = frictions if frictions is not None else Frictions()
    b = simulate_batch(m, fr, draw(m, run_seeds(seed, run, run + 1)), detail=True)
    return _tables(scenario, m, b, seed, run)


def _tables(s: Scenario, m: Model, b: Batch, seed: int, run: int) -> SimulationResult:
    assert b.cells is not None
    T, C, P, G = m.shape
    regions = [r.id for r in s.regions]
    per = np.repeat(np.array(m.periods), C)
    cell_frame = pd.DataFrame(
        {
            "period": per,
            "region": np.tile(np.array(regions)[m.cell_region], T),
            "product": np.tile(np.array(m.products)[m.cell_product], T),
            **{k: b.cells[k][0].reshape(-1) for k in ("planned", "reported", "actual", "usable")},
        }
    )
    grain = pd.DataFrame(
        {
            "period": np.repeat(np.array(m.periods), G),
            "region": np.tile(np.array(m.regions), T),
            "product": m.products[m.grain],
            "planned": b.grain_planned[0].reshape(-1),
            "reported": b.grain_reported[0].reshape(-1),
            "actual": b.grain[0].reshape(-1),
            "usable": b.grain[0].reshape(-1),
        }
    )
    grain = grain[m.farmland[np.tile(np.arange(G), T)] > 0]
    series = pd.concat([cell_frame, grain], ignore_index=True)
    series = series.groupby(["period", "region", "product"], as_index=False, sort=False).sum()
    series["fulfilment"] = _ratio(series["actual"], series["planned"])
    pop = b.people[0].reshape(-1) if b.people is not None else np.tile(m.population, T)
    farm = b.farm[0].reshape(-1) if b.farm is not None else m.farm.reshape(-1)
    sown = b.sown[0].reshape(-1) if b.sown is not None else np.tile((m.farmland > 0).astype(float), T)
    eaten = b.eaten[0].reshape(-1)
    food = pd.DataFrame(
        {
            "period": np.repeat(np.array(m.periods), G),
            "region": np.tile(np.array(m.regions), T),
            "population": pop,
            "grain_planned": b.grain_planned[0].reshape(-1),
            "grain": b.grain[0].reshape(-1),
            "grain_reported": b.grain_reported[0].reshape(-1),
            "procured": b.procured[0].reshape(-1),
            "resold": b.resold[0].reshape(-1),
            "eaten": eaten,
            "food_per_head": np.divide(eaten, pop * m.dt, out=np.zeros_like(eaten), where=pop > 0) * 1000,
            "floor": s.guardrails.food_per_head,
            "farm_stock": b.rural_stock[0].reshape(-1),
            "farm_workers": farm,
            "sown_share": sown,
        }
    )
    closing = b.stocks[0]
    first = b.opening[:1] if b.opening is not None else np.zeros((1, P))
    opening = np.vstack([first, closing[:-1]])
    balance = pd.DataFrame(
        {
            "period": np.repeat(np.array(m.periods), P),
            "product": np.tile(np.array(m.products), T),
            "opening": opening.reshape(-1),
            "made": b.made[0].reshape(-1),
            "imports": b.imports[0].reshape(-1),
            "intermediate": b.intermediate[0].reshape(-1),
            "consumption": b.consumption[0].reshape(-1),
            "delivered": b.delivered[0].reshape(-1),
            "lost": b.lost[0].reshape(-1),
            "closing": closing.reshape(-1),
        }
    )
    totals = pd.DataFrame(
        {
            "period": np.repeat(np.array(m.periods), P),
            "product": np.tile(np.array(m.products), T),
            "unit": np.tile(np.array(m.units), T),
            **{k: getattr(b, k)[0].reshape(-1) for k in ("planned", "reported", "actual", "usable")},
            "stock": closing.reshape(-1),
        }
    )
    totals["fulfilment"] = _ratio(totals["actual"], totals["planned"])
    return SimulationResult(s.name, seed, run, m.mode, series, food, balance, totals)


def _ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    out = a / b.where(b > 0)
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.replace({np.nan: None}).to_dict(orient="records")
    return [{k: (float(v) if isinstance(v, np.floating) else v) for k, v in r.items()} for r in rows]
