"""Upgrades as decisions, worked out by hand on the one-county farm scenario (``scenarios.farm_raw``).

County C: 1,000 workers, at least half in the fields, so 500 for industry; 1,000 t/yr of indigenous furnaces
(0.2 person-yr per t, 10 yuan per t/yr to build anew); a small modern furnace makes iron with 0.02 person-yr per t
and costs 30 yuan per t/yr to build. Funds 30,000 yuan; the iron target (4,000 t in 1958) cannot be met, so the
plan makes as much iron as money and labour allow. An upgrade rebuilds furnace capacity as small modern capacity at
c yuan per t/yr, one for one, with no delay: it adds no capacity but frees 0.18 workers per t/yr.

Without the upgrade both limits bind: 10 nf + 30 nm = 30,000 and 0.2 nf + 0.02 nm = 300 (the 200 workers of the
standing furnaces aside) give nm = 300 / 0.58 = 517.24, nf = 1,448.28 and iron 1,000 + nf + nm = 2,965.52 t. The
shadow prices there are 0.9 / 29 t per yuan and 3.448 t per worker, so an upgrade pays when
0.18 × 3.448 > c × 0.9 / 29, i.e. c < 20 (= 30 − 10: new modern capacity less the furnace capacity the upgrade
gives up).

At c = 12 the plan upgrades u and builds furnaces nf with 0.2 nf − 0.18 u = 300 and 10 nf + 12 u = 30,000:
u = 15,000 / 21 = 714.29, nf = 1,500 + 0.9 u = 2,142.86, iron 1,000 + nf = 22,000 / 7 = 3,142.86 t, and no new
modern furnace.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.plan.scenarios import SRC, build, farm_raw

from leapplan.plan import solve_plan
from leapplan.scenario import ScenarioError, parse


def upgrade_raw(cost: float, time: float = 0.0) -> dict[str, Any]:
    raw = farm_raw()
    raw["technologies"].append(
        {
            "id": "modern",
            "name": "Small modern furnace",
            "product": "iron",
            "kind": "modern",
            "scale": "small",
            "labour": 0.02,
            "capital_cost": 30,
            "build_time": 0,
            "lifetime": 10,
            "plant_size": 1000,
            "source": SRC,
        }
    )
    raw["funds"][0]["amount"] = 30000
    raw["targets"][0]["value"] = 4000
    raw["upgrades"] = [
        {
            "id": "rectify",
            "from_technology": "furnace",
            "to_technology": "modern",
            "cost": cost,
            "time": time,
            "workforce_kept": 0.25,
            "source": SRC,
        }
    ]
    return raw


def _iron(r) -> float:  # type: ignore[no-untyped-def]
    return float(r.targets.set_index("id").loc["iron_1958", "achievable"])


def _new_modern(r) -> float:  # type: ignore[no-untyped-def]
    b = r.builds
    return float(b.loc[b["technology"] == "modern", "new_capacity"].sum())


def test_upgrade_cheaper_than_building_new_is_chosen() -> None:
    r = solve_plan(build(upgrade_raw(12)))
    assert _iron(r) == pytest.approx(22000 / 7, rel=1e-6)
    up = r.upgrades.iloc[0]
    assert len(r.upgrades) == 1
    assert (up["region"], up["from_technology"], up["to_technology"], up["period"]) == (
        "c",
        "furnace",
        "modern",
        "1958",
    )
    assert up["rebuilt"] == pytest.approx(15000 / 21, rel=1e-6)
    assert up["cost"] == pytest.approx(12 * 15000 / 21, rel=1e-6)
    # 0.2 person-yr per t of furnace capacity, a quarter kept on
    assert up["workers_kept"] == pytest.approx(0.25 * 0.2 * 15000 / 21, rel=1e-6)
    assert up["workers_released"] == pytest.approx(0.75 * 0.2 * 15000 / 21, rel=1e-6)
    assert _new_modern(r) == pytest.approx(0.0, abs=1e-6)
    cap = r.capacity.set_index("technology")["capacity"]
    assert cap["furnace"] == pytest.approx(1000 - 15000 / 21 + 1500 + 0.9 * 15000 / 21, rel=1e-6)
    assert cap["modern"] == pytest.approx(15000 / 21, rel=1e-6)
    # funds spent: the upgrades and the new furnaces, every yuan
    assert r.funds["spent"].sum() == pytest.approx(30000, rel=1e-6)
    assert r.objective == pytest.approx(30000, rel=1e-6)


@pytest.mark.parametrize("cost", [25.0, 35.0])
def test_upgrade_dearer_than_building_new_is_not_chosen(cost: float) -> None:
    # 35 is dearer than a new modern furnace (30); 25 is dearer than one less the furnace capacity given up (20)
    r = solve_plan(build(upgrade_raw(cost)))
    assert r.upgrades.empty
    assert _iron(r) == pytest.approx(4000 - 600 / 0.58, rel=1e-6)
    assert _new_modern(r) == pytest.approx(300 / 0.58, rel=1e-6)


def test_upgrade_that_takes_the_whole_year_gives_nothing_in_it() -> None:
    # rebuilt capacity that serves only from 1959 would only take furnaces out of 1958: the plan does not upgrade
    r = solve_plan(build(upgrade_raw(12, time=1.0)))
    assert r.upgrades.empty
    assert _iron(r) == pytest.approx(4000 - 600 / 0.58, rel=1e-6)


def test_upgrade_must_keep_the_product() -> None:
    raw = upgrade_raw(12)
    raw["products"].append(
        {"id": "coal", "name": "Coal", "unit": "t", "price": 10, "sector": "industry", "source": SRC}
    )
    raw["technologies"][1]["product"] = "coal"
    with pytest.raises(ScenarioError, match=r"upgrades\[rectify\].to_technology.*keeps the product"):
        parse(raw, "bad")
