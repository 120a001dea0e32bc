"""What policy mode's dynamics (``simulate.dynamics``) need beyond the static policy plan, as plain arrays: per cell
its workers' home regions, lifetime, capital cost and write-off threshold; per period the announced targets, the
campaigns' labour by quarter, the funds and the harvest's seasons.

Shapes: T periods, C cells, P products, G food regions, F funds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leapplan.scenario.model import Period, PolicyKind, Scenario, TechKind


@dataclass(frozen=True)
class PolicyArrays:
    """Arrays of a scenario's policies and plants for ``simulate.dynamics``."""

    base_capacity: np.ndarray
    """(T, C) base-year capacity, grown at ``capacity_growth`` [units per year]."""
    labour: np.ndarray
    """(C,) workers per unit of annual output [persons per unit per year]."""
    lifetime: np.ndarray
    """(C,) service life of capacity [years]."""
    capital_cost: np.ndarray
    """(C,) funds per unit of annual capacity [yuan per unit per year]."""
    modern: np.ndarray
    """(C,) bool: a state (modern) plant, whose new workers the state feeds; else a commune's (indigenous) plant."""
    located: np.ndarray
    """(C,) index of the food region the cell's workers live in."""
    source: np.ndarray
    """(C, G) share of the cell's new workers drawn from each farm region's fields [-]; rows sum to 1 (or 0)."""
    targets: np.ndarray
    """(T, P) announced output targets [units per period]; NaN = none (grain's is in planned_grain)."""
    announced: np.ndarray
    """(T, P) the announced output of each product: the base year's, grown, with the targets in [units per period]."""
    campaign_workers: np.ndarray
    """(T, C) workers the labour policies put in each cell while they run [persons]."""
    campaign_share: np.ndarray
    """(T, C) share of the period the labour policies run in each cell [-]."""
    campaign_moved: np.ndarray
    """(T, 4, G) share of the base year's farm workers the labour policies have away in each quarter [-]."""
    mobilisation: np.ndarray
    """(T,) the largest share of a region's farm workers a labour policy has called for so far [-]."""
    funds: np.ndarray
    """(T, F) funds becoming available in each period [yuan]."""
    fund_cells: np.ndarray
    """(F, C) bool: cells each fund may build."""
    write_off: np.ndarray
    """(C,) usable share below which an indigenous plant's usable output is worth less than its inputs at base-year
    prices [-]; 0 for modern plants (never written off)."""
    season: np.ndarray
    """(T, 4) share of the year's harvest that falls in each quarter of each period [-]."""
    quarters: np.ndarray
    """(T, 4) bool: the quarters of the year each period spans."""
    home: np.ndarray
    """(C, G) 1 at the food region each cell's workers live in (``located``)."""
    base_yield: np.ndarray
    """(G,) base-year grain per ha [t per ha per year]; 0 without farmland."""


def quarter_mask(s: Scenario, start: str, end: str | None) -> np.ndarray:
    """(T, 4) 1 where a policy from ``start`` to ``end`` (inclusive) covers quarter q of period t [-]. A yearly
    period has its four quarters; a quarterly period only its own (the others 0)."""

    def quarter(label: str, last: bool) -> int:
        year = int(label[:4])
        q = int(label[5]) if len(label) > 4 else (4 if last else 1)
        return (year - s.years[0]) * 4 + q - 1

    first = quarter(start, False)
    stop = quarter(end, True) + 1 if end is not None else 10**6
    out = np.zeros((len(s.periods), 4))
    for t in range(len(s.periods)):
        for q in range(4):
            k = t * 4 + q if s.period is Period.year else (t if q == t % 4 else -1)
            out[t, q] = float(k >= 0 and first <= k < stop)
    return out


def covered_share(quarters: np.ndarray, s: Scenario) -> np.ndarray:
    """(T,) share of each period the quarters of ``quarter_mask`` cover [-]."""
    return quarters.sum(axis=1) * (0.25 if s.period is Period.year else 1.0)


