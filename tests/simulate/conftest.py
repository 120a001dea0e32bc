"""A hand-made plan for the tiny scenario (PlanResult-like: the tables the contract names)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from leapplan.scenario import Scenario

# base-year output of each (region, technology) of tests/data/tiny.yaml, carried into both plan years
BASE = {
    ("city", "steel_modern", "steel"): 90_000.0,
    ("city", "iron_modern", "pig_iron"): 110_000.0,
    ("north", "coal_small", "coal"): 350_000.0,
    ("south", "coal_modern", "coal"): 280_000.0,
    ("south", "iron_indigenous", "pig_iron"): 3_000.0,
    ("city", "rail", "transport"): 150_000_000.0,
}
CAPACITY = {
    ("city", "steel_modern"): 100_000.0,
    ("city", "iron_modern"): 120_000.0,
    ("north", "coal_small"): 400_000.0,
    ("south", "coal_modern"): 300_000.0,
    ("south", "iron_indigenous"): 5_000.0,
    ("city", "rail"): 200_000_000.0,
}
NEW_MINE = 100_000.0
"""New capacity of the south mine finished in 1959 [t/yr]; the plan raises its output to 380,000 t."""


def make_plan(overrides: dict[tuple[str, str, str], float] | None = None) -> Any:
    """The tiny plan: base output in 1958 and 1959, a new south mine in 1959, farm labour at the base share."""
    rows, caps = [], []
    for period in ("1958", "1959"):
        for (region, tech, product), q in BASE.items():
            qty = q
            if period == "1959" and tech == "coal_modern":
                qty = 380_000.0
            if overrides and (period, region, tech) in overrides:
                qty = overrides[(period, region, tech)]
            rows.append(dict(period=period, region=region, technology=tech, product=product, quantity=qty))
            cap = CAPACITY[(region, tech)]
            new = 0.0
            if period == "1959" and tech == "coal_modern":
                cap, new = cap + NEW_MINE, NEW_MINE
            caps.append(
                dict(period=period, region=region, technology=tech, product=product, capacity=cap, new_capacity=new)
            )
    labour = pd.DataFrame(
        [
            dict(period=p, region=r, farm=f, industry=0.0)
            for p in ("1958", "1959")
            for r, f in (("north", 80_000.0), ("south", 60_000.0))
        ]
    )
    return SimpleNamespace(
        scenario="tiny",
        production=pd.DataFrame(rows),
        capacity=pd.DataFrame(caps),
        labour=labour,
        support=pd.DataFrame(columns=["period", "source", "member", "kind", "quantity"]),
    )


@pytest.fixture()
def plan() -> Any:
    """The tiny plan as written."""
    return make_plan()


@pytest.fixture(name="make_plan")
def make_plan_fixture() -> Any:
    """make_plan(overrides) with {(period, region, technology): quantity} overrides."""
    return make_plan


@pytest.fixture(scope="session")
def china() -> Scenario:
    from leapplan.scenario import load

    return load("china-1957")
