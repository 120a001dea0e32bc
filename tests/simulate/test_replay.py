"""The replay uses leapplan's plan when solve_plan gives one (a stand-in plan here), else the policy variant."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

import leapplan.plan
from leapplan.scenario import Scenario
from leapplan.scenario.accounts import base_grain
from leapplan.simulate.frictions import Frictions
from leapplan.simulate.replay import feasible_variant, replay


def base_plan(s: Scenario, grain_factor: float) -> Any:
    """A PlanResult-like plan: every enterprise at its base output, the fields' grain scaled by grain_factor."""
    tech_product = {t.id: t.product for t in s.technologies}
    rows = [
        dict(
            period=p,
            region=e.region,
            technology=e.technology,
            product=tech_product[e.technology],
            quantity=e.base_output,
        )
        for p in s.periods
        for e in s.enterprises
    ]
    grain = base_grain(s)
    food = pd.DataFrame(
        [
            dict(period=p, region=r, grain_output=g * grain_factor, food_per_head=0.0, floor=190.0)
            for p in s.periods
            for r, g in grain.items()
        ]
    )
    return SimpleNamespace(status="feasible", reason="", production=pd.DataFrame(rows), food=food)


def test_replay_carries_out_solve_plans_plan(china: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(leapplan.plan, "solve_plan", lambda s: base_plan(s, 0.98), raising=False)
    r = replay(china, 6, frictions=Frictions.none())
    assert r.leapplan_source == "solve_plan (feasible)"
    assert r.leapplan.mode == "plan" and r.announced.mode == "policies"
    planned = r.leapplan.bands["planned"].sel(product="grain", quantile=0.5)
    assert float(planned.sel(period="1960")) == pytest.approx(0.98 * 195.05e6, rel=1e-4)
    actual = r.leapplan.bands["actual"].sel(product="steel", quantile=0.5)
    assert float(actual.sel(period="1962")) == pytest.approx(5.35e6, rel=1e-9)
    rows = {row["series"]: row for row in r.rows() if row["period"] == "1958"}
    assert rows["steel produced"]["leapplan"]["0.5"] == pytest.approx(5.35, rel=1e-9)
    assert rows["steel produced"]["announced"]["0.5"] > 5.35


def test_replay_falls_back_when_the_plan_is_infeasible(china: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    infeasible = SimpleNamespace(status="infeasible", reason="the food floor cannot be met")
    monkeypatch.setattr(leapplan.plan, "solve_plan", lambda s: infeasible, raising=False)
    r = replay(china, 4)
    assert "infeasible" in r.leapplan_source and r.leapplan.mode == "base"
    assert feasible_variant(china).policies == [] and china.policies
