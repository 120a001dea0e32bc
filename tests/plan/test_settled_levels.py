"""Targets a re-plan's past settles: held without stages of their own where the first stage reaches their least.

The two-works scenario of ``test_replan.py`` with 1958's iron at priority 1 and 1959's at priority 2. The works
reports 2,000 t of iron in 1958 on 3,000 t of coal received: the audit's material balance bound is 1,500 t, so
1958's target is cut by 500 / 2,000 = 25 % whatever the re-plan does, and 1959's is met.
"""

from __future__ import annotations

from types import SimpleNamespace

import highspy
import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csc_array
from tests.plan.scenarios import build
from tests.plan.test_replan import made, reports, two_works_raw

from leapplan.plan import solve_plan
from leapplan.plan.bounds import neighbourhood, relaxed_minima
from leapplan.plan.replan import read_state, replan
from leapplan.plan.result import PlanResult
from leapplan.plan.solve import Level, settled_levels
from leapplan.plan.weak_links import Gauge
from leapplan.scenario import Scenario


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    raw = two_works_raw()
    for t, priority in zip(raw["targets"], (1, 2), strict=True):
        t["priority"] = priority
    return build(raw)


def statuses(result: PlanResult) -> dict[str, str]:
    return {st["stage"]: st["status"] for st in result.solver["stages"]}


def test_a_past_target_is_settled_without_a_stage(scenario: Scenario) -> None:
    plan = solve_plan(scenario)
    state = read_state(scenario, plan, reports(**{"input:coal": 3000.0}))
    new = replan(scenario, state)
    assert statuses(new)["priority 1"].startswith("settled by the past")
    cut = new.targets.set_index("id")["cut_share"]
    assert cut["iron_1958"] == pytest.approx(0.25, abs=1e-6)
    assert cut["iron_1959"] == pytest.approx(0.0, abs=1e-6)
    # the plan is the one solved stage by stage
    old = replan(scenario, state, settle=False)
    assert statuses(old)["priority 1"] == "optimal"
    for period in ("1958", "1959"):
        pd.testing.assert_series_equal(made(new, period).sort_index(), made(old, period).sort_index(), rtol=1e-6)
    assert new.objective == pytest.approx(old.objective, rel=1e-6)


def test_a_bound_the_plan_cannot_reach_is_solved_by_a_stage(scenario: Scenario) -> None:
    # the mine reports 3,000 t of coal and the works 2,000 t of iron on no reported input: the audit passes both,
    # but 3,000 t of coal make at most 1,500 t of iron at the works (coal 2 t a tonne) — a limit four rows away
    # from the target (target → iron → coal's balance → the mine's output as it happened), beyond the bound's
    # neighbourhood, whose least shortfall is therefore 0: no solution reaches it, and the level gets its stage
    plan = solve_plan(scenario)
    rep = reports()
    rep.loc[rep["unit"] == "a_mine", "produced"] = 3000.0
    state = read_state(scenario, plan, rep)
    new = replan(scenario, state)
    assert statuses(new)["priority 1"] == "optimal"
    assert new.targets.set_index("id").at["iron_1958", "achievable"] == pytest.approx(1500, rel=1e-6)
    assert made(new, "1958")["works"] == pytest.approx(1500, rel=1e-6)


def test_a_fresh_plan_settles_nothing(scenario: Scenario) -> None:
    plan = solve_plan(scenario)
    assert not any(str(s).startswith("settled") for s in statuses(plan).values())


def test_the_neighbourhood_of_a_column() -> None:
    # rows × columns: r0 = {c0, c1}, r1 = {c1, c2}, r2 = {c2, c3}, r3 = {c4}
    dense = np.array([[1, 1, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 0, 1]], dtype=float)
    A = csc_array(dense)
    rows, cols = neighbourhood(A, 0, hops=1)
    assert rows.tolist() == [0] and cols.tolist() == [0, 1]
    rows, cols = neighbourhood(A, 0, hops=2)
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1, 2]
    rows, cols = neighbourhood(A, 0, hops=5)
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [0, 1, 2, 3]


def test_the_relaxed_minimum_tightens_with_each_round_of_rows() -> None:
    # min x0  s.t.  x0 + x1 ≥ 4,  x1 − x2 ≤ 1,  x2 + x3 ≤ 1,  x ≥ 0: x1 ≤ 1 + x2 ≤ 2, so x0 ≥ 2 (by hand);
    # with the first row only, or the first two, x1 may be as large as it likes and the least x0 is 0
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = 4, 3
    lp.col_cost_ = np.zeros(4)
    lp.col_lower_, lp.col_upper_ = np.zeros(4), np.full(4, highspy.kHighsInf)
    lp.row_lower_ = np.array([4.0, -highspy.kHighsInf, -highspy.kHighsInf])
    lp.row_upper_ = np.array([highspy.kHighsInf, 1.0, 1.0])
    A = csc_array(np.array([[1, 1, 0, 0], [0, 1, -1, 0], [0, 0, 1, 1]], dtype=float))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    assert [relaxed_minima(h, [0], hops)[0] for hops in (1, 2, 3)] == pytest.approx([0.0, 0.0, 2.0], abs=1e-9)


def test_a_year_is_settled_when_all_its_quarters_have_happened() -> None:
    # quarters of 1958 and 1959, re-planned after 1959Q2: 1958's targets are settled, a level holding a 1959
    # target is not, nor is a level that is no target's (the grain reserve's)
    periods = [f"{y}Q{q}" for y in (1958, 1959) for q in (1, 2, 3, 4)]
    pm = SimpleNamespace(
        index=SimpleNamespace(periods=pd.Index(periods), year=np.array([int(p[:4]) for p in periods])),
        targets=SimpleNamespace(frame=pd.DataFrame({"year": [1958, 1958, 1959]}, index=["a", "b", "c"])),
    )
    gauge = Gauge("percentage points", 100.0, "")
    levels = [
        Level("grain reserve", [], gauge, terms=(np.zeros(1, dtype=np.int64), np.ones(1))),
        Level("priority 1", ["a", "b"], gauge),
        Level("priority 2", ["b", "c"], gauge),
    ]
    assert settled_levels(pm, levels, set(periods[:6])) == [1]  # type: ignore[arg-type]
    assert settled_levels(pm, levels, set(periods[:3])) == []  # type: ignore[arg-type]
    assert settled_levels(pm, levels, set()) == []  # type: ignore[arg-type]