def period_weights(s: Scenario, start: str, end: str | None) -> np.ndarray:
    """(T,) share of each plan period a policy from ``start`` to ``end`` (inclusive) covers [-]."""
    return covered_share(quarter_mask(s, start, end), s)


def policy_arrays(
    s: Scenario,
    cells: list[tuple[str, str]],
    foods: list[str],
    base_cap: dict[tuple[str, str], float],
    base_out: dict[tuple[str, str], float],
    base_farm: np.ndarray,
    dt: float,
) -> PolicyArrays:
    """The arrays of ``s``'s policies over ``cells`` (region, technology) and food regions ``foods``."""
    techs = {t.id: t for t in s.technologies}
    prods = [p.id for p in s.products]
    pidx = {p: i for i, p in enumerate(prods)}
    price = np.array([p.price for p in s.products])
    T, C, P, G = len(s.periods), len(cells), len(prods), len(foods)
    gidx = {r: i for i, r in enumerate(foods)}
    growth = (1 + s.simulation.capacity_growth) ** (dt * np.arange(1, T + 1))
    cap0 = np.array([base_cap.get(k, 0.0) for k in cells])
    product_of = np.array([pidx[techs[t].product] for _, t in cells], dtype=np.int64)

    announced = np.zeros((P, T))
    np.add.at(announced, product_of, (growth[:, None] * np.array([base_out.get(k, 0.0) for k in cells]) * dt).T)
    announced = announced.T
    targets = np.full((T, P), np.nan)
    campaign_workers = np.zeros((T, C))
    campaign_share = np.zeros((T, C))
    campaign_moved = np.zeros((T, 4, G))
    mobilisation = np.zeros(T)
    cell_index = {k: i for i, k in enumerate(cells)}
    for pol in s.policies:
        quarters = quarter_mask(s, pol.start, pol.end)
        w = covered_share(quarters, s)
        if pol.kind is PolicyKind.output_target and pol.product not in (None, s.agriculture.grain_product):
            p = pidx[str(pol.product)]
            announced[:, p] = w * pol.value * dt + (1 - w) * announced[:, p]
            targets[:, p] = np.where(w > 0, announced[:, p], targets[:, p])
        elif pol.kind is PolicyKind.indigenous_labour:
            on = np.flatnonzero(w > 0)
            if len(on):
                mobilisation[on[0] :] = np.maximum(mobilisation[on[0] :], pol.value)
            for r, g in gidx.items():
                if base_farm[g] <= 0:
                    continue
                campaign_moved[:, :, g] += pol.value * quarters
                for tech, share in pol.technologies.items():
                    c = cell_index[(r, tech)]
                    campaign_workers[:, c] += pol.value * share * base_farm[g] * (w > 0)
                    campaign_share[:, c] = np.maximum(campaign_share[:, c], w)

    funds = np.zeros((T, len(s.funds)))
    fund_cells = np.zeros((len(s.funds), C), dtype=bool)
    ancestors = _ancestors(s)
    for f, fund in enumerate(s.funds):
        if fund.available_from in s.years:
            funds[s.periods.index(_first_period(s, fund.available_from)), f] = fund.amount
        elif fund.available_from < s.years[0]:
            funds[0, f] = fund.amount
        for c, (r, t) in enumerate(cells):
            fund_cells[f, c] = bool(ancestors[r] & set(fund.recipients)) and (
                not fund.technologies or t in fund.technologies
            )

    inputs_value = np.array([sum(q * price[pidx[k]] for k, q in techs[t].inputs.items()) for _, t in cells])
    indigenous = np.array([techs[t].kind is TechKind.indigenous for _, t in cells])
    own_price = price[product_of]
    write_off = np.where(indigenous & (own_price > 0), inputs_value / np.where(own_price > 0, own_price, 1.0), 0.0)

    located = np.array([_home(s, r, foods, ancestors) for r, _ in cells], dtype=np.int64)
    regions = {r.id: r for r in s.regions}
    land = np.array([regions[r].farmland for r in foods])
    factor = np.array([regions[r].grain_yield_factor for r in foods])
    base_grain = _grain_per_ha(s, base_farm, land) * factor
    return PolicyArrays(
        base_capacity=growth[:, None] * cap0[None, :],
        labour=np.array([techs[t].labour for _, t in cells]),
        lifetime=np.array([techs[t].lifetime for _, t in cells]),
        capital_cost=np.array([techs[t].capital_cost for _, t in cells]),
        modern=~indigenous,
        located=located,
        source=np.array([_sources(s, r, foods, base_farm, ancestors) for r, _ in cells]).reshape(C, G),
        targets=targets,
        announced=announced,
        campaign_workers=campaign_workers,
        campaign_share=campaign_share,
        campaign_moved=campaign_moved,
        mobilisation=mobilisation,
        funds=funds,
        fund_cells=fund_cells,
        write_off=write_off,
        season=season_weights(s, np.array(s.simulation.harvest_season, dtype=float)),
        quarters=season_weights(s, np.ones(4)) > 0,
        home=np.eye(G)[located] if G else np.zeros((C, 0)),
        base_yield=base_grain,
    )


