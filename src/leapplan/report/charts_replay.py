"""The history replay as a chart: the announced policies and leapplan's plan side by side, median and 5–95 % band
of each series per year (``leapplan replay --out DIR`` writes it as ``replay.png``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from leapplan.report import style

ANNOUNCED = "#b42318"
"""Colour of the announced policies' trajectory."""
LEAPPLAN = "#1d4ed8"
"""Colour of leapplan's plan's trajectory."""

PANELS = (
    ("steel produced", "steel reported", "Steel, Mt"),
    ("pig iron produced", "pig iron reported", "Pig iron, Mt"),
    ("coal produced", "coal reported", "Coal, Mt"),
    ("grain harvested", "grain reported", "Grain, Mt"),
    ("food per head, lowest region", None, "Food per head, lowest region, kg/yr"),
    ("farm labour", None, "Farm labour, M persons"),
    ("non-farm labour", None, "Non-farm labour, M persons"),
    ("gross output value", "gross output value reported", "Gross output value, bn yuan"),
    ("grain procured", None, "Grain procured, Mt"),
)
"""(series, its reported twin drawn dashed or None, panel title)."""


def replay_figure(data: dict[str, Any]) -> Figure:
    """One panel per series of ``data`` (``Replay.to_json()``): both trajectories' median and 5–95 % band, the
    announced trajectory's reported figures dashed, the food floor on the food panel."""
    rows = data["rows"]
    periods = list(dict.fromkeys(r["period"] for r in rows))
    x = np.arange(len(periods))
    fig = style.figure(11.0, 9.0)
    axes = np.atleast_1d(fig.subplots(3, 3, squeeze=False)).ravel()
    for ax, (series, reported, title) in zip(axes, PANELS, strict=True):
        mine = [r for r in rows if r["series"] == series]
        if not mine:
            style.no_data(ax, f"no {series} in this replay")
            continue
        for name, colour in (("announced", ANNOUNCED), ("leapplan", LEAPPLAN)):
            _band(ax, x, [r.get(name) for r in mine], colour, name)
        if reported is not None:
            twin = [r.get("announced") for r in rows if r["series"] == reported]
            if twin and all(b is not None for b in twin):
                ax.plot(x, [b["0.5"] for b in twin], color=ANNOUNCED, lw=1.1, ls="--", label="announced, reported")
        if series.startswith("food per head"):
            ax.axhline(data["food_floor"], color=style.MUTED, lw=1.0, ls=":", label="food floor")
        ax.set_title(title, fontsize=9.5)
        ax.set_xticks(x, periods, fontsize=7.5)
        ax.set_xlabel(style.time_label(periods), fontsize=7.5)
        ax.set_ylabel(mine[0]["unit"], fontsize=7.5)
        ax.set_ylim(bottom=0)
    handles: dict[str, Any] = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    fig.legend(list(handles.values()), list(handles.keys()), loc="outside lower center", ncol=4, fontsize=8)
    below = data["share_below_floor_any_year"]
    fig.suptitle(
        f"{data['scenario']}: the announced policies and leapplan's plan, {data['runs']} runs each (median, 5–95 %)\n"
        f"runs with a region below the food floor in some year: announced {100 * below['announced']:.0f} %, "
        f"leapplan {100 * below['leapplan']:.0f} %",
        x=0.01,
        ha="left",
        fontsize=10,
        weight="bold",
    )
    return fig


def _band(ax: Axes, x: np.ndarray, bands: list[dict[str, float] | None], colour: str, label: str) -> None:
    if any(b is None for b in bands):
        return
    lo, mid, hi = (np.array([b[q] for b in bands if b is not None]) for q in ("0.05", "0.5", "0.95"))
    ax.fill_between(x, lo, hi, color=colour, alpha=0.15, lw=0)
    ax.plot(x, mid, color=colour, lw=1.8, marker="o", ms=3, label=label)
