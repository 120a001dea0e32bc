"""The solver machinery: interior point against simplex, fixing columns between stages, and Fixings itself."""

from __future__ import annotations

from typing import Any

import linopy
import numpy as np
import pytest
from tests.plan.scenarios import build, corridor_raw, farm_raw, priorities_raw

from leapplan.plan import PlanStatus, solve_plan
from leapplan.plan.fixing import Fixings
from leapplan.plan.runner import LEVEL_ABS_TOLERANCE, MET, pair_verdict, quiet_stdout

IPM = {"solver": "ipm", "run_crossover": "off"}


@pytest.mark.parametrize("raw", [corridor_raw(), farm_raw(), priorities_raw()], ids=["corridor", "farm", "priorities"])
def test_interior_point_gives_the_simplex_answer(raw: dict[str, Any]) -> None:
    # the same plans by two methods: simplex (with its single tie-broken cost stage) and interior point (least
    # cost, then least waste, dust read as 0): targets and funds agree to the interior point's accuracy
    s = build(raw)
    a, b = solve_plan(s), solve_plan(s, solver_options=IPM)
    assert a.solver["method"] == "simplex" and b.solver["method"] == "ipm"
    assert b.targets["achievable"].to_numpy() == pytest.approx(a.targets["achievable"].to_numpy(), rel=1e-5)
    assert b.objective == pytest.approx(a.objective, rel=1e-5)
    names = [st["stage"] for st in b.solver["stages"]]
    assert names[-1].startswith("least waste") and any(n.startswith("least cost") for n in names)


def test_fixing_columns_keeps_the_optimum() -> None:
    s = build(priorities_raw())
    fixed, free = solve_plan(s), solve_plan(s, solver_options={"fix_columns": False})
    assert sum(st.get("fixed_columns", 0) for st in fixed.solver["stages"]) > 0
    assert not any("fixed_columns" in st for st in free.solver["stages"])
    assert fixed.targets["achievable"].to_numpy() == pytest.approx(free.targets["achievable"].to_numpy(), rel=1e-9)
    assert fixed.targets.set_index("id").loc["iron_1958", "achievable"] == pytest.approx(3200, rel=1e-6)
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


def _iron_met() -> dict[str, Any]:
    raw = corridor_raw()
    raw["targets"][0]["value"] = 1000  # iron 1,000 t in 1958, within what the works can make (3,000 t is not)
    return raw


def _level_one_cut() -> dict[str, Any]:
    raw = priorities_raw()
    raw["targets"][1]["value"] = 1e6  # coal 1 Mt in 1958 (priority 1): far beyond the mine and the funds
    return raw


@pytest.mark.parametrize(
    ("raw", "taken", "level"),
    [
        # coal (priority 1) met: the second run answers priority 2 as well
        (priorities_raw(), "priority 2 (holding priority 1 by penalty)", ("optimal", "met in the paired stage")),
        # coal cut: the second run gives up some coal for iron and is dropped
        (_level_one_cut(), "priority 1", ("optimal",)),
        # the one level met: the second run is the least-cost stage
        (_iron_met(), "least cost (holding priority 1 by penalty)", ("optimal", "met in the paired stage")),
    ],
    ids=["both-levels-at-once", "first-level-cut", "level-and-cost-at-once"],
)
def test_paired_stages_give_the_sequential_answer(raw: dict[str, Any], taken: str, level: tuple[str, ...]) -> None:
    # two stages solved at once (the level alone, and the next objective + 100 × the level): the second's solution
    # is taken when its level is met or at the level's own optimum, and then answers both; otherwise the first's.
    # Either way the plan is the one the stages give one by one. (Which run finishes first is up to the threads:
    # when the second is taken before the first is done, the first is stopped and the level is 'met in the
    # paired stage'; when the first is done, its own optimum is listed.)
    s = build(raw)
    one_by_one = solve_plan(s, solver_options={"speculate": False})
    paired = solve_plan(s, solver_options={"speculate": True})
    seen = [(st["stage"], st["status"]) for st in paired.solver["stages"]]
    assert (taken, "optimal") in seen
    assert any(name == "priority 1" and status in level for name, status in seen)
    dropped = [name for name, status in seen if status == "not used"]
    if taken == "priority 1":  # the level is cut and the second run trades it: dropped
        assert dropped == ["priority 2 (holding priority 1 by penalty)"]
    else:  # nothing dropped, or the level's own run, stopped when the second finished first
        assert dropped in ([], ["priority 1"])
    assert not any("second thread" in st.get("note", "") for st in one_by_one.solver["stages"])
    assert paired.status == one_by_one.status
    assert paired.solver["status"] == one_by_one.solver["status"] == "optimal"  # the last LP solved
    assert paired.targets["achievable"].to_numpy() == pytest.approx(
        one_by_one.targets["achievable"].to_numpy(), rel=1e-7
    )
    assert paired.objective == pytest.approx(one_by_one.objective, rel=1e-7)


