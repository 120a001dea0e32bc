"""The run summary on the terminal: rich tables of the plan, its targets, weak links and the simulation."""

from __future__ import annotations

import pandas as pd
from rich.console import Console
from rich.table import Table

from leapplan.console import fmt
from leapplan.report.charts_plan import weak_link_label
from leapplan.report.inputs import EnsembleLike, PlanLike, status_text
from leapplan.report.style import money

STATUS_STYLE = {"feasible": "green", "targets_cut": "yellow", "infeasible": "red"}


def print_run_summary(console: Console, plan: PlanLike, ensemble: EnsembleLike, top: int = 8) -> None:
    """Print the plan status, targets (required, achievable, cut), the strongest weak links and the
    simulated key figures of the last period."""
    status = status_text(plan.status)
    solver = plan.solver or {}
    colour = STATUS_STYLE.get(status, "white")
    console.print(
        f"plan [bold {colour}]{status}[/bold {colour}] — solver {solver.get('name', '?')} "
        f"{solver.get('status', '')}, objective {fmt(float(plan.objective))}"
        + (f"; {plan.reason}" if plan.reason else ""),
        highlight=False,
    )
    tg = Table(title="Targets", title_justify="left")
    for col in ("target", "year", "required", "achievable", "cut"):
        tg.add_column(col, justify="left" if col == "target" else "right")
    for _, r in plan.targets.iterrows():
        cut = 0.0 if pd.isna(r["cut"]) else float(r["cut"])
        tg.add_row(
            str(r["id"]) + (" (hard)" if bool(r.get("hard", False)) else ""),
            str(r["year"]),
            fmt(float(r["required"]), str(r["unit"])),
            fmt(float(r["achievable"]), str(r["unit"])),
            "[green]met[/green]"
            if abs(cut) <= 1e-6 * max(abs(float(r["required"])), 1.0)
            else f"[yellow]{fmt(cut)}[/yellow]",
        )
    console.print(tg)
    if len(plan.weak_links):
        wl = Table(title=f"Weak links (top {min(top, len(plan.weak_links))})", title_justify="left")
        for col in ("#", "link", "worth of one more unit", "why"):
            wl.add_column(col, justify="right" if col in ("#", "worth of one more unit") else "left")
        for i, (_, r) in enumerate(plan.weak_links.head(top).iterrows(), 1):
            wl.add_row(
                str(i),
                weak_link_label(r),
                fmt(abs(float(r["shadow_price"])), str(r["unit"])),
                str(r.get("explanation", "")),
            )
        console.print(wl)
    bands = ensemble.bands
    if "period" in bands.dims and bands.sizes["period"]:
        last = str(bands["period"].values[-1])
        sim = Table(
            title=f"Simulation, {ensemble.runs} runs (seed {ensemble.seed}): {last}, median and 5–95 % range",
            title_justify="left",
        )
        for col in ("series", "plan", "reported", "actual", "usable"):
            sim.add_column(col, justify="left" if col == "series" else "right")

        def band(var: str, **sel: str) -> str:
            if var not in bands:
                return "–"
            da = bands[var].sel({"period": last, **sel})
            lo, mid, hi = (float(da.sel(quantile=q, method="nearest")) for q in (0.05, 0.5, 0.95))
            return f"{money(mid)} [dim]{money(lo)}–{money(hi)}[/dim]"

        if "output_value_actual" in bands:
            sim.add_row(
                "output value (yuan)",
                band("output_value_planned"),
                band("output_value_reported"),
                band("output_value_actual"),
                band("output_value_usable"),
            )
        if "food_per_head" in bands:
            sim.add_row("food per head (kg)", "–", "–", band("food_per_head"), "–")
        if "product" in bands.dims:
            units = (
                dict(zip(map(str, bands["product"].values), map(str, bands["unit"].values), strict=True))
                if "unit" in bands
                else {}
            )
            for prod in [
                p for p in ("steel", "pig_iron", "coal", "grain") if p in set(map(str, bands["product"].values))
            ]:
                sim.add_row(
                    f"{prod} ({units[prod]})" if prod in units else prod,
                    band("planned", product=prod),
                    band("reported", product=prod),
                    band("actual", product=prod),
                    band("usable", product=prod),
                )
        console.print(sim)
