"""A re-plan from a counted grain reserve, worked by hand.

County C: 1,000 people on 1,000 ha, 1 t of grain per worker (1 t/ha at one worker a hectare); the food floor is
200 kg a head (200 t a year); the state reserve is 100 t and loses nothing in store; iron takes 0.2 worker-years a
tonne, and the targets ask 5,000 t in 1958 (first priority) and in 1959 (second). The plan grows the 200 t people eat, keeps the reserve at
100 t and makes (L − 200) / 0.2 t of iron a year with L workers.

After 1958 the store is counted at 40 t (a bad harvest drew on it; the books, free to skip what took grain,
would still say 100). The re-plan must refill it by the end of 1959: 60 t more grain, 300 t less iron. With 250
workers it can put in only 50 t: the store ends 1959 at 90 t, 10 % of the reserve short, and no iron is made.
Holding the reserve as a hard row there would leave no plan at all.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.plan.scenarios import SRC, furnace
from tests.plan.test_committee import county, iron, scenario

from leapplan.plan import PlanResult, save_plan, solve_plan
from leapplan.plan.replan import read_state, replan
from leapplan.plan.result import load_plan
from leapplan.scenario import Scenario, save

AGRICULTURE = {"yield_curve": [[0, 0], [1, 1], [2, 1]], "base_farm_share": 0.6, "source": SRC}


def reserve_county(workers: float) -> Scenario:
    return scenario(
        [county(population=1000, labour_force=workers, farmland=1000)],
        [iron(1e9)],
        [furnace()],
        [{"id": "c_furnace", "region": "c", "technology": "furnace", "capacity": 10_000, "base_output": 0}],
        [
            {
                "id": f"iron_{y}",
                "scope": {"metric": "output", "product": "iron"},
                "kind": "absolute",
                "value": 5000,
                "year": y,
                "priority": k,
            }
            for k, y in enumerate((1958, 1959), start=1)
        ],
        {"min_farm_share": 0},
        horizon=2,
        extra={"agriculture": {**AGRICULTURE, "reserve": 100, "storage_loss": 0}},
    )


def iron_in(r: PlanResult, period: str) -> float:
    p = r.production
    return float(p[(p["period"].astype(str) == period) & (p["technology"] == "furnace")]["quantity"].sum())


def closing(r: PlanResult) -> pd.Series:
    return r.reserve.set_index(r.reserve["period"].astype(str))["closing"]


def after_1958(s: Scenario, plan: PlanResult, counted: float | None) -> PlanResult:
    empty = pd.DataFrame(columns=["report_id", "unit", "period", "product", "produced"])
    state = read_state(s, plan, empty, period="1958")
    return replan(s, dataclasses.replace(state, reserve=counted), explain=False)


def test_the_plan_keeps_the_reserve_and_makes_iron_with_the_rest() -> None:
    s = reserve_county(1000)
    plan = solve_plan(s)
    assert closing(plan).to_dict() == pytest.approx({"1958": 100, "1959": 100}, abs=1e-4)
    assert iron_in(plan, "1958") == pytest.approx(4000, rel=1e-6)
    assert iron_in(plan, "1959") == pytest.approx(4000, rel=1e-6)


def test_a_counted_reserve_is_refilled_before_the_targets() -> None:
    s = reserve_county(1000)
    plan = solve_plan(s)
    books = after_1958(s, plan, None)
    assert closing(books)["1958"] == pytest.approx(100, abs=1e-4)
    assert iron_in(books, "1959") == pytest.approx(4000, rel=1e-6)
    counted = after_1958(s, plan, 40)
    assert closing(counted)["1958"] == pytest.approx(40, abs=1e-4)
    assert closing(counted)["1959"] == pytest.approx(100, abs=1e-4)
    assert iron_in(counted, "1959") == pytest.approx(3700, rel=1e-6)


def test_a_reserve_that_cannot_be_refilled_is_refilled_as_far_as_it_can_be() -> None:
    s = reserve_county(250)
    plan = solve_plan(s)
    assert iron_in(plan, "1959") == pytest.approx(250, rel=1e-6)
    r = after_1958(s, plan, 40)
    assert r.status.value != "infeasible"
    assert closing(r)["1959"] == pytest.approx(90, abs=1e-4)
    assert iron_in(r, "1959") == pytest.approx(0, abs=1e-4)
    stages = {st["stage"]: st for st in r.solver["stages"]}
    assert stages["grain reserve"]["objective"] == pytest.approx(0.1, rel=1e-6)


def test_the_command_takes_the_counted_reserve(tmp_path: Path, capsys: Any) -> None:
    from leapplan.cli import main

    s = reserve_county(1000)
    scen, v1, csv = tmp_path / "scenario", tmp_path / "v1", tmp_path / "reports.csv"
    save(s, scen)
    save_plan(solve_plan(s), v1)
    csv.write_text("report_id,unit,period,product,produced\nr1,c_furnace,1958,iron,4000\n")
    args = ["replan", "--plan", str(v1), "--reports", str(csv), "--scenario", str(scen)]
    assert main([*args, "--out", str(tmp_path / "v2"), "--reserve", "40"]) == 0
    assert iron_in(load_plan(tmp_path / "v2"), "1959") == pytest.approx(3700, rel=1e-6)
    capsys.readouterr()
    assert main([*args, "--out", str(tmp_path / "v3"), "--reserve", "-5"]) == 2
    assert "--reserve" in capsys.readouterr().err
    assert not (tmp_path / "v3").exists()
