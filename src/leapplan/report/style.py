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
from matplotlib.ticker import FuncFormatter, LogFormatter, NullFormatter, ScalarFormatter

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
    """One rendered chart: ``name`` (file stem), ``title``, ``caption`` (how to read it), ``png`` bytes and the
    ``axes`` labels, (x, y) per panel with axes (none for diagrams)."""

    name: str
    title: str
    caption: str
    png: bytes
    axes: tuple[tuple[str, str], ...] = ()


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
    return render_figure(draw)[0]


def render_figure(draw: Callable[[], Figure]) -> tuple[bytes, tuple[tuple[str, str], ...]]:
    """Draw a figure inside the report style, with plain numbers on every axis (``plain_numbers``); return its
    PNG bytes and the (x, y) labels of each panel that has axes."""
    with chart_style():
        fig = draw()
        plain_numbers(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 2})
    return buf.getvalue(), axis_labels(fig)


def plain_numbers(fig: Figure) -> None:
    """No offset ('1e6') and no scientific notation on any axis: matplotlib's default formatter is told to
    write plain numbers, and a log axis gets the quantity formatter (1.2 m, 25 k)."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, ScalarFormatter):
                formatter.set_useOffset(False)
                formatter.set_scientific(False)
            elif isinstance(formatter, LogFormatter):
                axis.set_major_formatter(FuncFormatter(quantity))
                axis.set_minor_formatter(NullFormatter())


def axis_labels(fig: Figure) -> tuple[tuple[str, str], ...]:
    """(x label, y label) of every panel whose axes are shown; a figure-wide label stands in for a panel's."""
    sup_x = fig.get_supxlabel() if hasattr(fig, "get_supxlabel") else ""
    sup_y = fig.get_supylabel() if hasattr(fig, "get_supylabel") else ""
    return tuple((ax.get_xlabel() or sup_x, ax.get_ylabel() or sup_y) for ax in fig.axes if ax.axison)


def time_label(periods: list[str]) -> str:
    """The label of a time axis over ``periods``: 'year', or 'quarter' when the periods are quarters."""
    return "quarter" if any("Q" in p for p in periods) else "year"


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
