"""What `leapplan show` and `leapplan run` print about a scenario, as plain data (JSON-ready)."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from typing import Any

from leapplan.scenario.accounts import base_output, target_growth
from leapplan.scenario.model import LOCAL_OWNERSHIP, Scenario


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
    """Base-year capacity and output per product, modern vs indigenous [product unit per year]."""
    techs = {t.id: t for t in s.technologies}
    rows: dict[str, dict[str, Any]] = {
        p.id: {"product": p.id, "unit": p.unit, "capacity_modern": 0.0, "capacity_indigenous": 0.0, "output": 0.0}
        for p in s.products
    }
    for e in s.enterprises:
        t = techs[e.technology]
        rows[t.product][f"capacity_{t.kind.value}"] += e.capacity
        rows[t.product]["output"] += e.base_output
    return [r for r in rows.values() if r["capacity_modern"] or r["capacity_indigenous"]]


def output_value_table(s: Scenario) -> list[dict[str, Any]]:
    """Base-year output value by sector and ownership level [yuan at base-year prices]."""
    frame = base_output(s)
    table = frame.groupby(["sector", "ownership"], as_index=False)["value"].sum()
    local = {o.value for o in LOCAL_OWNERSHIP}
    table["local"] = table["ownership"].isin(local) & (table["sector"] == "industry")
    return table.to_dict("records")  # type: ignore[no-any-return]


def targets_table(s: Scenario) -> list[dict[str, Any]]:
    """Each target with its base, required level and implied annual growth [fraction per year]."""
    out = []
    for g in target_growth(s):
        out.append(
            {
                "id": g.id,
                "description": g.description,
                "year": g.year,
                "unit": g.unit,
                "base": g.base,
                "required": g.required,
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
