"""Policy mode's dynamics on small variants of the tiny scenario, each mechanism against numbers worked by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from leapplan.scenario import Scenario
from leapplan.scenario.model import FundSource, Policy, PolicyKind
from leapplan.simulate import Frictions, compile_model, simulate_once
from leapplan.simulate.engine import draw
from leapplan.simulate.once import run_seeds

CURVE = ([0.0, 0.5, 1.0, 2.0], [0.0, 0.9, 1.3, 1.5])
"""tests/data/tiny.yaml's yield curve [workers per ha → t per ha]."""


def variant(tiny: Scenario, policies: list[Policy], horizon: int = 2, **settings: Any) -> Scenario:
    s = tiny.model_copy(update={"policies": policies, "horizon": horizon})
    return s.model_copy(update={"simulation": s.simulation.model_copy(update=settings)})


def pol(id: str, kind: str, start: str, value: float, **kw: Any) -> Policy:
    return Policy(id=id, kind=PolicyKind(kind), start=start, value=value, **kw)


def food(r: Any, region: str, period: str, column: str) -> float:
    f = r.food
    return float(f[(f["region"] == region) & (f["period"] == period)][column].iloc[0])


def capacity(s: Scenario, fr: Frictions, tech: str, region: str, run: int = 0) -> list[float]:
    from leapplan.simulate.engine import simulate_batch

    m = compile_model(s)
    b = simulate_batch(m, fr, draw(m, run_seeds(s.seed, run, run + 1)), detail=True)
    assert b.cells is not None
    c = next(i for i, t in enumerate(m.cell_tech) if t == tech and s.regions[m.cell_region[i]].id == region)
    return b.cells["capacity"][0, :, c].tolist()


def test_the_tiny_curve_is_the_one_worked_with(tiny: Scenario) -> None:
    assert [list(p) for p in zip(*tiny.agriculture.yield_curve, strict=True)] == [CURVE[0], CURVE[1]]
    assert tiny.agriculture.storage_loss == pytest.approx(0.02)


def test_funds_build_capacity_that_arrives_after_its_build_time_and_wears(tiny: Scenario) -> None:
    """A steel target 50,000 t above the works' 100,000 t: 25 M yuan at 500 yuan/t; a fund of 20 M for steel works
    pays 80 %, 40,000 t a year, in service two years later (build time 2 years)."""
    fund = FundSource(
        id="steel", name="Steel", kind="state_budget", amount=20e6, available_from=1958, recipients=["prov"]
    )
    fund = fund.model_copy(update={"technologies": ["steel_modern"]})
    s = variant(tiny, [pol("t", "output_target", "1958", 150_000.0, product="steel")], horizon=4)
    s = s.model_copy(update={"funds": [fund]})
    assert capacity(s, Frictions.only("investment"), "steel_modern", "city") == pytest.approx(
        [100_000.0, 100_000.0, 140_000.0, 140_000.0]
    )
    # wearing over its 30-year life: e^(−1/30) of it a year after it came into service; the base year's kept up
    worn = capacity(s, Frictions.only("investment", "wear"), "steel_modern", "city")
    assert worn == pytest.approx([100_000.0, 100_000.0, 140_000.0, 100_000.0 + 40_000.0 * np.exp(-1 / 30)])
    # and at 60 % of full output in its first year while it is learnt
    learnt = capacity(s, Frictions.only("investment", "learning"), "steel_modern", "city")
    assert learnt[2] == pytest.approx(100_000.0 + 0.6 * 40_000.0)


def test_procurement_on_the_reported_harvest_drains_the_villages_stock(tiny: Scenario) -> None:
    """Half the harvest procured; villages start with half a year's food (0.25 t a head), 2 % lost in store."""
    s = variant(tiny, [pol("p", "procurement", "1958", 0.5)], rural_stock=0.5)
    r = simulate_once(s, frictions=Frictions.only("mess_halls"))  # no mess-hall policy: the dynamics alone
    # north: 25,000 t held, 24,500 after the store's loss; harvest 82,000 t, 41,000 procured; 50,000 eaten
    assert food(r, "north", "1958", "procured") == pytest.approx(41_000.0, rel=1e-9)
    assert food(r, "north", "1958", "farm_stock") == pytest.approx(24_500.0 + 82_000 - 41_000 - 50_000, rel=1e-9)
    assert food(r, "south", "1958", "farm_stock") == pytest.approx(18_375.0 + 60_300 - 30_150 - 37_500, rel=1e-9)
    grain = r.balance[(r.balance["product"] == "grain") & (r.balance["period"] == "1958")].iloc[0]
    # the state: 30,000 t reserve less 2 %, 71,150 t procured, 25,000 t for the city; plus the villages' stocks
    assert grain["closing"] == pytest.approx(29_400 + 71_150 - 25_000 + 15_500 + 11_025, rel=1e-9)
    assert grain["lost"] == pytest.approx((30_000 + 25_000 + 18_750) * 0.02, rel=1e-9)


