"""History replay: a scenario under its announced policies, and under leapplan's own plan with the food floor."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from leapplan.errors import LeapplanError
from leapplan.scenario.model import Scenario
from leapplan.simulate.ensemble import EnsembleResult, run_ensemble
from leapplan.simulate.frictions import Frictions

logger = logging.getLogger(__name__)

ROWS = (
    ("steel", "actual", "steel produced", "Mt", 1e-6),
    ("steel", "usable", "steel usable", "Mt", 1e-6),
    ("steel", "reported", "steel reported", "Mt", 1e-6),
    ("pig_iron", "actual", "pig iron produced", "Mt", 1e-6),
    ("pig_iron", "usable", "pig iron usable", "Mt", 1e-6),
    ("pig_iron", "reported", "pig iron reported", "Mt", 1e-6),
    ("coal", "actual", "coal produced", "Mt", 1e-6),
    ("coal", "usable", "coal usable", "Mt", 1e-6),
    ("coal", "reported", "coal reported", "Mt", 1e-6),
    ("grain", "actual", "grain harvested", "Mt", 1e-6),
    ("grain", "usable", "grain usable", "Mt", 1e-6),
    ("grain", "reported", "grain reported", "Mt", 1e-6),
    (None, "procured", "grain procured", "Mt", 1e-6),
    (None, "resold", "grain sold back to farms", "Mt", 1e-6),
    (None, "food_per_head", "food per head", "kg/yr", 1.0),
    (None, "food_per_head_lowest", "food per head, lowest region", "kg/yr", 1.0),
    (None, "output_value_actual", "gross output value", "bn yuan", 1e-9),
    (None, "output_value_usable", "usable output value", "bn yuan", 1e-9),
    (None, "output_value_reported", "gross output value reported", "bn yuan", 1e-9),
    (None, "farm_labour", "farm labour", "M persons", 1e-6),
    (None, "nonfarm_labour", "non-farm labour", "M persons", 1e-6),
)
"""The replay's series: (product or None, band variable, label, unit, scale from the band's unit)."""


@dataclass(frozen=True)
class Replay:
    """Two ensembles of the same scenario: announced policies, and leapplan's plan."""

    scenario: str
    announced: EnsembleResult
    leapplan: EnsembleResult
    leapplan_source: str
    """'solve_plan' when leapplan's optimised plan was carried out, else what was used instead and why."""

    def rows(self) -> list[dict[str, Any]]:
        """One row per series and period: median and 5–95 % band of both trajectories."""
        out = []
        for product, var, label, unit, scale in ROWS:
            for period in [str(p) for p in self.announced.bands["period"].values]:
                row: dict[str, Any] = {"series": label, "unit": unit, "period": period}
                for name, ens in (("announced", self.announced), ("leapplan", self.leapplan)):
                    if var not in ens.bands or (product is not None and product not in ens.bands["product"].values):
                        continue
                    band = ens.bands[var].sel(period=period)
                    if product is not None:
                        band = band.sel(product=product)
                    row[name] = {f"{q:g}": float(band.sel(quantile=q)) * scale for q in (0.05, 0.5, 0.95)}
                out.append(row)
        return out

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data: both trajectories side by side per series and period (median and 5–95 % band),
        the share of runs with a region below the food floor per period and in any period, and what was on."""
        pair = (("announced", self.announced), ("leapplan", self.leapplan))
        return {
            "scenario": self.scenario,
            "runs": self.announced.runs,
            "seed": self.announced.seed,
            "leapplan_source": self.leapplan_source,
            "food_floor": self.announced.floor,
            "frictions": self.announced.frictions,
            "rows": self.rows(),
            "share_below_floor": {name: ens.to_json()["share_below_floor"] for name, ens in pair},
            "share_below_floor_any_year": {name: float(ens.share_below_floor_any_year) for name, ens in pair},
        }


def feasible_variant(s: Scenario) -> Scenario:
    """``s`` without its campaign: no policies, so base-year output is carried forward at the scenario's
    capacity growth, with labour left in the fields and grain pooled. Used when solve_plan is not available."""
    return s.model_copy(update={"policies": []})


def replay(
    s: Scenario,
    runs: int = 200,
    *,
    seed: int | None = None,
    frictions: Frictions | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
) -> Replay:
    """Simulate ``s`` under its announced policies, and under leapplan's plan (solve_plan, which keeps the
    food floor), with the same seed."""
    kw: dict[str, Any] = dict(seed=seed, frictions=frictions, workers=workers, scheduler=scheduler, progress=progress)
    announced = run_ensemble(s, None, runs, **kw)
    plan, source = leapplan_plan(s)
    if plan is None:
        ours = run_ensemble(feasible_variant(s), None, runs, **kw)
    else:
        ours = run_ensemble(s, plan, runs, **kw)
    return Replay(s.name, announced, ours, source)


def leapplan_plan(s: Scenario) -> tuple[Any | None, str]:
    """leapplan's own plan for ``s`` and where it came from; (None, reason) when there is none to use."""
    try:
        from leapplan.plan import solve_plan  # type: ignore[attr-defined]
    except ImportError:
        return None, "policy variant without the campaign (leapplan.plan.solve_plan is not available)"
    try:
        plan = solve_plan(s)
    except LeapplanError as exc:
        logger.warning("solve_plan failed on %s: %s", s.name, exc)
        return None, f"policy variant without the campaign (solve_plan failed: {exc})"
    status = str(getattr(plan, "status", "feasible"))
    if status.endswith("infeasible"):
        return None, f"policy variant without the campaign (the plan is infeasible: {getattr(plan, 'reason', '')})"
    return plan, f"solve_plan ({status})"
