"""Upgrades carried out: the rebuilt capacity of the hand-worked upgrade plan (tests/plan/test_upgrades.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tests.plan.scenarios import build
from tests.plan.test_upgrades import upgrade_raw

from leapplan.errors import SimulationError
from leapplan.plan import solve_plan
from leapplan.simulate import Frictions, compile_model
from leapplan.simulate.engine import draw, simulate_batch
from leapplan.simulate.once import run_seeds
from leapplan.simulate.rebuilding import Rebuilt, carried_out, lag

REBUILT = 15000 / 21
"""Furnace capacity the plan rebuilds as small modern capacity in 1958 [t per year]."""


@pytest.fixture(scope="module")
def upgraded():  # type: ignore[no-untyped-def]
    s = build(upgrade_raw(12))
    return s, solve_plan(s)


def _capacity(s, plan, fr: Frictions, tech: str) -> float:  # type: ignore[no-untyped-def]
    m = compile_model(s, plan)
    b = simulate_batch(m, fr, draw(m, run_seeds(s.seed, 0, 1)), detail=True)
    assert b.cells is not None
    return float(b.cells["capacity"][0, 0, m.cell_tech.index(tech)])


def test_rebuilt_capacity_as_planned_without_frictions(upgraded) -> None:  # type: ignore[no-untyped-def]
    s, plan = upgraded
    assert _capacity(s, plan, Frictions.none(), "modern") == pytest.approx(REBUILT, rel=1e-6)
    assert _capacity(s, plan, Frictions.none(), "furnace") == pytest.approx(
        1000 - REBUILT + 1500 + 0.9 * REBUILT, rel=1e-6
    )


def test_kept_workforce_starts_the_rebuilt_plant_higher(upgraded) -> None:  # type: ignore[no-untyped-def]
    # ramp_start 0.6; a quarter of the workers kept: 0.6 + 0.25 × 0.4 = 0.7 of full output in its first year
    s, plan = upgraded
    assert _capacity(s, plan, Frictions.only("learning"), "modern") == pytest.approx(0.7 * REBUILT, rel=1e-6)


def test_delay_scales_with_the_upgrade_time() -> None:
    # quarters; rebuilding takes 0.5 yr = 2 quarters; build_delay 0.5 → lag = floor(draw × 0.5 × 0.5 / 0.25)
    r = Rebuilt(
        started=np.array([[4.0], [0], [0], [0], [0], [0]]),
        periods=np.array([2]),
        time=np.array([0.5]),
        kept=np.array([0.0]),
    )
    settings = {"ramp_start": 0.6, "build_delay": 0.5}
    draws = np.zeros((2, 6, 1))
    draws[0, 0, 0], draws[1, 0, 0] = 0.5, 1.2  # lags floor(0.5) = 0 and floor(1.2) = 1 quarter
    assert lag(r, settings, 0.25, draws)[:, 0, 0].tolist() == [0, 1]
    out = carried_out(r, settings, np.ones((6, 1)), 0.25, lag(r, settings, 0.25, draws), learning=False)
    # the plan has 4 in service from quarter 2; run 0 on time, run 1 one quarter late
    assert out[0, :, 0].tolist() == [0, 0, 0, 0, 0, 0]
    assert out[1, :, 0].tolist() == [0, 0, -4, 0, 0, 0]


def test_a_plan_whose_upgrades_its_capacity_table_lacks_is_refused(upgraded) -> None:  # type: ignore[no-untyped-def]
    # the capacity table with half the rebuilt small modern capacity (REBUILT/2 of REBUILT = 714.286 t/yr from
    # 1958): carried out, the cell would have REBUILT/2 − REBUILT of capacity, so the plan is refused
    s, plan = upgraded
    cap = plan.capacity.copy()
    cap.loc[cap["technology"] == "modern", "capacity"] = REBUILT / 2
    with pytest.raises(SimulationError, match=r"rebuild 714\.286 a year of modern at c .* has 357\.143"):
        compile_model(s, dataclasses.replace(plan, capacity=cap))
    compile_model(s, plan)  # the plan as solved agrees with itself
