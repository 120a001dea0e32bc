"""leapplan: plan and simulate regional industrial development.

The front door, one function per stage (each loads its stage when first used, so ``import leapplan`` is cheap)::

    import leapplan

    s = leapplan.load_scenario("shanxi-1958")       # or a YAML file / scenario folder
    plan = leapplan.solve_plan(s)                   # multi-year LP: targets in priority order, then least cost
    runs = leapplan.simulate(s, plan, runs=200)     # carry the plan out under frictions, 5/50/95 % bands
    flags = leapplan.audit_reports(s, reports)      # reports (a DataFrame) checked against the balances
    leapplan.write_report("out/shanxi", s, plan, runs)   # report.html, tables (CSV + Parquet), charts (PNG)

load_scenario(name_or_path=None) -> Scenario
    An embedded scenario by name (default 'shanxi-1958') or a scenario file/folder; ``ScenarioError`` lists
    every problem, located like ``products[steel].price``.
solve_plan(scenario) -> PlanResult
    The plan: production, capacity, shipments, labour, support, funds, food and output value per period (pandas),
    each target's required, achievable and cut value, and the weak links (shadow prices). Targets count usable
    output: gross output × the technology's usable-quality share, in yuan at base-year prices.
simulate(scenario, plan=None, runs=200, *, seed=None, frictions=None, workers=1) -> EnsembleResult
    ``runs`` Monte Carlo runs of carrying ``plan`` out (None: the scenario's policies, or its base year), with
    build delays, learning, low-quality indigenous output, harvest shocks, transport breakdowns, harvest labour
    and reporting bias (see ``Frictions``); ``bands`` is an xarray Dataset of 5/50/95 % quantiles.
    ``leapplan.simulate`` is also the subpackage ``leapplan.simulate``; calling the package calls this function.
audit_reports(scenario, reports, plan=None) -> pandas.DataFrame
    One row per flag: report_id, unit, period, product, check, severity, message.
write_report(folder, scenario, plan, ensemble) -> pathlib.Path
    ``folder/report.html`` (one self-contained page), ``folder/tables/`` and ``folder/charts/``; returns the
    page's path.

Result types: ``Scenario``, ``PlanResult`` (``PlanStatus``), ``EnsembleResult``, ``Frictions``. Errors: every
error leapplan raises on purpose is a ``LeapplanError`` (see ``leapplan.errors``). ``help(leapplan.<name>)``
gives each one's full documentation; ``examples/`` holds a worked analysis.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from leapplan.errors import (
    AuditError,
    BalanceError,
    InfeasiblePlanError,
    LeapplanError,
    Problem,
    ScenarioError,
    SimulationError,
    SolverError,
)

if TYPE_CHECKING:  # what the lazy names below resolve to, for type checkers and IDEs
    from leapplan.audit import audit_reports
    from leapplan.plan import PlanResult, PlanStatus, solve_plan
    from leapplan.report import write_report
    from leapplan.scenario import Scenario
    from leapplan.scenario import load as load_scenario
    from leapplan.simulate import EnsembleResult, Frictions, simulate

__version__ = "0.1.0"

_LAZY: dict[str, tuple[str, str | None]] = {
    "load_scenario": ("leapplan.scenario", "load"),
    "Scenario": ("leapplan.scenario", "Scenario"),
    "solve_plan": ("leapplan.plan", "solve_plan"),
    "PlanResult": ("leapplan.plan", "PlanResult"),
    "PlanStatus": ("leapplan.plan", "PlanStatus"),
    "simulate": ("leapplan.simulate", None),
    "EnsembleResult": ("leapplan.simulate", "EnsembleResult"),
    "Frictions": ("leapplan.simulate", "Frictions"),
    "audit_reports": ("leapplan.audit", "audit_reports"),
    "write_report": ("leapplan.report", "write_report"),
}
"""Front-door name → (module, attribute); attribute None: the module itself (``simulate``, a callable package)."""


def __getattr__(name: str) -> Any:
    """Load a front-door name on first use (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'leapplan' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "AuditError",
    "BalanceError",
    "EnsembleResult",
    "Frictions",
    "InfeasiblePlanError",
    "LeapplanError",
    "PlanResult",
    "PlanStatus",
    "Problem",
    "Scenario",
    "ScenarioError",
    "SimulationError",
    "SolverError",
    "__version__",
    "audit_reports",
    "load_scenario",
    "simulate",
    "solve_plan",
    "write_report",
]
