"""The solver machinery: interior point against simplex, fixing columns between stages, and Fixings itself."""

from __future__ import annotations

from typing import Any

import linopy
import numpy as np
import pytest
from tests.plan.scenarios import build, corridor_raw, farm_raw, priorities_raw

from leapplan.plan import solve_plan
from leapplan.plan.fixing import Fixings
from leapplan.plan.runner import quiet_stdout

IPM = {"solver": "ipm", "run_crossover": "off"}


@pytest.mark.parametrize("raw", [corridor_raw(), farm_raw(), priorities_raw()], ids=["corridor", "farm", "priorities"])
def test_interior_point_gives_the_simplex_answer(raw: dict[str, Any]) -> None:
    # the same plans by two methods, simplex and interior point (dust read as 0): targets and funds agree to the
    # interior point's accuracy
    s = build(raw)
    a, b = solve_plan(s), solve_plan(s, solver_options=IPM)
    assert a.solver["method"] == "simplex" and b.solver["method"] == "ipm"
    assert b.targets["achievable"].to_numpy() == pytest.approx(a.targets["achievable"].to_numpy(), rel=1e-5)
    assert b.objective == pytest.approx(a.objective, rel=1e-5)
    assert b.solver["stages"][-1]["stage"] == "people and the future"


def test_fixing_columns_keeps_the_optimum() -> None:
    # farm (no freight: its target's stage is the level alone, so columns are fixed after it)
    s = build(farm_raw(), {"funds.0.amount": 1e6})
    fixed, free = solve_plan(s), solve_plan(s, solver_options={"fix_columns": False})
    assert sum(st.get("fixed_columns", 0) for st in fixed.solver["stages"]) > 0
    assert not any("fixed_columns" in st for st in free.solver["stages"])
    assert fixed.targets["achievable"].to_numpy() == pytest.approx(free.targets["achievable"].to_numpy(), rel=1e-9)
    assert fixed.targets.set_index("id").loc["iron_1958", "achievable"] == pytest.approx(2500, rel=1e-6)
    assert fixed.objective == pytest.approx(free.objective, rel=1e-7)  # level tolerances are 1e-9 each


def test_fixings_fix_what_the_reduced_costs_hold_and_revert() -> None:
    # min x + 2 y, x + y ≥ 1, 0 ≤ x, y ≤ 10: x = 1 is basic; y's reduced cost is 2 − 1 = 1 > 0, so every
    # optimum has y = 0: y is fixed (upper bound 0), x is not; revert puts y's upper bound of 10 back
    with linopy.options as opts:
        opts(semantics="v1")
        m = linopy.Model()
        x = m.add_variables(lower=0, upper=10, name="x")
        y = m.add_variables(lower=0, upper=10, name="y")
        m.add_constraints(x + y >= 1, name="c")
        m.add_objective(x + 2 * y)
        with quiet_stdout():
            m.solve(solver_name="highs", io_api="direct", progress=False, output_flag=False, solver="simplex")
        fixings = Fixings(m, keep=())
        assert fixings.fix_after_solve() == 1
        assert float(m.variables["y"].upper) == 0.0
        assert float(m.variables["x"].upper) == 10.0 and float(m.variables["x"].lower) == 0.0
        fixings.revert()
        assert float(np.asarray(m.variables["y"].upper.values)) == 10.0


def test_levels_met_at_once_are_settled_by_one_run() -> None:
    # coal 8,000 t (priority 1) is met and iron 4,000 t (priority 2) is cut: the first run (every priority at once)
    # meets priority 1, so priority 1 needs no run of its own; priority 2 gets its own (its weak links come from it)
    r = solve_plan(build(priorities_raw()))
    stages = [(st["stage"], st["status"]) for st in r.solver["stages"]]
    assert stages[0] == ("every priority at once", "optimal")
    assert ("priority 1", "met in the first stage") in stages
    assert ("priority 2", "optimal") in stages
    assert stages[-1] == ("people and the future", "optimal")
    assert set(r.weak_links["target"]) == {"iron_1958"}