def test_procurement_takes_the_seed_and_the_next_sowing_falls_short(tiny: Scenario) -> None:
    """95 % of the harvest procured leaves north 4,100 t of the 6,000 t of seed its 60,000 ha need (0.1 t/ha)."""
    s = variant(tiny, [pol("p", "procurement", "1958", 0.95)], seed_rate=0.1, state_reserve=100.0)
    r = simulate_once(s, frictions=Frictions.only("seed_grain"))
    assert food(r, "north", "1958", "procured") == pytest.approx(0.95 * 82_000, rel=1e-9)
    assert food(r, "north", "1959", "sown_share") == pytest.approx(4_100 / 6_000, rel=1e-9)
    assert food(r, "south", "1959", "sown_share") == pytest.approx(0.05 * 60_300 / 5_000, rel=1e-9)
    # 1959: north's 80,000 farm workers on 4,100 t of seed's land (41,000 ha): 1.9512 per ha
    per_ha = 80_000 / 41_000
    assert food(r, "north", "1959", "grain") == pytest.approx(np.interp(per_ha, *CURVE) * 41_000, rel=1e-9)
    # the seed is grain used, kept in the balance; the ration eaten is 0.25 t less the seed per head
    grain = r.balance[(r.balance["product"] == "grain") & (r.balance["period"] == "1958")].iloc[0]
    assert grain["intermediate"] == pytest.approx(4_100 + 0.05 * 60_300, rel=1e-9)
    city = food(r, "city", "1958", "food_per_head")
    assert city == pytest.approx((0.25 - 0.1 * 110_000 / 450_000) * 1000, rel=1e-9)


def test_the_mess_halls_eat_freely_until_the_stocks_run_out(tiny: Scenario) -> None:
    policies = [pol("p", "procurement", "1958", 0.5), pol("m", "mess_halls", "1958", 1.5)]
    s = variant(tiny, policies, rural_stock=0.5, state_reserve=100.0)
    r = simulate_once(s, frictions=Frictions.only("mess_halls"))
    # north holds 65,500 t after procurement, short of the halls' 75,000 t: all of it eaten, the halls close
    assert food(r, "north", "1958", "eaten") == pytest.approx(65_500.0, rel=1e-9)
    # 1959: 41,000 t left after procurement; the ration's 50,000 t is the most eaten now
    assert food(r, "north", "1959", "eaten") == pytest.approx(41_000.0, rel=1e-9)
    off = simulate_once(s, frictions=Frictions.only("hunger"))  # the dynamics without the halls
    assert food(off, "north", "1958", "eaten") == pytest.approx(50_000.0, rel=1e-9)


def test_the_campaign_hits_the_harvest_of_its_season(tiny: Scenario) -> None:
    """Half of the farm labour to native furnaces in 1958Q4. North: 80,000 workers on 60,000 ha."""
    campaign = pol("c", "indigenous_labour", "1958Q4", 0.5, end="1958Q4", technologies={"iron_indigenous": 1.0})
    u = None
    got = {}
    for name, season in (("summer", (0.0, 1.0, 0.0, 0.0)), ("autumn", (0.0, 0.0, 0.0, 1.0))):
        s = variant(tiny, [campaign], harvest_season=season)
        m = compile_model(s)
        u = draw(m, run_seeds(s.seed, 0, 1))["harvest_draw"][0, 0, m.regions.index("north")]
        r = simulate_once(s, frictions=Frictions.only("harvest_season", "harvest_labour"), model=m)
        got[name] = food(r, "north", "1958", "grain")
    assert u is not None

    def harvest(grown: float, away: float) -> float:
        per_ha = 80_000 * (1 - grown) / 60_000
        drawn = min(1.0, (0.03 + away) * 2 * u)
        less, normal = np.interp(per_ha * (1 - drawn), *CURVE), np.interp(per_ha * 0.97, *CURVE)
        return float(np.interp(per_ha, *CURVE) * 60_000 * less / normal)

    # the summer crop grew and was gathered before the campaign; the autumn crop's year had a quarter of it at half
    # the labour (1/8 away on average), and half the hands away at its harvest
    assert got["summer"] == pytest.approx(harvest(0.0, 0.0), rel=1e-9)
    assert got["autumn"] == pytest.approx(harvest(0.125, 0.5), rel=1e-9)
    s = variant(tiny, [campaign])
    plain = simulate_once(s, frictions=Frictions.only("hunger", "harvest_labour"))
    assert food(plain, "north", "1958", "grain") == pytest.approx(harvest(0.125, 0.125), rel=1e-9)


