"""The active plan of the service: loaded from a ``leapplan plan --out`` folder, or solved at start.

Only the production table is kept: planned output per period, region and product [product unit].
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from leapplan.errors import LeapplanError, ServiceError
from leapplan.scenario import Scenario

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActivePlan:
    """Planned production per (period, region, product) and where it came from."""

    status: str
    source: str
    rows: pd.DataFrame  # [period, region, product, quantity]
    production: pd.DataFrame | None  # the plan's full production table, handed to the audit

    @property
    def digest(self) -> str:
        """SHA-256 of the planned rows, to tell plan versions apart."""
        payload = json.dumps(self.rows.to_dict(orient="split"), sort_keys=True, default=str)
        return hashlib.sha256(f"{self.status}|{payload}".encode()).hexdigest()


def _plan_module() -> Any | None:
    """``leapplan.plan`` when it provides solve_plan and load_plan, else None."""
    try:
        module = importlib.import_module("leapplan.plan")
    except ImportError:
        return None
    if not all(hasattr(module, name) for name in ("solve_plan", "load_plan")):
        return None
    return module


def from_result(result: Any, source: str) -> ActivePlan:
    """An ActivePlan from a ``PlanResult``."""
    prod = result.production
    if prod is None or len(prod) == 0:
        rows = pd.DataFrame(columns=["period", "region", "product", "quantity"])
    else:
        rows = prod.groupby(["period", "region", "product"], as_index=False)["quantity"].sum()
        rows["period"] = rows["period"].astype(str)
    return ActivePlan(
        status=str(getattr(result.status, "value", result.status)), source=source, rows=rows, production=prod
    )


def active_plan(scenario: Scenario, plan: Any = None, *, solve: bool = True) -> ActivePlan | None:
    """The plan to monitor against.

    ``plan`` is a PlanResult, a folder written by ``leapplan plan --out`` or None; with None and ``solve`` the plan is
    solved now. Returns None (planned values become null) when the plan stage is missing or the plan is infeasible.
    """
    if plan is not None and hasattr(plan, "production"):
        return from_result(plan, f"PlanResult of {getattr(plan, 'scenario', scenario.name)}")
    module = _plan_module()
    if plan is not None:
        folder = Path(plan)
        if not folder.is_dir():
            raise ServiceError(f"--plan {folder}: no such folder (write one with `leapplan plan --out DIR`)")
        if module is None:
            raise ServiceError("--plan needs the plan stage (leapplan.plan), which is not installed")
        try:
            result = module.load_plan(folder)
        except (LeapplanError, OSError, ValueError, KeyError) as exc:
            raise ServiceError(f"--plan {folder}: cannot read the plan: {exc}") from None
        return from_result(result, f"folder {folder.resolve()}")
    if not solve or module is None:
        if module is None:
            log.warning("plan stage not available: planned values are null")
        return None
    try:
        result = module.solve_plan(scenario)
    except LeapplanError as exc:
        log.warning("no plan: %s", exc)
        return None
    if str(getattr(result.status, "value", result.status)) == "infeasible":
        log.warning("plan infeasible (%s): planned values are null", result.reason)
        return None
    return from_result(result, f"solve_plan({scenario.name})")
