"""Rich renderings of results for the terminal (the CLI's views; the library never prints).

One vocabulary everywhere: every figure carries its unit, output says whether it is gross or usable
(``GROSS_AND_USABLE``), numbers never wrap inside a cell (number columns are ``no_wrap``), and tables with a
column per period are split into several tables when they would not fit the terminal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Table

from leapplan.scenario.summary import GROSS_AND_USABLE

__all__ = [
    "GROSS_AND_USABLE",
    "PLAN_COST",
    "band",
    "fmt",
    "least_width",
    "number_table",
    "period_tables",
    "plan_cost",
    "print_table",
    "print_targets",
    "scenario_summary",
]


def fmt(value: float | None, unit: str = "") -> str:
    """A number the way a planner reads it: 1,234 or 12.3 million, with its unit."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    a = abs(value)
    if a >= 1e9:
        text = f"{value / 1e9:,.2f} billion"
    elif a >= 1e6:
        text = f"{value / 1e6:,.1f} million"
    elif a >= 100 or a == 0:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.3g}"
    return f"{text} {unit}".strip()


def band(low: float, mid: float, high: float) -> str:
    """A median and its 5–95 % range in the median's scale: '3.15 billion (3.14–3.18)', '170 (146–170)';
    the median alone when the range is one value at that precision."""
    if any(math.isnan(v) for v in (low, mid, high)):
        return "–"
    a = abs(mid)
    scale, word, digits = (
        (1e9, " billion", 2)
        if a >= 1e9
        else (1e6, " million", 1)
        if a >= 1e6
        else (1e3, " thousand", 0)
        if a >= 1e5
        else (1.0, "", 0)
    )
    if scale == 1.0 and a < 100:
        text, lo, hi = f"{mid:,.3g}", f"{low:,.3g}", f"{high:,.3g}"
    else:
        text = f"{mid / scale:,.{digits}f}{word}"
        lo, hi = f"{low / scale:,.{digits}f}", f"{high / scale:,.{digits}f}"
    return text if lo == hi else f"{text} ({lo}–{hi})"


def number_table(
    title: str, columns: Sequence[str], text_columns: int = 1, wrap: Sequence[str] = (), **kwargs: Any
) -> Table:
    """A table whose first ``text_columns`` columns are text (left-aligned) and the rest numbers (right-aligned).
    No cell ever wraps except in the text columns named in ``wrap`` (descriptions, explanations), and those
    only between words; ids, units and numbers stay whole."""
    t = Table(title=title, title_justify="left", **kwargs)
    for i, c in enumerate(columns):
        if i < text_columns:
            t.add_column(c, no_wrap=c not in wrap)
        else:
            t.add_column(c, justify="right", no_wrap=True)
    return t


def print_table(console: Console, table: Table) -> None:
    """Print a table so that no id, unit or number is squeezed or cut: the columns that may wrap wrap between
    words to fit the console; when even that is too wide, the table goes out at the least width that keeps
    every other cell whole (the terminal may then wrap whole lines)."""
    needed = least_width(console, table)
    if needed <= console.width:
        console.print(table)
        return
    width = console.width
    console.width = needed  # Console.print never renders wider than the console itself
    try:
        console.print(table)
    finally:
        console.width = width


def least_width(console: Console, table: Table) -> int:
    """The narrowest a table can be drawn with no cell cut: whole cells in ``no_wrap`` columns, the longest
    word in the others, plus padding (one space each side) and the box's rules [columns]."""
    unbounded = console.options.update_width(1_000_000)
    total = len(table.columns) + 1  # vertical rules, edges included
    for column in table.columns:
        sizes = [Measurement.get(console, unbounded, cell) for cell in [column.header, *column.cells]]
        total += 2 + max((m.maximum if column.no_wrap else m.minimum) for m in sizes)
    return total