def test_hunger_lowers_the_next_harvest(tiny: Scenario) -> None:
    s = variant(tiny, [pol("p", "procurement", "1958", 0.8)], state_reserve=100.0, hunger_work=2.0)
    r = simulate_once(s, frictions=Frictions.only("hunger"))
    # north keeps 16,400 t of 82,000 against 50,000 t of need: 82 kg a head against tiny's 200 kg floor
    eaten = food(r, "north", "1958", "food_per_head")
    assert eaten == pytest.approx(82.0, rel=1e-9)
    floor = s.guardrails.food_per_head
    work = np.exp(-2.0 * (1 - eaten / floor))
    assert food(r, "north", "1959", "grain") == pytest.approx(np.interp(80_000 * work / 60_000, *CURVE) * 60_000)


def test_planners_cut_the_grain_area_on_inflated_reports(tiny: Scenario) -> None:
    policies = [pol("p", "procurement", "1958", 0.3), pol("g", "output_target", "1958", 300_000.0, product="grain")]
    s = variant(tiny, policies, sown_area_response=0.5, sown_area_max_cut=0.2, report_inflation=0.8)
    r = simulate_once(s, frictions=Frictions.only("sown_area", "reporting_bias"))
    reported = food(r, "north", "1958", "grain_reported")
    base_yield = np.interp(80_000 / 60_000, *CURVE)
    keep = 1 - min(0.2, 0.5 * (reported / (60_000 * base_yield) - 1))
    assert reported > 82_000 and keep < 1
    assert food(r, "north", "1959", "sown_share") == pytest.approx(keep, rel=1e-9)
    per_ha = 80_000 / (60_000 * keep)
    assert food(r, "north", "1959", "grain") == pytest.approx(np.interp(per_ha, *CURVE) * 60_000 * keep, rel=1e-9)


def test_new_state_workers_stay_and_eat_the_city_ration(tiny: Scenario) -> None:
    """The 40,000 t of new steel capacity of the funds test needs 0.006 × 40,000 = 240 workers, drawn from the two
    counties' fields in proportion to their farm workers (80,000 : 60,000), fed by the state in the city."""
    fund = FundSource(
        id="steel", name="Steel", kind="state_budget", amount=20e6, available_from=1958, recipients=["prov"]
    ).model_copy(update={"technologies": ["steel_modern"]})
    s = variant(tiny, [pol("t", "output_target", "1958", 150_000.0, product="steel")], horizon=4)
    s = s.model_copy(update={"funds": [fund]})
    r = simulate_once(s, frictions=Frictions.only("investment", "labour_stays"))
    assert food(r, "city", "1960", "population") == pytest.approx(100_240.0, rel=1e-9)
    assert food(r, "north", "1960", "population") == pytest.approx(200_000 - 240 * 8 / 14, rel=1e-9)
    assert food(r, "north", "1960", "farm_workers") == pytest.approx(80_000 - 240 * 8 / 14, rel=1e-9)
    assert food(r, "city", "1959", "population") == pytest.approx(100_000.0)


