"""The planning loops side by side (``simulate --replan``): re-planning on audited figures, on reported figures,
and never, on the same simulated runs; median and 5–95 % band of each metric per period."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from leapplan.report import style

COLOURS = {"audited": "#1d4ed8", "reported": "#d97706", "none": "#6e7781"}
"""Colour of each loop."""
DASHES = {"audited": "-", "reported": "--", "none": ":"}
"""Line style of each loop (loops that agree draw over one another: the dashes keep each visible)."""
LABELS = {
    "audited": "re-planned on audited figures",
    "reported": "re-planned on reported figures",
    "none": "never re-planned",
}

PANELS = (
    ("fulfilment_usable", "Usable output / the plan in force", "share", 1.0),
    ("food_lowest", "Food per head, lowest region", "kg per person per year", 1.0),
    ("below_floor", "Runs with a region below the food floor", "% of runs", 100.0),
    ("idle", "Capacity in service left idle", "% of its output value", 100.0),
    ("built", "New capacity the plan in force starts", "million yuan of output per year", 1e-6),
    ("gap", "Reported output above the real", "%", 100.0),
    ("grain_stock", "Grain in store at the year's end", "million t", 1e-6),
    ("farm_workers", "Farm workers in the plan in force", "million persons", 1e-6),
)
"""(metric, panel title, unit, scale to the unit); a metric the runs lack (loops written before it) leaves its
panel out."""


def loops_figure(data: dict[str, Any], food_floor: float | None = None) -> Figure:
    """One panel per metric of ``data`` (``LoopResult.to_json()``): each loop's median over runs and its
    5–95 % band (for runs below the floor: the share of runs), period by period."""
    runs = pd.DataFrame(data["per_run"])
    periods = list(data["periods"])
    x = np.arange(len(periods))
    loops = list(dict.fromkeys(runs["loop"])) if len(runs) else []
    fig = style.figure(14.0, 6.6)
    axes = np.atleast_1d(fig.subplots(2, 4, squeeze=False)).ravel()
    for ax, (metric, title, unit, scale) in zip(axes, PANELS, strict=True):
        if len(runs) and metric not in runs:
            ax.set_visible(False)
            continue
        for loop in loops:
            mine = runs[runs["loop"] == loop]
            by = mine.groupby("period")[metric]
            if metric == "below_floor":
                share = by.mean().reindex(periods).to_numpy(dtype=float) * scale
                colour, dash = COLOURS.get(loop, style.INK), DASHES.get(loop, "-")
                ax.plot(x, share, color=colour, ls=dash, lw=1.8, marker="o", ms=3, label=LABELS.get(loop, loop))
                ax.set_ylim(0, max(5.0, float(np.nanmax(share)) * 1.15 if np.isfinite(share).any() else 5.0))
                continue
            _band(ax, x, by, periods, scale, loop)
        if metric == "food_lowest" and food_floor is not None:
            ax.axhline(food_floor, color=style.FLOOR, lw=1.0, ls=":", label="food floor")
        ax.set_title(title, fontsize=9.5)
        ax.set_xticks(x, periods, fontsize=7.5)
        ax.set_xlabel(style.time_label(periods), fontsize=7.5)
        ax.set_ylabel(unit, fontsize=7.5)
    handles: dict[str, Any] = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    fig.legend(list(handles.values()), list(handles.keys()), loc="outside lower center", ncol=4, fontsize=8)
    fig.suptitle(
        f"{data['scenario']}: the planning loops on the same {data['runs']} simulated runs each "
        "(median and 5–95 % band)",
        x=0.01,
        ha="left",
        fontsize=10,
        weight="bold",
    )
    return fig


def _band(ax: Axes, x: np.ndarray, by: Any, periods: list[str], scale: float, loop: str) -> None:
    colour, dash, label = COLOURS.get(loop, style.INK), DASHES.get(loop, "-"), LABELS.get(loop, loop)
    q = by.quantile([0.05, 0.5, 0.95]).unstack().reindex(periods) * scale
    ax.fill_between(x, q[0.05].to_numpy(dtype=float), q[0.95].to_numpy(dtype=float), color=colour, alpha=0.10, lw=0)
    ax.plot(x, q[0.5].to_numpy(dtype=float), color=colour, ls=dash, lw=1.8, marker="o", ms=3, label=label)
