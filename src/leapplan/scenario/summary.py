"""What `leapplan show` and `leapplan run` print about a scenario, as plain data (JSON-ready).

Output is counted two ways, and every figure says which: *gross* output is everything the plants make;
*usable* output is gross output × the technology's usable-quality share (farm grain counts in full). Targets
count usable output, the way the planner does, so the required values here are the ones ``leapplan plan``
and the report give.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from typing import Any

from leapplan.scenario.accounts import base_output, measure, target_growth
from leapplan.scenario.model import LOCAL_OWNERSHIP, Metric, Scenario, Scope, TargetKind

GROSS_AND_USABLE = (
    "Gross output is everything the plants make; usable output is gross output × the technology's "
    "usable-quality share (low for indigenous plants; farm grain counts in full). Targets count usable output."
)
"""The one explanation of gross and usable output that every view prints."""

COUNTS = {
    Metric.output_value: "usable output value",
    Metric.output: "usable output",
    Metric.new_plants: "new plants",
}
"""What a target's metric counts, in words."""


def scenario_hash(s: Scenario) -> str:
    """sha256 of the scenario's canonical JSON dump (hex)."""
    text = json.dumps(s.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def overview(s: Scenario) -> dict[str, Any]:
    """Counts of everything in the scenario and its time frame."""
    return {
        "name": s.name,
        "title": s.title,
        "hash": scenario_hash(s),
        "base_year": s.base_year,
        "years": s.years,
        "period": s.period.value,
        "seed": s.seed,
        "regions": dict(Counter(r.kind.value for r in s.regions)),
        "population": sum(r.population for r in s.regions),
        "products": len(s.products),
        "technologies": dict(Counter(t.kind.value for t in s.technologies)),
        "enterprises": dict(Counter(e.ownership.value for e in s.enterprises)),
        "networks": [{"id": n.id, "name": n.name, "commanders": n.commanders} for n in s.networks],
        "zones": [
            {"id": z.id, "centre": z.centre, "counties": len(z.counties), "agreements": len(z.agreements)}
            for z in s.zones
        ],
        "funds": sum(f.amount for f in s.funds),
        "targets": len(s.targets),
    }


def capacity_by_product(s: Scenario) -> list[dict[str, Any]]:
    """Base-year capacity, modern vs indigenous, and gross and usable output per product [product unit per year]."""
    techs = {t.id: t for t in s.technologies}
    rows: dict[str, dict[str, Any]] = {
        p.id: {
            "product": p.id,
            "unit": p.unit,
            "capacity_modern": 0.0,
            "capacity_indigenous": 0.0,
            "output": 0.0,
            "usable_output": 0.0,
        }
        for p in s.products
    }
    for e in s.enterprises:
        t = techs[e.technology]
        rows[t.product][f"capacity_{t.kind.value}"] += e.capacity
        rows[t.product]["output"] += e.base_output
        rows[t.product]["usable_output"] += e.base_output * t.usable_share
    return [r for r in rows.values() if r["capacity_modern"] or r["capacity_indigenous"]]


def output_value_table(s: Scenario) -> list[dict[str, Any]]:
    """Base-year gross ('value') and usable ('usable_value') output value by sector and ownership level
    [yuan at base-year prices]."""
    table = base_output(s).groupby(["sector", "ownership"], as_index=False)["value"].sum()
    usable = base_output(s, usable=True).groupby(["sector", "ownership"], as_index=False)["value"].sum()
    table["usable_value"] = usable["value"].to_numpy()
    local = {o.value for o in LOCAL_OWNERSHIP}
    table["local"] = table["ownership"].isin(local) & (table["sector"] == "industry")
    return table.to_dict("records")  # type: ignore[no-any-return]


def scope_words(s: Scenario, scope: Scope) -> str:
    """A target scope in words: 'local industry', 'county-run industry', 'agriculture', 'steel in Yuci' …"""
    names = {p.id: p.name.lower() for p in s.products}
    owners = {o.value for o in scope.ownership}
    sector = scope.sector.value if scope.sector is not None else "all sectors"
    if scope.product is not None:
        what = names.get(scope.product, scope.product)
    elif owners == {o.value for o in LOCAL_OWNERSHIP}:
        what = f"local {sector}"
    elif len(owners) == 1:
        what = f"{next(iter(owners))}-run {sector}"
    elif owners:
        what = f"{sector} run by {', '.join(sorted(owners))}"
    else:
        what = sector
    if scope.region is not None:
        regions = {r.id: r.name for r in s.regions}
        what += f" in {regions.get(scope.region, scope.region)}"
    return what


def targets_table(s: Scenario) -> list[dict[str, Any]]:
    """Each target: what it counts, its base-year level, the required level and the compound annual growth
    it implies [fraction per year], all counted in usable output as the planner counts them.

    A ``ratio_to_metric`` target asks for a multiple of another metric in the target year, which the plan
    decides: its ``required`` is None, ``requirement`` says it in words and ``reference`` names the other
    metric; ``reference_base``, ``required_at_base_reference`` [target unit] and ``annual_growth`` hold the
    reference at its base-year level."""
    out = []
    usable = base_output(s, usable=True)
    for g, t in zip(target_growth(s, usable=True), s.targets, strict=True):
        relative = t.kind is TargetKind.ratio_to_metric
        requirement = f"{g.required:,.0f} {g.unit}"
        reference = reference_base = None
        if relative:
            assert t.reference is not None
            reference = scope_words(s, t.reference)
            requirement = f"{t.value:g} × {COUNTS[t.reference.metric]} of {reference} in {t.year}"
            reference_base = measure(s, usable, t.reference)
        out.append(
            {
                "id": g.id,
                "description": g.description,
                "year": g.year,
                "counts": f"{COUNTS[t.scope.metric]} of {scope_words(s, t.scope)}",
                "kind": t.kind.value,
                "value": t.value,
                "unit": g.unit,
                "base": g.base,
                "required": None if relative else g.required,
                "requirement": requirement,
                "reference": reference,
                "reference_base": reference_base,
                "required_at_base_reference": g.required if relative else None,
                "annual_growth": None if math.isnan(g.annual_growth) else g.annual_growth,
            }
        )
    return out


def summary(s: Scenario) -> dict[str, Any]:
    """Everything `leapplan run` reports about the scenario before planning."""
    return {
        "scenario": overview(s),
        "capacity": capacity_by_product(s),
        "output_value": output_value_table(s),
        "targets": targets_table(s),
    }