def period_tables(
    console: Console,
    title: str,
    heads: Sequence[str],
    periods: Sequence[str],
    rows: Sequence[tuple[Sequence[str], Sequence[str]]],
) -> None:
    """Print rows of (head cells, one cell per period) as one table, or as several with the periods split
    between them when one would be wider than the console (head columns repeated in each)."""
    chunk = len(periods)
    while chunk > 1 and least_width(console, _period_table(title, heads, periods[:chunk], rows, 0)) > console.width:
        chunk -= 1
    parts = -(-len(periods) // max(chunk, 1))
    size = -(-len(periods) // parts)  # as even as the parts can be: 5 periods in two tables go 3 + 2
    for start in range(0, len(periods), size):
        part = periods[start : start + size]
        label = title if parts == 1 else f"{title}, {part[0]}" + (f"–{part[-1]}" if len(part) > 1 else "")
        print_table(console, _period_table(label, heads, part, rows, start))


def _period_table(
    title: str,
    heads: Sequence[str],
    periods: Sequence[str],
    rows: Sequence[tuple[Sequence[str], Sequence[str]]],
    start: int,
) -> Table:
    t = number_table(title, [*heads, *periods], text_columns=len(heads), wrap=heads[:1])
    for head, cells in rows:
        t.add_row(*head, *cells[start : start + len(periods)])
    return t


PLAN_COST = "plan cost (funds for new capacity + imports)"
"""What a plan's objective is, in words: the name every view gives it."""


def plan_cost(objective: float, solver: dict[str, Any] | None, currency: str = "yuan") -> str:
    """The plan's objective with its unit, and whether it is the least possible: '429.2 million yuan, the least
    possible' (not when the least-cost stage was skipped)."""
    stages = {str(s.get("stage")): str(s.get("status", "")) for s in (solver or {}).get("stages", [])}
    least = "" if stages.get("least cost", "").startswith("skipped") else ", the least possible"
    return f"{fmt(objective, currency)}{least}"


def print_targets(console: Console, targets: Any, counts: dict[str, str] | None = None) -> None:
    """The plan's targets (a frame with id, year, required, achievable, cut, unit): what each asks for in its
    year, what the plan achieves and what is cut, in the target's unit. ``counts``: target id → what it
    counts ('usable output value of local industry'), from ``scenario.summary.targets_table``."""
    columns = ["target", "year", *(["counts"] if counts else []), "required", "in the plan", "cut"]
    t = number_table(
        "Targets: required in the target year, and what the plan achieves", columns, 3 if counts else 2, ["counts"]
    )
    for _, r in targets.iterrows():
        unit = str(r["unit"])
        required = float(r["required"])
        cut = 0.0 if r["cut"] != r["cut"] else float(r["cut"])
        met = abs(cut) <= 1e-6 * max(abs(required), 1.0)
        share = f" ({100 * cut / required:.1f} %)" if required > 0 else ""
        t.add_row(
            str(r["id"]) + (" (hard)" if bool(r.get("hard", False)) else ""),
            str(r["year"]),
            *([counts.get(str(r["id"]), "")] if counts else []),
            fmt(required, unit),
            fmt(float(r["achievable"]), unit),
            "[green]met[/green]" if met else f"[yellow]{fmt(cut, unit)}{share}[/yellow]",
        )
    print_table(console, t)


def scenario_summary(console: Console, data: dict[str, Any]) -> None:
    """Print the scenario overview, base-year capacity and output, output value and the targets."""
    sc = data["scenario"]
    console.print(f"[bold]{sc['name']}[/bold] — {sc['title']}")
    console.print(
        f"base year {sc['base_year']}, plan years {sc['years'][0]}–{sc['years'][-1]} by {sc['period']}, "
        f"seed {sc['seed']}, scenario hash {sc['hash'][:12]}"
    )
    plural = {
        "city": "cities",
        "county": "counties",
        "township": "townships",
        "prefecture": "prefectures",
        "province": "provinces",
    }
    regions = ", ".join(f"{n} {k if n == 1 else plural[k]}" for k, n in sc["regions"].items())
    console.print(f"regions: {regions}; population {fmt(sc['population'], 'persons')}")
    console.print(
        f"{sc['products']} products, {sum(sc['technologies'].values())} technologies, "
        f"{sum(sc['enterprises'].values())} enterprises, {len(sc['networks'])} networks, {len(sc['zones'])} zones, "
        f"funds {fmt(sc['funds'], 'yuan')}, {sc['targets']} targets"
    )
    console.print(f"[dim]{GROSS_AND_USABLE}[/dim]")
    base = sc["base_year"]

    cap = number_table(
        f"Capacity and output in {base} (product units per year)",
        ["product", "unit", "modern capacity", "indigenous capacity", "gross output", "usable output"],
        text_columns=2,
    )
    for r in data["capacity"]:
        cap.add_row(
            r["product"],
            r["unit"],
            fmt(r["capacity_modern"]),
            fmt(r["capacity_indigenous"]),
            fmt(r["output"]),
            fmt(r["usable_output"]),
        )
    print_table(console, cap)

    ov = number_table(
        f"Output value in {base} by sector and ownership (yuan at {base} prices)",
        ["sector", "ownership", "local industry", "gross", "usable"],
        text_columns=3,
    )
    for r in data["output_value"]:
        ov.add_row(r["sector"], r["ownership"], "yes" if r["local"] else "", fmt(r["value"]), fmt(r["usable_value"]))
    print_table(console, ov)

    tg = number_table(
        f"Targets and the growth they imply (output value: usable, yuan at {base} prices)",
        ["target", "year", f"in {base}", "required", "growth / year"],
        text_columns=1,
        wrap=["target"],
    )
    relative = []
    for r in data["targets"]:
        growth = "–" if r["annual_growth"] is None else f"{100 * r['annual_growth']:.1f} %"
        if r["required"] is None:
            relative.append(r)
            required = f"{r['value']:g} × {r['reference']}"
            growth += " *"
        else:
            required = fmt(r["required"], r["unit"])
        tg.add_row(
            f"{r['id']}\n[dim]{escape(r['description'])}[/dim]",
            str(r["year"]),
            fmt(r["base"], r["unit"]),
            required,
            growth,
        )
    print_table(console, tg)
    if relative:
        ids = ", ".join(r["id"] for r in relative)
        ref = relative[0]
        console.print(
            f"* {ids}: a multiple of {ref['reference']} in the target year, which the plan decides "
            f"(`leapplan plan` gives the required value); the growth holds {ref['reference']} at its {base} "
            f"level, {fmt(ref['reference_base'], ref['unit'])}.",
            highlight=False,
        )
