"""The planner: a multi-period LP over regions, networks and zones (linopy + HiGHS).

``solve_plan(scenario)`` meets the targets in priority order with the least relative shortfall,
then at least cost, and says what stands in the way (weak links from the duals). See
``solve.py`` for the method and ``model.py`` for the variables and constraint families.
"""

from __future__ import annotations

from leapplan.plan.result import PlanResult, PlanStatus, load_plan, save_plan
from leapplan.plan.solve import solve_plan

__all__ = ["PlanResult", "PlanStatus", "load_plan", "save_plan", "solve_plan"]
