"""Grain put into and taken out of the state reserve by one region in one period is netted (``net_reserve_flows``)."""

from __future__ import annotations

import linopy
import numpy as np
import pytest
import xarray as xr

from leapplan.plan import solve_plan
from leapplan.plan.decomposed import Decompose
from leapplan.plan.food import net_reserve_flows
from leapplan.plan.index import build_index
from leapplan.plan.model import build_model
from leapplan.scenario.model import Scenario


def test_what_a_region_puts_in_and_takes_out_at_once_is_taken_off_both(tiny: Scenario) -> None:
    # by hand, per (period, region): put 5 / take 3 → 2 / 0; put 0 / take 2 → 0 / 2; put 4 / take 4 → 0 / 0;
    # 3 + 4 = 7 t netted in all, and every region's take − put is what it was
    with linopy.options as opts:
        opts(semantics="v1")
        m = build_model(tiny, build_index(tiny)).model
    m.status = "ok"  # as after a solve: linopy hands out solutions only then
    put, take = m.variables["put"], m.variables["take"]
    given_put = np.zeros(put.shape)
    given_take = np.zeros(take.shape)
    given_put.flat[:3] = [5.0, 0.0, 4.0]
    given_take.flat[:3] = [3.0, 2.0, 4.0]
    put.solution = xr.DataArray(given_put, put.coords, dims=put.dims)
    take.solution = xr.DataArray(given_take, take.coords, dims=take.dims)
    assert net_reserve_flows(m) == pytest.approx(7.0)
    assert np.asarray(put.solution).flat[:3] == pytest.approx([2.0, 0.0, 0.0])
    assert np.asarray(take.solution).flat[:3] == pytest.approx([0.0, 2.0, 0.0])
    assert np.asarray(take.solution - put.solution) == pytest.approx(given_take - given_put)


def test_an_interior_point_plan_has_no_region_both_putting_and_taking(tiny: Scenario) -> None:
    # the block interior point leaves a circulation through the reserve on the optimal face (put and take of one
    # region in one period both positive); netted, what goes in and out each period is the vertex plan's (HiGHS's
    # simplex on the whole LP)
    dec = solve_plan(tiny, decompose=Decompose(workers=0))
    both = np.minimum(dec.food["reserve_in"], dec.food["reserve_out"])
    assert float(both.max()) == 0.0
    vertex = solve_plan(tiny)
    assert dec.reserve["put"].to_numpy() == pytest.approx(vertex.reserve["put"].to_numpy(), rel=1e-6, abs=1e-3)
    assert dec.reserve["take"].to_numpy() == pytest.approx(vertex.reserve["take"].to_numpy(), rel=1e-6, abs=1e-3)
