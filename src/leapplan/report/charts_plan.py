"""Charts of the plan: output value against the targets, local industry vs agriculture, food per head
against the floor, and the weak-link ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from leapplan.console import fmt
from leapplan.report import style
from leapplan.report.inputs import EnsembleLike, PlanLike, year_of
from leapplan.scenario.accounts import base_output
from leapplan.scenario.model import LOCAL_OWNERSHIP, Metric, Scenario, Target, TargetKind

LOCAL = {o.value for o in LOCAL_OWNERSHIP}


def value_label(s: Scenario) -> str:
    """The y label of every chart of usable output value."""
    return f"usable output value [{s.currency} at {s.base_year} prices]"


def yearly_output_value(s: Scenario, plan: PlanLike) -> pd.DataFrame:
    """Usable output value (what the targets count: output × the technology's usable share) by year, ownership
    and sector, base year first, in column 'value' [yuan at base-year prices per year]; quarterly periods are
    summed to years."""
    base = base_output(s, usable=True).groupby(["ownership", "sector"], as_index=False)["value"].sum()
    base.insert(0, "year", s.base_year)
    ov = plan.output_value.copy()
    ov["year"] = ov["period"].map(year_of)
    ov["value"] = ov["usable_value"]
    planned = ov.groupby(["year", "ownership", "sector"], as_index=False)["value"].sum()
    frame = pd.concat([base, planned], ignore_index=True)
    frame["ownership"] = frame["ownership"].astype(str)
    frame["sector"] = frame["sector"].astype(str)
    return frame


def local_vs_agriculture(table: pd.DataFrame) -> pd.DataFrame:
    """Per year: local industry (industry, every ownership but central) and agriculture output value [yuan]."""
    years = sorted(table["year"].unique())
    local = table[(table["sector"] == "industry") & table["ownership"].isin(LOCAL)].groupby("year")["value"].sum()
    agri = table[table["sector"] == "agriculture"].groupby("year")["value"].sum()
    return pd.DataFrame({"local_industry": local, "agriculture": agri}).reindex(years).fillna(0.0)


def _target_rows(s: Scenario, plan: PlanLike) -> list[tuple[Target, pd.Series]]:
    specs = {t.id: t for t in s.targets}
    return [(specs[str(row["id"])], row) for _, row in plan.targets.iterrows() if str(row["id"]) in specs]


def _stack(table: pd.DataFrame, sector: str) -> pd.DataFrame:
    sub = table[table["sector"] == sector]
    wide = sub.pivot_table(index="year", columns="ownership", values="value", aggfunc="sum", fill_value=0.0)
    order = [o for o in style.OWNERSHIP_ORDER if o in wide.columns] + sorted(
        c for c in wide.columns if c not in style.OWNERSHIP_ORDER
    )
    wide = wide[order]
    return wide.loc[:, (wide != 0).any(axis=0)]


def output_value_figure(s: Scenario, plan: PlanLike) -> Figure:
    """Left: industry output value stacked by ownership, with the output-value targets; right: by sector."""
    table = yearly_output_value(s, plan)
    fig = style.figure(10.5, 4.4)
    left, right = fig.subplots(1, 2, width_ratios=[1.35, 1])
    wide = _stack(table, "industry")
    central = wide.pop("central") if "central" in wide.columns else pd.Series(0.0, index=wide.index)
    years = list(wide.index)
    bottom = np.zeros(len(years))
    for own in wide.columns:
        vals = wide[own].to_numpy()
        left.bar(
            years,
            vals,
            bottom=bottom,
            width=0.7,
            color=style.OWNERSHIP_COLOURS.get(own, style.MUTED),
            label=own,
            edgecolor="white",
            linewidth=0.4,
        )
        bottom += vals
    marks: list[float] = []
    for spec, row in _target_rows(s, plan):
        if spec.scope.metric is not Metric.output_value or spec.kind is TargetKind.ratio_to_metric:
            continue
        x = int(row["year"])
        marks += [float(row["required"]), float(row["achievable"])]
        left.plot([x - 0.42, x + 0.42], [row["required"]] * 2, color=style.FLOOR, lw=1.6, zorder=5)
        left.plot([x], [row["achievable"]], marker="o", ms=5, color=style.FLOOR, zorder=6)
        left.annotate(
            spec.id,
            (x + 0.44, row["required"]),
            fontsize=7,
            color=style.FLOOR,
            va="center",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
            zorder=7,
        )
    if marks:
        left.plot([], [], color=style.FLOOR, lw=1.6, label="target (line) / planned (dot)")
    left.set_title("Local industry by ownership level, usable output value")
    if central.any():
        left.text(
            0.99,
            0.98,
            f"central (state) industry, not shown:\n{style.money(float(central.iloc[0]))} in "
            f"{years[0]} → {style.money(float(central.iloc[-1]))} in {years[-1]}",
            transform=left.transAxes,
            ha="right",
            va="top",
            fontsize=7.5,
            color=style.MUTED,
        )
    left.set_ylabel(value_label(s))
    left.set_xlabel("year")
    style.money_axis(left)
    left.set_xticks(years, [str(y) + (" (base)" if y == s.base_year else "") for y in years])
    left.legend(ncol=2, loc="upper left", fontsize=7.5)
    left.set_ylim(top=max([float(bottom.max()), *marks]) * 1.35)
    sectors = table.groupby(["year", "sector"])["value"].sum().unstack(fill_value=0.0)
    for sector in sectors.columns:
        right.plot(
            sectors.index,
            sectors[sector],
            marker="o",
            ms=4,
            lw=1.8,
            color=style.SECTOR_COLOURS.get(sector, style.MUTED),
            label=sector,
        )
    right.set_title("Usable output value by sector")
    right.set_ylabel(value_label(s))
    right.set_xlabel("year")
    style.money_axis(right)
    right.set_xticks(years, [str(y) for y in years])
    right.legend(loc="best")
    return fig


def industry_vs_agriculture_figure(s: Scenario, plan: PlanLike) -> Figure:
    """Local industry and agriculture output value over the years with the catch-up / exceed targets."""
    both = local_vs_agriculture(yearly_output_value(s, plan))
    fig = style.figure(7.5, 4.2)
    ax = fig.subplots()
    years = list(both.index)
    ax.plot(
        years,
        both["agriculture"],
        marker="o",
        lw=2,
        color=style.SECTOR_COLOURS["agriculture"],
        label="agriculture (all)",
    )
    ax.plot(
        years,
        both["local_industry"],
        marker="o",
        lw=2,
        color=style.SECTOR_COLOURS["industry"],
        label="local industry (all but central)",
    )
    marked = False
    for spec, row in _target_rows(s, plan):
        if spec.kind is not TargetKind.ratio_to_metric:
            continue
        marked = True
        x = int(row["year"])
        ax.plot([x - 0.3, x + 0.3], [row["required"]] * 2, color=style.FLOOR, lw=1.6, zorder=5)
        ax.annotate(
            f"{spec.id}: ×{spec.value:g} agriculture",
            (x + 0.3 if x == max(years) else x, row["required"]),
            xytext=(0, 6),
            textcoords="offset points",
            ha="right" if x == max(years) else "center",
            fontsize=7.5,
            color=style.FLOOR,
        )
    ratio = both["local_industry"] / both["agriculture"].replace(0.0, np.nan)
    for x, r in ratio.items():
        if np.isfinite(r):
            ax.annotate(
                f"{r:.2f}",
                (x, both.loc[x, "local_industry"]),
                xytext=(9, -11),
                textcoords="offset points",
                ha="left",
                fontsize=7,
                color=style.SECTOR_COLOURS["industry"],
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
                zorder=7,
            )
    if marked:
        ax.plot([], [], color=style.FLOOR, lw=1.6, label="target level")
    ax.set_title("Local industry against agriculture, usable output (numbers: the ratio)")
    ax.set_ylim(bottom=0)
    ax.set_xlim(years[0] - 0.4, years[-1] + 0.7)
    ax.set_ylabel(value_label(s))
    ax.set_xlabel("year")
    style.money_axis(ax)
    ax.set_xticks(years, [str(y) for y in years])
    ax.legend(loc="upper left")
    return fig


def province_food(s: Scenario, plan: PlanLike) -> pd.DataFrame:
    """Per period: food per head for the whole scenario (population-weighted over the regions in the plan's
    food table, or the root region's row when given), the lowest region and the floor [kg/person/yr]."""
    food = plan.food
    periods = [p for p in s.periods if p in set(food["period"].astype(str))]
    root = next(r.id for r in s.regions if r.parent is None)
    pop = {r.id: r.population for r in s.regions}
    names = {r.id: r.name for r in s.regions}
    rows = []
    if "population" in food:
        food = food[food["population"] > 0]  # regions with fields but no people eat nothing
    for period in periods:
        sub = food[food["period"].astype(str) == period]
        at_root = sub[sub["region"] == root]
        rest = sub[sub["region"] != root]
        weights = rest["region"].map(pop).fillna(0.0).to_numpy()
        if len(at_root):
            total = float(at_root["food_per_head"].iloc[0])
        elif weights.sum() > 0:
            total = float(np.average(rest["food_per_head"], weights=weights))
        else:
            total = float(rest["food_per_head"].mean())
        lowest = rest.loc[rest["food_per_head"].idxmin()] if len(rest) else at_root.iloc[0]
        rows.append(
            {
                "period": period,
                "food_per_head": total,
                "lowest": float(lowest["food_per_head"]),
                "lowest_region": names.get(str(lowest["region"]), str(lowest["region"])),
                "floor": float(sub["floor"].max()),
            }
        )
    return pd.DataFrame(rows, columns=["period", "food_per_head", "lowest", "lowest_region", "floor"])


def food_figure(s: Scenario, plan: PlanLike, ensemble: EnsembleLike) -> Figure:
    """Planned food per head, the lowest region, the simulated 5–95 % band and the floor."""
    food = province_food(s, plan)
    floor = s.guardrails.food_per_head
    fig = style.figure(8.5, 4.4)
    ax = fig.subplots()
    periods = list(s.periods)
    x = np.arange(len(periods))
    bands = ensemble.bands
    if "food_per_head" in bands:
        fb = bands["food_per_head"].sel(period=periods)
        lo, mid, hi = (fb.sel(quantile=q, method="nearest").to_numpy() for q in (0.05, 0.5, 0.95))
        ax.fill_between(x, lo, hi, color=style.ACTUAL, alpha=0.18, lw=0, label="simulated, 5–95 %")
        ax.plot(x, mid, color=style.ACTUAL, lw=1.6, label="simulated, median")
    if "food_per_head_lowest" in bands:
        fl = bands["food_per_head_lowest"].sel(period=periods)
        lo, mid = (fl.sel(quantile=q, method="nearest").to_numpy() for q in (0.05, 0.5))
        ax.plot(x, mid, color=style.ACTUAL, lw=1.0, ls=":", label="simulated, lowest region (median)")
        ax.plot(x, lo, color=style.ACTUAL, lw=0.8, ls=(0, (1, 3)), label="simulated, lowest region (5 %)")
    share = getattr(ensemble, "share_below_floor", None)
    labels = list(periods)
    if share is not None and len(share) == len(periods):
        labels = [f"{p}\n{100 * float(v):.0f} % of runs" for p, v in zip(periods, share, strict=True)]
        ax.set_xlabel(
            f"{style.time_label(periods)} (under each, the share of simulated runs in which the lowest region "
            "falls below the floor)",
            fontsize=7.5,
        )
    else:
        ax.set_xlabel(style.time_label(periods))
    pos = [periods.index(p) for p in food["period"]]
    ax.plot(pos, food["food_per_head"], color=style.PLAN, lw=1.8, ls="--", marker="o", ms=4, label="plan, province")
    ax.plot(pos, food["lowest"], color=style.MUTED, lw=1.0, ls=":", marker=".", label="plan, lowest region")
    ax.axhline(floor, color=style.FLOOR, lw=1.4)
    ax.annotate(
        f"floor {floor:g} kg",
        (x[-1], floor),
        xytext=(0, 4),
        textcoords="offset points",
        ha="right",
        color=style.FLOOR,
        fontsize=8,
    )
    ax.set_xticks(x, labels)
    ax.set_ylabel("grain per person [kg per year]")
    ax.set_title("Food per head against the floor")
    low, high = ax.get_ylim()
    ax.set_ylim(max(0.0, min(low, floor) - 0.1 * (high - low)), high + 0.05 * (high - low))
    ax.legend(loc="lower left", ncol=2, fontsize=7)
    return fig


def weak_link_label(row: pd.Series, names: dict[str, str] | None = None) -> str:
    """'material · Chemical fertilizer · Taiyuan · 1958' from a weak-link row (empty parts left out; ids shown by
    their names when ``names`` maps them); the plan's own ``label`` when it gives one (it names funds too)."""
    label = row.get("label")
    if isinstance(label, str) and label.strip():
        return label
    names = names or {}
    parts = [str(row.get(c, "")) for c in ("kind", "product", "region", "period")]
    return " · ".join(names.get(p, p) for p in parts if p and p not in ("nan", "None"))


def id_names(s: Scenario) -> dict[str, str]:
    """Display names of the scenario's regions and products by id, kind words dropped ('Qin County' → 'Qin')."""
    out = {r.id: r.name.replace(" Special District", "").replace(" County", "") for r in s.regions}
    out.update({p.id: p.name for p in s.products})
    return out


def weak_links_figure(s: Scenario, plan: PlanLike, top: int = 12) -> Figure:
    """The strongest weak links as ranked by the plan. Bars: what 1 % more of the link is worth (one unit for
    all links) when the plan gives it, else the shadow price; the label gives one more unit in its own unit."""
    wl = plan.weak_links.head(top)
    fig = style.figure(9.0, 0.7 + 0.36 * max(len(wl), 4))
    ax = fig.subplots()
    if wl.empty:
        style.no_data(ax, "No binding constraint: no weak link in this plan.")
        return fig
    shadow = wl["shadow_price"].abs().to_numpy(dtype=float)
    units = wl["unit"].astype(str).tolist()
    by_percent = "value_of_one_percent" in wl.columns and wl["value_of_one_percent"].notna().all()
    values = wl["value_of_one_percent"].abs().to_numpy(dtype=float) if by_percent else shadow
    kinds = list(dict.fromkeys(wl["kind"].astype(str)))
    colours = {k: style.CYCLE[i % len(style.CYCLE)] for i, k in enumerate(kinds)}
    y = np.arange(len(wl))[::-1]
    ax.barh(y, values, color=[colours[str(k)] for k in wl["kind"]], height=0.62)
    names = id_names(s)
    ax.set_yticks(y, [weak_link_label(r, names) for _, r in wl.iterrows()])
    positive = values[values > 0]
    if len(positive) and positive.max() / positive.min() > 100:
        ax.set_xscale("log")
    for yi, v, price, unit in zip(y, values, shadow, units, strict=True):
        text = (
            f" {fmt(float(v))}  (one more unit: {fmt(float(price))} {unit})"
            if by_percent
            else f" {fmt(float(v))} {unit}"
        )
        ax.annotate(text, (v, yi), va="center", fontsize=7)
    ax.set_xlim(right=ax.get_xlim()[1] * (8 if ax.get_xscale() == "log" else 1.9))
    ax.grid(axis="y", visible=False)
    ax.set_title("Weak links, ranked: what relaxing each one is worth")
    gauge = units[0].split(" per ")[0] if " per " in units[0] else ""
    ax.set_xlabel(
        f"worth of 1 % more of the link [{gauge or s.currency}]"
        if by_percent
        else "shadow price [each link's unit, given at its bar]"
    )
    ax.set_ylabel("binding constraint [kind · product · region · period]")
    if ax.get_xscale() != "log":
        (style.money_axis if by_percent else style.quantity_axis)(ax, "x")
    return fig
