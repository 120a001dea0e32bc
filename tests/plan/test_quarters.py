"""Quarterly plans with seasons, worked out by hand on the one-county farm scenario (``scenarios.farm_raw``).

County C: 1,000 people and workers, 1,000 ha at 1 t/ha per worker/ha (flat beyond 1 worker/ha), so a year's grain
is W t for W year-round farm workers; no least farm share. Iron furnaces (not buildable) need 0.2 person-yr per t:
a quarter's t takes 0.8 workers through the quarter. People eat 400 kg a year, 100 t a quarter; nothing rots.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.plan.scenarios import build, farm_raw

from leapplan.plan import solve_plan
from leapplan.scenario.model import SeasonalProfile, Seasons
from leapplan.scenario.quarterly import to_quarters, working_stock

SRC = "estimate: test"


def seasons(work: tuple[float, ...], harvest: tuple[float, ...], eat: tuple[float, ...] = (0.25,) * 4) -> Seasons:
    return Seasons(
        farm_labour=SeasonalProfile(shares=work, source=SRC),  # type: ignore[arg-type]
        harvest=SeasonalProfile(shares=harvest, source=SRC),  # type: ignore[arg-type]
        consumption=SeasonalProfile(shares=eat, source=SRC),  # type: ignore[arg-type]
    )


def quarterly_raw(capacity: float, reserve: float) -> dict[str, Any]:
    raw = farm_raw()
    raw["period"] = "quarter"
    raw["technologies"][0]["buildable"] = False
    raw["enterprises"][0].update(capacity=capacity, base_output=capacity)
    raw["guardrails"].update(food_per_head=400, min_farm_share=0.0)
    raw["agriculture"].update(reserve=reserve, storage_loss=0.0)
    return raw


def _by_period(frame, column: str, **where: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    for key, value in where.items():
        frame = frame[frame[key] == value]
    return dict(zip(frame["period"].astype(str), frame[column].astype(float), strict=True))


def test_harvest_quarter_binds_the_labour() -> None:
    # work (0.1, 0.2, 0.2, 0.5): the fields need 0.4 W, 0.8 W, 0.8 W and 2 W workers; harvest (0, 0, 0.2, 0.8).
    # 200 t in store last Q1 and Q2; Q3's 0.2 W must feed Q3 (100 t), so W ≥ 500 and the harvest quarter takes
    # all 1,000 workers: no iron in Q4, the furnaces' 250 t a quarter in Q1-Q3 (750 t of the 1,000 t/yr).
    raw = quarterly_raw(capacity=1000, reserve=200)
    raw["seasons"] = seasons((0.1, 0.2, 0.2, 0.5), (0.0, 0.0, 0.2, 0.8)).model_dump()
    r = solve_plan(build(raw))
    assert r.targets.set_index("id").loc["iron_1958", "achievable"] == pytest.approx(750, rel=1e-6)
    iron = _by_period(r.production, "quantity", technology="furnace")
    assert iron == pytest.approx({"1958Q1": 250, "1958Q2": 250, "1958Q3": 250}, rel=1e-6)
    farm = _by_period(r.labour, "farm", region="c")
    assert farm["1958Q4"] == pytest.approx(1000, rel=1e-6)
    grain = _by_period(r.food, "grain_output", region="c")
    assert [grain[f"1958Q{q}"] for q in (1, 2, 3, 4)] == pytest.approx([0, 0, 100, 400], abs=1e-6)
    # the same year without seasons: the labour never binds, the furnaces run full
    raw["seasons"] = seasons((0.25,) * 4, (0.25,) * 4).model_dump()
    even = solve_plan(build(raw))
    assert even.targets.set_index("id").loc["iron_1958", "achievable"] == pytest.approx(1000, rel=1e-6)


def test_stocks_last_from_one_harvest_to_the_next() -> None:
    # the whole harvest in Q3. Converted from the yearly scenario: base grain 500 t (500 farm workers on 1,000 ha),
    # eaten 125 t a quarter before the Q3 harvest → a working stock of 250 t at the start.
    raw = quarterly_raw(capacity=8000, reserve=0)
    raw["period"] = "year"
    raw["horizon"] = 2
    raw["targets"][0].update(value=5000, priority=1)
    raw["targets"].append({**raw["targets"][0], "id": "iron_1959", "year": 1959, "priority": 2})
    yearly = build(raw)
    q_seasons = seasons((0.25,) * 4, (0.0, 0.0, 1.0, 0.0))
    assert working_stock(yearly, q_seasons) == pytest.approx(250, rel=1e-9)
    s = to_quarters(yearly, q_seasons)
    assert (s.period.value, s.agriculture.reserve, s.simulation.harvest_season) == ("quarter", 250, (0, 0, 1, 0))
    # iron in a year is 4 × (1,000 − W) / 0.8 = 5,000 − 5 W; people eat 100 t a quarter. Q1 and Q2 eat 200 of the
    # 250 t in store; the Q3 harvest W must feed Q3 and Q4 (200 t) and leave the 250 t the year began with at the
    # year's end (the reserve is not eaten from one year's end to the next): 50 + W − 200 ≥ 250, W = 400, 3,000 t
    # of iron, in 1958 and again in 1959.
    r = solve_plan(s)
    t = r.targets.set_index("id")["achievable"]
    assert (t["iron_1958"], t["iron_1959"]) == pytest.approx((3000, 3000), rel=1e-6)
    closing = _by_period(r.reserve, "closing")
    expected = [150, 50, 350, 250, 150, 50, 350, 250]
    assert [closing[p] for p in s.periods] == pytest.approx(expected, abs=1e-5)


def test_simulation_carries_the_stock_through_the_lean_quarters() -> None:
    # the harvest-quarter plan carried out as written: nobody below the floor in any quarter, the grain harvested
    # only in Q3 and Q4 (100 t and 400 t), and the 200 t store spent by Q2 and handed on at the end
    from leapplan.simulate import Frictions, simulate

    raw = quarterly_raw(capacity=1000, reserve=200)
    raw["seasons"] = seasons((0.1, 0.2, 0.2, 0.5), (0.0, 0.0, 0.2, 0.8)).model_dump()
    s = build(raw)
    ens = simulate(s, solve_plan(s), runs=2, frictions=Frictions.none())
    assert ens.share_below_floor.tolist() == [0, 0, 0, 0]
    grain = ens.bands["grain"].sel(quantile=0.5).values
    assert grain.tolist() == pytest.approx([0, 0, 100, 400], abs=1e-6)


@pytest.mark.parametrize(("agriculture", "iron"), [(0.0, 1000.0), (1.0, 750.0)])
def test_agriculture_guardrail_by_the_harvest_quarters(agriculture: float, iron: float) -> None:
    # people eat 200 kg (50 t a quarter), 100 t in store: food alone needs W ≥ 250 (Q3's 0.2 W feeds Q3), so Q4
    # needs 500 farm workers and 500 are left for 625 t of iron, more than the 250 t the furnaces make. Keeping
    # the base year's 500 t of grain (500 farm workers on 1,000 ha), harvested 0.2 in Q3 and 0.8 in Q4, takes
    # W = 500 and all hands in Q4: 750 t.
    raw = quarterly_raw(capacity=1000, reserve=100)
    raw["guardrails"].update(food_per_head=200, agriculture=agriculture)
    raw["seasons"] = seasons((0.1, 0.2, 0.2, 0.5), (0.0, 0.0, 0.2, 0.8)).model_dump()
    r = solve_plan(build(raw))
    assert r.targets.set_index("id").loc["iron_1958", "achievable"] == pytest.approx(iron, rel=1e-6)
