"""Checks across units: a region's report against its units' reports, and reports against the plan."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leapplan.audit.physical import _empty, _what
from leapplan.audit.rules import AuditRules, Check, fmt, pct
from leapplan.audit.units import UnitTables, key

KEYS = ["unit", "period", "product"]
PLAN_LINE_MIN = 1.0
"""Smallest planned quantity that is a plan line [product units]: the LP leaves crumbs below one unit
(151 rows of shanxi-1958's plan lie between 0 and 1) that no unit was asked to make."""


def parent_total(t: UnitTables, R: pd.DataFrame, rules: AuditRules) -> pd.DataFrame:
    """Flag a region's report that is off the sum of its units' reports by more than ``total_tolerance``.

    A region's units are its child regions and the enterprises standing in it. A unit that did not
    report counts with the sum of its own units' reports (computed level by level, bottom up); such a
    sum is *complete* when every unit under it with plants for the product has reported (or is itself
    complete), and a unit's own report is complete. Below the sum is always a contradiction; above it
    only when every unit with plants for the product is complete (otherwise the missing reports, at
    any depth, may make up the difference).
    """
    regions = R.loc[R["kind"] != "enterprise", "unit"].unique()
    if len(regions) == 0 or len(R) < 2:
        return _empty()
    # only reports below a reporting region matter: each unit's region (an enterprise's own) and those above
    home = R["unit"].where(R["kind"] != "enterprise", R["unit"].map(t.parent))
    below = t.ancestors[t.ancestors["ancestor"].isin(regions)]["region"].unique()
    known = (
        R.loc[t.member(home, pd.Index(below)), [*KEYS, "produced"]]
        .rename(columns={"produced": "total"})
        .assign(own=True, complete=True)
    )
    known["depth"] = known["unit"].map(t.depth)
    found = []
    for d in range(int(known["depth"].max()), 0, -1):
        ch = known[known["depth"] == d].copy()
        if ch.empty:
            continue
        ch["parent"] = ch["unit"].map(t.parent)
        ch["expected"] = t.member(key(ch["unit"], ch["product"]), t.plants) & ch["complete"].to_numpy(bool)
        agg = ch.groupby(["parent", "period", "product"]).agg(
            child_sum=("total", "sum"), n=("total", "size"), n_expected=("expected", "sum")
        )
        agg = agg.reset_index().rename(columns={"parent": "unit"})
        agg = agg[agg["unit"] != ""]
        m = agg.merge(known[known["own"]].drop(columns="complete"), on=KEYS, how="left", indicator=True)
        found.append(m[m["_merge"] == "both"].drop(columns="_merge"))
        new = m[m["_merge"] == "left_only"]
        wanted = t.expected.reindex(pd.MultiIndex.from_frame(new[["unit", "product"]])).fillna(0).to_numpy()
        known = pd.concat(
            [
                known,
                pd.DataFrame(
                    {
                        **{k: new[k] for k in KEYS},
                        "total": new["child_sum"],
                        "own": False,
                        "complete": new["n_expected"].to_numpy() >= wanted,
                        "depth": d - 1,
                    }
                ),
            ],
            ignore_index=True,
        )
    if not found:
        return _empty()
    c = pd.concat(found, ignore_index=True)
    c["expected_all"] = t.expected.reindex(pd.MultiIndex.from_frame(c[["unit", "product"]])).fillna(0).to_numpy()
    gap = rules.total_tolerance * np.maximum(c["total"], c["child_sum"])
    below = c["total"] < c["child_sum"] - gap
    complete = (c["expected_all"] > 0) & (c["n_expected"] >= c["expected_all"])
    above = complete & (c["total"] > c["child_sum"] + gap)
    bad = c[below | above].merge(R[[*KEYS, "row"]], on=KEYS)
    if bad.empty:
        return _empty()
    msgs = []
    for (_, r), what in zip(bad.iterrows(), _what(t, bad.rename(columns={"total": "produced"})), strict=True):
        n = int(r["n"])
        s = f"{fmt(r['child_sum'])} {t.unit_of[r['product']]}"
        if r["total"] < r["child_sum"]:
            msgs.append(f"{what} in {r['period']} is less than the {s} its units reported ({n} report{'s' * (n != 1)})")
        else:
            msgs.append(
                f"{what} in {r['period']} is more than the {s} its units reported (all {int(r['expected_all'])} with plants for it)"
            )
    return pd.DataFrame({"row": bad["row"].to_numpy(), "check": Check.parent_total.value, "message": msgs})


def planned(t: UnitTables, plan: pd.DataFrame) -> pd.DataFrame:
    """Planned output per unit [unit, period, product, planned, share] in product units per period.

    A region's plan is the sum over its subtree; an enterprise's is its capacity share of the plan
    for its region and technology (share < 1 when others share that line). Plan rows below
    ``PLAN_LINE_MIN`` are not plan lines and are left out.
    """
    plan = plan[plan["quantity"] >= PLAN_LINE_MIN]
    reg = plan.merge(t.ancestors, on="region").groupby(["ancestor", "period", "product"])["quantity"].sum()
    reg = reg.rename("planned").rename_axis(["unit", "period", "product"]).reset_index().assign(share=1.0)
    ent = plan.merge(t.enterprise_share, on=["region", "technology", "product"])
    ent = (
        ent.assign(planned=ent["quantity"] * ent["share"])
        .groupby(KEYS, as_index=False)
        .agg(planned=("planned", "sum"), share=("share", "max"))
    )
    return pd.concat([reg, ent], ignore_index=True)


def plan_excess(t: UnitTables, R: pd.DataFrame, rules: AuditRules) -> pd.DataFrame:
    """Flag output above ``plan_factor`` × the planned quantity (``R['planned']``, NaN when none; a unit's
    planned share below ``PLAN_LINE_MIN`` is no plan line)."""
    bad = R[(R["planned"] >= PLAN_LINE_MIN) & (R["produced"] > rules.plan_factor * R["planned"])]
    if bad.empty:
        return _empty()
    msgs = [
        f"{what} in {r['period']} is {pct(r['produced'] / r['planned'])} of "
        f"{'the plan' if r['share'] >= 1 else 'its capacity share of the plan'}, {fmt(r['planned'])} "
        f"{t.unit_of[r['product']]} (above {pct(rules.plan_factor)} is suspicious)"
        for (_, r), what in zip(bad.iterrows(), _what(t, bad), strict=True)
    ]
    return pd.DataFrame({"row": bad["row"].to_numpy(), "check": Check.plan.value, "message": msgs})
