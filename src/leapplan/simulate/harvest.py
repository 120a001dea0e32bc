"""How a harvest carried out departs from the planned one: weather and the hands drawn away at harvest.

The simulation draws harvests with these functions, and the planner sizes its food margin and grain reserve on
the same ones (``risk_outcomes``), so that the plan covers the harvest risk the simulation will apply.

A region's harvest carried out is its planned harvest × ``weather`` × ``labour_ratio``:

* weather = exp(a·Zc + b·Zr − (a² + b²)/2), with Zc the scenario-wide and Zr the region's own standard normal
  shock, a = ``harvest_sd``, b = ``regional_harvest_sd`` (mean 1: the plan's harvest is the expected one); with
  ``harvest_persistence`` ρ each shock is a stationary AR(1) process over the periods (``persistent``): drought
  and flood years come in runs, Corr(Z_t, Z_t+k) = ρ^k, each Z_t still standard normal;
* labour_ratio = y(w·(1 − d)) / y(w·(1 − d₀)), with y the yield curve [t/ha] (read off normal years, so it holds
  the usual share d₀ = ``harvest_draw`` of farm workers away at harvest), w the planned farm workers per ha and
  d = clip((harvest_draw + harvest_draw_campaign × moved) × 2U, 0, 1) the share drawn away this harvest (U uniform
  on [0, 1]; moved = the share of the base year's farm workers no longer in the fields). With the usual draw
  the ratio is 1; a campaign that moved farm workers out draws more and lowers it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


def persistent(z: np.ndarray, rho: float, axis: int = 1) -> np.ndarray:
    """The stationary AR(1) process with coefficient ``rho`` [-] driven by the independent standard normals ``z``
    along ``axis`` (periods): Z_0 = z_0, Z_t = ρ·Z_t−1 + √(1 − ρ²)·z_t. Each Z_t is standard normal and
    Corr(Z_t, Z_t+k) = ρ^k; ``rho`` = 0 gives ``z`` back unchanged."""
    z = np.asarray(z, dtype=float)
    if rho == 0:
        return z
    out = np.moveaxis(z.copy(), axis, 0)
    scale = np.sqrt(1 - rho * rho)
    for t in range(1, out.shape[0]):
        out[t] = rho * out[t - 1] + scale * out[t]
    return np.moveaxis(out, 0, axis)


def period_persistence(per_year: float, dt: float) -> float:
    """AR(1) coefficient from one period to the next [-], for ``per_year`` between consecutive years and periods of
    ``dt`` years: per_year ** dt."""
    return float(per_year) ** dt if per_year > 0 else 0.0


def run_variance(length: int, rho: float) -> float:
    """Variance of the sum of ``length`` consecutive values of the AR(1) process (``persistent``) [-]:
    V_L = L + 2·Σ_k=1..L−1 (L − k)·ρ^k (= L for independent years, L² for ρ = 1)."""
    k = np.arange(1, length)
    return float(length + 2 * np.sum((length - k) * rho**k))


def run_path(length: int, rho: float, quantile: float) -> np.ndarray:
    """(length,) the likeliest path of ``length`` consecutive AR(1) shocks whose sum is its own ``quantile`` (in
    standard normal units), i.e. whose sum is quantile·√V_L: the conditional mean E[Z_i | ΣZ] = ΣZ · c_i / V_L with
    c_i = Σ_j ρ^|i−j|, which is quantile · c_i / √V_L (quantile/√L in each period when ρ = 0)."""
    i = np.arange(length)
    c = (float(rho) ** np.abs(i[:, None] - i[None, :])).sum(axis=1)
    return quantile * c / np.sqrt(run_variance(length, rho))


def run_quantiles(risk: float, periods: int, rho: float, seed: int, draws: int = 100_000) -> np.ndarray:
    """(periods,) for each period p the (1 − ``risk``) quantile z_p of min over L of S_L/√V_L, S_L the sum of the
    last L shocks of the AR(1) process up to p (L = 1 … p + 1) [standard normal units]: a run of bad harvests of
    any length ending in p is as bad as one at z_p·√V_L in only a share 1 − risk of years. (Each run at its own
    quantile would leave their union, the year's chance of some run too bad, above 1 − risk.) By simulation of
    ``draws`` paths, seeded."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xA11,)))
    z = persistent(rng.standard_normal((draws, periods)), rho)
    out = np.empty(periods)
    out[0] = norm.ppf(1 - risk)  # one run of one period: the normal quantile itself
    for p in range(1, periods):
        tail = np.cumsum(z[:, p::-1], axis=1)  # sums of the last 1, 2, … p + 1 shocks
        sd = np.sqrt([run_variance(n, rho) for n in range(1, p + 2)])
        out[p] = np.quantile((tail / sd).min(axis=1), 1 - risk)
    return out


def weather(harvest_sd: float, regional_sd: float, common: np.ndarray, regional: np.ndarray) -> np.ndarray:
    """Weather factor on the planned harvest for standard normal shocks ``common`` and ``regional`` [-] (mean 1)."""
    a, b = harvest_sd, regional_sd
    return np.exp(a * np.asarray(common) + b * np.asarray(regional) - (a * a + b * b) / 2)


def draw_share(harvest_draw: float, campaign: float, moved: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Share of farm workers drawn away at harvest [-], for ``moved`` (share of the base year's farm workers no
    longer in the fields) and uniform draws ``u``."""
    return np.clip((harvest_draw + campaign * np.asarray(moved)) * 2 * np.asarray(u), 0.0, 1.0)


def labour_ratio(
    yield_x: np.ndarray, yield_y: np.ndarray, per_ha: np.ndarray, drawn: np.ndarray, usual: float
) -> np.ndarray:
    """Harvest with a share ``drawn`` of the farm workers away at harvest, over the harvest with the ``usual`` share
    away (which the yield curve, read off normal years, already holds) [-]; 1 where the land has no workers.
    ``per_ha`` is farm workers per ha."""
    per_ha = np.asarray(per_ha, dtype=float)
    normal = np.interp(per_ha * (1 - usual), yield_x, yield_y)
    less = np.interp(per_ha * (1 - np.asarray(drawn)), yield_x, yield_y)
    return np.divide(less, normal, out=np.ones(np.broadcast(less, normal).shape), where=normal > 0)


@dataclass(frozen=True)
class RiskOutcomes:
    """Runs of adverse harvests the plan must cover. Shapes (W, K, T, F): W windows (a run of consecutive periods
    ending in a period), K samples of the regions' own shocks and draws, T periods, F farm regions."""

    windows: list[tuple[int, int]]
    """(last period, number of periods) of each window."""
    inside: np.ndarray
    """(W, T): the periods of each window."""
    loss: np.ndarray
    """Share of the planned harvest lost to weather and to the harvest draw [-], at the worst planned workers per ha
    the region can have (0 outside the window)."""
    campaign_loss: np.ndarray
    """Further share of the region's largest possible harvest lost per unit of moved share (farm workers moved
    out of the fields, relative to the base year) [-], a linear upper bound of the campaign's draw."""
    common: float
    """The (1 − risk) quantile of the scenario-wide shock [standard normal units]. The shocks of a window of L
    periods add up to common·√V_L, their sum's own (1 − risk) quantile (V_L: ``run_variance``), along the likeliest
    path there (``run_path``): common/√L in each period when years are independent."""


def risk_outcomes(
    risk: float,
    harvest_sd: float,
    regional_sd: float,
    harvest_draw: float,
    campaign: float,
    yield_x: np.ndarray,
    yield_y: np.ndarray,
    per_ha_range: tuple[np.ndarray, np.ndarray],
    periods: int,
    samples: int,
    seed: int,
    persistence: float = 0.0,
    judge: tuple[np.ndarray, np.ndarray] | None = None,
) -> RiskOutcomes:
    """The adverse runs of harvests the plan covers, for every window of consecutive periods: the scenario-wide
    shocks of a window ending in p add up to z_p·√V_L (``run_quantiles``: so that in a share ``risk`` of years no
    run ending there is worse), along the likeliest path there (``run_path``:
    spread evenly when years are independent; one very bad year, or several bad ones in a row that drain the reserve
    between them), each region's own shock (the same AR(1) process, ``persistence`` ρ per period) and harvest draw
    drawn at random (``samples`` draws, seeded). With ``judge`` = (harvest, margin) per region [t per period], each
    window keeps only its worst draw, the one whose shortfalls beyond the margins add up to most. ``per_ha_range``
    is the least and the most farm workers per ha each region's plan can have; the loss is taken at the worst of
    them."""
    lo, hi = (np.asarray(v, dtype=float) for v in per_ha_range)
    F = lo.size
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x5EED,)))
    regional = persistent(rng.standard_normal((samples, periods, F)), persistence)
    u = rng.random((samples, periods, F))
    windows = [(p, n) for p in range(periods) for n in range(1, p + 2)]
    inside = np.zeros((len(windows), periods), dtype=bool)
    for w, (p, n) in enumerate(windows):
        inside[w, p - n + 1 : p + 1] = True
    common = float(norm.ppf(1 - risk))
    ends = run_quantiles(risk, periods, persistence, seed)
    shock = np.zeros((len(windows), periods))
    for w, (p, n) in enumerate(windows):
        shock[w, p - n + 1 : p + 1] = run_path(n, persistence, float(ends[p]))
    wx = weather(harvest_sd, regional_sd, shock[:, None, :, None], regional[None])  # (W, K, T, F)
    drawn = draw_share(harvest_draw, 0.0, np.zeros(F), u)
    grid = np.linspace(0.0, 1.0, 41)
    per_ha = lo[:, None] + (hi - lo)[:, None] * grid[None, :]  # (F, 41)
    ratio = labour_ratio(yield_x, yield_y, per_ha[None, None], drawn[..., None], harvest_draw).min(axis=-1)
    on = inside[:, None, :, None]
    loss = np.where(on, np.clip(1 - wx * ratio[None], 0.0, 1.0), 0.0)
    campaign_loss = np.where(on, 2 * u[None] * campaign * np.maximum(wx, 1.0), 0.0)
    if judge is not None:
        harvest, margin = (np.asarray(v, dtype=float) for v in judge)
        short = np.clip(loss * harvest[None, None, None, :] - margin[None, None, None, :], 0.0, None).sum(axis=(2, 3))
        worst = np.argmax(short, axis=1)  # (W,)
        pick = np.arange(len(windows))
        loss = loss[pick, worst][:, None]
        campaign_loss = campaign_loss[pick, worst][:, None]
    return RiskOutcomes(windows=windows, inside=inside, loss=loss, campaign_loss=campaign_loss, common=common)
