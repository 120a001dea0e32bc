"""The look of every chart: fonts, colours, one figure factory and PNG rendering.

Charts are drawn on ``matplotlib.figure.Figure`` objects with the Agg canvas, never through
``pyplot``, so nothing global is switched; rcParams are set only inside ``rc_context``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

DPI = 130
"""Resolution of the PNG files and of the images in the HTML report [dots per inch]."""

INK = "#1f2328"
MUTED = "#6e7781"
GRID = "#d8dee4"
FLOOR = "#b42318"
PLAN = "#1f2328"
REPORTED = "#d97706"
ACTUAL = "#1d4ed8"
USABLE = "#15803d"

OWNERSHIP_ORDER: tuple[str, ...] = (
    "county",
    "township",
    "cooperative",
    "city",
    "prefecture",
    "provincial",
    "central",
    "collective",
)
"""Stacking order, bottom up: county first so county-run targets read off the first band."""

OWNERSHIP_COLOURS: dict[str, str] = {
    "county": "#1b5e20",
    "township": "#388e3c",
    "cooperative": "#81c784",
    "city": "#0277bd",
    "prefecture": "#4fc3f7",
    "provincial": "#9575cd",
    "central": "#9e9e9e",
    "collective": "#c8a165",
}
SECTOR_COLOURS: dict[str, str] = {"agriculture": "#a16207", "industry": "#1d4ed8", "transport": "#6b7280"}
CYCLE: tuple[str, ...] = (
    "#1d4ed8",
    "#d97706",
    "#15803d",
    "#b42318",
    "#7c3aed",
    "#0e7490",
    "#be185d",
    "#4d7c0f",
    "#92400e",
    "#475569",
)

RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 9,
    "axes.labelcolor": INK,
    "axes.edgecolor": MUTED,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.5,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "legend.frameon": False,
    "legend.fontsize": 8,
    "text.color": INK,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


@dataclass(frozen=True)
class Chart:
    """One rendered chart: ``name`` (file stem), ``title``, ``caption`` (how to read it), ``png`` bytes."""

    name: str
    title: str
    caption: str
    png: bytes


@contextmanager
def chart_style() -> Iterator[None]:
    """rcParams of the report, set only for the duration of the block."""
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        yield


def figure(width: float, height: float, constrained: bool = True) -> Figure:
    """A new figure [inches] on the Agg canvas; constrained layout unless ``constrained`` is False (for
    axis-free diagrams with many labels, where measuring every label costs more than it gives)."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    return fig


def render(draw: Callable[[], Figure]) -> bytes:
    """Draw a figure inside the report style and return it as PNG bytes."""
    with chart_style():
        fig = draw()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 2})
    return buf.getvalue()


def money(value: float, _pos: object = None) -> str:
    """Axis label for yuan: 1.2 bn, 350 m, 40 k."""
    a = abs(value)
    if a >= 1e9:
        return f"{value / 1e9:.3g} bn"
    if a >= 1e6:
        return f"{value / 1e6:.3g} m"
    if a >= 1e3:
        return f"{value / 1e3:.3g} k"
    return f"{value:.3g}"


def quantity(value: float, _pos: object = None) -> str:
    """Axis label for physical quantities, three significant figures: 1.25 m, 25.5 k, 820."""
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:.3g} m"
    if a >= 1e3:
        return f"{value / 1e3:.3g} k"
    return f"{value:.3g}"


def money_axis(ax: Axes, axis: str = "y") -> None:
    """Format an axis in yuan with bn / m / k."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(money))


def quantity_axis(ax: Axes, axis: str = "y") -> None:
    """Format an axis of quantities with m / k."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(quantity))


def no_data(ax: Axes, text: str) -> None:
    """Say plainly on an axis that there is nothing to draw."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", color=MUTED, transform=ax.transAxes, wrap=True)
