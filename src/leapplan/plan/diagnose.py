"""An infeasible plan explained: the least violation of the hard rows, found by an elastic copy of the LP.

Hard targets and hard agreements (relative shortfall, weight 1), the food floor, the farm share, the agriculture
guardrail and the reserve that covers harvest risk (weight 10) and the material balances (weight 100) may give; the
elastic LP's optimum says which give and by how much, and its duals name what blocks them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from linopy import LinearExpression

from leapplan.errors import SolverError
from leapplan.plan import tables
from leapplan.plan.index import build_index
from leapplan.plan.model import PlanModel, build_model
from leapplan.plan.result import PlanResult, PlanStatus, empty_table
from leapplan.plan.runner import Runner
from leapplan.plan.terms import Terms
from leapplan.plan.weak_links import Gauge, weak_links
from leapplan.scenario.model import Scenario

ELASTIC: tuple[tuple[str, float, str], ...] = (
    ("food_short", 10.0, "the food floor and the consumption guardrail"),
    ("farm_short", 10.0, "the least farm share of labour"),
    ("grain_short", 10.0, "the agriculture guardrail (each region's grain)"),
    ("agriculture_short", 10.0, "the agriculture guardrail (agriculture's output value)"),
    ("reserve_short", 10.0, "the grain reserve that covers harvest risk"),
    ("reserve_floor_short", 10.0, "the reserve kept in every period (for bad harvests, not planned use)"),
    ("shortage", 100.0, "household consumption, base-year deliveries / material balance"),
)
"""Slack variables of the elastic LP: name, weight in the objective, what gives when it is positive."""


def diagnosis_objective(pm: PlanModel) -> LinearExpression:
    """Weighted violation of the hard rows of an elastic model (see ``ELASTIC``); soft targets and agreements stay
    free."""
    m = pm.model
    tf = pm.targets.frame
    agr = pm.index.agreements
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    short = np.asarray(m.variables["short"].labels.values)
    hard_t = tf["hard"].to_numpy(dtype=bool) & tf["in_horizon"].to_numpy(dtype=bool)
    parts.append((short[hard_t], np.ones(hard_t.sum())))
    slack = np.asarray(m.variables["slack"].labels.values)
    hard_a = agr["hard"].to_numpy(dtype=bool)
    parts.append((slack[hard_a], np.ones(hard_a.sum())))
    for name, weight, _ in ELASTIC:
        if name in m.variables:
            lab = np.asarray(m.variables[name].labels.values).ravel()
            parts.append((lab, np.full(lab.size, weight)))
    t = Terms([pd.Index(["total"], name="objective_term")])
    labels = np.concatenate([p[0] for p in parts])
    t.add(np.zeros(labels.size, dtype=np.int64), labels, np.concatenate([p[1] for p in parts]))
    return t.expression(m).sum()


def diagnose(
    s: Scenario,
    options: dict[str, Any],
    build_seconds: float,
    names: dict[str, str],
    adjust: Callable[[PlanModel], None] | None = None,
) -> PlanResult:
    """Least violation of the hard rows (elastic LP); the answer names what is violated and what blocks it.
    ``adjust`` is the re-plan's hook of ``solve_plan`` (applied to the elastic LP too)."""
    from leapplan.plan.solve import _solver_info, _tables, method_for

    t0 = time.perf_counter()
    pm = build_model(s, build_index(s), elastic=True)
    if adjust is not None:
        adjust(pm)
    build_seconds += time.perf_counter() - t0
    m = pm.model
    tf = pm.targets.frame
    hard_t = tf["hard"].to_numpy(dtype=bool) & tf["in_horizon"].to_numpy(dtype=bool)
    if options.get("solver") == "auto":
        options = {**options, **method_for(m.nvars, diagnosis=True)}
    runner = Runner(pm, options)
    pm.interior = runner.interior
    cond, value = runner.run("diagnosis", diagnosis_objective(pm))
    if cond != "optimal":
        raise SolverError(f"HiGHS could not solve the infeasibility diagnosis of plan {s.name!r} (status '{cond}')")
    reasons = _violations(pm, names)
    violated_t = [t for t in tf.index[hard_t] if float(m.variables["short"].solution.sel(target=t)) > 1e-6]
    if len(violated_t) == 1:
        t = violated_t[0]
        gauge = Gauge(str(tf.at[t, "unit"]), float(tf.at[t, "norm"]), f"of hard target {t}")
    else:
        gauge = Gauge("percentage points", 100.0, "of the violation of hard targets and guardrails")
    weak = weak_links(pm, gauge, names).assign(target="infeasible")
    blockers = "; ".join(weak["explanation"].head(3)) if len(weak) else "no single binding constraint"
    reason = (
        " ".join(reasons) + f" Blocking: {blockers}."
        if reasons
        else (f"the plan LP is infeasible but no hard target or guardrail gives way (violation {value:.3g}).")
    )
    out = _tables(pm)
    out["targets"]["explanation"] = ""
    return PlanResult(
        scenario=s.name,
        status=PlanStatus.infeasible,
        objective=float("nan"),
        reason=reason,
        weak_links=weak if len(weak) else empty_table("weak_links"),
        solver=_solver_info(runner, build_seconds),
        **out,
    )


def _violations(pm: PlanModel, names: dict[str, str]) -> list[str]:
    m = pm.model
    tf = pm.targets.frame
    tab = tables.targets(pm).set_index("id")
    out = []
    for t in tf.index[tf["hard"].to_numpy(dtype=bool) & tf["in_horizon"].to_numpy(dtype=bool)]:
        sh = float(m.variables["short"].solution.sel(target=t))
        if sh > 1e-6:
            r = tab.loc[t]
            out.append(
                f"Hard target {t} ({tf.at[t, 'description']}) cannot be met: at most "
                f"{r['achievable']:,.4g} of the required {r['required']:,.4g} {r['unit']} in "
                f"{tf.at[t, 'year']} ({sh:.1%} short)."
            )
    agr = pm.index.agreements
    for a in agr.index[agr["hard"].to_numpy(dtype=bool)]:
        sl = float(m.variables["slack"].solution.sel(agreement=a))
        if sl > 1e-6:
            out.append(
                f"Hard agreement {a} ({agr.at[a, 'quantity']:,.4g} {agr.at[a, 'unit']} from "
                f"{agr.at[a, 'from_region']} to {agr.at[a, 'to_region']}) falls {sl:.1%} short."
            )
    for var, _, what in ELASTIC:
        if var not in m.variables:
            continue
        sol = m.variables[var].solution.to_series()
        bad = sol[sol > 1e-6]
        if len(bad):
            worst = bad.sort_values(ascending=False).head(3)
            where = ", ".join(_place(k, v, names) for k, v in worst.items())
            out.append(f"{what[0].upper() + what[1:]} cannot be held in {len(bad)} places, worst: {where}.")
    return out


def _place(key: Any, value: float, names: dict[str, str]) -> str:
    """'Taiyuan 1960 (12.0%)' from a solution index key (period, region/product …)."""
    parts = [str(k) for k in (key if isinstance(key, tuple) else (key,))]
    period = next((p for p in parts if p[:4].isdigit()), "")
    rest = [p for p in parts if p != period and not p.isdigit()]  # an adverse outcome's number says nothing
    where = names.get(rest[-1].split("/")[0], rest[-1]) if rest else ""
    return f"{where} {period} ({value:.1%})".strip()
