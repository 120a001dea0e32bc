"""The active plan of the service: loaded from a ``leapplan plan --out`` folder, or solved at start.

Kept: planned output per period, region and product [product unit], the targets table (met or cut, with the
planner's explanation when the plan gives one) and the technicians the plan sends (for the audit). Tables are
read by column name, so a plan with more columns reads the same.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
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
    targets: list[dict[str, Any]] = field(default_factory=list)  # see TARGET_FIELDS
    support: pd.DataFrame | None = None  # technicians rows [period, source, member, kind, quantity, network]
    result: Any = field(default=None, compare=False)  # the PlanResult it came from, when there is one

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


TARGET_FIELDS = (
    "id",
    "description",
    "year",
    "hard",
    "priority",
    "required",
    "achievable",
    "cut",
    "cut_share",
    "unit",
    "explanation",
)
"""Columns of the plan's targets table the service shows (those present; ``explanation`` is new in issue 18)."""
SUPPORT_FIELDS = ("period", "source", "member", "kind", "quantity", "network")


def plain(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def target_records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The targets table as JSON-ready records of TARGET_FIELDS (read by column name)."""
    if frame is None or len(frame) == 0:
        return []
    cols = [c for c in TARGET_FIELDS if c in frame.columns]
    out = []
    for rec in frame[cols].to_dict("records"):
        row = {k: plain(v) for k, v in rec.items()}
        if isinstance(row.get("explanation"), str) and not row["explanation"].strip():
            row["explanation"] = None
        out.append(row)
    return out


def technicians(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """The technicians rows of a plan's support table (columns by name), None when it has none."""
    if frame is None or len(frame) == 0 or "kind" not in frame.columns:
        return None
    rows = frame[frame["kind"].astype(str) == "technicians"]
    cols = [c for c in SUPPORT_FIELDS if c in rows.columns]
    out = rows[cols].reset_index(drop=True)
    out["period"] = out["period"].astype(str)
    return out


def from_result(result: Any, source: str) -> ActivePlan:
    """An ActivePlan from a ``PlanResult`` (or anything with its tables)."""
    prod = result.production
    if prod is None or len(prod) == 0:
        rows = pd.DataFrame(columns=["period", "region", "product", "quantity"])
    else:
        rows = prod.groupby(["period", "region", "product"], as_index=False)["quantity"].sum()
        rows["period"] = rows["period"].astype(str)
    return ActivePlan(
        status=str(getattr(result.status, "value", result.status)),
        source=source,
        rows=rows,
        production=prod,
        targets=target_records(getattr(result, "targets", None)),
        support=technicians(getattr(result, "support", None)),
        result=result if hasattr(result, "builds") else None,
    )


Progress = Callable[[str, int, int], None]
"""``progress(stage_name, k, n)``: stage k (1-based) of about n starts."""


def accepts_progress(solve: Callable[..., Any]) -> bool:
    """Whether ``solve_plan`` takes a ``progress`` keyword (the planner of issue 18 does; older ones do not)."""
    try:
        params = inspect.signature(solve).parameters
    except (TypeError, ValueError):
        return False
    return "progress" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def active_plan(
    scenario: Scenario, plan: Any = None, *, solve: bool = True, progress: Progress | None = None
) -> ActivePlan | None:
    """The plan to monitor against.

    ``plan`` is a PlanResult, a folder written by ``leapplan plan --out`` or None; with None and ``solve`` the plan is
    solved now, reporting its stages to ``progress`` when the planner can. Returns None (planned values become
    null) when the plan stage is missing or the plan is infeasible.
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
    return solve_now(scenario, progress)[0]


def solve_now(scenario: Scenario, progress: Progress | None = None) -> tuple[ActivePlan | None, str]:
    """Solve the plan of ``scenario``; returns it (None when there is none) and the service's plan state:
    'ready', 'infeasible: <why>', 'none: <why>'. ``progress`` is handed to solve_plan when it takes one."""
    module = _plan_module()
    if module is None:
        log.warning("plan stage not available: planned values are null")
        return None, "none: the plan stage (leapplan.plan) is not installed"
    try:
        if progress is not None and accepts_progress(module.solve_plan):
            result = module.solve_plan(scenario, progress=progress)
        else:
            result = module.solve_plan(scenario)
    except LeapplanError as exc:
        log.warning("no plan: %s", exc)
        return None, f"none: {exc}"
    if str(getattr(result.status, "value", result.status)) == "infeasible":
        log.warning("plan infeasible (%s): planned values are null", result.reason)
        return None, f"infeasible: {result.reason}"
    return from_result(result, f"solve_plan({scenario.name})"), "ready"
