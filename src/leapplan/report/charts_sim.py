"""Charts of the simulation: Monte Carlo bands of key products (plan vs reported vs actual vs usable),
and output value as planned, as reported and as it really was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from leapplan.report import style
from leapplan.report.inputs import EnsembleLike, PlanLike
from leapplan.scenario.model import Scenario

KEY_PRODUCTS = ("steel", "pig_iron", "coal", "grain", "cement", "fertilizer", "farm_tools", "electricity")
SERIES = (
    ("usable", style.USABLE, "usable"),
    ("actual", style.ACTUAL, "actual"),
    ("reported", style.REPORTED, "reported"),
    ("planned", style.PLAN, "plan"),
)
"""Drawn in this order, so the plan lies on top and equal series stay visible."""


def key_products(s: Scenario, bands: xr.Dataset, count: int = 6) -> list[str]:
    """Products to show: the named key products present, then the largest by planned output value."""
    if "product" not in bands.dims:
        return []
    present = [str(p) for p in bands["product"].values]
    chosen = [p for p in KEY_PRODUCTS if p in present]
    if len(chosen) < count and "planned" in bands:
        price = {p.id: p.price for p in s.products}
        med = bands["planned"].sel(quantile=0.5, method="nearest").sum("period")
        rest = sorted(
            (p for p in present if p not in chosen), key=lambda p: -float(med.sel(product=p)) * price.get(p, 0)
        )
        chosen += rest
    return chosen[:count]


def _band(ax: Axes, x: np.ndarray, da: xr.DataArray, colour: str, label: str, dashed: bool = False) -> None:
    lo, mid, hi = (da.sel(quantile=q, method="nearest").to_numpy() for q in (0.05, 0.5, 0.95))
    if not dashed:
        ax.fill_between(x, lo, hi, color=colour, alpha=0.16, lw=0)
    ax.plot(x, mid, color=colour, lw=1.7 if not dashed else 1.4, ls="--" if dashed else "-", label=label)


def bands_figure(s: Scenario, ensemble: EnsembleLike) -> Figure:
    """One panel per key product: the plan, and the simulated reported, actual and usable output (5–95 %)."""
    bands = ensemble.bands
    products = key_products(s, bands)
    cols = 3 if len(products) > 4 else 2
    rows = max(1, int(np.ceil(len(products) / cols)))
    fig = style.figure(11.0, 0.6 + 2.6 * rows)
    if not products:
        style.no_data(fig.subplots(), "The ensemble has no product series.")
        return fig
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    periods = list(s.periods)
    x = np.arange(len(periods))
    meta = {p.id: p for p in s.products}
    for ax, prod in zip(axes, products, strict=False):
        for var, colour, label in SERIES:
            if var in bands:
                _band(ax, x, bands[var].sel(product=prod, period=periods), colour, label, dashed=var == "planned")
        ax.set_title(f"{meta[prod].name if prod in meta else prod} ({meta[prod].unit if prod in meta else ''})")
        ax.set_xticks(x, periods, fontsize=7)
        style.quantity_axis(ax)
        low, high = ax.get_ylim()
        pad = max(0.08 * (high - low), 0.02 * abs(high))
        ax.set_ylim(max(0.0, low - pad), high + pad)
    for ax in axes[len(products) :]:
        ax.set_axis_off()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="upper right", ncol=4, fontsize=8)
    fig.suptitle(
        f"Simulated output, {ensemble.runs} runs: median and 5–95 % band",
        x=0.01,
        ha="left",
        fontsize=10.5,
        weight="bold",
    )
    return fig


def plan_output_value(s: Scenario, plan: PlanLike) -> pd.Series:
    """Planned output value per period, all sectors and ownership [yuan]."""
    ov = plan.output_value.copy()
    ov["period"] = ov["period"].astype(str)
    return ov.groupby("period")["value"].sum().reindex(list(s.periods)).fillna(0.0)


def reported_vs_actual(s: Scenario, plan: PlanLike, ensemble: EnsembleLike) -> Figure:
    """Output value as planned, as reported (median, 5–95 %) and as really produced (median, 5–95 %)."""
    periods = list(s.periods)
    x = np.arange(len(periods))
    fig = style.figure(7.5, 4.0)
    ax = fig.subplots()
    bands = ensemble.bands
    ax.plot(x, plan_output_value(s, plan).to_numpy(), color=style.PLAN, ls="--", lw=1.6, marker="o", ms=4, label="plan")
    for var, colour, label in (
        ("output_value_reported", style.REPORTED, "reported"),
        ("output_value_actual", style.ACTUAL, "actual"),
    ):
        if var in bands:
            _band(ax, x, bands[var].sel(period=periods), colour, f"{label} (median, 5–95 %)")
    if "output_value_reported" in bands and "output_value_actual" in bands:
        rep = bands["output_value_reported"].sel(period=periods[-1]).sel(quantile=0.5, method="nearest")
        act = bands["output_value_actual"].sel(period=periods[-1]).sel(quantile=0.5, method="nearest")
        if float(act) > 0:
            gap = float(rep) / float(act) - 1
            ax.annotate(
                f"reports {100 * gap:+.0f} % over actual",
                (x[-1], float(rep)),
                xytext=(-4, 8),
                textcoords="offset points",
                ha="right",
                fontsize=8,
                color=style.REPORTED,
            )
    ax.set_xticks(x, periods)
    ax.set_ylabel("yuan at base-year prices")
    style.money_axis(ax)
    ax.set_ylim(bottom=0)
    ax.set_title("Output value: planned, reported and actual")
    ax.legend(loc="lower left")
    return fig
