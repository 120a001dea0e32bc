"""What the report states about its inputs: scenario hash, versions, solver, seeds, date, and which
scenario numbers are estimates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd

from leapplan import __version__
from leapplan.report.inputs import EnsembleLike, PlanLike, status_text
from leapplan.scenario.model import Scenario
from leapplan.scenario.summary import scenario_hash

PROVENANCE_COLUMNS = ["table", "items", "seed", "cited", "estimate", "partly_estimate", "unsourced"]


def source_kind(source: str) -> str:
    """Classify a ``source`` field: seed, cited, estimate, partly_estimate (a seed or cited figure
    with an estimated part, e.g. 'seed 003 …, split by population (estimate)') or unsourced."""
    text = source.strip().lower()
    if not text:
        return "unsourced"
    if text.startswith("estimate"):
        return "estimate"
    if "estimate" in text:
        return "partly_estimate"
    if text.startswith("cited"):
        return "cited"
    if text.startswith("seed"):
        return "seed"
    return "unsourced"


def _items(s: Scenario) -> Iterable[tuple[str, list[Any]]]:
    yield "regions", list(s.regions)
    yield "products", list(s.products)
    yield "technologies", list(s.technologies)
    yield "enterprises", list(s.enterprises)
    yield "networks", list(s.networks)
    yield "zones", list(s.zones)
    yield "agreements", [a for z in s.zones for a in z.agreements]
    yield "funds", list(s.funds)
    yield "links", list(s.links)
    yield "targets", list(s.targets)
    yield "agriculture", [s.agriculture]
    yield "guardrails", [s.guardrails]


def provenance(s: Scenario) -> pd.DataFrame:
    """Per scenario table: number of items and how many carry each kind of source [count]."""
    rows = []
    for table, items in _items(s):
        counts = dict.fromkeys(PROVENANCE_COLUMNS[2:], 0)
        for item in items:
            counts[source_kind(item.source)] += 1
        rows.append({"table": table, "items": len(items), **counts})
    return pd.DataFrame(rows, columns=PROVENANCE_COLUMNS)


def run_info(s: Scenario, plan: PlanLike, ensemble: EnsembleLike, now: dt.datetime | None = None) -> dict[str, Any]:
    """The inputs of a report as plain data: scenario, hash, version, solver and status, seeds, date (UTC)."""
    solver = dict(plan.solver or {})
    when = now or dt.datetime.now(dt.UTC)
    return {
        "scenario": s.name,
        "title": s.title,
        "hash": scenario_hash(s),
        "leapplan": __version__,
        "plan_status": status_text(plan.status),
        "objective": float(plan.objective),
        "currency": s.currency,
        "solver_info": solver,
        "reason": plan.reason,
        "solver": str(solver.get("name", "")),
        "solver_method": str(solver.get("method", "")),
        "solver_status": str(solver.get("status", "")),
        "build_seconds": solver.get("build_seconds"),
        "solve_seconds": solver.get("solve_seconds"),
        "scenario_seed": s.seed,
        "simulation_seed": int(ensemble.seed),
        "runs": int(ensemble.runs),
        "frictions": [str(f) for f in getattr(ensemble, "frictions", []) or []],
        "base_year": s.base_year,
        "periods": list(s.periods),
        "generated": when.strftime("%Y-%m-%d %H:%M UTC"),
    }
