"""Hand-built PlanResults and EnsembleResult-shaped objects for the report tests.

The plan is a real PlanResult, the ensemble has the fields of EnsembleResult; numbers are simple functions of the scenario
(base-year accounts grown by fixed factors) so tests can work out expected values by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from leapplan.plan import PlanResult, PlanStatus
from leapplan.scenario import Scenario
from leapplan.scenario.accounts import base_output, target_growth

GROWTH = 1.25
"""Every output value in the fake plan grows by this factor per period [-]."""


@dataclass(frozen=True)
class FakeEnsemble:
    bands: xr.Dataset
    runs: int
    seed: int


def fake_plan(s: Scenario) -> PlanResult:
    """A plan-shaped result: base-year output grown ×GROWTH per period, food 10 kg above the floor and
    falling 5 kg a period, one support flow per network responsibility and zone agreement."""
    periods = list(s.periods)
    base = base_output(s)
    prod_rows, ov_rows = [], []
    tech_of = {p.id: next((t.id for t in s.technologies if t.product == p.id), "") for p in s.products}
    for i, period in enumerate(periods):
        f = GROWTH ** (i + 1)
        for _, r in base.iterrows():
            prod_rows.append((period, r["region"], tech_of[r["product"]], r["product"], r["output"] * f))
        by = base.groupby(["ownership", "sector"], as_index=False)["value"].sum()
        usable = base_output(s, usable=True).groupby(["ownership", "sector"])["value"].sum()
        ov_rows += [(period, o, sec, v * f, usable[(o, sec)] * f) for o, sec, v in by.itertuples(index=False)]
    production = pd.DataFrame(prod_rows, columns=["period", "region", "technology", "product", "quantity"])
    output_value = pd.DataFrame(ov_rows, columns=["period", "ownership", "sector", "value", "usable_value"])
    capacity = production.rename(columns={"quantity": "capacity"}).assign(new_capacity=0.0)
    targets = pd.DataFrame(
        [
            {
                "id": g.id,
                "year": g.year,
                "hard": False,
                "priority": t.priority,
                "required": g.required,
                "achievable": g.required * 0.9,
                "cut": g.required * 0.1,
                "unit": g.unit,
            }
            for g, t in zip(target_growth(s), s.targets, strict=True)
        ]
    )
    floor = s.guardrails.food_per_head
    counties = [r for r in s.regions if r.population > 0]
    food = pd.DataFrame(
        [
            {
                "period": p,
                "region": r.id,
                "grain_output": 1000.0,
                "food_per_head": floor + 10 - 5 * i - j,
                "floor": floor,
            }
            for i, p in enumerate(periods)
            for j, r in enumerate(counties)
        ]
    )
    weak_links = pd.DataFrame(
        [
            {
                "kind": "product",
                "region": "",
                "product": "coal",
                "period": periods[0],
                "shadow_price": 18.5,
                "unit": "yuan per t",
                "explanation": "one more t of coal lets more pig iron be made",
            },
            {
                "kind": "technicians",
                "region": s.regions[1].id,
                "product": "",
                "period": periods[0],
                "shadow_price": 2400.0,
                "unit": "yuan per person",
                "explanation": "a technician raises output",
            },
            {
                "kind": "transport",
                "region": "",
                "product": "transport",
                "period": periods[-1],
                "shadow_price": 0.9,
                "unit": "yuan per t-km",
                "explanation": "corridor full",
            },
        ]
    )
    support_rows = []
    for n in s.networks:
        for resp in n.responsibilities:
            for m in resp.members:
                support_rows.append((periods[0], resp.hub, m, "technicians", 3.0))
                support_rows.append((periods[0], resp.hub, m, "equipment", 10.0))
    for z in s.zones:
        for a in z.agreements:
            support_rows.append((periods[0], a.from_region, a.to_region, a.kind.value, a.quantity))
    support = pd.DataFrame(support_rows, columns=["period", "source", "member", "kind", "quantity"])
    labour = pd.DataFrame(
        [(p, r.id, r.labour_force * 0.8, r.labour_force * 0.2) for p in periods for r in counties],
        columns=["period", "region", "farm", "industry"],
    )
    funds = pd.DataFrame(
        [(p, f.id, f.amount / len(periods), 0.0) for p in periods for f in s.funds],
        columns=["period", "fund", "spent", "carried"],
    )
    shipments = pd.DataFrame(
        [(periods[0], ln.id, ln.from_region, ln.to_region, "coal", 100.0) for ln in s.links],
        columns=["period", "link", "from_region", "to_region", "product", "quantity"],
    )
    return PlanResult(
        scenario=s.name,
        status=PlanStatus.targets_cut,
        objective=1.5e6,
        reason="",
        production=production,
        capacity=capacity,
        shipments=shipments,
        labour=labour,
        support=support,
        funds=funds,
        food=food,
        output_value=output_value,
        targets=targets,
        weak_links=weak_links,
        solver={"name": "highs", "method": "simplex", "status": "optimal", "build_seconds": 0.5, "solve_seconds": 0.2},
    )


def fake_ensemble(s: Scenario, plan: PlanResult, runs: int = 50, seed: int = 11) -> FakeEnsemble:
    """Bands around the fake plan: actual = 0.8 × plan, reported = 1.1 × plan, usable = 0.6 × plan,
    quantiles at ±10 %; food 5 kg under the floor at the median."""
    periods = list(s.periods)
    products = [p.id for p in s.products]
    q = np.array([0.05, 0.5, 0.95])
    spread = np.array([0.9, 1.0, 1.1])
    planned = plan.production.groupby(["period", "product"])["quantity"].sum().unstack(fill_value=0.0)
    planned = planned.reindex(index=periods, columns=products, fill_value=0.0).to_numpy()
    cube = spread[:, None, None] * planned[None, :, :]
    ov = plan.output_value.groupby("period")["value"].sum().reindex(periods).to_numpy()
    floor = s.guardrails.food_per_head
    coords = {"quantile": q, "period": periods, "product": products}
    bands = xr.Dataset(
        {
            "planned": (("quantile", "period", "product"), np.broadcast_to(planned, cube.shape).copy()),
            "reported": (("quantile", "period", "product"), 1.1 * cube),
            "actual": (("quantile", "period", "product"), 0.8 * cube),
            "usable": (("quantile", "period", "product"), 0.6 * cube),
            "food_per_head": (("quantile", "period"), (floor - 5) * spread[:, None] * np.ones((3, len(periods)))),
            "output_value_actual": (("quantile", "period"), 0.8 * spread[:, None] * ov[None, :]),
            "output_value_reported": (("quantile", "period"), 1.1 * spread[:, None] * ov[None, :]),
        },
        coords={k: v for k, v in coords.items()},
    )
    return FakeEnsemble(bands=bands, runs=runs, seed=seed)


@pytest.fixture(scope="session")
def tiny_run(tiny: Scenario) -> tuple[Scenario, PlanResult, FakeEnsemble]:
    plan = fake_plan(tiny)
    return tiny, plan, fake_ensemble(tiny, plan)


@pytest.fixture(scope="session")
def shanxi_fake(shanxi: Scenario) -> tuple[Scenario, PlanResult, FakeEnsemble]:
    plan = fake_plan(shanxi)
    return shanxi, plan, fake_ensemble(shanxi, plan)
