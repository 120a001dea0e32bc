"""No product appears from nowhere: stocks and flows balance every period, recomputed cell by cell."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from leapplan.scenario import Scenario
from leapplan.simulate import Frictions, compile_model, simulate_once
from leapplan.simulate.dynamics import villages_stock0
from leapplan.simulate.engine import draw, simulate_batch
from leapplan.simulate.once import run_seeds


def check_balance(s: Scenario, plan: Any | None, runs: int = 3) -> None:
    m = compile_model(s, plan)
    b = simulate_batch(m, Frictions(), draw(m, run_seeds(s.seed, 0, runs)), detail=True)
    assert b.cells is not None
    techs = {t.id: t for t in s.technologies}
    products = m.products
    T, C, P, _ = m.shape
    for run in range(runs):
        opening = m.stock0.copy()  # the state's grain reserve and a millionth of each product's typical size
        if m.mode == "policies":  # and the villages' grain under the policies' dynamics
            opening[m.grain] += villages_stock0(m, Frictions()).sum()
        for t in range(T):
            used = np.zeros(P)
            made = np.zeros(P)
            for c in range(C):  # by hand, from the technologies' coefficients (not the model's matrices)
                tech = techs[m.cell_tech[c]]
                x = b.cells["actual"][run, t, c]
                made[products.index(tech.product)] += b.cells["usable"][run, t, c]
                for key, q in tech.inputs.items():
                    used[products.index(key)] += x * q
                for key, q in tech.byproducts.items():
                    made[products.index(key)] += x * q
            made[m.grain] += b.grain[run, t].sum()
            if b.seed is not None:  # seed kept for the next sowing is grain used
                used[m.grain] += b.seed[run, t]
            closing = b.stocks[run, t]
            lost = np.zeros(P)
            lost[m.grain] = opening[m.grain] * (1 - m.keep)  # grain lost in store over the period
            assert np.allclose(b.lost[run, t], lost, rtol=1e-12, atol=1e-9)
            flows = opening + made + b.imports[run, t] - used - b.consumption[run, t] - b.delivered[run, t] - lost
            scale = np.maximum(1.0, np.abs(made) + np.abs(used) + opening)
            assert np.all(np.abs(closing - flows) <= 1e-9 * scale), (run, t)
            assert np.all(closing >= -1e-9 * scale), (run, t, closing.min())
            assert np.all(b.imports[run, t] <= m.imports * (1 + 1e-12))
            assert np.all(b.usable[run, t] <= b.actual[run, t] * (1 + 1e-12))
            assert np.allclose(b.intermediate[run, t], used, rtol=1e-9, atol=1e-6)
            opening = closing


def test_balance_under_the_announced_campaign(china: Scenario) -> None:
    """china-1957 rations coal and pig iron among the backyard furnaces: still nothing from nowhere."""
    check_balance(china, None)
    r = simulate_once(china)
    steel = r.totals[(r.totals["product"] == "steel") & (r.totals["period"] == "1958")].iloc[0]
    assert steel["actual"] < steel["planned"]  # inputs ran short, so the target was not met


def test_balance_of_the_tiny_plan(tiny: Scenario, plan: Any) -> None:
    check_balance(tiny, plan, runs=5)


def test_balance_of_the_default_scenario(shanxi: Scenario) -> None:
    check_balance(shanxi, None, runs=2)


def test_grain_pool_and_farm_stocks_add_up(china: Scenario) -> None:
    """With procurement the state's pool and the farms' own stocks together hold what was harvested and not eaten."""
    r = simulate_once(china)
    grain = r.balance[r.balance["product"] == "grain"].reset_index(drop=True)
    food = r.food.groupby("period", sort=False)[["grain", "eaten", "farm_stock", "procured"]].sum()
    for k, row in grain.iterrows():
        harvest = food["grain"].iloc[k]
        assert row["made"] == pytest.approx(harvest, rel=1e-12)
        assert row["consumption"] == pytest.approx(food["eaten"].iloc[k], rel=1e-12)
        assert row["lost"] == pytest.approx(row["opening"] * (1 - 0.98), rel=1e-9)  # china-1957: 2 % a year
        assert row["closing"] == pytest.approx(
            row["opening"]
            - row["lost"]
            + harvest
            - row["intermediate"]
            - row["consumption"]
            + row["imports"]
            - row["delivered"],
            rel=1e-9,
        )
    assert (food["procured"] > 0).all()


def test_procurement_and_resale_by_hand(tiny: Scenario) -> None:
    """Half the harvest procured; the state feeds the city, keeps a quarter-year reserve, sells back the rest."""
    from leapplan.scenario.model import Policy, PolicyKind

    pol = [Policy(id="p", kind=PolicyKind.procurement, start="1958", value=0.5)]
    s = tiny.model_copy(update={"policies": pol})
    r = simulate_once(s, frictions=Frictions.none())
    f = r.food[r.food["period"] == "1958"].set_index("region")
    # harvests 82,000 t (north) and 60,300 t (south); half goes to the state
    assert f.loc["north", "procured"] == pytest.approx(41_000, rel=1e-9)
    assert f.loc["south", "procured"] == pytest.approx(30_150, rel=1e-9)
    # the farms keep 41,000 and 30,150 t against needs of 50,000 and 37,500 t: the state sells 9,000 and 7,350 t back
    assert f.loc["north", "resold"] == pytest.approx(9_000, rel=1e-9)
    assert f.loc["south", "resold"] == pytest.approx(7_350, rel=1e-9)
    assert np.allclose(f["food_per_head"], 250.0)
    grain = r.balance[(r.balance["product"] == "grain") & (r.balance["period"] == "1958")].iloc[0]
    # what was not eaten joins the 30,000 t reserve, of which 2 % a year is lost in store
    assert grain["closing"] == pytest.approx(142_300 - 112_500 + 30_000 * 0.98, rel=1e-9)

    # over-reported harvests (a 200,000 t grain target) raise procurement and hide the farms' shortfall
    pol.append(Policy(id="g", kind=PolicyKind.output_target, start="1958", value=200_000.0, product="grain"))
    biased = simulate_once(s.model_copy(update={"policies": pol}), frictions=Frictions.only("reporting_bias"))
    b = biased.food[biased.food["period"] == "1958"].set_index("region").loc[["north", "south"]]
    assert (b["grain_reported"] > b["grain"]).all()
    assert (b["procured"] > f.loc[["north", "south"], "procured"]).all()
    assert b["resold"].sum() < 16_350
    assert (b["food_per_head"] < 250.0).any()
    check_balance(s.model_copy(update={"policies": pol}), None)
