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
    ("usable", style.USABLE, "usable, simulated"),
    ("actual", style.ACTUAL, "gross, simulated"),
    ("reported", style.REPORTED, "reported (gross), simulated"),
)
"""The simulated bands, drawn in this order so that equal series stay visible; the plan's lines go on top."""


def planned_output(s: Scenario, plan: PlanLike) -> pd.DataFrame:
    """The plan's output per period and product, gross and usable [product unit per period]: columns period,
    product, gross, usable. Farm grain (from the food table) is all usable."""
    prod = plan.production
    usable = prod["usable_quantity"] if "usable_quantity" in prod.columns else prod["quantity"]
    frame = pd.DataFrame(
        {
            "period": prod["period"].astype(str),
            "product": prod["product"].astype(str),
            "gross": prod["quantity"].astype(float),
            "usable": usable.astype(float),
        }
    )
    grain_id = s.agriculture.grain_product
    if len(plan.food) and "grain_output" in plan.food.columns and grain_id not in set(frame["product"]):
        food = plan.food
        grain = pd.DataFrame(
            {
                "period": food["period"].astype(str),
                "product": grain_id,
                "gross": food["grain_output"].astype(float),
                "usable": food["grain_output"].astype(float),
            }
        )
        frame = pd.concat([frame, grain], ignore_index=True)
    return frame.groupby(["period", "product"], as_index=False)[["gross", "usable"]].sum()


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


def bands_figure(s: Scenario, ensemble: EnsembleLike, plan: PlanLike | None = None) -> Figure:
    """One panel per key product: the plan's gross and usable output (dashed) against the simulated gross,
    usable and reported output (median and 5–95 % band) — usable against usable, gross against gross."""
    bands = ensemble.bands
    products = key_products(s, bands)
    cols = 3 if len(products) > 4 else 2
    rows = max(1, int(np.ceil(len(products) / cols)))
    fig = style.figure(11.0, 0.8 + 2.7 * rows)
    if not products:
        style.no_data(fig.subplots(), "The ensemble has no product series.")
        return fig
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    periods = list(s.periods)
    x = np.arange(len(periods))
    meta = {p.id: p for p in s.products}
    planned = planned_output(s, plan) if plan is not None and len(plan.production) else None
    for ax, prod in zip(axes, products, strict=False):
        for var, colour, label in SERIES:
            if var in bands:
                _band(ax, x, bands[var].sel(product=prod, period=periods), colour, label)
        if planned is not None:
            mine = planned[planned["product"] == prod].set_index("period")[["gross", "usable"]]
            mine = mine.reindex(periods).fillna(0.0)
            ax.plot(x, mine["gross"], color=style.PLAN, lw=1.4, ls="--", label="gross, plan")
            ax.plot(x, mine["usable"], color=style.USABLE, lw=1.4, ls="--", label="usable, plan")
        elif "planned" in bands:
            _band(ax, x, bands["planned"].sel(product=prod, period=periods), style.PLAN, "gross, plan", dashed=True)
        unit = meta[prod].unit if prod in meta else ""
        ax.set_title(meta[prod].name if prod in meta else prod)
        ax.set_xticks(x, periods, fontsize=7)
        ax.set_xlabel(style.time_label(periods), fontsize=7.5)
        ax.set_ylabel(f"output [{unit} per {style.time_label(periods)}]", fontsize=7.5)
        style.quantity_axis(ax)
        low, high = ax.get_ylim()
        pad = max(0.08 * (high - low), 0.02 * abs(high))
        ax.set_ylim(max(0.0, low - pad), high + pad)
    for ax in axes[len(products) :]:
        ax.set_axis_off()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=5, fontsize=8)
    fig.suptitle(
        f"Output, plan against {ensemble.runs} simulated runs (median and 5–95 % band)",
        x=0.01,
        ha="left",
        fontsize=10.5,
        weight="bold",
    )
    return fig


def plan_output_value(s: Scenario, plan: PlanLike, column: str = "value") -> pd.Series:
    """Planned output value per period, all sectors and ownership, gross (``value``) or usable
    (``usable_value``) [yuan at base-year prices]."""
    ov = plan.output_value.copy()
    ov["period"] = ov["period"].astype(str)
    if column not in ov.columns:
        column = "value"
    return ov.groupby("period")[column].sum().reindex(list(s.periods)).fillna(0.0)


def reported_vs_actual(s: Scenario, plan: PlanLike, ensemble: EnsembleLike) -> Figure:
    """Output value: planned, reported and really produced (gross), and planned against produced usable."""
    periods = list(s.periods)
    x = np.arange(len(periods))
    fig = style.figure(7.5, 4.2)
    ax = fig.subplots()
    bands = ensemble.bands
    for column, colour, label in (("value", style.PLAN, "gross, plan"), ("usable_value", style.USABLE, "usable, plan")):
        line = plan_output_value(s, plan, column).to_numpy()
        ax.plot(x, line, color=colour, ls="--", lw=1.6, marker="o", ms=4, label=label)
    for var, colour, label in (
        ("output_value_reported", style.REPORTED, "reported (gross)"),
        ("output_value_actual", style.ACTUAL, "gross"),
        ("output_value_usable", style.USABLE, "usable"),
    ):
        if var in bands:
            _band(ax, x, bands[var].sel(period=periods), colour, f"{label}, simulated")
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
    ax.set_xlabel(style.time_label(periods))
    ax.set_ylabel(f"output value [{s.currency} at {s.base_year} prices]")
    style.money_axis(ax)
    ax.set_ylim(bottom=0)
    ax.set_title("Output value: planned, reported and real, gross and usable")
    ax.legend(loc="lower left", ncol=2, fontsize=7)
    return fig
