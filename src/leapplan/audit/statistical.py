"""Statistical checks: a unit against its own history and against its peers (robust z-scores).

The robust rule, on a log scale (ratios compare multiplicatively): within a group, median m and
σ = 1.4826 × median|x − m| (the MAD, scaled to a normal standard deviation); a value is an outlier
when (x − m)/σ > k and exp(x − m) ≥ min_ratio, the group holding at least ``min_peers`` values.
Only the high side is flagged: the audit looks for inflated reports (idle plants are common).
Peers are enterprises of the same technology (output per worker and capacity use), or regions of the
same kind reporting the product (capacity use only: their plants mix technologies).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from leapplan.audit.physical import _empty, _what
from leapplan.audit.rules import AuditRules, Check, fmt, pct
from leapplan.audit.units import UnitTables

MAD_SCALE = 1.4826


def robust_high(x: pd.Series, groups: list[pd.Series], rules: AuditRules) -> pd.DataFrame:
    """For log values ``x`` grouped by ``groups``: median, count, robust z and the outlier mask."""
    keys = [g.rename(f"k{i}") for i, g in enumerate(groups)]
    med = x.groupby(keys).transform("median")
    dev = (x - med).abs()
    sigma = MAD_SCALE * dev.groupby(keys).transform("median")
    n = x.groupby(keys).transform("count")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, (x - med) / sigma, np.where(x > med, np.inf, 0.0))
    z = pd.Series(z, index=x.index)
    out = (n >= rules.min_peers) & (z > rules.robust_k) & (np.exp(x - med) >= rules.min_ratio)
    return pd.DataFrame({"median": med, "n": n, "z": z, "outlier": out})


def history(t: UnitTables, R: pd.DataFrame, rules: AuditRules) -> pd.DataFrame:
    """Flag growth over the unit's previous report of the same product.

    Growth per period g = (output / previous output) ** (1 / periods between them); flagged when
    g > ``growth_factor``, or when log g is a robust outlier among the peers' growth in the same period.
    A previous output of 0 gives no growth figure (nothing to compare).
    """
    if len(R) < 2:
        return _empty()
    h = R.sort_values("pidx")
    g = h.groupby(["unit", "product"], sort=False)
    prev = g["produced"].shift()
    gap = h["pidx"] - g["pidx"].shift()
    h = h.assign(prev=prev, prev_period=g["period"].shift(), growth=(h["produced"] / prev) ** (1 / gap))
    h = h[(h["prev"] > 0) & (h["produced"] > 0)]
    if h.empty:
        return _empty()
    lg = np.log(h["growth"])
    rob = robust_high(lg, [h["peer"], h["period"]], rules)
    bad_factor = h["growth"] > rules.growth_factor
    bad = h[bad_factor | rob["outlier"]]
    if bad.empty:
        return _empty()
    msgs = []
    for (i, r), what in zip(bad.iterrows(), _what(t, bad), strict=True):
        prev = f"the {fmt(r['prev'])} {t.unit_of[r['product']]} reported for {r['prev_period']}"
        if r["pidx"] - t.periods[r["prev_period"]] == 1:
            text = f"{what} in {r['period']} is {r['growth']:.2f}× {prev}"
        else:
            text = f"{what} in {r['period']} means growth of {r['growth']:.2f}× a period since {prev}"
        if bad_factor[i]:
            text += f" (more than {rules.growth_factor:g}× is not believable)"
        else:
            text += f"; its {int(rob.at[i, 'n'])} peers grew {np.exp(rob.at[i, 'median']):.2f}× (median)"
        msgs.append(text)
    return pd.DataFrame({"row": bad["row"].to_numpy(), "check": Check.history.value, "message": msgs})


def peers(t: UnitTables, R: pd.DataFrame, rules: AuditRules) -> pd.DataFrame:
    """Flag output per worker and output per unit of capacity far above the peers' in the same period."""
    out: list[pd.DataFrame] = []
    if len(R) < rules.min_peers:
        return _empty()
    # regions mix technologies of different labour intensity: only enterprises compare output per worker
    per_worker = R["labour"].where(R["kind"] == "enterprise")
    for metric, denom in (("output per worker", per_worker), ("capacity use", R["capacity"] * t.period_years)):
        ok = (denom > 0) & (R["produced"] > 0)
        x = R[ok]
        if x.empty:
            continue
        value = x["produced"] / denom[ok]
        rob = robust_high(np.log(value), [x["peer"], x["period"]], rules)
        bad = rob["outlier"]
        if not bad.any():
            continue
        msgs = []
        for i in bad[bad].index:
            p, u = x.at[i, "product"], t.unit_of[x.at[i, "product"]]
            v, m, z = value[i], float(np.exp(rob.at[i, "median"])), rob.at[i, "z"]
            if metric == "output per worker":
                v_txt, m_txt = f"{fmt(v)} {u}", f"{fmt(m)} {u}"
            else:
                v_txt, m_txt = pct(v), pct(m)
            spread = f"robust z {z:.1f}" if np.isfinite(z) else "most peers report the same"
            msgs.append(
                f"{t.names[p]} {metric} in {x.at[i, 'period']}: {v_txt} is {v / m:.1f}× the median of "
                f"{int(rob.at[i, 'n'])} peers ({m_txt}; {spread})"
            )
        out.append(pd.DataFrame({"row": x.loc[bad, "row"].to_numpy(), "check": Check.peers.value, "message": msgs}))
    return pd.concat(out, ignore_index=True) if out else _empty()
