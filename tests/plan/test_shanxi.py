"""The default scenario read as a planning committee would (slow: one solve of a 52,000-variable LP, ~2.5 min).

Every property is recomputed here from the plan's own tables and the scenario, not read from the planner's flags.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from leapplan.plan import PlanResult, PlanStatus, solve_plan
from leapplan.scenario import Scenario
from leapplan.scenario.accounts import base_food_per_head, base_grain, base_output

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def plan(shanxi: Scenario) -> PlanResult:
    return solve_plan(shanxi)


def test_shanxi_targets_are_cut_and_say_why(plan: PlanResult) -> None:
    assert plan.status is PlanStatus.targets_cut
    t = plan.targets.set_index("id")
    # the 1958 and 1959 targets hold; catching up with agriculture by 1961 and exceeding it by 1962 do not, once
    # every tonne made must be used (by the scenario or in the base year's deliveries beyond it)
    assert (t.loc[["local_1958", "county_1958", "local_1959"], "cut_share"] < 0.01).all()
    assert t.loc["catch_up_1961", "cut"] > 0.05 * t.loc["catch_up_1961", "required"]
    assert t.loc["exceed_1962", "cut"] > 0.25 * t.loc["exceed_1962", "required"]
    assert (t["achievable"] + t["cut"] >= t["required"] * (1 - 1e-6)).all()
    # each cut target has weak links of its own, in words
    cut = set(t.index[t["cut_share"] > 0.01])
    wl = plan.weak_links
    assert wl["explanation"].str.contains(" adds ").all()
    for target in cut:
        assert wl["explanation"].str.contains(target).any(), target


def test_shanxi_targets_are_not_bought_with_food_or_farming(shanxi: Scenario, plan: PlanResult) -> None:
    food = plan.food[plan.food["population"] > 0]
    base_per_head = base_food_per_head(shanxi) * 1000  # kg per person per year
    # nobody eats less grain per head than in the base year (the consumption guardrail, above the 165 kg floor) …
    assert (food["food_per_head"] >= base_per_head * (1 - 1e-4)).all()
    # … and the plan does not hold regions at the floor: fewer than a tenth of region-years within 0.5 % of it
    assert (food["food_per_head"] < food["floor"] * 1.005).mean() < 0.10
    # every farm region grows at least its base-year grain; agriculture's usable value never falls below the base
    grain = plan.food.pivot_table(index="region", columns="period", values="grain_output", aggfunc="sum")
    base = base_grain(shanxi).reindex(grain.index)
    assert (grain.ge(base * (1 - 1e-4), axis=0) | base.isna().to_numpy()[:, None]).all().all()
    ov = plan.output_value
    agri = ov[ov["sector"] == "agriculture"].groupby("period")["usable_value"].sum()
    frame = base_output(shanxi, usable=True)
    assert (agri >= frame.loc[frame["sector"] == "agriculture", "value"].sum() * (1 - 1e-4)).all()
    # households' other consumption never below the base year's
    c = plan.consumption
    assert (c["quantity"] >= c["base"] * (1 - 1e-6) - 1e-6).all()
    # the reserve is never eaten into by the plan: closing stock ≥ the reserve it started with, every year
    assert (plan.reserve["closing"] >= shanxi.agriculture.reserve * (1 - 1e-6)).all()


def test_shanxi_builds_what_it_uses_and_hauls_nothing_to_and_fro(shanxi: Scenario, plan: PlanResult) -> None:
    tech = {t.id: t for t in shanxi.technologies}
    made = plan.production.groupby(["period", "region", "technology"])["quantity"].sum()
    cap = plan.capacity.set_index(["period", "region", "technology"])
    cap = cap.assign(use=made.reindex(cap.index).fillna(0.0) / cap["capacity"].where(cap["capacity"] > 0))
    # every plant runs within its capacity in service, of which the new part is never more than all of it
    assert (cap["use"].fillna(0.0) <= 1 + 1e-6).all()
    assert ((cap["new_in_service"] >= -1e-6) & (cap["new_in_service"] <= cap["capacity"] * (1 + 1e-9) + 1e-6)).all()
    cap = cap.reset_index()
    cap["year"] = cap["period"].astype(str).str[:4].astype(int)
    builds = plan.builds
    idle = 0.0
    for (r, t), grp in builds.groupby(["region", "technology"]):
        ready = int(str(grp["period"].min())[:4]) + tech[t].build_time  # [year], build times are fractions of one
        standing = cap[(cap["region"] == r) & (cap["technology"] == t) & (cap["year"] + 1 > ready)]
        if len(standing) == 0 or (standing["use"] < 0.1).all():
            idle += float(grp["cost"].sum())
    # capacity that never runs at a tenth of what it could make: at most 5 % of what the plan spends on building
    assert idle <= 0.05 * float(builds["cost"].sum())
    # a build paid from several funds is listed once per fund, and no fund's part is dust
    whole = builds.groupby(["period", "unit"])["new_capacity"].transform("sum")
    assert (builds["new_capacity"] >= 1e-6 * whole).all()
    cost = builds["new_capacity"] * builds["technology"].map({t.id: t.capital_cost for t in shanxi.technologies})
    np.testing.assert_allclose(builds["cost"], cost, rtol=1e-9)
    # no product hauled both ways on a link in the same period (more than a thousandth of the link's load)
    sh = plan.shipments
    fwd = sh.set_index(["period", "link", "from_region", "to_region", "product"])["quantity"]
    back = sh.rename(columns={"from_region": "to_region", "to_region": "from_region"}).set_index(fwd.index.names)
    both = fwd.index.intersection(back.index)
    load = sh.groupby(["period", "link"])["quantity"].sum()
    if len(both):
        small = np.minimum(fwd.loc[both].to_numpy(), back["quantity"].loc[both].to_numpy())
        on_link = load.reindex(pd.MultiIndex.from_arrays([both.get_level_values(0), both.get_level_values(1)]))
        assert (small <= 1e-3 * on_link.to_numpy()).all()


def test_shanxi_plan_keeps_the_floor_when_carried_out(shanxi: Scenario, plan: PlanResult) -> None:
    """200 runs with every friction: in each year at most 5 % of runs leave some region below the food floor."""
    from leapplan.simulate.ensemble import run_ensemble

    e = run_ensemble(shanxi, plan, 200)
    assert (np.asarray(e.share_below_floor) <= 0.05).all(), e.share_below_floor