def test_paired_stages_report_an_infeasible_plan_as_one_by_one() -> None:
    # a hard iron target of 1,000,000 t beside the soft coal level: the first paired run is infeasible, and the
    # plan is diagnosed from it as it is when the stages run one by one
    raw = priorities_raw()
    raw["targets"][0].update(hard=True, value=1e6)
    s = build(raw)
    one_by_one = solve_plan(s, solver_options={"speculate": False})
    paired = solve_plan(s, solver_options={"speculate": True})
    assert one_by_one.status is PlanStatus.infeasible and paired.status is PlanStatus.infeasible
    assert "iron_1958" in paired.reason and paired.reason == one_by_one.reason


def test_least_cost_and_least_waste_at_once_give_the_two_stages() -> None:
    # only a hard target (iron 1,400 t, which holds): no level to pair, so by interior point the least cost is
    # solved beside least waste + 10⁶ × cost; the second's plan is taken (same cost) and is the two stages' plan
    raw = corridor_raw()
    raw["targets"][0].update(hard=True, value=1400)
    s = build(raw)
    one_by_one = solve_plan(s, solver_options={**IPM, "speculate": False})
    paired = solve_plan(s, solver_options={**IPM, "speculate": True})
    seen = [(st["stage"], st["status"]) for st in paired.solver["stages"]]
    assert seen == [("least cost", "optimal"), ("least waste (holding the least cost by penalty)", "optimal")]
    assert [st["stage"] for st in one_by_one.solver["stages"]] == ["least cost", "least waste"]
    assert paired.objective == pytest.approx(one_by_one.objective, rel=1e-6)
    assert paired.production["quantity"].sum() == pytest.approx(one_by_one.production["quantity"].sum(), rel=1e-5)
    assert len(paired.weak_links) == len(one_by_one.weak_links)


@pytest.mark.parametrize(
    ("first", "second", "first_done", "second_done", "expected"),
    [
        (None, None, False, False, None),  # both running: wait
        (None, 0.0, False, True, 1),  # the second met the level: take it, stop the first
        (None, 0.3, False, True, None),  # the second did not: wait for the first's optimum
        (0.3, None, True, False, None),  # the first is cut: wait for the second (it may hold the level there)
        (0.3, 0.3 * (1 + 1e-6), True, True, 1),  # the second holds the first's optimum: it answers both
        (0.3, 0.31, True, True, 0),  # the second traded the level away: the first answers
        (0.3, None, True, True, 0),  # the second stopped short (cancelled, or no optimum)
        (None, None, True, False, 0),  # the first infeasible: it answers (the plan is then diagnosed)
        (None, 0.0, True, True, 1),  # a met second is an answer whatever the first did
    ],
)
def test_pair_verdict(
    first: float | None, second: float | None, first_done: bool, second_done: bool, expected: int | None
) -> None:
    assert pair_verdict(first, second, first_done, second_done, floor=MET, tol=1e-6) == expected


def test_pair_verdict_bound_is_the_first_optimum_within_tolerance() -> None:
    # the bound is a × (1 + tol) + LEVEL_ABS_TOLERANCE: just inside is taken, just outside is not
    a, tol = 2.0, 1e-6
    edge = a * (1 + tol) + LEVEL_ABS_TOLERANCE
    assert pair_verdict(a, edge, True, True, floor=MET, tol=tol) == 1
    assert pair_verdict(a, edge * (1 + 1e-9), True, True, floor=MET, tol=tol) == 0
    # with no floor (the cost pair) a zero second is not taken without the first
    assert pair_verdict(None, 0.0, False, True, floor=-np.inf, tol=tol) is None
