"""What a planning committee reads of a plan besides its targets: food held under risk, and what gets built."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leapplan.report.inputs import EnsembleLike, PlanLike
from leapplan.scenario.model import Scenario


def food_risk(s: Scenario, plan: PlanLike, ensemble: EnsembleLike | None = None) -> pd.DataFrame:
    """Per period: the least food per head in the plan and the level it may not go below (the consumption
    guardrail) and the floor [kg per person per year]; households' margin above the floor, the state reserve at
    the end of the period and the most a run of bad harvests the plan covers would draw from it [t]; and the
    share of simulated runs with a region below the floor."""
    food = plan.food
    people = food[food["population"] > 0] if "population" in food else food
    low = people.groupby(people["period"].astype(str))["food_per_head"].min()
    guard = (
        people.groupby(people["period"].astype(str))["guardrail"].min()
        if "guardrail" in people
        else pd.Series(dtype=float)
    )
    reserve = getattr(plan, "reserve", None)
    reserve = (
        reserve.set_index(reserve["period"].astype(str)) if isinstance(reserve, pd.DataFrame) and len(reserve) else None
    )
    share = getattr(ensemble, "share_below_floor", None) if ensemble is not None else None
    rows = []
    for k, period in enumerate(s.periods):
        row: dict[str, Any] = {
            "period": period,
            "least_food_per_head": float(low.get(period, np.nan)),
            "guardrail": float(guard.get(period, np.nan)),
            "floor": s.guardrails.food_per_head,
        }
        if reserve is not None and period in reserve.index:
            r = reserve.loc[period]
            row |= {
                "margin": float(r["margin"]),
                "reserve": float(r["closing"]),
                "bad_run_draw": float(r["cover_needed"]),
            }
        if share is not None and len(share) == len(s.periods):
            row["runs_below_floor"] = float(share[k])
        rows.append(row)
    return pd.DataFrame(rows)


def builds_by_kind(s: Scenario, plan: PlanLike) -> pd.DataFrame:
    """What the plan builds, per technology: plants of the typical size, regions, new capacity in the product's unit
    per year, what it costs [yuan] and the funds that pay, largest first."""
    b = getattr(plan, "builds", None)
    columns = ["technology", "kind", "plants", "regions", "new_capacity", "unit", "cost", "funds"]
    if not isinstance(b, pd.DataFrame) or b.empty:
        return pd.DataFrame(columns=columns)
    tech = {t.id: t for t in s.technologies}
    units = {p.id: p.unit for p in s.products}
    funds = {f.id: f.name for f in s.funds}
    out = b.groupby("technology").agg(
        plants=("plants", "sum"),
        regions=("region", "nunique"),
        new_capacity=("new_capacity", "sum"),
        cost=("cost", "sum"),
        funds=("fund", lambda f: ", ".join(sorted({funds.get(str(x), str(x)) for x in f if str(x)}))),
    )
    out = out.sort_values("cost", ascending=False).reset_index()
    out["kind"] = [f"{tech[t].kind.value}, {tech[t].scale.value}" if t in tech else "" for t in out["technology"]]
    out["unit"] = [f"{units.get(tech[t].product, '')}/yr" if t in tech else "" for t in out["technology"]]
    out["technology"] = [tech[t].name if t in tech else t for t in out["technology"]]
    out["plants"] = out["plants"].round().astype(int)
    return out[columns]


def upgrades_by_region(s: Scenario, plan: PlanLike) -> pd.DataFrame:
    """What the plan rebuilds, per region and upgrade: old capacity rebuilt and the new capacity it becomes [product
    unit per year], when the rebuilding starts and the new plant first serves, what it costs [yuan] and the workers
    kept and let go [persons], largest first."""
    u = getattr(plan, "upgrades", None)
    columns = [
        "region",
        "upgrade",
        "rebuilt",
        "new_capacity",
        "unit",
        "start",
        "in_service",
        "cost",
        "kept",
        "released",
    ]
    if not isinstance(u, pd.DataFrame) or u.empty:
        return pd.DataFrame(columns=columns)
    tech = {t.id: t for t in s.technologies}
    units = {p.id: p.unit for p in s.products}
    names = {r.id: r.name for r in s.regions}
    out = u.groupby(["region", "from_technology", "to_technology"], as_index=False, sort=False).agg(
        rebuilt=("rebuilt", "sum"),
        new_capacity=("new_capacity", "sum"),
        start=("period", lambda p: str(min(map(str, p)))),
        in_service=("in_service", lambda p: str(min(map(str, p)))),
        cost=("cost", "sum"),
        kept=("workers_kept", "sum"),
        released=("workers_released", "sum"),
    )
    out = out.sort_values("cost", ascending=False).reset_index(drop=True)
    out["upgrade"] = [
        f"{tech[a].name if a in tech else a} → {tech[b].name if b in tech else b}"
        for a, b in zip(out["from_technology"], out["to_technology"], strict=True)
    ]
    out["unit"] = [f"{units.get(tech[b].product, '')}/yr" if b in tech else "" for b in out["to_technology"]]
    out["region"] = [names.get(r, r) for r in out["region"]]
    for column in ("kept", "released"):
        out[column] = out[column].round().astype(int)
    return out[columns]
