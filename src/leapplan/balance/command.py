"""``leapplan balance``: required outputs, multipliers, key sectors and the weak-link chain.

Registered by the lead in ``cli.py`` as ``app.command("balance")(balance)``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from leapplan.errors import BalanceError

if TYPE_CHECKING:
    import pandas as pd

    from leapplan.balance.analysis import BalanceResult
    from leapplan.balance.system import IOSystem


class SolverName(StrEnum):
    """The Leontief solvers of ``balance.solve.Method``, by name (a test holds them equal)."""

    auto = "auto"
    lu = "lu"
    jacobi = "jacobi"
    gmres = "gmres"
    bicgstab = "bicgstab"


def sector_label(value: object) -> str:
    """'region/sector' for (region, sector) pairs; markets of a scenario are shown by product alone."""
    from leapplan.balance.scenario_system import MARKET

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
) -> tuple[IOSystem, Units]:
    """The system to balance, from CSV tables when ``table`` is given, else from the scenario; and the units
    of its products and extension rows (empty for tables, which carry no units)."""
    from leapplan.balance.scenario_system import scenario_system
    from leapplan.balance.tables import read_table

    if table is not None or final_demand is not None:
        if scenario is not None:
            raise BalanceError("give either a SCENARIO or --table/--final-demand, not both")
        if table is None or final_demand is None:
            raise BalanceError("--table and --final-demand go together: give both CSV files")
        return read_table(table, final_demand, flows=flows, capacity=capacity, extensions=extensions), Units()
    from leapplan.scenario import load

    s = load(scenario)
    products = {p.id: p.unit for p in s.products}
    rows = {"labour": "person-years", "value_added": s.currency} | {f"uses:{k}": u for k, u in products.items()}
    return scenario_system(s), Units(products, rows, s.currency)


@dataclass(frozen=True)
class Units:
    """Units of a balance system: ``products`` id → unit, extension ``rows`` → unit, ``money``; empty for a
    system read from tables, whose units the tables do not say ('table units')."""

    products: dict[str, str] = field(default_factory=dict)
    rows: dict[str, str] = field(default_factory=dict)
    money: str = "money"

    def of(self, sector: object) -> str:
        """The unit of a sector's output (its product's unit), or 'table units'."""
        product = sector[-1] if isinstance(sector, tuple) else sector
        return self.products.get(str(product), "table units")

    def of_row(self, row: object) -> str:
        """The unit of an extension row, or 'table units'."""
        return self.rows.get(str(row), "table units")


def check_demand(text: str, system: IOSystem) -> None:
    """Name an unknown product in a --demand change, with the closest known one and every known product."""
    from leapplan.scenario.validate import suggest

    if "=" not in text:
        return  # not a change at all: parse_demand_change says what one looks like
    product = text.split("=", 1)[0].strip()
    level = system.sectors.get_level_values(-1) if system.is_multiregional else system.sectors
    known = sorted({str(p) for p in level})
    if product in known:
        return
    close = suggest(product, known)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise BalanceError(
        f"--demand {text!r}: unknown product {product!r}{hint}; the {len(known)} products are: {', '.join(known)}"
    )


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


def _fmt(v: float) -> str:
    if not math.isfinite(v):
        return "∞" if v > 0 else "—"
    return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"


def print_result(r: BalanceResult, console: Console, top: int, units: Units | None = None) -> None:
    """Rich tables: summary, required output, multipliers, key sectors and the weak-link chain, each number
    column with its unit (a scenario's products carry their own; tables read from CSV say 'table units')."""
    import numpy as np

    from leapplan.console import number_table, print_table

    units = units or Units()
    s = r.system
    p = r.productivity
    console.print(
        f"[bold]{s.name}[/]: {s.n:,} sectors, {s.A.nnz:,} coefficients; spectral radius "
        f"{'' if p.exact else '≤ '}{p.radius:.4g} (productive); solver {r.method}, {r.seconds:.2f} s"
    )
    if units.products:
        console.print("[dim]Scenario systems count usable output (gross output × the usable-quality share).[/dim]")
    x = r.output
    value = x * s.value_scale()[s.producing]
    if s.is_multiregional:
        # one row per product: sum over regions (units differ between products, never between regions)
        x = x.groupby(level=-1, sort=False).sum()
        value = value.groupby(level=-1, sort=False).sum()
    order = value.sort_values(ascending=False).index[:top]
    t = number_table(
        f"Required output (top {len(order)} by value)", ["sector", "unit", "output", f"value\n({units.money})"], 2
    )
    for k in order:
        t.add_row(sector_label(k), units.of(k), _fmt(float(x.loc[k])), _fmt(float(value.loc[k])))
    print_table(console, t)

    focus = np.flatnonzero(r.focus)
    ext = r.multipliers.extensions
    shown_rows = [row for row in ext.index if not str(row).startswith("uses:")]
    shown_rows += [row for row in ext.index if str(row) in ("uses:coal", "uses:transport")]
    order = focus[np.argsort(-r.multipliers.output.to_numpy()[focus], kind="stable")][:top]
    t = number_table(
        "Multipliers: all that one more unit of the sector's product for final demand takes, directly and "
        "through its inputs (per unit of the product)",
        [
            "sector",
            "unit",
            f"output\n({units.money}/{units.money})",
            *[f"{sector_label(c).removeprefix('uses:').replace('_', ' ')}\n({units.of_row(c)})" for c in shown_rows],
        ],
        2,
    )
    for k in order:
        t.add_row(
            sector_label(s.sectors[k]),
            units.of(s.sectors[k]),
            _fmt(float(r.multipliers.output.iloc[k])),
            *[_fmt(float(ext.iat[ext.index.get_loc(row), k])) for row in shown_rows],
        )
    print_table(console, t)

    ranked = r.linkages.table[r.linkages.table["rank"] > 0].sort_values("rank").head(top)
    t = number_table(
        "Key-sector ranking: Rasmussen backward and Ghosh forward linkage indices (1 = average)",
        ["sector", "role", "rank", "backward", "forward"],
        2,
    )
    for k, row in ranked.iterrows():
        t.add_row(sector_label(k), row["role"], str(row["rank"]), f"{row['backward']:.3f}", f"{row['forward']:.3f}")
    print_table(console, t)

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
            t = number_table(
                "Weak-link chain, nearest the demand first (output and capacity per year)",
                ["sector", "unit", "steps", "required", "capacity", "shortfall"],
                2,
            )
            for k, row in w.chain.head(top).iterrows():
                t.add_row(
                    sector_label(k),
                    units.of(k),
                    f"{row['steps']:.2f}",
                    _fmt(row["required"]),
                    _fmt(row["capacity"]),
                    f"[red]{_fmt(row['shortfall'])}[/]",
                )
            print_table(console, t)
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
    method: Annotated[SolverName, typer.Option("--method", help="Leontief solver.")] = SolverName.auto,
    top: Annotated[int, typer.Option("--top", help="Rows shown per table.")] = 10,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Material balance: required outputs, multipliers, key sectors and the weak-link chain."""
    from leapplan.balance.analysis import analyse
    from leapplan.balance.weak_links import parse_demand_change

    system, units = load_system(scenario, table, final_demand, flows, capacity, extensions)
    for text in demand or []:
        check_demand(text, system)
    changes = [parse_demand_change(d) for d in demand or []]
    result = analyse(system, changes, method=method.value)
    if json_out:
        typer.echo(json.dumps(result_json(result), indent=1, allow_nan=False))
        return
    print_result(result, Console(), top, units)


def labels_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a result frame with flat text sector labels (for CSV or display)."""
    return frame.set_axis([sector_label(k) for k in frame.index], axis=0)
