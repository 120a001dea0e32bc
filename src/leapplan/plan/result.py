"""The planner's answer: status, plan tables, target cuts and weak links; saved as CSV + JSON."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any

import pandas as pd

from leapplan.errors import LeapplanError


class PlanStatus(StrEnum):
    feasible = "feasible"
    """Every target is met."""
    targets_cut = "targets_cut"
    """Hard targets and guardrails hold; some soft targets are cut."""
    infeasible = "infeasible"
    """Hard targets, hard agreements or guardrails cannot all hold; ``reason`` says which and why."""


COLUMNS: dict[str, list[str]] = {
    "production": ["period", "region", "technology", "product", "quantity"],
    "capacity": ["period", "region", "technology", "product", "capacity", "new_in_service", "new_capacity"],
    "shipments": ["period", "link", "from_region", "to_region", "product", "quantity"],
    "labour": ["period", "region", "farm", "industry"],
    "support": ["period", "source", "member", "kind", "quantity"],
    "funds": ["period", "fund", "spent", "carried"],
    "food": ["period", "region", "grain_output", "food_per_head", "floor"],
    "output_value": ["period", "ownership", "sector", "value", "usable_value"],
    "targets": ["id", "year", "hard", "priority", "required", "achievable", "cut", "unit"],
    "weak_links": ["kind", "region", "product", "period", "shadow_price", "unit", "explanation"],
    "builds": [
        "period",
        "region",
        "technology",
        "ownership",
        "product",
        "kind",
        "new_capacity",
        "plants",
        "cost",
        "fund",
    ],
    "trade": ["period", "region", "product", "imports", "exports", "deliveries"],
    "consumption": ["period", "region", "product", "quantity", "base", "unit"],
    "reserve": ["period", "opening", "put", "take", "loss", "closing", "cover_needed", "margin", "risk"],
    "upgrades": [
        "period",
        "region",
        "ownership",
        "upgrade",
        "from_technology",
        "to_technology",
        "product",
        "rebuilt",
        "new_capacity",
        "in_service",
        "cost",
        "workers_kept",
        "workers_released",
    ],
}
"""The columns every table has (extra columns allowed)."""


def empty_table(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS[name]})


@dataclass(frozen=True)
class PlanResult:
    """A solved plan. Quantities per period in product units, capacities per year, money in yuan."""

    scenario: str
    status: PlanStatus
    objective: float
    """Cost of the plan [yuan]: funds spent on new capacity plus imports; the least possible when the
    least-cost stage ran (see ``solver['stages']``; it is skipped for very large LPs)."""
    reason: str
    production: pd.DataFrame
    capacity: pd.DataFrame
    shipments: pd.DataFrame
    labour: pd.DataFrame
    support: pd.DataFrame
    funds: pd.DataFrame
    food: pd.DataFrame
    output_value: pd.DataFrame
    targets: pd.DataFrame
    """One row per target: required and achievable (usable output, in the target's unit), cut, and for a cut
    target an ``explanation`` in words: what would relieve it and what the plan builds."""
    weak_links: pd.DataFrame
    """Binding constraints ranked by what relaxing them by 1 % is worth, each for the ``target`` (or level) whose
    own stage they come from."""
    builds: pd.DataFrame = field(default_factory=lambda: empty_table("builds"))
    """New capacity started, in plants, with its cost and the fund that paid."""
    trade: pd.DataFrame = field(default_factory=lambda: empty_table("trade"))
    """Imports into and deliveries out of the scenario."""
    consumption: pd.DataFrame = field(default_factory=lambda: empty_table("consumption"))
    """Household consumption per region and good (grain eaten included) against the base year's per head."""
    reserve: pd.DataFrame = field(default_factory=lambda: empty_table("reserve"))
    """The state grain reserve per period and the harvest shortfall it covers."""
    upgrades: pd.DataFrame = field(default_factory=lambda: empty_table("upgrades"))
    """Existing plants rebuilt as another technology (``Scenario.upgrades``)."""
    solver: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The ``leapplan plan --json`` payload: status, objective, targets, weak links, support, solver."""
        return {
            "scenario": self.scenario,
            "status": self.status.value,
            "objective": _num(self.objective),
            "reason": self.reason,
            "targets": _records(
                self.targets,
                [
                    "id",
                    "year",
                    "hard",
                    "priority",
                    "required",
                    "achievable",
                    "cut",
                    "cut_share",
                    "unit",
                    "description",
                    "explanation",
                ],
            ),
            "weak_links": _records(
                self.weak_links, COLUMNS["weak_links"] + ["value_of_one_percent", "target", "label", "block"]
            ),
            "reserve": _records(self.reserve, COLUMNS["reserve"]),
            "support": _records(self.support, COLUMNS["support"]),
            "output_value": _records(self.output_value, COLUMNS["output_value"]),
            "food": _records(self.food, COLUMNS["food"]),
            "solver": _jsonable(self.solver),
        }


def _num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if hasattr(v, "item"):
        v = v.item()
    return _num(v)


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    cols = [c for c in columns if c in frame.columns]
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame[cols].to_dict("records")]


TABLES = [f.name for f in fields(PlanResult) if f.name in COLUMNS]
OPTIONAL = ("builds", "trade", "consumption", "reserve", "upgrades")
"""Tables a plan written by an earlier leapplan may lack (read as empty)."""


def save_plan(result: PlanResult, folder: str | Path) -> Path:
    """Write one CSV per table and ``plan.json`` (status, objective, reason, solver) into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        getattr(result, name).to_csv(out / f"{name}.csv", index=False)
    head = {
        "scenario": result.scenario,
        "status": result.status.value,
        "objective": _num(result.objective),
        "reason": result.reason,
        "solver": _jsonable(result.solver),
    }
    (out / "plan.json").write_text(json.dumps(head, indent=2))
    return out


def load_plan(folder: str | Path) -> PlanResult:
    """Read a plan written by :func:`save_plan`."""
    root = Path(folder)
    if not (root / "plan.json").is_file():
        raise LeapplanError(f"{root}: no plan.json here (write one with save_plan or `leapplan plan --out`)")
    head = json.loads((root / "plan.json").read_text())
    tables = {}
    for name in TABLES:
        path = root / f"{name}.csv"
        if not path.is_file():
            if name in OPTIONAL:
                continue
            raise LeapplanError(f"{path}: missing plan table")
        frame = pd.read_csv(path, dtype={"period": str})
        tables[name] = frame if len(frame) else empty_table(name)
    objective = head["objective"]
    return PlanResult(
        scenario=head["scenario"],
        status=PlanStatus(head["status"]),
        objective=float("nan") if objective is None else float(objective),
        reason=head["reason"],
        solver=head.get("solver", {}),
        **tables,
    )
