"""Persistent harvest shocks: the AR(1) process the simulation draws, and the windows the planner covers for it."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import multivariate_normal, norm

from leapplan.scenario import Scenario
from leapplan.simulate import Frictions, compile_model
from leapplan.simulate.engine import draw, persistent_shocks
from leapplan.simulate.harvest import (
    period_persistence,
    persistent,
    risk_outcomes,
    run_path,
    run_quantiles,
    run_variance,
)
from leapplan.simulate.once import run_seeds


def test_the_process_by_hand() -> None:
    z = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 2.0]])
    out = persistent(z, 0.5)
    # Z0 = z0; Z1 = 0.5 Z0 + sqrt(0.75) z1; Z2 = 0.5 Z1 + sqrt(0.75) z2
    assert out[0] == pytest.approx([1.0, 0.5, 0.25])
    s = np.sqrt(0.75)
    assert out[1] == pytest.approx([0.0, s, 0.5 * s + 2 * s])
    assert persistent(z, 0.0) is not None and np.array_equal(persistent(z, 0.0), z)
    assert period_persistence(0.3, 1.0) == pytest.approx(0.3) and period_persistence(0.3, 0.25) == pytest.approx(
        0.3**0.25
    )


def test_run_variance_by_hand() -> None:
    # L = 3, rho = 0.5: 3 + 2 (2·0.5 + 1·0.25) = 5.5; independent years: L; rho -> 1: L^2
    assert run_variance(3, 0.5) == pytest.approx(5.5)
    assert run_variance(4, 0.0) == pytest.approx(4.0)
    assert run_variance(3, 0.999999) == pytest.approx(9.0, rel=1e-5)
    # L = 2, rho = 0.5: c = (1.5, 1.5), V = 3: the path is q·1.5/sqrt(3) in each year, summing to q·sqrt(3)
    assert run_path(2, 0.5, -1.0) == pytest.approx([-1.5 / np.sqrt(3)] * 2)
    assert run_path(3, 0.0, -1.6) == pytest.approx([-1.6 / np.sqrt(3)] * 3)


def test_monte_carlo_of_the_process_has_the_stated_autocorrelation_and_run_sums() -> None:
    rng = np.random.default_rng(5)
    rho, L = 0.4, 3
    z = persistent(rng.standard_normal((200_000, 6)), rho)
    assert z.std(axis=0) == pytest.approx(np.ones(6), abs=0.01)
    for k in (1, 2, 3):
        corr = np.corrcoef(z[:, 1], z[:, 1 + k])[0, 1]
        assert corr == pytest.approx(rho**k, abs=0.01)
    sums = z[:, 2 : 2 + L].sum(axis=1)
    assert sums.var() == pytest.approx(run_variance(L, rho), rel=0.02)
    # the 5 % quantile of a run's sum is the standard normal's, scaled by sqrt(V_L)
    assert np.quantile(sums, 0.05) == pytest.approx(norm.ppf(0.05) * np.sqrt(run_variance(L, rho)), rel=0.03)
    # runs whose sum lies near that quantile follow the likeliest path run_path gives (the conditional mean)
    target = norm.ppf(0.05) * np.sqrt(run_variance(L, rho))
    near = np.abs(sums - target) < 0.05
    assert z[near, 2 : 2 + L].mean(axis=0) == pytest.approx(run_path(L, rho, norm.ppf(0.05)), abs=0.03)


def test_risk_windows_cover_the_persistent_process() -> None:
    xs, ys = np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.5, 2.0])
    args = (0.95, 0.1, 0.0, 0.0, 0.0, xs, ys, (np.array([1.5]), np.array([1.5])), 3, 4, 1)
    independent = risk_outcomes(*args)
    persistent_ = risk_outcomes(*args, persistence=0.5)
    w = independent.windows.index((2, 3))  # the three periods ending in the last
    # no regional shock or draw: the loss in each period is 1 − exp(0.1·z − 0.005) on the window's path
    for out, rho in ((independent, 0.0), (persistent_, 0.5)):
        path = run_path(3, rho, run_quantiles(0.95, 3, rho, 1)[2])
        expected = 1 - np.exp(0.1 * path - 0.005)
        assert out.loss[w, 0, :, 0] == pytest.approx(expected)
    assert persistent_.loss[w].sum() > independent.loss[w].sum()
    single = independent.windows.index((0, 1))  # the first period alone: the normal quantile either way
    assert persistent_.loss[single, 0, 0, 0] == pytest.approx(independent.loss[single, 0, 0, 0])
    assert independent.loss[single, 0, 0, 0] == pytest.approx(1 - np.exp(0.1 * norm.ppf(0.05) - 0.005))


def test_run_quantiles_cover_the_union_of_runs() -> None:
    # two independent years: some run ending in the second (that year, or both) is as bad as z in 5 % of years when
    # P(Z2 > z and (Z1 + Z2)/√2 > z) = 0.95, a bivariate normal with correlation 1/√2 (second method: scipy)
    z = run_quantiles(0.95, 2, 0.0, 7)
    assert z[0] == pytest.approx(norm.ppf(0.05), rel=1e-12)
    both = multivariate_normal(mean=[0, 0], cov=[[1, 2**-0.5], [2**-0.5, 1]])
    assert 1 - both.cdf([-z[1], -z[1]]) == pytest.approx(0.05, abs=0.002)
    assert z[1] < z[0]  # two chances to fail ask for a lower quantile


def test_the_simulation_draws_the_process_the_scenario_states(china: Scenario) -> None:
    m = compile_model(china)
    assert m.settings["harvest_persistence"] == pytest.approx(0.3)
    d = draw(m, run_seeds(china.seed, 0, 3000))
    z = persistent_shocks(m, Frictions(), d)["harvest"]
    assert np.corrcoef(z[:, 1], z[:, 2])[0, 1] == pytest.approx(0.3, abs=0.05)
    assert np.array_equal(persistent_shocks(m, Frictions().without("shock_persistence"), d)["harvest"], d["harvest"])
