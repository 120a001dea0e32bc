"""Plans whose optimum is worked out by hand; each constraint family switched off moves it as it should."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.plan.scenarios import build, corridor_raw, farm_raw, priorities_raw

from leapplan.plan import PlanStatus, solve_plan


def _target(result, tid="iron_1958"):  # type: ignore[no-untyped-def]
    return result.targets.set_index("id").loc[tid]


def test_corridor_limits_iron() -> None:
    # 3,000 t/yr of road carries 3,000 t of coal; at 2 t of coal per t, B makes 1,500 t of iron
    r = solve_plan(build(corridor_raw()))
    t = _target(r)
    assert r.status is PlanStatus.targets_cut
    assert t["achievable"] == pytest.approx(1500, rel=1e-6)
    assert t["cut"] == pytest.approx(1500, rel=1e-6)
    assert t["cut_share"] == pytest.approx(0.5, rel=1e-6)
    ships = r.shipments.set_index(["from_region", "product"])["quantity"]
    assert ships[("a", "coal")] == pytest.approx(3000, rel=1e-6)
    assert r.objective == pytest.approx(0.0, abs=1e-6)  # nothing worth building: the road binds


def test_without_corridor_funds_and_carts_bind() -> None:
    # iron I needs 10(I-2000) yuan of works and 0.1(200 I - 400,000) yuan of carts ≤ 20,000 → I = 2,666.67
    r = solve_plan(build(corridor_raw(), {"links.0.capacity": 1e9}))
    t = _target(r)
    assert t["achievable"] == pytest.approx(8000 / 3, rel=1e-6)
    assert r.objective == pytest.approx(20000, rel=1e-6)
    spent = r.funds.set_index("fund")["spent"]
    assert spent["budget"] == pytest.approx(20000, rel=1e-6)


def test_without_corridor_and_with_carts_target_met_at_least_cost() -> None:
    # enough carts: only 1,000 t/yr of iron works to build, 10 yuan each
    r = solve_plan(build(corridor_raw(), {"links.0.capacity": 1e9, "enterprises.2.capacity": 1e7}))
    assert r.status is PlanStatus.feasible
    assert _target(r)["cut"] == 0
    assert r.objective == pytest.approx(10000, rel=1e-6)
    cap = r.capacity.set_index("technology")
    assert cap.loc["works", "new_capacity"] == pytest.approx(1000, rel=1e-6)


def test_imports_relieve_coal() -> None:
    # 1,000 t of coal imported into B adds 500 t of iron to the 1,500 the road allows
    raw = corridor_raw()
    raw["products"][1].update(import_limit=1000, import_price=20)
    r = solve_plan(build(raw))
    assert _target(r)["achievable"] == pytest.approx(2000, rel=1e-6)
    assert r.objective == pytest.approx(1000 * 20 + 10 * 0, rel=1e-6)


def test_network_technicians_raise_capacity() -> None:
    # no money (1 yuan → 0.1 t/yr), road and carts unlimited: 6 technicians × 5 % × 2,000 t/yr = +600 t
    raw = corridor_raw()
    raw["links"][0]["capacity"] = 1e9
    raw["enterprises"][2]["capacity"] = 1e7
    raw["funds"][0]["amount"] = 1
    raw["networks"] = [
        {
            "id": "net",
            "name": "Iron network",
            "products": ["iron"],
            "commanders": ["a_mine"],
            "responsibilities": [{"hub": "a_mine", "members": ["b_works"]}],
            "technicians": 6,
            "effect": {"capacity_gain": 0.05, "max_capacity_gain": 0.5},
            "source": "estimate: test",
        }
    ]
    r = solve_plan(build(raw))
    assert _target(r)["achievable"] == pytest.approx(2600.1, rel=1e-6)
    sup = r.support[r.support["kind"] == "technicians"].iloc[0]
    assert (sup["source"], sup["member"], sup["quantity"]) == ("a_mine", "b_works", pytest.approx(6.0))


def test_farm_funds_bind() -> None:
    # 10,000 yuan / 10 yuan per t/yr = 1,000 t/yr new on top of 1,000: 2,000 t of iron (400 workers)
    r = solve_plan(build(farm_raw()))
    assert _target(r)["achievable"] == pytest.approx(2000, rel=1e-6)
    assert r.objective == pytest.approx(10000, rel=1e-6)


def test_farm_labour_binds_without_fund_limit() -> None:
    # half the 1,000 workers must farm: 500 in industry / 0.2 = 2,500 t
    r = solve_plan(build(farm_raw(), {"funds.0.amount": 1e6}))
    assert _target(r)["achievable"] == pytest.approx(2500, rel=1e-6)
    lab = r.labour.set_index("region").loc["c"]
    assert lab["farm"] == pytest.approx(500, rel=1e-6)
    assert lab["industry"] == pytest.approx(500, rel=1e-6)


def test_min_farm_share_binds() -> None:
    # 70 % in the fields: 300 workers left for industry → 1,500 t
    r = solve_plan(build(farm_raw(), {"funds.0.amount": 1e6, "guardrails.min_farm_share": 0.7}))
    assert _target(r)["achievable"] == pytest.approx(1500, rel=1e-6)


def test_food_floor_on_concave_yield_curve() -> None:
    # 700 kg/head × 1,000 = 700 t on 1,000 ha: 0.6 + 0.4 (w - 0.5) = 0.7 → w = 0.75 → 750 farm workers;
    # 250 left for industry → 1,250 t
    r = solve_plan(
        build(
            farm_raw(),
            {
                "funds.0.amount": 1e6,
                "guardrails.food_per_head": 700,
                "agriculture.yield_curve": [[0, 0], [0.5, 0.6], [1, 0.8], [2, 1]],
            },
        )
    )
    assert _target(r)["achievable"] == pytest.approx(1250, rel=1e-6)
    food = r.food.set_index("region").loc["c"]
    assert food["grain_output"] == pytest.approx(700, rel=1e-6)
    assert food["food_per_head"] == pytest.approx(700, rel=1e-6)


def test_build_time_keeps_new_capacity_out_of_the_year() -> None:
    # a plant that takes a year to build gives nothing in a one-year plan: only the 1,000 t/yr standing
    r = solve_plan(build(farm_raw(), {"funds.0.amount": 1e6, "technologies.0.build_time": 1}))
    assert _target(r)["achievable"] == pytest.approx(1000, rel=1e-6)


def test_priorities_decide_who_gets_the_funds() -> None:
    # coal (which may now leave the scenario) ≥ 8,000 t first: 2,000 t/yr of mine for 8,000 yuan;
    # 12,000 yuan left → iron 3,200 of 4,000
    raw = priorities_raw()
    r = solve_plan(build(raw))
    assert _target(r, "coal_1958")["cut"] == 0
    assert _target(r)["achievable"] == pytest.approx(3200, rel=1e-6)
    # iron first: 10 (I - 2000) + 4 (2 I - 6000) ≤ 20,000 → I = 3,555.6; coal 2 I = 7,111.1
    raw["targets"][0]["priority"] = 1
    raw["targets"][1]["priority"] = 2
    r = solve_plan(build(raw))
    assert _target(r)["achievable"] == pytest.approx(64000 / 18, rel=1e-6)
    assert _target(r, "coal_1958")["achievable"] == pytest.approx(128000 / 18, rel=1e-6)


def test_a_plan_without_explanations_is_the_same_plan() -> None:
    # the corridor's road carries 3,000 t of coal, so B makes 1,500 t of iron of the 3,000 asked (as above);
    # explain=False leaves out the weak links and their runs, not the figures
    full = solve_plan(build(corridor_raw()))
    bare = solve_plan(build(corridor_raw()), explain=False)
    assert _target(bare)["achievable"] == pytest.approx(1500, rel=1e-6)
    assert len(full.weak_links) > 0
    assert len(bare.weak_links) == 0
    assert _target(bare)["explanation"].startswith("iron_1958")
    assert len(bare.solver["stages"]) <= len(full.solver["stages"])
    a = full.production.set_index(["period", "region", "technology"])["quantity"]
    b = bare.production.set_index(["period", "region", "technology"])["quantity"]
    pd.testing.assert_series_equal(a.sort_index(), b.sort_index(), rtol=1e-6)
