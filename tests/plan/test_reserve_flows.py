"""The state reserve is held in each region's granaries (what goes in at a region comes out there), and grain put
into and taken out of it by one region in one period is netted (``net_reserve_flows``)."""

from __future__ import annotations

from typing import Any

import linopy
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from leapplan.plan import PlanResult, solve_plan
from leapplan.plan.decomposed import Decompose
from leapplan.plan.food import net_reserve_flows
from leapplan.plan.index import build_index
from leapplan.plan.model import build_model
from leapplan.scenario import parse
from leapplan.scenario.model import Scenario


def test_what_a_region_puts_in_and_takes_out_at_once_is_taken_off_both(tiny: Scenario) -> None:
    # by hand, per (period, region): put 5 / take 3 → 2 / 0; put 0 / take 2 → 0 / 2; put 4 / take 4 → 0 / 0;
    # 3 + 4 = 7 t netted in all, and every region's take − put is what it was
    with linopy.options as opts:
        opts(semantics="v1")
        m = build_model(tiny, build_index(tiny)).model
    m.status = "ok"  # as after a solve: linopy hands out solutions only then
    put, take = m.variables["put"], m.variables["take"]
    given_put = np.zeros(put.shape)
    given_take = np.zeros(take.shape)
    given_put.flat[:3] = [5.0, 0.0, 4.0]
    given_take.flat[:3] = [3.0, 2.0, 4.0]
    put.solution = xr.DataArray(given_put, put.coords, dims=put.dims)
    take.solution = xr.DataArray(given_take, take.coords, dims=take.dims)
    assert net_reserve_flows(m) == pytest.approx(7.0)
    assert np.asarray(put.solution).flat[:3] == pytest.approx([2.0, 0.0, 0.0])
    assert np.asarray(take.solution).flat[:3] == pytest.approx([0.0, 2.0, 0.0])
    assert np.asarray(take.solution - put.solution) == pytest.approx(given_take - given_put)


def test_an_interior_point_plan_has_no_region_both_putting_and_taking(tiny: Scenario) -> None:
    # the block interior point leaves a circulation through the reserve on the optimal face (put and take of one
    # region in one period both positive); netted, what goes in and out is the vertex plan's (HiGHS's simplex on the
    # whole LP) as far as the decomposed solve's gap (1e-4) pins it: over the horizon to 1e-3 (20,669.1 against
    # 20,669.3 t put), each period to 1e-2 — the year the grain goes in is pinned far less than the total, and with
    # six centrality correctors the interior point ends elsewhere on that face (7,010.4 against 7,002.8 t in 1959)
    dec = solve_plan(tiny, decompose=Decompose(workers=0))
    both = np.minimum(dec.food["reserve_in"], dec.food["reserve_out"])
    assert float(both.max()) == 0.0
    vertex = solve_plan(tiny)
    for flow in ("put", "take"):
        got, want = dec.reserve[flow].to_numpy(), vertex.reserve[flow].to_numpy()
        assert got.sum() == pytest.approx(want.sum(), rel=1e-3)
        assert got == pytest.approx(want, rel=1e-2)


def test_the_reserve_is_held_where_it_was_put_and_the_city_is_fed_by_shipment(tiny: Scenario) -> None:
    # by hand from tiny.yaml: the reserve's 30,000 t spread by population (city 100,000, north 200,000, south 150,000
    # of 450,000 people), 2 % lost a year (storage_loss 0.02): each region's granary closes a year at 0.98 × what it
    # opened with + what went in − what came out; the city has no fields, so its granary can give at most
    # 0.98 × 6,666.7 = 6,533.3 t over the plan and the rest of what it eats comes by rail or road (a pooled store
    # fed it through the reserve: 33,489 t put in where the grain grew and 32,889 t taken out in the city in 1958)
    plan = solve_plan(tiny)
    food = granaries(plan, {"city": 30000 * 100 / 450, "north": 30000 * 200 / 450, "south": 30000 * 150 / 450})
    city = food.xs("city", level="region")
    assert float(city["reserve_out"].sum()) <= 0.98 * 30000 * 100 / 450 + 1e-3
    sh = plan.shipments.assign(period=plan.shipments["period"].astype(str))
    shipped = sh[(sh["product"] == "grain") & (sh["to_region"] == "city")].groupby("period")["quantity"].sum()
    eaten_not_stored = city["food"] - city["reserve_out"] + city["reserve_in"]
    assert shipped.reindex(eaten_not_stored.index).to_numpy() == pytest.approx(eaten_not_stored.to_numpy(), rel=1e-6)
    assert float(shipped.sum()) > 50000.0


def test_a_region_holds_the_reserve_the_scenario_gives_it(tiny_raw: dict[str, Any]) -> None:
    # the city holds 20,000 t of the 30,000; the other 10,000 t are spread over north and south by population
    # (200,000 : 150,000 → 5,714.3 and 4,285.7 t); the city's granary can give at most 0.98 × 20,000 = 19,600 t
    tiny_raw["regions"][1]["reserve"] = 20000
    plan = solve_plan(parse(tiny_raw))
    food = granaries(plan, {"city": 20000, "north": 10000 * 200 / 350, "south": 10000 * 150 / 350})
    assert float(food.xs("city", level="region")["reserve_out"].sum()) <= 0.98 * 20000 + 1e-3


def granaries(plan: PlanResult, opening: dict[str, float]) -> pd.DataFrame:
    """plan.food by (period, region), after checking each region's granary by hand: it closes each year (tiny's two)
    at 0.98 × what it opened with (2 % storage loss) + what went in − what came out."""
    food = plan.food.assign(period=plan.food["period"].astype(str)).set_index(["period", "region"])
    for region, held in opening.items():
        for period in ("1958", "1959"):
            r = food.loc[(period, region)]
            assert r["reserve_stock"] == pytest.approx(0.98 * held + r["reserve_in"] - r["reserve_out"], abs=1e-3)
            held = r["reserve_stock"]
    return food
