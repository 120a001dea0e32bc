"""What planners ask for when no optimised plan is given: the scenario's policies, or the base year carried forward."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from leapplan.scenario.model import PolicyKind, Scenario
from leapplan.simulate.policy_model import period_weights

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PolicyPlan:
    """The plan a set of policies implies. Shapes (T, C) for cells, (T, G) for food regions."""

    mode: str
    cells: list[tuple[str, str]]
    planned: np.ndarray
    """Planned output [units per period]."""
    capacity: np.ndarray
    """Capacity in service [units per year]."""
    new_capacity: np.ndarray
    """Capacity finished in the period [units per year]."""
    farm: np.ndarray
    """Farm workers [persons]."""
    planned_grain: np.ndarray
    """Planned grain [t per period]."""
    mess: np.ndarray
    procurement: np.ndarray
    ratchet: np.ndarray


def policy_plan(
    s: Scenario,
    base_cap: dict[tuple[str, str], float],
    base_out: dict[tuple[str, str], float],
    foods: list[str],
    base_farm: np.ndarray,
    base_grain: np.ndarray,
    dt: float,
) -> PolicyPlan:
    """The plan the scenario's policies ask for, at capacity growth ``simulation.capacity_growth`` otherwise.

    Output targets are shared among a product's cells in proportion to their capacity, so a target above
    capacity puts every unit under the same pressure. Labour moved by ``indigenous_labour`` builds indigenous
    capacity in every farm region (labour / labour per unit) and leaves the fields.
    """
    techs = {t.id: t for t in s.technologies}
    prods = [p.id for p in s.products]
    pidx = {p: i for i, p in enumerate(prods)}
    T = len(s.periods)
    growth = (1 + s.simulation.capacity_growth) ** (dt * np.arange(1, T + 1))
    keys = set(base_cap)
    labour_pols = [p for p in s.policies if p.kind is PolicyKind.indigenous_labour]
    farm_regions = [r for r, w in zip(foods, base_farm, strict=True) if w > 0]
    for pol in labour_pols:
        keys |= {(r, t) for r in farm_regions for t in pol.technologies}
    cells = sorted(keys)
    C = len(cells)
    cap0 = np.array([base_cap.get(k, 0.0) for k in cells])
    out0 = np.array([base_out.get(k, 0.0) for k in cells])
    capacity = growth[:, None] * cap0[None, :]
    planned = growth[:, None] * out0[None, :] * dt
    moved = np.zeros(T)
    gidx = {r: i for i, r in enumerate(foods)}
    cell_index = {k: i for i, k in enumerate(cells)}
    campaign = np.zeros((T, C), dtype=bool)
    for pol in labour_pols:
        w = period_weights(s, pol.start, pol.end)
        moved += pol.value * w
        for r in farm_regions:
            workers = pol.value * w * base_farm[gidx[r]]
            for tech, share in pol.technologies.items():
                c = cell_index[(r, tech)]
                capacity[:, c] += workers * share / max(techs[tech].labour, 1e-12)
                campaign[:, c] |= w > 0
    planned = np.where(campaign, capacity * dt, planned)
    product_of = np.array([pidx[techs[t].product] for _, t in cells], dtype=np.int64)
    planned_grain = np.tile(base_grain * dt, (T, 1))
    mess = np.ones(T)
    procurement = np.full(T, np.nan)
    ratchet = np.zeros((T, len(prods)))
    for pol in s.policies:
        w = period_weights(s, pol.start, pol.end)
        if pol.kind is PolicyKind.output_target and pol.product is not None:
            if pol.product == s.agriculture.grain_product:
                split = base_grain / base_grain.sum() if base_grain.sum() > 0 else base_grain
                planned_grain = (w[:, None] * pol.value * split[None, :] * dt) + (1 - w[:, None]) * planned_grain
                continue
            mine = product_of == pidx[pol.product]
            total_cap = capacity[:, mine].sum(axis=1)
            share = np.divide(
                capacity[:, mine],
                total_cap[:, None],
                out=np.zeros_like(capacity[:, mine]),
                where=total_cap[:, None] > 0,
            )
            if not (total_cap > 0).all():
                logger.warning("policy %s: no capacity for %s in some periods", pol.id, pol.product)
            target = share * pol.value * dt
            planned[:, mine] = w[:, None] * target + (1 - w[:, None]) * planned[:, mine]
        elif pol.kind is PolicyKind.target_ratchet:
            cols = [pidx[p] for p in pol.products] if pol.products else list(range(len(prods)))
            ratchet[:, cols] = np.maximum(ratchet[:, cols], pol.value * w[:, None])
        elif pol.kind is PolicyKind.mess_halls:
            mess = mess + (pol.value - 1) * w
        elif pol.kind is PolicyKind.procurement:
            procurement = np.where(w > 0, pol.value, procurement)
    new_capacity = np.diff(capacity, axis=0, prepend=cap0[None, :]).clip(min=0)
    farm = base_farm[None, :] * (1 - np.minimum(moved, 1))[:, None]
    return PolicyPlan(
        mode="policies" if s.policies else "base",
        cells=cells,
        planned=planned,
        capacity=capacity,
        new_capacity=new_capacity,
        farm=farm,
        planned_grain=planned_grain,
        mess=mess,
        procurement=procurement,
        ratchet=ratchet,
    )
