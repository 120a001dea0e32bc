"""The scenario's pooled multi-regional system, checked against a hand-built product-level model."""

from __future__ import annotations

import numpy as np
import pytest

from leapplan.balance.analysis import analyse
from leapplan.balance.leontief import make_solver, total_output
from leapplan.balance.scenario_system import MARKET, scenario_system
from leapplan.balance.system import IOSystem
from leapplan.balance.weak_links import demand_vector, parse_demand_change, weak_links
from leapplan.scenario import load

# tiny.yaml by hand: usable base output per region [t or t-km]
PIG_CITY, PIG_SOUTH = 110_000.0, 3_000.0 * 0.4  # blast furnace; indigenous furnaces 40 % usable
COAL_NORTH, COAL_SOUTH = 350_000.0, 280_000.0
STEEL, TRANSPORT = 90_000.0, 150_000_000.0


@pytest.fixture(scope="module")
def tiny() -> IOSystem:
    return scenario_system(load("tests/data/tiny.yaml"))


def _a(system: IOSystem, row: tuple[str, str], col: tuple[str, str]) -> float:
    i = system.sectors.get_loc(row)
    j = system.sectors.get_loc(col)
    return float(system.A[i, j])


def test_coefficients_by_hand(tiny: IOSystem) -> None:
    assert _a(tiny, (MARKET, "pig_iron"), ("city", "steel")) == pytest.approx(1.1)
    # indigenous iron per usable tonne: 3 t coal / 0.4 and 40 t-km / 0.4
    assert _a(tiny, (MARKET, "coal"), ("south", "pig_iron")) == pytest.approx(7.5)
    assert _a(tiny, (MARKET, "transport"), ("south", "pig_iron")) == pytest.approx(100.0)
    # market shares by base-year usable output
    assert _a(tiny, ("north", "coal"), (MARKET, "coal")) == pytest.approx(COAL_NORTH / (COAL_NORTH + COAL_SOUTH))
    assert _a(tiny, ("south", "pig_iron"), (MARKET, "pig_iron")) == pytest.approx(PIG_SOUTH / (PIG_CITY + PIG_SOUTH))
    assert tiny.capacity is not None and tiny.gross_output is not None
    assert tiny.capacity[("south", "pig_iron")] == pytest.approx(5_000 * 0.4)


def test_base_year_reproduced(tiny: IOSystem) -> None:
    y = tiny.final_demand["final_demand"]
    # market final demand = output − intermediate use, worked by hand
    assert y[(MARKET, "steel")] == pytest.approx(STEEL - 0.002 * COAL_SOUTH)
    assert y[(MARKET, "pig_iron")] == pytest.approx(PIG_CITY + PIG_SOUTH - 1.1 * STEEL)
    coal_use = 0.5 * STEEL + 1.5 * PIG_CITY + 7.5 * PIG_SOUTH + 0.00002 * TRANSPORT
    assert y[(MARKET, "coal")] == pytest.approx(COAL_NORTH + COAL_SOUTH - coal_use)
    assert np.all(y[tiny.producing] == 0)
    assert tiny.gross_output is not None
    x = total_output(tiny, make_solver(tiny))
    np.testing.assert_allclose(x.to_numpy(), tiny.gross_output.to_numpy(), rtol=1e-9, atol=1e-6)


def _product_level_change(dy_steel: float) -> dict[str, float]:
    """Second method: the pooled model with markets eliminated, X = Ā X + y with Ā_ij = Σ_r s_rj aʳ_ij."""
    products = ["grain", "coal", "pig_iron", "steel", "transport"]
    k = {p: i for i, p in enumerate(products)}
    a = np.zeros((5, 5))
    a[k["pig_iron"], k["steel"]] = 1.1
    a[k["coal"], k["steel"]] = 0.5
    a[k["transport"], k["steel"]] = 20
    s_city = PIG_CITY / (PIG_CITY + PIG_SOUTH)
    a[k["coal"], k["pig_iron"]] = s_city * 1.5 + (1 - s_city) * 7.5
    a[k["transport"], k["pig_iron"]] = s_city * 30 + (1 - s_city) * 100
    s_south = COAL_SOUTH / (COAL_NORTH + COAL_SOUTH)
    a[k["transport"], k["coal"]] = 5
    a[k["steel"], k["coal"]] = s_south * 0.002
    a[k["coal"], k["transport"]] = 0.00002
    dy = np.zeros(5)
    dy[k["steel"]] = dy_steel
    dx = np.linalg.solve(np.eye(5) - a, dy)
    return {p: dx[k[p]] for p in products} | {"s_city": s_city}


def test_weak_link_chain_steel_plus_20(tiny: IOSystem) -> None:
    solver = make_solver(tiny)
    dy = demand_vector(tiny, [parse_demand_change("steel=+20%")])
    dy_steel = 0.2 * STEEL  # a fifth of base steel output, delivered to the steel market
    assert dy[tiny.sectors.get_loc((MARKET, "steel"))] == pytest.approx(dy_steel)
    assert dy.sum() == pytest.approx(dy_steel)
    w = weak_links(tiny, solver, dy)
    ref = _product_level_change(dy_steel)
    change = w.required["change"]
    assert change[("city", "steel")] == pytest.approx(ref["steel"], rel=1e-9)
    assert change[("city", "pig_iron")] == pytest.approx(ref["s_city"] * ref["pig_iron"], rel=1e-9)
    assert w.products.loc["coal", "change"] == pytest.approx(ref["coal"], rel=1e-9)
    assert w.products.loc["transport", "change"] == pytest.approx(ref["transport"], rel=1e-9)
    # steel 90,000 + Δ > 100,000 and city pig iron 110,000 + Δ > 120,000: both bind, steel first
    assert [tuple(i) for i in w.chain.index] == [("city", "steel"), ("city", "pig_iron")]
    assert w.chain["shortfall"].iloc[0] == pytest.approx(STEEL + ref["steel"] - 100_000, rel=1e-9)
    order = list(w.products.index[:4])
    assert order == ["steel", "pig_iron", "coal", "transport"]


def test_analyse_product_level(tiny: IOSystem) -> None:
    r = analyse(tiny, [parse_demand_change("steel=+5000")])
    # a market's output multiplier counts producers only: steel ≥ 1 (its own tonne) plus inputs at prices
    steel = r.multipliers.output[(MARKET, "steel")]
    ref_price = {"coal": 10, "pig_iron": 150, "steel": 300, "transport": 0.02}
    one_tonne = _product_level_change(1.0)
    by_hand = sum(ref_price[p] * one_tonne[p] for p in ref_price) / 300
    assert steel == pytest.approx(by_hand, rel=1e-9)
    assert r.weak_links is not None and r.output.index.isin(tiny.sectors[tiny.producing]).all()
    # the value-added multiplier of every product is its price (no leaks in tiny except grain)
    va = r.multipliers.extensions.loc["value_added"]
    assert va[(MARKET, "steel")] == pytest.approx(300, rel=1e-9)
