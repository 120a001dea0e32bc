"""``write_report``: tables (CSV + Parquet), charts (PNG) and one self-contained ``report.html``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from leapplan.console import PLAN_COST, fmt, plan_cost
from leapplan.report import charts_flows, charts_loops, charts_map, charts_plan, charts_sim, plan_views, style
from leapplan.report.html import Section, esc, page, table_html
from leapplan.report.inputs import EnsembleLike, PlanLike
from leapplan.report.loops_table import loop_figures, replans_made
from leapplan.report.meta import provenance, run_info
from leapplan.report.tables import collect, write_tables
from leapplan.scenario.model import Scenario
from leapplan.scenario.summary import GROSS_AND_USABLE, targets_table

log = logging.getLogger(__name__)

CAPTIONS: dict[str, tuple[str, str]] = {
    "output_value": (
        "Output value by ownership level and by sector, against the targets",
        "Left: local industry (everything but central state industry) stacked by who runs it, county-run at the "
        "bottom so the county target reads off the first band. A red line is what a target asks for in its year, "
        "the red dot what the plan achieves. Right: all output value by sector. Usable output, as the targets "
        "count it, in yuan at base-year prices.",
    ),
    "industry_vs_agriculture": (
        "Local industry against agriculture",
        "The picture behind \u201ccatch up with agriculture in four years, greatly exceed it in five\u201d: the "
        "blue line must rise to the red target marks. The small numbers give local industry as a multiple of "
        "agriculture each year.",
    ),
    "food_per_head": (
        "Food per head against the floor",
        "Grain available per person. Dashed: the plan for the whole province; dotted: the worst-off region in the "
        "plan; blue: what the simulated runs give (median and 5\u201395 % band). Nothing may fall below the red floor.",
    ),
    "weak_links": (
        "The weak links, ranked",
        "Each bar is a binding constraint of the plan \u2014 a capacity, a material balance, a corridor, labour, "
        "technicians or funds in one place and period \u2014 in the plan's ranking. The bar is what relaxing it by "
        "1 % is worth, the same unit for every link; the label says what one more unit of it (a tonne, a worker, "
        "a yuan) is worth, its shadow price, in the link's own unit.",
    ),
    "support_flows": (
        "Support flows",
        "Who sends what to whom over the whole plan: network hubs send technicians and equipment to their "
        "members; cities send machines, funds and technicians to the counties of their zone, counties send food "
        "and labourers back. Band width is proportional to the quantity; receivers (and sending counties) are grouped by special district.",
    ),
    "region_map": (
        "Regions, zones and networks",
        "The region tree from the province (left) to the counties; each county's colour and line show the "
        "collaboration zone it belongs to; the dot columns on the right show which regions hold a network's hub "
        "(star) or members (dot).",
    ),
    "simulated_bands": (
        "Monte Carlo bands of key products",
        "Like against like: the plan's usable output (green, dashed) against the usable output of the simulated "
        "runs (green), and the plan's gross output (black, dashed) against the simulated gross output (blue) and "
        "what the units report (orange): median lines and 5\u201395 % bands across the runs. The gap between the "
        "dashed lines is the plan's own low-quality output; the gap between a dashed line and its band is what "
        "the frictions cost. Product units per period.",
    ),
    "plan_reported_actual": (
        "Plan, reports and reality",
        "Output value as planned, as the units report it and as it really was in the simulation, gross (black, "
        "orange, blue) and usable (green). The gap between orange and blue is over-reporting; the gap between "
        "a dashed line and the band of its colour is the shortfall against the plan.",
    ),
}


LOOPS_CAPTION: dict[str, tuple[str, str]] = {
    "loops": (
        "Re-planning on audited figures, on reported figures, and never",
        "The same simulated runs carried out three ways: re-planned after every period from the audited state "
        "(blue), from the units' reports as they stand (orange, dashed: the historical ratchet), and never (grey, "
        "dotted). Lines are medians over runs, bands the 5\u201395 % range; runs below the floor are the share of "
        "runs. The loops are equal in the first period by construction.",
    ),
}
"""The chart of the planning loops, drawn when the report is given them (``leapplan run --replan-runs``)."""


def _charts(s: Scenario, plan: PlanLike, ensemble: EnsembleLike) -> list[tuple[str, Callable[[], Figure]]]:
    return [
        ("output_value", lambda: charts_plan.output_value_figure(s, plan)),
        ("industry_vs_agriculture", lambda: charts_plan.industry_vs_agriculture_figure(s, plan)),
        ("food_per_head", lambda: charts_plan.food_figure(s, plan, ensemble)),
        ("weak_links", lambda: charts_plan.weak_links_figure(s, plan)),
        ("support_flows", lambda: charts_flows.support_figure(s, plan.support)),
        ("region_map", lambda: charts_map.region_map_figure(s)),
        ("simulated_bands", lambda: charts_sim.bands_figure(s, ensemble, plan)),
        ("plan_reported_actual", lambda: charts_sim.reported_vs_actual(s, plan, ensemble)),
    ]


def balance_table(balance: Any) -> pd.DataFrame:
    """Key sectors of a ``BalanceResult``: [sector, backward, forward, role, rank], strongest first."""
    from leapplan.balance.command import sector_label

    table = balance.linkages.table
    table = table[table["rank"] > 0].sort_values("rank")
    return pd.DataFrame(
        {
            "sector": [sector_label(k) for k in table.index],
            "backward": table["backward"].to_numpy(dtype=float),
            "forward": table["forward"].to_numpy(dtype=float),
            "role": table["role"].astype(str).to_numpy(),
            "rank": table["rank"].to_numpy(dtype=int),
        }
    )


FINAL_COLUMNS = {
    "plan_gross": "plan, gross",
    "reported": "reported (gross)",
    "actual": "actual (gross)",
    "plan_usable": "plan, usable",
    "usable": "actual, usable",
}
"""Columns of ``final_medians`` and their headings in the report."""


def final_medians(s: Scenario, ensemble: EnsembleLike, plan: PlanLike | None = None) -> pd.DataFrame:
    """Last period, key products: the plan's gross and usable output and the medians of the runs' reported,
    actual (gross) and usable output [product unit per period]."""
    bands = ensemble.bands
    last = s.periods[-1]
    units = {p.id: p.unit for p in s.products}
    names = {p.id: p.name for p in s.products}
    planned = charts_sim.planned_output(s, plan) if plan is not None and len(plan.production) else None
    rows = []
    for prod in charts_sim.key_products(s, bands, count=8):
        row: dict[str, Any] = {"product": names.get(prod, prod), "unit": units.get(prod, "")}
        mine = planned[(planned["product"] == prod) & (planned["period"] == last)] if planned is not None else None
        for var in FINAL_COLUMNS:
            if var.startswith("plan_"):
                row[var] = float(mine[var.removeprefix("plan_")].sum()) if mine is not None else float("nan")
            elif var in bands:
                row[var] = float(bands[var].sel(product=prod, period=last).sel(quantile=0.5, method="nearest"))
        rows.append(row)
    return pd.DataFrame(rows, columns=["product", "unit", *FINAL_COLUMNS])


def support_totals(s: Scenario, support: pd.DataFrame) -> pd.DataFrame:
    """Support over the whole plan by kind, and by product for goods, each with its unit: [kind, what, unit,
    quantity] (technicians and labour in persons, funds in the scenario's currency, goods in their unit)."""
    units = {p.id: p.unit for p in s.products}
    names = {p.id: p.name for p in s.products}
    if not len(support):
        return pd.DataFrame(columns=["kind", "what", "unit", "quantity"])
    frame = support.assign(what=support["product"].fillna("").astype(str) if "product" in support.columns else "")
    total = frame.groupby(["kind", "what"], as_index=False)["quantity"].sum()
    unit_of_kind = {"technicians": "persons", "labour": "persons", "funds": s.currency}
    total["unit"] = [
        units.get(w, "") if k == "product" else unit_of_kind.get(k, "")
        for k, w in zip(total["kind"], total["what"], strict=True)
    ]
    total["what"] = [names.get(w, w) if w else k for k, w in zip(total["kind"], total["what"], strict=True)]
    return total[["kind", "what", "unit", "quantity"]]


def targets_frame(s: Scenario, plan: PlanLike) -> pd.DataFrame:
    """The plan's targets with what the planners said, what each counts, its source, and the required,
    achieved and cut values as text in the target's unit ('291.1 million yuan', 'met')."""
    desc = {t.id: t.description for t in s.targets}
    src = {t.id: t.source for t in s.targets}
    counts = {t["id"]: t["counts"] for t in targets_table(s)}
    frame = plan.targets.copy()
    cut = frame["cut"].astype(float).fillna(0.0)
    required = frame["required"].astype(float)
    met = cut.abs() <= 1e-6 * required.abs().clip(lower=1.0)
    share = (100 * cut / required.where(required > 0)).fillna(0.0)
    return frame.assign(
        description=frame["id"].map(desc).fillna(""),
        source=frame["id"].map(src).fillna(""),
        counts=frame["id"].map(counts).fillna(""),
        priority=["hard" if bool(h) else str(p) for h, p in zip(frame["hard"], frame["priority"], strict=True)],
        required=[fmt(float(v), str(u)) for v, u in zip(required, frame["unit"], strict=True)],
        achievable=[fmt(float(v), str(u)) for v, u in zip(frame["achievable"], frame["unit"], strict=True)],
        cut=[
            "met" if ok else f"{fmt(float(c), str(u))} ({p:.1f} %)"
            for ok, c, u, p in zip(met, cut, frame["unit"], share, strict=True)
        ],
    )


def _cards(
    s: Scenario, plan: PlanLike, ensemble: EnsembleLike, info: dict[str, Any]
) -> list[tuple[str, str, str, str]]:
    cards = []
    status = info["plan_status"]
    cards.append(
        (
            "Plan",
            status.replace("_", " "),
            f"solver {info['solver']} {info['solver_status']}".strip(),
            "ok" if status == "feasible" else "warn",
        )
    )
    t = plan.targets
    if len(t):
        met = int((t["cut"].fillna(0.0).abs() <= 1e-6 * t["required"].abs().clip(lower=1.0)).sum())
        cards.append(
            ("Targets met in full", f"{met} of {len(t)}", f"{len(t) - met} cut", "ok" if met == len(t) else "warn")
        )
    if len(plan.weak_links):
        top = plan.weak_links.iloc[0]
        cards.append(
            (
                "Weakest link",
                charts_plan.weak_link_label(top, charts_plan.id_names(s)),
                f"one more unit: {fmt(abs(float(top['shadow_price'])))} {top['unit']}",
                "",
            )
        )
    food = charts_plan.province_food(s, plan)
    floor = s.guardrails.food_per_head
    share = getattr(ensemble, "share_below_floor", None)
    if len(food):
        low = float(food["lowest"].min())
        note = f"floor {floor:g}; lowest region {food.loc[food['lowest'].idxmin(), 'lowest_region']}"
        if "food_per_head" in ensemble.bands:
            sim = float(ensemble.bands["food_per_head"].sel(quantile=0.05, method="nearest").min())
            note += f"; simulated 5 % low {sim:,.0f}"
        below = (
            share is not None and len(share) > 0 and float(np.max(share)) > max(1 - s.guardrails.food_risk, 0.0) + 1e-9
        )
        cards.append(
            ("Least food per head, plan", f"{low:,.0f} kg", note, "warn" if low < floor - 1e-6 or below else "ok")
        )
    if share is not None and len(share) == len(s.periods) and len(share):
        worst = int(np.argmax(share))
        allowed = 1 - s.guardrails.food_risk if s.guardrails.food_risk > 0 else 0.0
        cards.append(
            (
                "Runs with a region below the floor",
                f"{100 * float(share[worst]):.0f} %",
                f"in {s.periods[worst]}, the worst period; of {ensemble.runs} runs; the plan covers all but "
                f"{100 * allowed:.0f} %",
                "warn" if float(share[worst]) > allowed + 1e-9 else "ok",
            )
        )
    both = charts_plan.local_vs_agriculture(charts_plan.yearly_output_value(s, plan))
    if len(both) and both["agriculture"].iloc[-1] > 0:
        r = both["local_industry"].iloc[-1] / both["agriculture"].iloc[-1]
        cards.append(
            (
                f"Local industry ÷ agriculture, {both.index[-1]}",
                f"{r:.2f}",
                f"base year {both['local_industry'].iloc[0] / max(both['agriculture'].iloc[0], 1e-9):.2f}",
                "",
            )
        )
    b = ensemble.bands
    if "output_value_reported" in b and "output_value_actual" in b:
        last = s.periods[-1]
        rep = float(b["output_value_reported"].sel(period=last).sel(quantile=0.5, method="nearest"))
        act = float(b["output_value_actual"].sel(period=last).sel(quantile=0.5, method="nearest"))
        if act > 0:
            cards.append(
                (
                    "Reports over actual",
                    f"{100 * (rep / act - 1):+.0f} %",
                    f"median of {ensemble.runs} runs, {last}",
                    "warn" if rep > act * 1.02 else "ok",
                )
            )
    return cards


def _inputs(info: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("scenario", f"{info['scenario']}"),
        ("scenario hash (sha256)", info["hash"]),
        ("leapplan", info["leapplan"]),
        ("generated", info["generated"]),
        ("solver", f"{info['solver']} {info['solver_method']}".strip() or "–"),
        ("solver status", info["solver_status"] or "–"),
        ("plan status", info["plan_status"] + (f" — {info['reason']}" if info["reason"] else "")),
        (PLAN_COST, plan_cost(info["objective"], info["solver_info"], info["currency"])),
        ("scenario seed", str(info["scenario_seed"])),
        ("simulation seed, runs", f"{info['simulation_seed']}, {info['runs']} runs"),
        ("periods", f"{info['periods'][0]}–{info['periods'][-1]} (base year {info['base_year']})"),
        ("simulated frictions", ", ".join(f.replace("_", " ") for f in info["frictions"]) or "–"),
        ("solve time", "–" if info["solve_seconds"] is None else f"{float(info['solve_seconds']):.2f} s"),
    ]


def _sections(
    s: Scenario,
    plan: PlanLike,
    ensemble: EnsembleLike,
    charts: dict[str, style.Chart],
    tables: dict[str, pd.DataFrame],
    balance_rows: pd.DataFrame | None,
) -> list[Section]:
    wl_cols = [
        c
        for c in ("target", "kind", "period", "explanation", "shadow_price", "unit")  # names in words, not ids
        if c in plan.weak_links.columns
    ]
    targets = targets_frame(s, plan)
    totals = support_totals(s, plan.support)
    cuts = [esc(x) for x in plan.targets.get("explanation", pd.Series(dtype=object)) if isinstance(x, str) and x]
    risk = plan_views.food_risk(s, plan, ensemble)
    builds = plan_views.builds_by_kind(s, plan)
    rebuilt = plan_views.upgrades_by_region(s, plan)
    g = s.guardrails
    prov = provenance(s)
    n_est = int(prov["estimate"].sum() + prov["partly_estimate"].sum())
    sections = [
        Section(
            "targets",
            "Targets and output value",
            [
                "What the planners asked for and what this plan can deliver. Targets that cannot all be met are cut "
                "in priority order. Output-value targets count usable output in yuan at "
                f"{s.base_year} prices; each figure is in the unit of its row.",
                *cuts,
            ],
            [charts["output_value"], charts["industry_vs_agriculture"]],
            [
                (
                    "Targets",
                    table_html(
                        targets,
                        ["id", "description", "year", "priority", "counts", "required", "achievable", "cut", "source"],
                        [
                            "target",
                            "what the planners said",
                            "year",
                            "priority",
                            "counts",
                            "required",
                            "in the plan",
                            "cut",
                            "source",
                        ],
                    ),
                )
            ],
            ["plan_targets", "plan_output_value"],
        ),
        Section(
            "food",
            "Food",
            [
                f"No plan may leave less than {g.food_per_head:g} kg of grain per person per year, and at least "
                f"{100 * g.min_farm_share:.0f} % of the labour force must stay in the fields. The plan feeds every "
                f"region at least {100 * g.consumption_per_head:.0f} % of what it ate per head in {s.base_year} "
                f"and keeps each farm region's grain at {100 * g.agriculture:.0f} % of {s.base_year}'s or more. "
                f"Against bad harvests it holds a margin above the floor and a state grain reserve sized so that a "
                f"run of bad harvests as bad as one in {1 / max(1 - g.food_risk, 1e-9):.0f} leaves no region below "
                "the floor: the harvest shocks and the draw of hands at harvest the simulation applies, by the same "
                "functions. The last column is what the simulation of this plan shows.",
            ],
            [charts["food_per_head"]],
            [
                (
                    "Food per head by period",
                    table_html(
                        charts_plan.province_food(s, plan),
                        headers=[
                            "period",
                            "province (kg per person per year)",
                            "lowest region (kg per person per year)",
                            "which",
                            "floor (kg per person per year)",
                        ],
                    ),
                ),
                (
                    "Food held under risk",
                    table_html(
                        risk,
                        headers=[
                            "period",
                            "least food per head (kg per person per year)",
                            "guardrail (kg per person per year)",
                            "floor (kg per person per year)",
                            "margin above the floor (t)",
                            "state reserve at the end (t)",
                            "a bad run draws (t)",
                            "simulated runs below the floor (share)",
                        ][: len(risk.columns)],
                    ),
                ),
            ],
            ["plan_food", "plan_labour", "plan_reserve"],
        ),
        Section(
            "weak-links",
            "Weak links",
            [
                "\u201cStrengthen the weak links\u201d: the constraints that bind, ranked by what one more unit is worth."
            ],
            [charts["weak_links"]],
            [("Weak links", table_html(plan.weak_links, wl_cols, limit=15))] if wl_cols else [],
            ["plan_weak_links"],
        ),
        Section(
            "support",
            "Support: hubs, cities and counties",
            [],
            [charts["support_flows"], charts["region_map"]],
            [
                (
                    "Support over the whole plan, by kind",
                    table_html(totals, headers=["kind", "what", "unit", "quantity (in its unit)"]),
                ),
                (
                    "What the plan builds, by kind of plant",
                    table_html(
                        builds,
                        headers=[
                            "plant",
                            "kind, scale",
                            "plants (typical size)",
                            "regions",
                            "new capacity",
                            "unit",
                            f"cost ({s.currency})",
                            "paid from",
                        ],
                        limit=20,
                    ),
                ),
                *(
                    [
                        (
                            "What the plan rebuilds, by region: old plants rebuilt as another kind",
                            table_html(
                                rebuilt,
                                headers=[
                                    "region",
                                    "rebuilt as",
                                    "old capacity rebuilt",
                                    "new capacity",
                                    "unit",
                                    "starts",
                                    "first serves",
                                    f"cost ({s.currency})",
                                    "workers kept",
                                    "workers let go",
                                ],
                                limit=30,
                            ),
                        )
                    ]
                    if len(rebuilt)
                    else []
                ),
            ],
            ["plan_support", "plan_funds", "plan_shipments", "plan_builds"]
            + (["plan_upgrades"] if len(rebuilt) else []),
        ),
        Section(
            "simulation",
            "Carrying the plan out",
            [
                f"{ensemble.runs} simulated runs (seed {ensemble.seed}) with build delays, harvest shocks, low-quality "
                "output and inflated reports. Every simulated figure is a model estimate, not an observation."
            ],
            [charts["simulated_bands"], charts["plan_reported_actual"]],
            [
                (
                    f"Key products in {s.periods[-1]}: the plan and the medians of the runs (product unit per period)",
                    table_html(final_medians(s, ensemble, plan), headers=["product", "unit", *FINAL_COLUMNS.values()]),
                )
            ],
            [k for k in tables if k.startswith("bands_")],
        ),
    ]
    if balance_rows is not None:
        sections.append(
            Section(
                "balance",
                "Material balance: key sectors",
                [
                    "Rasmussen backward and Ghosh forward linkages of the input-output system (1 = average); key sectors "
                    "are above average on both."
                ],
                [],
                [("Key sectors", table_html(balance_rows, limit=20))],
                ["balance_linkages"],
            )
        )
    sections.append(
        Section(
            "sources",
            "Where the numbers come from",
            [
                f"Every item of the scenario names its source. {n_est} of {int(prov['items'].sum())} items rest wholly or "
                "partly on estimates; the table counts them per scenario table (\u2018seed\u2019: the 1958 documents, "
                "\u2018cited\u2019: a published figure, \u2018estimate\u2019: our own)."
            ],
            [],
            [
                (
                    "Sources per scenario table",
                    table_html(
                        prov, headers=["table", "items", "seed", "cited", "estimate", "partly estimated", "no source"]
                    ),
                ),
                (
                    f"Output value in {s.base_year} by sector and ownership ({s.currency} at {s.base_year} prices)",
                    table_html(
                        tables["scenario_output_value"],
                        ["sector", "ownership", "value", "usable_value", "local"],
                        ["sector", "ownership", "gross", "usable", "local industry"],
                    ),
                ),
            ],
            [
                "scenario_provenance",
                "scenario_capacity",
                "scenario_output_value",
                "scenario_targets",
                "plan_production",
                "plan_capacity",
            ],
        )
    )
    return sections


def _loops_section(loops: dict[str, Any], chart: style.Chart) -> Section:
    """The planning loops: chart, how to read it, and the medians per loop and period."""
    heads, rows = loop_figures(pd.DataFrame(loops["loops"]))
    shown = pd.DataFrame(rows, columns=heads)
    failed, seconds = loops["failed_replans"], loops.get("replan_seconds", {})
    made = ", ".join(
        replans_made(k, v, failed.get(k, 0), seconds.get(k, 0.0), loops.get("replan_log", []))
        for k, v in loops["replans"].items()
    )
    return Section(
        "loops",
        "Closing the loop: re-planning from audited reports",
        [
            esc(
                f"{loops['runs']} simulated runs of each loop on the same draws (frictions as in the simulation above). "
                "After every period but the last, a run is re-planned for the periods ahead: from the audited state "
                "(output held to what the inputs and capacity allow, harvests and food as they were, capacity that "
                "failed out of service), from the reports as they stand (the historical ratchet), or never. "
                f"Re-plans made: {made}; where a re-plan failed, the plan in force was kept."
            ),
            esc(
                "How to read it: compare the loops within a period; before the first re-plan they are equal. A loop "
                "that keeps fewer runs below the floor and less capacity idle, at the same usable output, plans on "
                "truer figures. Fulfilment is against the plan in force, so a re-plan that lowers the plan raises it "
                "without making more: read it beside the food and idle-capacity panels. Grain in store and farm "
                "workers show what each loop did about food: after bad harvests a re-plan on audited figures counts "
                "the store that is left and keeps people on the farms against another, and their plants stand idle."
            ),
        ],
        [chart],
        [
            (
                "Medians over runs per loop and period",
                table_html(shown, heads, heads),
            )
        ],
        ["loops", "loops_runs"],
    )


def write_report(
    folder: Path,
    scenario: Scenario,
    plan: PlanLike,
    ensemble: EnsembleLike,
    balance: Any = None,
    *,
    console: Console | None = None,
    loops: dict[str, Any] | None = None,
) -> Path:
    """Write ``folder/report.html``, ``folder/tables/*.csv|parquet`` and ``folder/charts/*.png``; returns the
    report's path. With ``console``, show a progress bar there. ``loops`` (``LoopResult.to_json()``, as
    ``simulate --replan`` gives it) adds the planning loops side by side."""
    folder = Path(folder)
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    info = run_info(scenario, plan, ensemble)
    extra = {"balance_linkages": balance_table(balance)} if balance is not None else {}
    draws = _charts(scenario, plan, ensemble)
    if loops is not None:
        floor = scenario.guardrails.food_per_head
        draws.append(("loops", lambda: charts_loops.loops_figure(loops, floor)))
    progress = (
        Progress(
            TextColumn("report"),
            BarColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        if console is not None
        else None
    )
    charts: dict[str, style.Chart] = {}
    with progress or nullcontext():
        task = progress.add_task("tables", total=len(draws) + 2) if progress else None
        tables = collect(scenario, plan, ensemble, extra)
        if loops is not None:
            tables["loops"] = pd.DataFrame(loops["loops"])
            tables["loops_runs"] = pd.DataFrame(loops["per_run"])
        write_tables(folder / "tables", tables)
        for name, draw in draws:
            if progress and task is not None:
                progress.update(task, advance=1, description=name)
            title, caption = {**CAPTIONS, **LOOPS_CAPTION}[name]
            png, axes = style.render_figure(draw)
            (folder / "charts" / f"{name}.png").write_bytes(png)
            charts[name] = style.Chart(name, title, caption, png, axes)
        if progress and task is not None:
            progress.update(task, advance=1, description="html")
        sections = _sections(scenario, plan, ensemble, charts, tables, extra.get("balance_linkages"))
        if loops is not None:
            sections.insert(-1, _loops_section(loops, charts["loops"]))
        text = page(
            title=scenario.title or scenario.name,
            kicker=f"leapplan report · {scenario.name}",
            lede=esc(
                f"Plan {info['plan_status'].replace('_', ' ')} for {scenario.periods[0]}–{scenario.periods[-1]}, "
                f"checked against {ensemble.runs} simulated runs. {GROSS_AND_USABLE} Output values are in "
                f"{scenario.currency} at {scenario.base_year} prices."
            ),
            inputs=_inputs(info),
            cards=_cards(scenario, plan, ensemble, info),
            sections=sections,
            footer=esc(
                f"leapplan {info['leapplan']} · scenario {info['scenario']} · sha256 {info['hash']} · "
                f"generated {info['generated']}. Output value is at {scenario.base_year} prices."
            ),
        )
        path = folder / "report.html"
        path.write_text(text, encoding="utf-8")
        if progress and task is not None:
            progress.update(task, advance=1, description="done")
    log.info("report for %s written to %s", scenario.name, path)
    return path
