"""Same seed, same numbers; a run is the same alone or in any batch; bands do not depend on batching."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from leapplan.scenario import Scenario
from leapplan.simulate import compile_model, run_ensemble, simulate_once
from leapplan.simulate.ensemble import run_chunk
from leapplan.simulate.frictions import Frictions
from leapplan.simulate.policy_model import period_weights


def test_same_seed_same_numbers(tiny: Scenario, plan: Any) -> None:
    a = simulate_once(tiny, plan, seed=11)
    b = simulate_once(tiny, plan, seed=11)
    pd.testing.assert_frame_equal(a.totals, b.totals)
    pd.testing.assert_frame_equal(a.food, b.food)
    c = simulate_once(tiny, plan, seed=12)
    assert not np.allclose(a.totals["actual"], c.totals["actual"])


def test_a_run_is_the_same_alone_and_in_a_batch(china: Scenario) -> None:
    m = compile_model(china)
    chunk = run_chunk(m, Frictions(), china.seed, 0, 5)
    one = simulate_once(china, run=3, model=m)
    actual = one.totals.pivot(index="period", columns="product", values="actual").loc[m.periods, m.products]
    np.testing.assert_array_equal(actual.to_numpy(), chunk["actual"][3])


def test_bands_do_not_depend_on_batch_size(china: Scenario) -> None:
    a = run_ensemble(china, None, 23, batch=23)
    b = run_ensemble(china, None, 23, batch=4)
    for name in a.bands.data_vars:
        np.testing.assert_array_equal(a.bands[name].values, b.bands[name].values)
    # the median of 23 runs is the 12th smallest run, exactly
    m = compile_model(china)
    steel = run_chunk(m, Frictions(), china.seed, 0, 23)["actual"][:, 0, m.products.index("steel")]
    assert float(a.bands["actual"].sel(quantile=0.5, period="1958", product="steel")) == np.sort(steel)[11]


def test_bands_are_ordered(china: Scenario) -> None:
    e = run_ensemble(china, None, 20)
    for name in ("actual", "reported", "food_per_head", "grain"):
        v = e.bands[name]
        assert (v.sel(quantile=0.05) <= v.sel(quantile=0.5)).all()
        assert (v.sel(quantile=0.5) <= v.sel(quantile=0.95)).all()
    assert (e.bands["reported"].sel(quantile=0.5) >= e.bands["actual"].sel(quantile=0.5) - 1e-6).all()
    data = e.to_json()
    assert data["runs"] == 20 and set(data["bands"]) >= {"planned", "reported", "actual", "usable", "food_per_head"}


def test_period_weights(china: Scenario, tiny: Scenario) -> None:
    # autumn 1958 is half of the year 1958 and nothing after
    assert period_weights(china, "1958Q3", "1958Q4").tolist() == [0.5, 0, 0, 0, 0]
    assert period_weights(china, "1958Q4", None).tolist() == [0.25, 1, 1, 1, 1]
    assert period_weights(china, "1959", "1960Q2").tolist() == [0, 1, 0.5, 0, 0]
    quarterly = tiny.model_copy(update={"period": "quarter"})
    w = period_weights(quarterly, "1958Q3", "1959Q1")
    assert w.tolist() == [0, 0, 1, 1, 1, 0, 0, 0]


def test_bad_requests_are_simulation_errors(tiny: Scenario, plan: Any) -> None:
    from leapplan.errors import SimulationError

    with pytest.raises(SimulationError, match="runs must be at least 1"):
        run_ensemble(tiny, plan, 0)
    with pytest.raises(SimulationError, match="unknown friction 'weather'"):
        Frictions().without("weather")
    bad = type(plan)(**{**vars(plan), "production": plan.production.assign(period="1970")})
    with pytest.raises(SimulationError, match="period '1970'"):
        simulate_once(tiny, bad)


def test_quarterly_periods_split_the_year(tiny: Scenario) -> None:
    """Without a plan or policies, a quarterly scenario makes a quarter of the base year each quarter."""
    q = tiny.model_copy(update={"period": "quarter"})
    r = simulate_once(q, frictions=Frictions.none())
    steel = r.totals[r.totals["product"] == "steel"]
    assert steel["period"].tolist()[:5] == ["1958Q1", "1958Q2", "1958Q3", "1958Q4", "1959Q1"]
    assert np.allclose(steel["actual"], 90_000 / 4)
    assert np.allclose(r.food["food_per_head"], 250.0)  # the ration is per year, eaten a quarter at a time


def test_simulate_for_run(tiny: Scenario, plan: Any) -> None:
    from leapplan.simulate.command import simulate_for_run

    e = simulate_for_run(tiny, plan, runs=10)
    assert e.runs == 10 and e.mode == "plan" and e.workers == 1
    assert float(e.bands["planned"].sel(quantile=0.5, period="1958", product="steel")) == pytest.approx(90_000)
