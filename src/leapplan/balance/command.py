"""``leapplan balance``: required outputs, multipliers, key sectors and the weak-link chain.

Registered by the lead in ``cli.py`` as ``app.command("balance")(balance)``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from leapplan.balance.analysis import BalanceResult, analyse
from leapplan.balance.scenario_system import MARKET, scenario_system
from leapplan.balance.solve import Method
from leapplan.balance.system import IOSystem
from leapplan.balance.tables import read_table
from leapplan.balance.weak_links import parse_demand_change
from leapplan.errors import BalanceError


def sector_label(value: object) -> str:
    """'region/sector' for (region, sector) pairs; markets of a scenario are shown by product alone."""
    if isinstance(value, tuple):
        if value[0] == MARKET:
            return str(value[-1])
        return "/".join(str(p) for p in value)
    return str(value)


def _num(v: float) -> float | None:
    return None if not math.isfinite(v) else float(v)


def load_system(
    scenario: str | None,
    table: Path | None,
    final_demand: Path | None,
    flows: bool,
    capacity: Path | None,
    extensions: Path | None,
) -> IOSystem:
    """The system to balance: from CSV tables when ``table`` is given, else from the scenario."""
    if table is not None or final_demand is not None:
        if scenario is not None:
            raise BalanceError("give either a SCENARIO or --table/--final-demand, not both")
        if table is None or final_demand is None:
            raise BalanceError("--table and --final-demand go together: give both CSV files")
        return read_table(table, final_demand, flows=flows, capacity=capacity, extensions=extensions)
    from leapplan.scenario import load

    return scenario_system(load(scenario))


def result_json(r: BalanceResult) -> dict[str, Any]:
    """The result as plain JSON-ready data: ``{"x": {sector: value}, "multipliers": …, …}``."""
    s = r.system
    focus = s.sectors[r.focus]
    mult = {"output": r.multipliers.output[r.focus]}
    for row in r.multipliers.extensions.index:
        mult[sector_label(row)] = r.multipliers.extensions.loc[row][r.focus]
    links = r.linkages.table[r.focus]
    out: dict[str, Any] = {
        "system": {"name": s.name, "sectors": s.n, "nonzeros": int(s.A.nnz), "method": r.method, "seconds": r.seconds},
        "productivity": {
            "spectral_radius": r.productivity.radius,
            "exact": r.productivity.exact,
            "productive": r.productivity.productive,
        },
        "x": {sector_label(k): _num(v) for k, v in r.output.items()},
        "multipliers": {sector_label(k): {name: _num(float(v.loc[k])) for name, v in mult.items()} for k in focus},
        "linkages": {
            sector_label(k): {
                "backward": _num(row["backward"]),
                "forward": _num(row["forward"]),
                "role": row["role"],
                "rank": int(row["rank"]),
            }
            for k, row in links.iterrows()
        },
        "key_sectors": [sector_label(k) for k in r.linkages.key_sectors().index],
    }
    if r.weak_links is not None:
        w = r.weak_links
        out["weak_links"] = [
            {
                "sector": sector_label(k),
                "required": _num(row.required),
                "capacity": _num(row.capacity),
                "shortfall": _num(row.shortfall),
                "steps": _num(row.steps),
            }
            for k, row in w.chain.iterrows()
        ]
        out["products"] = {
            str(k): {c: _num(float(row[c])) for c in ["base", "change", "required", "capacity", "shortfall", "steps"]}
            for k, row in w.products.iterrows()
        }
    return out


def _table(title: str, columns: list[str]) -> Table:
    t = Table(title=title, title_justify="left")
    for i, c in enumerate(columns):
        t.add_column(c, justify="left" if i == 0 else "right")
    return t


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "∞" if v > 0 else "—"
    return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"


def print_result(r: BalanceResult, console: Console, top: int) -> None:
    """Rich tables: summary, required output, multipliers, key sectors and the weak-link chain."""
    s = r.system
    p = r.productivity
    console.print(
        f"[bold]{s.name}[/]: {s.n:,} sectors, {s.A.nnz:,} coefficients; spectral radius "
        f"{'' if p.exact else '≤ '}{p.radius:.4g} (productive); solver {r.method}, {r.seconds:.2f} s"
    )
    x = r.output
    value = x * s.value_scale()[s.producing]
    if s.is_multiregional:
        # one row per product: sum over regions (units differ between products, never between regions)
        x = x.groupby(level=-1, sort=False).sum()
        value = value.groupby(level=-1, sort=False).sum()
    order = value.sort_values(ascending=False).index[:top]
    t = _table(f"Required output (top {len(order)} by value)", ["sector", "output"])
    for k in order:
        t.add_row(sector_label(k), _fmt(float(x.loc[k])))
    console.print(t)

    focus = np.flatnonzero(r.focus)
    ext = r.multipliers.extensions
    shown_rows = [row for row in ext.index if not str(row).startswith("uses:")]
    shown_rows += [row for row in ext.index if str(row) in ("uses:coal", "uses:transport")]
    order = focus[np.argsort(-r.multipliers.output.to_numpy()[focus], kind="stable")][:top]
    t = _table("Multipliers per unit of final demand", ["sector", "output", *[sector_label(c) for c in shown_rows]])
    for k in order:
        t.add_row(
            sector_label(s.sectors[k]),
            _fmt(float(r.multipliers.output.iloc[k])),
            *[_fmt(float(ext.iat[ext.index.get_loc(row), k])) for row in shown_rows],
        )
    console.print(t)

    ranked = r.linkages.table[r.linkages.table["rank"] > 0].sort_values("rank").head(top)
    t = _table(
        "Key-sector ranking (Rasmussen backward, Ghosh forward)", ["rank", "sector", "backward", "forward", "role"]
    )
    for k, row in ranked.iterrows():
        t.add_row(str(row["rank"]), sector_label(k), f"{row['backward']:.3f}", f"{row['forward']:.3f}", row["role"])
    console.print(t)

    if r.weak_links is not None:
        w = r.weak_links
        if w.chain.empty:
            has_cap = s.capacity is not None
            console.print(
                "[green]No weak links:[/] every sector's required output is within its capacity."
                if has_cap
                else "No capacities given: the weak-link chain needs --capacity."
            )
        else:
            t = _table(
                "Weak-link chain (nearest the demand first)", ["sector", "steps", "required", "capacity", "shortfall"]
            )
            for k, row in w.chain.head(top).iterrows():
                t.add_row(
                    sector_label(k),
                    f"{row['steps']:.2f}",
                    _fmt(row["required"]),
                    _fmt(row["capacity"]),
                    f"[red]{_fmt(row['shortfall'])}[/]",
                )
            console.print(t)
            chain = " ← ".join(dict.fromkeys(str(i[-1]) if isinstance(i, tuple) else str(i) for i in w.chain.index))
            console.print(f"[bold]chain:[/] {chain}")


def balance(
    scenario: Annotated[str | None, typer.Argument(help="Scenario name or path (default: shanxi-1958).")] = None,
    demand: Annotated[
        list[str] | None,
        typer.Option(
            "--demand", help="Extra final demand: steel=+20% (of base steel output) or steel=+5000 (t); repeatable."
        ),
    ] = None,
    table: Annotated[
        Path | None, typer.Option("--table", help="CSV coefficient matrix A (or flows Z with --flows).")
    ] = None,
    final_demand: Annotated[Path | None, typer.Option("--final-demand", help="CSV final demand Y.")] = None,
    flows: Annotated[bool, typer.Option("--flows", help="--table holds flows Z, not coefficients A.")] = False,
    capacity: Annotated[Path | None, typer.Option("--capacity", help="CSV capacity per sector (weak links).")] = None,
    extensions: Annotated[Path | None, typer.Option("--extensions", help="CSV extension coefficients S.")] = None,
    method: Annotated[Method, typer.Option("--method", help="Leontief solver.")] = Method.auto,
    top: Annotated[int, typer.Option("--top", help="Rows shown per table.")] = 10,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Material balance: required outputs, multipliers, key sectors and the weak-link chain."""
    changes = [parse_demand_change(d) for d in demand or []]
    system = load_system(scenario, table, final_demand, flows, capacity, extensions)
    result = analyse(system, changes, method=method)
    if json_out:
        typer.echo(json.dumps(result_json(result), indent=1, allow_nan=False))
        return
    print_result(result, Console(), top)


def labels_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a result frame with flat text sector labels (for CSV or display)."""
    return frame.set_axis([sector_label(k) for k in frame.index], axis=0)
