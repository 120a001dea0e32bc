"""Synthetic scenarios and base-year accounts, checked against hand computations."""

from __future__ import annotations

import math

import pytest

from leapplan.scenario import Scenario
from leapplan.scenario.accounts import base_grain, base_output, grain_yield, measure, target_growth
from leapplan.scenario.coefficients import productivity
from leapplan.scenario.model import Metric, Ownership, Scope, Sector
from leapplan.scenario.synth import synthesize


@pytest.mark.parametrize(("counties", "products", "years"), [(1, 3, 1), (45, 12, 3), (130, 25, 7)])
def test_synthetic_sizes(counties: int, products: int, years: int) -> None:
    s = synthesize(counties=counties, products=products, years=years, seed=3)
    assert sum(r.kind.value == "county" for r in s.regions) == counties
    assert len(s.products) == products
    assert s.years == list(range(1958, 1958 + years))
    assert productivity(s).radius < 1
    assert sum(len(z.counties) for z in s.zones) == counties


def test_synthetic_is_reproducible() -> None:
    assert synthesize(20, 8, 3, seed=5) == synthesize(20, 8, 3, seed=5)
    assert synthesize(20, 8, 3, seed=5) != synthesize(20, 8, 3, seed=6)


def test_grain_yield_interpolates_the_curve(tiny: Scenario) -> None:
    # curve (0,0) (0.5,0.9) (1,1.3) (2,1.5): at 0.25 → 0.45, at 1.5 → 1.4, beyond the last point flat
    assert grain_yield(tiny, [0.25, 1.5, 3.0]).tolist() == pytest.approx([0.45, 1.4, 1.5])


def test_base_grain_by_hand(tiny: Scenario) -> None:
    # north: 100,000 × 0.8 / 60,000 ha = 1.3333 workers/ha → 1.3 + 0.3333 × 0.2 = 1.36667 t/ha × 60,000 ha
    # south: 75,000 × 0.8 / 50,000 ha = 1.2 → 1.34 t/ha × 50,000 ha × factor 0.9
    grain = base_grain(tiny)
    assert grain["north"] == pytest.approx(82_000)
    assert grain["south"] == pytest.approx(60_300)


def test_base_output_value_by_hand(tiny: Scenario) -> None:
    frame = base_output(tiny)
    local = Scope(
        metric=Metric.output_value,
        sector=Sector.industry,
        ownership=[o for o in Ownership if o is not Ownership.central],
    )
    # north_coal 350,000 t × 10 + south_coal 280,000 t × 10 + south_iron 3,000 t × 150
    assert measure(tiny, frame, local) == pytest.approx(6_750_000)
    county = Scope(metric=Metric.output_value, sector=Sector.industry, ownership=[Ownership.county])
    assert measure(tiny, frame, county) == pytest.approx(3_950_000)
    agri = Scope(metric=Metric.output_value, sector=Sector.agriculture)
    assert measure(tiny, frame, agri) == pytest.approx(142_300 * 100)
    steel = Scope(metric=Metric.output, product="steel", region="city")
    assert measure(tiny, frame, steel) == 90_000


def test_growth_arithmetic(tiny: Scenario) -> None:
    growth = {g.id: g for g in target_growth(tiny)}
    assert growth["local_x15"].annual_growth == pytest.approx(0.5)
    assert growth["local_x15"].required == pytest.approx(1.5 * 6_750_000)
    # 120,000 t of steel in 1959 from 90,000 t in 1957: (4/3)^(1/2) - 1
    assert growth["steel_1959"].annual_growth == pytest.approx(math.sqrt(4 / 3) - 1)


def test_doubling_in_two_years_is_41_4_percent(shanxi: Scenario) -> None:
    growth = {g.id: g for g in target_growth(shanxi)}
    assert growth["local_1959"].annual_growth == pytest.approx(math.sqrt(2) - 1)
    assert round(100 * growth["local_1959"].annual_growth, 1) == 41.4
    assert growth["county_1958"].annual_growth == pytest.approx(1.0)
    assert math.isnan(growth["plants_1962"].annual_growth)
