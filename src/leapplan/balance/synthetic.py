"""Synthetic input-output systems for benchmarks and solver tests.

Every number here is an *estimate* made up for testing: random coefficients drawn from an explicit
``numpy.random.Generator`` seed, scaled so that each column of A sums to a value in
``column_sum`` (which keeps the system productive: spectral radius ≤ max column sum < 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_array, csc_array

from leapplan.balance.system import IOSystem


def _scale_columns(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, n: int, sums: np.ndarray) -> csc_array:
    a = csc_array(coo_array((vals, (rows, cols)), shape=(n, n)))
    a.sum_duplicates()
    colsum = np.asarray(a.sum(axis=0)).ravel()
    scale = np.divide(sums, colsum, out=np.zeros(n), where=colsum > 0)
    a.data *= np.repeat(scale, np.diff(a.indptr))
    return a


def synthetic_mrio(
    regions: int,
    sectors: int,
    seed: int,
    domestic_density: float = 0.5,
    import_partners: int = 3,
    extensions: int = 3,
    column_sum: tuple[float, float] = (0.3, 0.7),
) -> IOSystem:
    """A random multi-regional IO system: dense-ish domestic blocks, imports from a few partner regions.

    Each column (region r, sector j) buys a ``domestic_density`` share of the sectors at home and, for each
    of those inputs, the same product from ``import_partners`` random other regions at a quarter of the weight.
    Final demand has one column per region [monetary units]; extensions are random intensities [unit per
    monetary unit]. Units are monetary throughout (prices 1).
    """
    rng = np.random.default_rng(seed)
    n = regions * sectors
    col_region = np.repeat(np.arange(regions), sectors)
    col_sector = np.tile(np.arange(sectors), regions)
    k = max(1, int(round(domestic_density * sectors)))
    # inputs per column: k domestic sector indices (with repeats allowed; duplicates are summed)
    inp_sector = rng.integers(0, sectors, size=(n, k))
    dom_rows = (col_region[:, None] * sectors + inp_sector).ravel()
    dom_cols = np.repeat(np.arange(n), k)
    dom_vals = rng.random(n * k)
    parts = [(dom_rows, dom_cols, dom_vals)]
    if regions > 1 and import_partners > 0:
        p = min(import_partners, regions - 1)
        shift = rng.integers(1, regions, size=(n, k, p))
        imp_region = (col_region[:, None, None] + shift) % regions
        imp_rows = (imp_region * sectors + inp_sector[:, :, None]).ravel()
        imp_cols = np.repeat(np.arange(n), k * p)
        imp_vals = 0.25 * rng.random(n * k * p)
        parts.append((imp_rows, imp_cols, imp_vals))
    rows = np.concatenate([q[0] for q in parts])
    cols = np.concatenate([q[1] for q in parts])
    vals = np.concatenate([q[2] for q in parts])
    sums = rng.uniform(*column_sum, size=n)
    a = _scale_columns(rows, cols, vals, n, sums)
    region_names = [f"reg{r + 1}" for r in range(regions)]
    sector_names = [f"sec{s + 1}" for s in range(sectors)]
    index = pd.MultiIndex.from_arrays(
        [np.array(region_names)[col_region], np.array(sector_names)[col_sector]], names=["region", "sector"]
    )
    y = rng.uniform(10.0, 100.0, size=(n, regions))
    y[col_region[:, None] == np.arange(regions)[None, :]] *= 5.0  # home bias of final demand
    final_demand = pd.DataFrame(y, index=index, columns=pd.Index(region_names, name="region"))
    intensity = pd.DataFrame(
        rng.uniform(0.0, 2.0, size=(extensions, n)), index=[f"ext{e + 1}" for e in range(extensions)], columns=index
    )
    return IOSystem.from_coefficients(a, index, final_demand, extension_coefficients=intensity, name="synthetic")


def synthetic_sparse(
    nodes: int, seed: int, per_column: int = 10, column_sum: tuple[float, float] = (0.3, 0.7)
) -> IOSystem:
    """A random sparse IO system with about ``per_column`` inputs per sector and one final-demand column.

    For solver scaling tests (100,000 to 1,000,000 nodes); flat sector labels 's0' … [monetary units].
    """
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, nodes, size=nodes * per_column)
    cols = np.repeat(np.arange(nodes), per_column)
    vals = rng.random(nodes * per_column)
    a = _scale_columns(rows, cols, vals, nodes, rng.uniform(*column_sum, size=nodes))
    index = pd.RangeIndex(nodes, name="sector")
    final_demand = pd.DataFrame({"total": rng.uniform(1.0, 100.0, size=nodes)}, index=index)
    return IOSystem.from_coefficients(a, index, final_demand, name="synthetic-sparse", check=False)
