"""Scenario-level technical coefficients: the province-wide input-output matrix and its productivity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from leapplan.scenario.model import Scenario


@dataclass(frozen=True)
class Productivity:
    """Spectral radius of A [-] and, when it is ≥ 1, the products of the worst cycle."""

    radius: float
    culprits: list[str]


def technology_weights(s: Scenario) -> dict[str, float]:
    """Share of each technology in its product's base-year capacity [-]; equal shares where no capacity exists."""
    capacity: dict[str, float] = {t.id: 0.0 for t in s.technologies}
    for e in s.enterprises:
        if e.technology in capacity:
            capacity[e.technology] += e.capacity
    by_product: dict[str, list[str]] = {}
    for t in s.technologies:
        by_product.setdefault(t.product, []).append(t.id)
    weights: dict[str, float] = {}
    for techs in by_product.values():
        total = sum(capacity[tid] for tid in techs)
        for tid in techs:
            weights[tid] = capacity[tid] / total if total > 0 else 1.0 / len(techs)
    return weights


def input_matrix(s: Scenario) -> tuple[list[str], np.ndarray]:
    """Products and A[i, j]: units of product i used per unit of product j, at the base-year technology mix."""
    products = [p.id for p in s.products]
    index = {p: k for k, p in enumerate(products)}
    a = np.zeros((len(products), len(products)))
    weights = technology_weights(s)
    for t in s.technologies:
        j = index.get(t.product)
        if j is None:
            continue
        for key, qty in t.inputs.items():
            if key in index:
                a[index[key], j] += weights[t.id] * qty
    return products, a


def productivity(s: Scenario) -> Productivity:
    """Hawkins–Simon check: spectral radius of A, and the strongly connected products that push it to ≥ 1."""
    products, a = input_matrix(s)
    if not products:
        return Productivity(0.0, [])
    radius = float(max(abs(np.linalg.eigvals(a)))) if a.any() else 0.0
    if radius < 1:
        return Productivity(radius, [])
    n_comp, labels = connected_components(csr_array(a), directed=True, connection="strong")
    worst, worst_radius = 0, -1.0
    for c in range(n_comp):
        members = np.flatnonzero(labels == c)
        sub = a[np.ix_(members, members)]
        r = float(max(abs(np.linalg.eigvals(sub))))
        if r > worst_radius:
            worst, worst_radius = c, r
    return Productivity(radius, [products[k] for k in np.flatnonzero(labels == worst)])
