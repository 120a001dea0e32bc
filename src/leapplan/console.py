"""Rich renderings of results for the terminal (the CLI's views; the library never prints)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def fmt(value: float, unit: str = "") -> str:
    """A number the way a planner reads it: 1,234 or 12.3 million."""
    if value is None:
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


def scenario_summary(console: Console, data: dict[str, Any]) -> None:
    """Print the scenario overview, capacity, base-year output value and targets."""
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
    console.print(f"regions: {regions}; population {fmt(sc['population'])}")
    console.print(
        f"{sc['products']} products, {sum(sc['technologies'].values())} technologies, "
        f"{sum(sc['enterprises'].values())} enterprises, {len(sc['networks'])} networks, {len(sc['zones'])} zones, "
        f"funds {fmt(sc['funds'], 'yuan')}, {sc['targets']} targets"
    )

    cap = Table(title="Base-year capacity and output", title_justify="left")
    for col in ("product", "unit", "modern capacity", "indigenous capacity", "output"):
        cap.add_column(col, justify="left" if col in ("product", "unit") else "right")
    for r in data["capacity"]:
        cap.add_row(r["product"], r["unit"], fmt(r["capacity_modern"]), fmt(r["capacity_indigenous"]), fmt(r["output"]))
    console.print(cap)

    ov = Table(title="Base-year output value by sector and ownership (yuan, base-year prices)", title_justify="left")
    for col in ("sector", "ownership", "output value", "local industry"):
        ov.add_column(col, justify="right" if col == "output value" else "left")
    for r in data["output_value"]:
        ov.add_row(r["sector"], r["ownership"], fmt(r["value"]), "yes" if r["local"] else "")
    console.print(ov)

    tg = Table(title="Targets and the growth they imply", title_justify="left")
    for col in ("target", "year", "base", "required", "growth / year"):
        tg.add_column(col, justify="left" if col == "target" else "right")
    for r in data["targets"]:
        growth = "–" if r["annual_growth"] is None else f"{100 * r['annual_growth']:.1f} %"
        tg.add_row(
            f"{r['id']}: {r['description']}",
            str(r["year"]),
            fmt(r["base"], r["unit"]),
            fmt(r["required"], r["unit"]),
            growth,
        )
    console.print(tg)
