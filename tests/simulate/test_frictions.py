"""Each friction, alone, against numbers worked out by hand from the tiny plan and the run's own draws."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from leapplan.scenario import Scenario
from leapplan.simulate import FRICTIONS, Frictions, compile_model, simulate_once
from leapplan.simulate.engine import draw
from leapplan.simulate.once import run_seeds


def totals(result: Any, product: str, period: str, column: str = "actual") -> float:
    t = result.totals
    return float(t[(t["product"] == product) & (t["period"] == period)][column].iloc[0])


def cell(m: Any, region: str, tech: str) -> int:
    regions = [r for r in ("prov", "city", "north", "south")]
    return next(c for c in range(len(m.cell_tech)) if m.cell_tech[c] == tech and regions[m.cell_region[c]] == region)


def with_settings(s: Scenario, **kw: float) -> Scenario:
    return s.model_copy(update={"simulation": s.simulation.model_copy(update=kw)})


def test_no_frictions_gives_the_plan_back(tiny: Scenario, plan: Any) -> None:
    r = simulate_once(tiny, plan, frictions=Frictions.none())
    for period, coal in (("1958", 630_000.0), ("1959", 730_000.0)):
        assert totals(r, "coal", period) == pytest.approx(coal, rel=1e-12)
        assert totals(r, "steel", period) == pytest.approx(90_000.0, rel=1e-12)
        # indigenous iron counts at its nominal usable share 0.4
        assert totals(r, "pig_iron", period, "usable") == pytest.approx(110_000 + 0.4 * 3_000, rel=1e-12)
        # farm workers per ha: north 80,000/60,000 -> 1.3 + 0.333*0.2 t/ha; south 1.2 -> 1.34 t/ha at factor 0.9
        assert totals(r, "grain", period) == pytest.approx(1.366667 * 60_000 + 1.34 * 50_000 * 0.9, rel=1e-6)
    t = r.totals
    assert np.allclose(t["actual"], t["planned"], rtol=1e-12)
    assert np.allclose(t["reported"], t["actual"], rtol=0)
    # everyone eats the ration of 0.25 t; the rest of 142,300 t joins the 30,000 t reserve, which loses 2 % a year
    assert np.allclose(r.food["food_per_head"], 250.0)
    grain = r.balance[r.balance["product"] == "grain"]
    first = 30_000 * 0.98 + 142_300 - 112_500
    assert grain["closing"].tolist() == pytest.approx([first, first * 0.98 + 142_300 - 112_500], rel=1e-6)
    # coal used 1958: 3*3,000 + 1.5*110,000 + 0.5*90,000 + 0.00002*150e6 = 222,000 t
    coal = r.balance[(r.balance["product"] == "coal") & (r.balance["period"] == "1958")].iloc[0]
    assert coal["intermediate"] == pytest.approx(222_000.0, rel=1e-12)
    # plus the 0.1 t (a millionth of coal's typical size of 100,000 t) every product but grain starts with on hand
    assert coal["closing"] == pytest.approx(630_000 - 222_000 + 0.1, rel=1e-12)


@pytest.mark.parametrize("name", FRICTIONS)
def test_each_friction_off_leaves_the_rest_as_planned(tiny: Scenario, plan: Any, name: str) -> None:
    """With only one friction on, the products it cannot touch come out exactly as planned."""
    r = simulate_once(tiny, plan, frictions=Frictions.only(name))
    untouched = {
        "build_delays": ["steel", "pig_iron", "transport", "grain"],
        "learning": ["steel", "pig_iron", "transport", "grain"],
        "indigenous_quality": ["steel", "coal", "transport", "grain"],
        "harvest_shocks": ["steel", "pig_iron", "coal", "transport"],
        "transport_breakdowns": ["steel", "pig_iron", "coal", "grain"],
        "harvest_labour": ["steel", "pig_iron", "coal", "transport"],
        "reporting_bias": ["steel", "pig_iron", "coal", "transport", "grain"],
    }[name]
    t = r.totals[r.totals["product"].isin(untouched)]
    assert np.allclose(t["actual"], t["planned"], rtol=1e-12)
    assert np.allclose(t["reported"], t["actual"], rtol=1e-12)


def test_learning_new_mine_starts_at_ramp_start(tiny: Scenario, plan: Any) -> None:
    r = simulate_once(tiny, plan, frictions=Frictions.only("learning"))
    # 1959: old 300,000 t/yr + the new 100,000 t/yr at 60 % in its first year = 360,000 t (plan 380,000)
    assert totals(r, "coal", "1959") == pytest.approx(350_000 + 360_000, rel=1e-12)
    assert totals(r, "coal", "1958") == pytest.approx(630_000, rel=1e-12)


def test_build_delays_follow_the_draws(tiny: Scenario, plan: Any) -> None:
    s = with_settings(tiny, build_delay=3.0)
    m = compile_model(s, plan)
    c = cell(m, "south", "coal_modern")
    late = 0
    for run in range(12):
        e = draw(m, run_seeds(s.seed, run, run + 1))["delay"][0, 1, c]
        # mean delay 3 x 1 yr build time: a draw E >= 1/3 pushes the mine out of 1959
        expected = 350_000 + (300_000 if np.floor(e * 3.0) >= 1 else 380_000)
        r = simulate_once(s, plan, frictions=Frictions.only("build_delays"), run=run, model=m)
        assert totals(r, "coal", "1959") == pytest.approx(expected, rel=1e-12)
        late += expected < 730_000
    assert 0 < late < 12


def test_indigenous_quality_lowers_only_indigenous_usable(tiny: Scenario, plan: Any) -> None:
    m = compile_model(tiny, plan)
    c = cell(m, "south", "iron_indigenous")
    q = draw(m, run_seeds(tiny.seed, 0, 1))["quality"][0, :, c]
    r = simulate_once(tiny, plan, frictions=Frictions.only("indigenous_quality"))
    for t, period in enumerate(("1958", "1959")):
        expected = 110_000 + 3_000 * 0.4 * (1 - 0.3 * 2 * q[t])
        assert totals(r, "pig_iron", period, "usable") == pytest.approx(expected, rel=1e-12)
        assert totals(r, "pig_iron", period) == pytest.approx(113_000, rel=1e-12)


def test_harvest_shocks_are_mean_one_lognormal(tiny: Scenario, plan: Any) -> None:
    m = compile_model(tiny, plan)
    d = draw(m, run_seeds(tiny.seed, 0, 1))
    r = simulate_once(tiny, plan, frictions=Frictions.only("harvest_shocks"))
    g = m.regions.index("north")
    z = 0.08 * d["harvest"][0, 0] + 0.05 * d["harvest_region"][0, 0, g] - (0.08**2 + 0.05**2) / 2
    north = r.food[(r.food["region"] == "north") & (r.food["period"] == "1958")]["grain"].iloc[0]
    assert north == pytest.approx(82_000 * np.exp(z), rel=1e-6)


def test_harvest_labour_draws_workers_from_the_fields(tiny: Scenario, plan: Any) -> None:
    m = compile_model(tiny, plan)
    d = draw(m, run_seeds(tiny.seed, 0, 1))
    r = simulate_once(tiny, plan, frictions=Frictions.only("harvest_labour"))
    g = m.regions.index("north")
    workers = 80_000 * (1 - 0.03 * 2 * d["harvest_draw"][0, 0, g])
    per_ha = workers / 60_000  # between the curve's points (1.0, 1.3) and (2.0, 1.5)
    north = r.food[(r.food["region"] == "north") & (r.food["period"] == "1958")]["grain"].iloc[0]
    # the yield curve holds the usual 3 % away at harvest: 82,000 t is the harvest at 80,000 × 0.97 workers, so
    # the draw scales it by y(workers drawn) / y(80,000 × 0.97 / 60,000 = 1.29333 per ha) = … / 1.358667 t/ha
    assert north == pytest.approx(82_000 * (1.3 + (per_ha - 1.0) * 0.2) / 1.3586667, rel=1e-6)


def test_transport_breakdowns_cut_transport_capacity(tiny: Scenario, make_plan: Any) -> None:
    p = make_plan({(y, "city", "rail"): 190e6 for y in ("1958", "1959")})
    m = compile_model(tiny, p)
    u = draw(m, run_seeds(tiny.seed, 0, 1))["transport"][0]
    r = simulate_once(tiny, p, frictions=Frictions.only("transport_breakdowns"))
    for t, period in enumerate(("1958", "1959")):
        assert totals(r, "transport", period) == pytest.approx(min(190e6, 200e6 * (1 - 0.1 * 2 * u[t])), rel=1e-12)


def test_reporting_bias_grows_with_pressure(tiny: Scenario, make_plan: Any) -> None:
    """Steel planned above its 100,000 t capacity: the report covers 0.8 x (0.5 + u) of the shortfall."""
    gaps = []
    for target in (100_000.0, 150_000.0, 200_000.0):
        p = make_plan({("1958", "city", "steel_modern"): target})
        m = compile_model(tiny, p)
        u = draw(m, run_seeds(tiny.seed, 0, 1))["report"][0, 0, cell(m, "city", "steel_modern")]
        r = simulate_once(tiny, p, frictions=Frictions.only("reporting_bias"), model=m)
        actual, reported = totals(r, "steel", "1958"), totals(r, "steel", "1958", "reported")
        assert actual == pytest.approx(100_000, rel=1e-12)
        assert reported == pytest.approx(actual + 0.8 * (0.5 + u) * (target - actual), rel=1e-12)
        assert reported >= actual
        gaps.append(reported - actual)
        # next year's plan (90,000 t) is raised on the reported figure when it beats this year's plan
        assert totals(r, "steel", "1959", "planned") == pytest.approx(90_000 * max(1.0, reported / target), rel=1e-12)
    assert gaps[0] == 0 and gaps[1] > 0
    assert gaps[2] == pytest.approx(2 * gaps[1], rel=1e-12)


def test_target_ratchet_policy_raises_next_target(tiny: Scenario) -> None:
    from leapplan.scenario.model import Policy, PolicyKind

    policies = [
        Policy(id="steel", kind=PolicyKind.output_target, start="1958", value=150_000.0, product="steel"),
        Policy(id="hard", kind=PolicyKind.target_ratchet, start="1958", value=0.5, products=["steel"]),
    ]
    s = with_settings(tiny.model_copy(update={"policies": policies}), report_inflation=2.0)
    m = compile_model(s)
    assert m.mode == "policies"
    u = draw(m, run_seeds(s.seed, 0, 1))["report"][0, 0, cell(m, "city", "steel_modern")]
    r = simulate_once(s, frictions=Frictions.only("reporting_bias"), model=m)
    assert totals(r, "steel", "1958", "planned") == pytest.approx(150_000, rel=1e-12)
    reported = totals(r, "steel", "1958", "reported")
    assert reported == pytest.approx(100_000 + 2.0 * (0.5 + u) * 50_000, rel=1e-12)
    assert reported > 150_000
    assert totals(r, "steel", "1959", "planned") == pytest.approx(150_000 * reported / 150_000 * 1.5, rel=1e-12)