def season_weights(s: Scenario, season: np.ndarray) -> np.ndarray:
    """(T, 4) share of the year's harvest in each quarter of each period: the four seasons of a year, or a quarterly
    period's own season [-]."""
    T = len(s.periods)
    if s.period is Period.year:
        return np.tile(season, (T, 1))
    return np.stack([np.where(np.arange(4) == t % 4, season, 0.0) for t in range(T)])


def _first_period(s: Scenario, year: int) -> str:
    return next(p for p in s.periods if p.startswith(str(year)))


def _ancestors(s: Scenario) -> dict[str, set[str]]:
    """Each region with itself and every region above it."""
    parent = {r.id: r.parent for r in s.regions}
    out: dict[str, set[str]] = {}
    for r in parent:
        chain, at = {r}, parent[r]
        while at is not None and at not in chain:
            chain.add(at)
            at = parent.get(at)
        out[r] = chain
    return out


def _sources(
    s: Scenario, region: str, foods: list[str], base_farm: np.ndarray, ancestors: dict[str, set[str]]
) -> np.ndarray:
    """(G,) where a plant in ``region`` draws new workers from: its own fields, else the farm regions under the
    nearest region above it that has any, in proportion to their farm workers."""
    out = np.zeros(len(foods))
    farms = [g for g, r in enumerate(foods) if base_farm[g] > 0]
    if region in foods and base_farm[foods.index(region)] > 0:
        out[foods.index(region)] = 1.0
        return out
    parent = {r.id: r.parent for r in s.regions}
    at: str | None = region
    while at is not None:
        under = [g for g in farms if at in ancestors[foods[g]]]
        if under:
            out[under] = base_farm[under] / base_farm[under].sum()
            return out
        at = parent.get(at)
    return out


def _home(s: Scenario, region: str, foods: list[str], ancestors: dict[str, set[str]]) -> int:
    """Index of the food region a plant's workers live in: its own region, else the nearest one above it, else the
    first food region."""
    for r in sorted(ancestors[region], key=lambda a: -len(ancestors[a])):
        if r in foods:
            return foods.index(r)
    return 0


def _grain_per_ha(s: Scenario, base_farm: np.ndarray, land: np.ndarray) -> np.ndarray:
    """(G,) base-year grain per ha on land of factor 1 [t per ha per year]; 0 without farmland."""
    from leapplan.scenario.accounts import grain_yield

    per_ha = np.divide(base_farm, land, out=np.zeros_like(land, dtype=float), where=land > 0)
    return grain_yield(s, per_ha) * (land > 0)