def test_write_off_closes_the_share_of_native_furnaces_not_worth_their_inputs(tiny: Scenario) -> None:
    """tiny's native iron: 3 t of coal at 10 yuan and 40 t-km at 0.02 per t of iron at 150: 30.8/150 = 0.2053;
    nominal usable share 0.4, so furnaces losing more than 1 − 0.2053/0.4 of it are written off."""
    s = variant(tiny, [pol("t", "output_target", "1958", 150_000.0, product="steel")])
    m = compile_model(s)
    c = next(i for i, t in enumerate(m.cell_tech) if t == "iron_indigenous")
    need = 1 - (30.8 / 150) / 0.4
    q = draw(m, run_seeds(s.seed, 0, 20))["quality"][:, 0, c]
    run = int(np.argmax(0.3 * 2 * q > need))  # a run whose furnaces lose enough for some to be written off
    loss = min(1.0, 0.3 * 2 * q[run])
    share = min(1.0, max(0.0, (2 * loss - need) / (2 * loss)))
    assert 0 < share < 1
    fr = Frictions.only("investment", "write_off", "indigenous_quality")
    assert capacity(s, fr, "iron_indigenous", "south", run) == pytest.approx([5_000.0, 5_000.0 * (1 - share)])
    assert capacity(s, fr.without("write_off"), "iron_indigenous", "south", run) == pytest.approx([5_000.0] * 2)


def test_retrenchment_cuts_next_plan_to_what_the_inputs_allowed(tiny: Scenario) -> None:
    """Steel works of 100,000 t asked for 100,000 t with blast furnaces of only 60,000 t (and 5,000 t of native
    iron): the iron runs short, and next year's plan is what the iron allowed."""
    enterprises = [e.model_copy(update={"capacity": 60_000.0}) if e.id == "city_iron" else e for e in tiny.enterprises]
    s = variant(tiny, [pol("t", "output_target", "1958", 100_000.0, product="steel")])
    s = s.model_copy(update={"enterprises": enterprises})
    r = simulate_once(s, frictions=Frictions.only("investment", "retrenchment"))
    t = r.totals[r.totals["product"] == "steel"].set_index("period")
    assert t.loc["1958", "planned"] == pytest.approx(100_000.0)
    assert t.loc["1958", "actual"] < 0.9 * 100_000
    assert t.loc["1959", "planned"] == pytest.approx(t.loc["1958", "actual"], rel=1e-9)
    kept = simulate_once(s, frictions=Frictions.only("investment"))
    assert kept.totals.set_index(["product", "period"]).loc[("steel", "1959"), "planned"] == pytest.approx(100_000.0)


def test_the_ratchet_raises_capacity_plans_on_the_reports(tiny: Scenario) -> None:
    """A campaign moves a fifth of the farm labour in 1958, half of it to native iron, for an iron target of 300,000 t;
    the new furnaces, learnt at 60 %, fall short and report over the plan; the ratchet raises 1959's iron plan, and
    with capacity_ratchet mass labour builds furnaces for it, within the fifth."""
    policies = [
        pol("c", "indigenous_labour", "1958", 0.2, end="1958Q4", technologies={"iron_indigenous": 0.5}),
        pol("t", "output_target", "1958", 300_000.0, product="pig_iron"),
        pol("r", "target_ratchet", "1958", 0.5, products=["pig_iron"]),
    ]
    s = variant(tiny, policies, report_inflation=3.0)
    on = Frictions.only("investment", "capacity_ratchet", "labour_stays", "reporting_bias", "learning")
    r = simulate_once(s, frictions=on)
    iron = r.totals[r.totals["product"] == "pig_iron"].set_index("period")
    assert iron.loc["1958", "reported"] > iron.loc["1958", "planned"] == pytest.approx(300_000.0)
    assert iron.loc["1959", "planned"] > 300_000.0
    raised = capacity(s, on, "iron_indigenous", "north")
    flat = capacity(s, on.without("capacity_ratchet"), "iron_indigenous", "north")
    # 1958 alike: the campaign's own furnaces (half of a fifth of north's 80,000 farm workers at 0.05 worker-years
    # per t: 160,000 t a year), at 60 % while learnt, and a few more built for the target
    assert raised[0] == pytest.approx(flat[0]) and flat[0] >= 0.6 * 160_000.0
    built = flat[0] / 0.6
    # 1959 without the capacity ratchet: the same furnaces, learnt to 1 − 0.4/e of full output
    assert flat[1] == pytest.approx((1 - 0.4 * np.exp(-1)) * built)
    # with it, new furnaces (at 60 %) for the raised plan, at most what the rest of the fifth can work (320,000 t)
    assert flat[1] < raised[1] <= flat[1] + 0.6 * (320_000.0 - built) * (1 + 1e-9)
