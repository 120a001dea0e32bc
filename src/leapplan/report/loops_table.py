"""The planning loops' medians as a table: one list of columns for the console and the HTML report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

OUTPUT, CAPACITY = "output and food", "capacity built and left idle, and the reports"
"""The two tables the console splits the columns into (the HTML report shows them as one)."""


@dataclass(frozen=True)
class LoopColumn:
    """One metric of ``LoopResult.table`` as shown: its heading, the factor to the shown unit and the format."""

    table: str
    heading: str
    metric: str
    scale: float
    form: str


LOOP_COLUMNS: tuple[LoopColumn, ...] = (
    LoopColumn(OUTPUT, "output (real), M yuan", "output_real", 1e-6, "{:,.1f}"),
    LoopColumn(OUTPUT, "fulfilment real", "fulfilment_real", 100.0, "{:.1f} %"),
    LoopColumn(OUTPUT, "usable", "fulfilment_usable", 100.0, "{:.1f} %"),
    LoopColumn(OUTPUT, "least food per head, kg", "food_lowest", 1.0, "{:,.0f}"),
    LoopColumn(OUTPUT, "runs below floor", "below_floor", 100.0, "{:.0f} %"),
    LoopColumn(OUTPUT, "farm workers, M", "farm_workers", 1e-6, "{:,.2f}"),
    LoopColumn(OUTPUT, "grain in store, Mt", "grain_stock", 1e-6, "{:,.2f}"),
    LoopColumn(CAPACITY, "built, M yuan/yr", "built", 1e-6, "{:,.2f}"),
    LoopColumn(CAPACITY, "idle capacity", "idle", 100.0, "{:.1f} %"),
    LoopColumn(CAPACITY, "idle in the plan", "idle_planned", 100.0, "{:.1f} %"),
    LoopColumn(CAPACITY, "idle capital", "idle_capital", 100.0, "{:.1f} %"),
    LoopColumn(CAPACITY, "idle new", "idle_new", 100.0, "{:.1f} %"),
    LoopColumn(CAPACITY, "reported − real", "gap", 100.0, "{:+.1f} %"),
)
"""The loops' columns in the order shown. Fulfilment is against the plan in force; idle shares value capacity at
its output's price; reported − real is relative to real output."""


def loop_figures(table: pd.DataFrame, table_name: str | None = None) -> tuple[list[str], list[list[str]]]:
    """(headings, rows of shown figures) of the loops' ``table`` (one row per loop and period): loop, period and each
    column of ``LOOP_COLUMNS`` in ``table_name`` (all when None) that ``table`` has (loops written before a metric
    existed lack it)."""
    columns = [c for c in LOOP_COLUMNS if (table_name is None or c.table == table_name) and c.metric in table]
    heads = ["loop", "period", *(c.heading for c in columns)]
    rows = [
        [str(r["loop"]), str(r["period"]), *(c.form.format(float(r[c.metric]) * c.scale) for c in columns)]
        for r in table.to_dict("records")
    ]
    return heads, rows


def replans_made(loop: str, made: int, failed: int, seconds: float, log: list[dict[str, Any]]) -> str:
    """A loop's re-plans in a phrase, e.g. 'audited 2 (1 failed, 135.0 s: 65.0 s and 7.5 LPs a re-plan; 1 levels
    settled by the past)', from its counts, its re-planning seconds and the loops' ``replan_log`` (the re-plans made
    only; loops written before the log: the counts only)."""
    text = f"{loop} {made} ({failed} failed, {seconds:,.1f} s"
    mine = [r for r in log if r["loop"] == loop and r["made"]]
    if not mine:
        return text + ")"
    each = sum(r["seconds"] for r in mine) / len(mine)
    lps = sum(r["lps"] for r in mine) / len(mine)
    settled = sum(r["settled"] for r in mine)
    return text + f": {each:.1f} s and {lps:.1f} LPs a re-plan; {settled} levels settled by the past)"
