"""The plan solved by decomposition (``solve_plan(..., decompose=...)``) against the monolithic plan and by hand."""

from __future__ import annotations

import pytest
from tests.plan.scenarios import build, two_prefectures_raw

from leapplan.errors import DecomposeError, SolverError
from leapplan.plan import PlanStatus, solve_plan
from leapplan.plan.decomposed import Decompose
from leapplan.scenario.synth import synthesize


def test_two_prefectures_plan_as_the_monolithic_one() -> None:
    # A (east) ships coal over road ab to B's iron works (west): 3,000 t/yr of road → 3,000 t coal → at 2 t per t,
    # 1,500 t of iron of the 3,000 t target (the corridor and B's coal balance are linking rows of the master)
    s = build(two_prefectures_raw())
    mono = solve_plan(s)
    dec = solve_plan(s, decompose=Decompose(workers=0, gap=1e-9))
    assert dec.status is PlanStatus.targets_cut
    t = dec.targets.set_index("id").loc["iron_1958"]
    # an interior point holds a solved level to LEVEL_TOLERANCE['ipm'] (1e-6 relative) in later stages
    assert t["achievable"] == pytest.approx(1500, rel=1e-5)
    assert dec.objective == pytest.approx(mono.objective, abs=1e-5)
    ships = dec.shipments.set_index(["link", "product"])["quantity"]
    assert ships[("ab", "coal")] == pytest.approx(3000, rel=1e-5)
    stages = dec.solver["stages"]
    assert dec.solver["method"] == "decomposed"
    assert all(st["status"] == "optimal" and st["gap"] <= 1e-9 for st in stages)
    assert max(st["violation"] for st in stages) <= 1e-6  # every row of the whole LP
    # the weak links come from the rows' prices: one more t of coal at B gives ½ t of iron, as the monolithic plan
    # says; the road (a linking row, priced by the master) gives 0.495 (½ less the carting it needs)
    want = mono.weak_links.set_index(["constraint", "region", "product"])["shadow_price"]
    got = dec.weak_links.set_index(["constraint", "region", "product"])["shadow_price"]
    assert got[("balance", "b", "coal")] == pytest.approx(0.5, rel=1e-6)
    assert got[("corridor", "ab", "")] == pytest.approx(want[("corridor", "ab", "")], rel=1e-6)
    assert dec.weak_links["value_of_one_percent"].iloc[:2].tolist() == pytest.approx([15.0, 14.85], rel=1e-6)
    # each weak link's block: B's coal balance is west's; road ab joins east and west, a linking row of the centre
    block = dec.weak_links.set_index(["constraint", "region", "product"])["block"]
    assert block[("balance", "b", "coal")] == "west"
    assert block[("corridor", "ab", "")] == "centre"
    assert "block" not in mono.weak_links.columns


def test_a_decomposed_stage_tells_its_iterations_as_it_runs() -> None:
    # the status line of `leapplan plan --decompose` is fed by progress: each stage's start, then each iteration
    s = build(two_prefectures_raw())
    told: list[tuple[str, int, int]] = []
    dec = solve_plan(s, decompose=Decompose(workers=0, gap=1e-9), progress=lambda *a: told.append(a))
    stages = dec.solver["stages"]
    assert len({st["stage"] for st in stages}) == len(stages)
    for st in stages:
        (k,) = [k for name, k, _ in told if name == st["stage"]]
        during = [(name, kk) for name, kk, _ in told if name.startswith(f"{st['stage']}, iteration ")]
        # iterations 0 … n, each told once under the stage's own number, the last with the gap the stage closed at
        assert [kk for _, kk in during] == [k] * (st["iterations"] + 1)
        assert during[-1][0] == f"{st['stage']}, iteration {st['iterations']}, gap {st['gap']:.1e}"


def test_a_stage_stopped_short_is_an_error_not_an_infeasible_plan() -> None:
    # (the two-prefecture scenario has one priority level: its first stage is 'priority 1')
    s = build(two_prefectures_raw())
    with pytest.raises(SolverError, match=r"stage 'priority 1' stopped \(iteration limit\) after 3 iter"):
        solve_plan(s, decompose=Decompose(workers=0, max_iterations=3))


def test_bad_decomposition_settings_are_clear_errors() -> None:
    s = build(two_prefectures_raw())
    with pytest.raises(DecomposeError, match="blocks must be at least 1"):
        solve_plan(s, decompose=Decompose(blocks=0, workers=0))
    with pytest.raises(DecomposeError, match="gap must be between 0 and 1"):
        solve_plan(s, decompose=Decompose(workers=0, gap=0.0))
    with pytest.raises(DecomposeError, match="method must be 'interior' or 'dantzig-wolfe'"):
        solve_plan(s, decompose=Decompose(workers=0, method="benders"))


@pytest.mark.slow
def test_two_prefectures_on_two_dask_workers() -> None:
    s = build(two_prefectures_raw())
    here = solve_plan(s, decompose=Decompose(workers=0, gap=1e-9))
    there = solve_plan(s, decompose=Decompose(workers=2, gap=1e-9))
    assert there.objective == pytest.approx(here.objective, abs=1e-9)
    assert there.targets["achievable"].tolist() == pytest.approx(here.targets["achievable"].tolist(), rel=1e-9)


def test_small_synthetic_plan_agrees_with_the_monolithic_one() -> None:
    # the benchmark's generator at 6 counties × 4 products × 2 years (one prefecture, cut into 3 blocks by size):
    # one target cut, so every stage is solved; one HiGHS run per stage is the second method
    s = synthesize(6, 4, 2, seed=0)
    gap = 1e-4
    mono = solve_plan(s)
    dec = solve_plan(s, decompose=Decompose(blocks=3, workers=0, gap=gap))
    assert dec.status is mono.status is PlanStatus.targets_cut
    want = {st["stage"]: st for st in mono.solver["stages"]}
    solved = [st for st in dec.solver["stages"] if "iterations" in st]
    # the first stage, priority 2 and the last; an interior point's plan may leave some new capacity idle, which
    # solve_plan's rebuild rounds then close and solve priority 2 and the last stage again (up to REBUILDS times)
    assert len(solved) in (3, 5, 7) and all(st["blocks"] == 3 and len(st["block_seconds"]) == 3 for st in solved)
    # a held level is a bound and the rebuild rounds fix columns: every stage has the first's columns and starts
    # from the stage before's solution
    assert [st["started_from"] for st in solved] == ["the least-norm point"] + ["the last stage's solution"] * (
        len(solved) - 1
    )
    for st in solved:
        assert st["status"] == "optimal" and st["gap"] <= gap
        split = st["per_iteration"]  # a mean iteration's seconds fit in the stage's mean iteration
        assert (
            0
            < split["factor_s"] + split["predictor_corrector_s"] + split["centrality_s"]
            <= st["seconds"] / st["iterations"]
        )
        assert st["violation"] <= 1e-6  # every row of the stage's whole LP (the monolithic model and held levels)
        assert st["objective"] == pytest.approx(want[st["stage"]]["objective"], rel=gap)
    assert dec.objective == pytest.approx(mono.objective, rel=gap)
    got = dec.targets.set_index("id")
    for _, t in mono.targets.set_index("id").iterrows():
        assert got.loc[t.name, "achievable"] == pytest.approx(t["achievable"], abs=gap * t["required"])
