"""The least input (or labour) a unit needs for an output: a true lower bound, so honest reports pass.

An enterprise needs ``a · Q`` of an input, ``a`` its technology's coefficient [input units per unit
of output]. A region's plants may produce in any mix, so the least it needs is found by letting the
plants with the smallest coefficient for that input run first, each up to its allowed capacity
(with technicians' gain); output beyond all of them must come from new plants, at the smallest
coefficient of any technology making the product (0 when some technology does not use the input).
This is a piecewise-linear convex function of Q, evaluated for a whole batch with one merge and a
group sum. Labour is treated as one more input (person-years per unit of output), named ``LABOUR``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from leapplan.scenario import Scenario

LABOUR = "@labour"  # pseudo-input: person-years per unit of output


@dataclass(frozen=True)
class NeedTables:
    """Plant segments per group (unit, product, input), sorted by coefficient, and what output beyond them costs.

    Group g's plants are segments ``offset[g] … offset[g] + count[g] − 1``: coefficient ``a``, the output
    made before the plant starts ``start`` and its allowed capacity ``length`` [units per year].
    """

    index: pd.Index  # key(unit, product, input) → group id (position)
    offset: np.ndarray
    count: np.ndarray
    total: np.ndarray  # allowed capacity of the group's plants [units per year]
    excess: np.ndarray  # coefficient of output beyond them
    a: np.ndarray
    start: np.ndarray
    length: np.ndarray
    fallback: pd.Series  # key(product, input) → least coefficient over the product's technologies


def key(*parts: pd.Series) -> pd.Series:
    """One text key per row of the given columns, e.g. (unit, product)."""
    out = parts[0].astype(str)
    for p in parts[1:]:
        out = out + "\x1f" + p.astype(str)
    return out


def need_tables(s: Scenario, plants: pd.DataFrame) -> NeedTables:
    """``plants`` has one row per (unit, enterprise): unit (the enterprise itself or a region above it),
    kind ('enterprise' or a region kind), technology, product, allowed [units per year]."""
    inputs_of: dict[str, set[str]] = {}
    for t in s.technologies:
        inputs_of.setdefault(t.product, set()).update(t.inputs)
    coef = pd.DataFrame(
        [(t.id, i, t.inputs.get(i, 0.0)) for t in s.technologies for i in sorted(inputs_of[t.product])]
        + [(t.id, LABOUR, t.labour) for t in s.technologies],
        columns=["technology", "input", "a"],
    )
    tp = pd.Series({t.id: t.product for t in s.technologies})
    fb = coef.assign(product=coef["technology"].map(tp)).groupby(["product", "input"])["a"].min()
    fallback = pd.Series(fb.to_numpy(), index=pd.Index(key(*(fb.index.to_frame()[c] for c in ["product", "input"]))))

    seg = plants.merge(coef, on="technology")
    seg = seg.sort_values(["unit", "product", "input", "a"], kind="stable").reset_index(drop=True)
    gk = key(seg["unit"], seg["product"], seg["input"])
    seg["group"] = pd.factorize(gk)[0]
    cum = seg.groupby("group")["allowed"].cumsum()
    seg["start"] = cum - seg["allowed"]
    first = seg.drop_duplicates("group")
    count = seg.groupby("group").size().to_numpy()
    # beyond an enterprise's capacity its own coefficient still holds; a region's extra output is new plants
    is_ent = (first["kind"] == "enterprise").to_numpy()
    fb_first = fallback.reindex(key(first["product"], first["input"])).to_numpy()
    return NeedTables(
        index=pd.Index(gk.iloc[first.index].to_numpy()),
        offset=first.index.to_numpy(),
        count=count,
        total=seg.groupby("group")["allowed"].sum().to_numpy(),
        excess=np.where(is_ent, first["a"].to_numpy(), fb_first),
        a=seg["a"].to_numpy(dtype=float),
        start=seg["start"].to_numpy(dtype=float),
        length=seg["allowed"].to_numpy(dtype=float),
        fallback=fallback,
    )


def least_need(n: NeedTables, unit: pd.Series, product: pd.Series, inp: pd.Series, q: pd.Series) -> np.ndarray:
    """Least amount of input ``inp`` that ``unit`` needs to make ``q`` of ``product`` [input units], per row."""
    q_arr = q.to_numpy(dtype=float)
    g = n.index.get_indexer(key(unit, product, inp))
    found = g >= 0
    out = np.zeros(len(q_arr))
    # no plants: everything from new plants at the smallest coefficient
    fb_pos = n.fallback.index.get_indexer(key(product, inp))
    fb = np.where(fb_pos >= 0, n.fallback.to_numpy()[np.maximum(fb_pos, 0)], 0.0)
    out[~found] = q_arr[~found] * fb[~found]
    if found.any():
        gf, qf, rows = g[found], q_arr[found], np.flatnonzero(found)
        cnt = n.count[gf]
        # every segment of every queried group, in one flat index
        within = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        idx = np.repeat(n.offset[gf], cnt) + within
        used = np.clip(np.repeat(qf, cnt) - n.start[idx], 0.0, n.length[idx])
        part = np.bincount(np.repeat(np.arange(len(gf)), cnt), weights=used * n.a[idx], minlength=len(gf))
        out[rows] = part + np.clip(qf - n.total[gf], 0.0, None) * n.excess[gf]
    return out
