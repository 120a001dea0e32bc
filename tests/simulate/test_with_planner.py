"""leapplan's own plan (solve_plan on the tiny scenario) carried out: as planned without frictions, balanced with."""

from __future__ import annotations

import numpy as np
import pytest

from leapplan.scenario import Scenario
from leapplan.simulate import Frictions, simulate_once


def test_the_planners_plan_comes_back_without_frictions(tiny: Scenario) -> None:
    plan_module = pytest.importorskip("leapplan.plan")
    plan = plan_module.solve_plan(tiny)
    assert str(plan.status) != "infeasible"
    r = simulate_once(tiny, plan, frictions=Frictions.none())
    t = r.totals[r.totals["planned"] > 0]
    # the planner's material balances hold in the simulation's scenario-wide balance: nothing is rationed
    np.testing.assert_allclose(t["actual"], t["planned"], rtol=1e-6)
    planned = plan.production.groupby(["period", "product"])["quantity"].sum()
    got = r.totals.set_index(["period", "product"])["planned"]
    for key, q in planned.items():
        assert got.loc[key] == pytest.approx(q, rel=1e-9)
    grain = plan.food.groupby("period")["grain_output"].sum()
    for period, q in grain.items():
        assert r.food[r.food["period"] == str(period)]["grain"].sum() == pytest.approx(q, rel=1e-9)
    assert (r.balance["closing"] >= -1e-6).all()


@pytest.mark.slow
def test_the_replay_keeps_the_floor_under_leapplans_plan(china: Scenario) -> None:
    """china-1957's replay: leapplan's plan, sized to the harvest risk with persistent shocks, keeps every region at
    or above the food floor in at least 95 % of runs in every year; the announced policies do not."""
    from leapplan.simulate.replay import replay

    r = replay(china, 200)
    assert r.leapplan_source.startswith("solve_plan") and r.leapplan.mode == "plan"
    assert (r.leapplan.share_below_floor <= 0.05).all(), r.leapplan.share_below_floor
    assert r.announced.share_below_floor.max() > 0.5
