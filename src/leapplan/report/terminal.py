"""The run summary on the terminal: rich tables of the plan, its targets, weak links and the simulation."""

from __future__ import annotations

from rich.console import Console

from leapplan.console import PLAN_COST, band, fmt, number_table, plan_cost, print_table, print_targets
from leapplan.report.charts_plan import weak_link_label
from leapplan.report.inputs import EnsembleLike, PlanLike, status_text

STATUS_STYLE = {"feasible": "green", "targets_cut": "yellow", "infeasible": "red"}


def print_run_summary(
    console: Console,
    plan: PlanLike,
    ensemble: EnsembleLike,
    top: int = 8,
    *,
    counts: dict[str, str] | None = None,
    base_year: int | None = None,
) -> None:
    """Print the plan status and cost, targets (required, achieved in the plan, cut), the strongest weak links
    and the simulated key figures of the last period. ``counts``: target id → what the target counts (from
    ``scenario.summary.targets_table``); ``base_year`` names the prices of output values."""
    status = status_text(plan.status)
    solver = plan.solver or {}
    colour = STATUS_STYLE.get(status, "white")
    console.print(
        f"plan [bold {colour}]{status}[/bold {colour}] — solver {solver.get('name', '?')} "
        f"{solver.get('status', '')}; {PLAN_COST} {plan_cost(float(plan.objective), solver)}"
        + (f"; {plan.reason}" if plan.reason else ""),
        highlight=False,
    )
    print_targets(console, plan.targets, counts)
    if len(plan.weak_links):
        wl = number_table(
            f"Weak links (top {min(top, len(plan.weak_links))})",
            ["#", "link", "why", "worth of one more unit"],
            text_columns=3,
            wrap=["why"],
        )
        for i, (_, r) in enumerate(plan.weak_links.head(top).iterrows(), 1):
            wl.add_row(
                str(i),
                weak_link_label(r),
                str(r.get("explanation", "")),
                fmt(abs(float(r["shadow_price"])), str(r["unit"])),
            )
        print_table(console, wl)
    bands = ensemble.bands
    if "period" not in bands.dims or not bands.sizes["period"]:
        return
    last = str(bands["period"].values[-1])
    prices = f"yuan at {base_year} prices" if base_year else "yuan at base-year prices"
    sim = number_table(
        f"Simulation, {ensemble.runs} runs (seed {ensemble.seed}), {last}: median (5–95 % range)",
        ["series", "unit", "plan (gross)", "reported (gross)", "actual (gross)", "usable"],
        text_columns=2,
        wrap=["series", "unit"],
    )

    def cell(var: str, **sel: str) -> str:
        if var not in bands:
            return "–"
        da = bands[var].sel({"period": last, **sel})
        lo, mid, hi = (float(da.sel(quantile=q, method="nearest")) for q in (0.05, 0.5, 0.95))
        return band(lo, mid, hi)

    if "output_value_actual" in bands:
        sim.add_row(
            "output value",
            prices,
            cell("output_value_planned"),
            cell("output_value_reported"),
            cell("output_value_actual"),
            cell("output_value_usable"),
        )
    if "food_per_head" in bands:
        sim.add_row("food per head", "kg per person per year", "–", "–", cell("food_per_head"), "–")
    if "product" in bands.dims:
        present = set(map(str, bands["product"].values))
        units = (
            dict(zip(map(str, bands["product"].values), map(str, bands["unit"].values), strict=True))
            if "unit" in bands
            else {}
        )
        for prod in [p for p in ("steel", "pig_iron", "coal", "grain") if p in present]:
            sim.add_row(
                prod,
                units.get(prod, ""),
                cell("planned", product=prod),
                cell("reported", product=prod),
                cell("actual", product=prod),
                cell("usable", product=prod),
            )
    print_table(console, sim)
