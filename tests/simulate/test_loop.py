"""The planning loop in simulation (``simulate.loop``): its premises (a causal engine, draws by cell name, the
plan spliced at the period), the state a planner reads, and the three loops side by side."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from leapplan.cli import main
from leapplan.errors import SimulationError
from leapplan.plan import PlanResult, save_plan, solve_plan
from leapplan.scenario import Scenario, load
from leapplan.simulate.engine import simulate_batch
from leapplan.simulate.frictions import Frictions
from leapplan.simulate.loop import closed_loop_run, expected_short, run_draws, run_loops, sim_state, splice
from leapplan.simulate.model import compile_model
from leapplan.simulate.once import run_seeds

TINY = "tests/data/tiny.yaml"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load(TINY)


@pytest.fixture(scope="module")
def solved(tiny: Scenario) -> PlanResult:
    return solve_plan(tiny)


def _run(s: Scenario, plan: Any, run: int = 0) -> Any:
    m = compile_model(s, plan)
    return m, simulate_batch(m, Frictions(), run_draws(s, m, run_seeds(s.seed, run, run + 1)), detail=True)


def test_splice_keeps_the_old_past_and_the_new_future(solved: PlanResult) -> None:
    doubled = solved.production.assign(quantity=solved.production["quantity"] * 2)
    new = dataclasses.replace(solved, production=doubled)
    both = splice(solved, new, ["1958"])
    got = both.production.set_index(["period", "region", "technology"])["quantity"]
    old = solved.production.set_index(["period", "region", "technology"])["quantity"]
    for key, q in old.items():
        assert got[key] == pytest.approx(q if key[0] == "1958" else 2 * q)


def test_the_engine_is_causal_so_a_spliced_plan_keeps_its_past(tiny: Scenario, make_plan: Any) -> None:
    # a different 1959 leaves every cell's 1958 as it was, run by run
    _, a = _run(tiny, make_plan())
    _, b = _run(tiny, make_plan({("1959", "city", "steel_modern"): 50_000.0}))
    for key in ("actual", "reported", "capacity"):
        np.testing.assert_array_equal(a.cells[key][:, 0], b.cells[key][:, 0])
    np.testing.assert_array_equal(a.grain[:, 0], b.grain[:, 0])
    assert not np.array_equal(a.cells["actual"][:, 1], b.cells["actual"][:, 1])


def test_draws_follow_the_cell_not_its_position(tiny: Scenario, make_plan: Any) -> None:
    plain = make_plan()
    more = make_plan()
    extra = dict(period="1959", region="north", technology="iron_indigenous", product="pig_iron", quantity=100.0)
    more.production = pd.concat([more.production, pd.DataFrame([extra])], ignore_index=True)
    ma, mb = compile_model(tiny, plain), compile_model(tiny, more)
    assert len(mb.cell_tech) == len(ma.cell_tech) + 1
    seeds = run_seeds(tiny.seed, 3, 4)
    da, db = run_draws(tiny, ma, seeds), run_draws(tiny, mb, seeds)
    keys_b = [f"{r}/{t}" for r, t in zip(mb.cell_region, mb.cell_tech, strict=True)]
    for c, (r, t) in enumerate(zip(ma.cell_region, ma.cell_tech, strict=True)):
        cb = keys_b.index(f"{r}/{t}")
        for name in ("delay", "quality", "report"):
            np.testing.assert_array_equal(da[name][:, :, c], db[name][:, :, cb])
    np.testing.assert_array_equal(da["harvest"], db["harvest"])


def test_the_state_a_planner_reads(tiny: Scenario, solved: PlanResult) -> None:
    plan = solved
    m, b = _run(tiny, plan)
    audited = sim_state(tiny, plan, m, b, 0, "audited").output.set_index(["region", "technology"])["quantity"]
    reported = sim_state(tiny, plan, m, b, 0, "reported").output.set_index(["region", "technology"])["quantity"]
    has_inputs = np.asarray(m.inputs.sum(axis=0)).ravel() > 0
    rids = [r.id for r in tiny.regions]
    for c, (r, t) in enumerate(zip(m.cell_region, m.cell_tech, strict=True)):
        key = (rids[r], t)
        assert reported[key] == pytest.approx(b.cells["reported"][0, 0, c])
        if has_inputs[c]:  # what its inputs allow is what it made
            assert audited[key] == pytest.approx(b.cells["actual"][0, 0, c])
        else:
            assert audited[key] == pytest.approx(min(b.cells["reported"][0, 0, c], b.cells["capacity"][0, 0, c]))
    grain = sim_state(tiny, plan, m, b, 0, "reported").grain.set_index("region")["quantity"]
    np.testing.assert_allclose(grain.reindex(m.regions).to_numpy(), b.grain_reported[0, 0])
    # the audited state counts the grain in store; the reported one keeps the books' reserve
    assert sim_state(tiny, plan, m, b, 0, "audited").reserve == pytest.approx(b.stocks[0, 0, m.grain])
    assert sim_state(tiny, plan, m, b, 0, "reported").reserve is None
    # the loop's figures beside them: the store the audited state counts, and the plan's farm workers as its
    # labour table gives them
    from leapplan.simulate.loop import _metrics

    got = _metrics(tiny, m, b)
    assert got["grain_stock"][0] == pytest.approx(sim_state(tiny, plan, m, b, 0, "audited").reserve)
    farm = plan.labour.groupby("period")["farm"].sum()
    assert got["farm_workers"].tolist() == pytest.approx(farm.reindex(list(tiny.periods)).tolist())


def test_three_loops_on_the_same_draws(tiny: Scenario, solved: PlanResult) -> None:
    result = run_loops(tiny, solved, 2)
    assert result.replans == {"audited": 2, "reported": 2, "none": 0}
    assert result.failed == {"audited": 0, "reported": 0, "none": 0}
    table = result.table.set_index(["loop", "period"])
    # before the first re-plan every loop carries out the same plan on the same draws
    for name in ("output_real", "food_lowest", "idle", "gap"):
        assert table.at[("audited", "1958"), name] == pytest.approx(table.at[("none", "1958"), name])
        assert table.at[("reported", "1958"), name] == pytest.approx(table.at[("none", "1958"), name])
    # 'none' is the plan carried out as it is: the median of the two runs simulated directly
    direct = []
    for run in range(2):
        m, b = _run(tiny, solved, run)
        direct.append((b.cells["actual"][0] @ m.prices[m.cell_product])[1])
    assert table.at[("none", "1959"), "output_real"] == pytest.approx(np.median(direct))
    one = closed_loop_run(tiny, solved, Frictions(), tiny.seed, 1, "audited")
    assert one["replans"] == 1 and one["metrics"]["output_real"].shape == (2,)


def test_simulate_replan_from_the_command_line(
    tmp_path: Path, solved: PlanResult, capsys: pytest.CaptureFixture[str]
) -> None:
    save_plan(solved, tmp_path / "plan")
    code = main(["simulate", TINY, "--plan", str(tmp_path / "plan"), "--replan", "all", "--runs", "1", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["loop"], r["period"]) for r in data["loops"]] == [
        (lp, p) for lp in ("audited", "reported", "none") for p in ("1958", "1959")
    ]
    assert data["replans"] == {"audited": 1, "reported": 1, "none": 0}
    # one record per re-plan, its seconds those the loop's total counts
    log = data["replan_log"]
    assert [(r["loop"], r["run"], r["after"], r["made"]) for r in log] == [
        ("audited", 0, "1958", True),
        ("reported", 0, "1958", True),
    ]
    for r in log:
        assert r["seconds"] == pytest.approx(data["replan_seconds"][r["loop"]], abs=1e-3)
        assert int(r["food_left_to_the_books"]) == data["food_left_to_the_books"][r["loop"]]
        assert r["lps"] >= 2 and r["settled"] >= 0 and 0 < r["solve_seconds"] < r["seconds"]
    # every run's own figures: one row per (loop, run, period), the medians' rows their medians (one run here)
    runs = pd.DataFrame(data["per_run"])
    assert len(runs) == 3 * 1 * 2
    medians = pd.DataFrame(data["loops"]).set_index(["loop", "period"])["food_lowest"]
    assert runs.set_index(["loop", "period"])["food_lowest"].to_dict() == pytest.approx(medians.to_dict())
    code = main(["simulate", TINY, "--plan", str(tmp_path / "plan"), "--replan", "none", "--runs", "1"])
    assert code == 0
    shown = capsys.readouterr().out
    never = pd.DataFrame(data["loops"]).set_index(["loop", "period"]).loc[("none", "1959")]
    assert "capital" in shown and f"{100 * never['idle_capital']:.1f} %" in shown  # long headings wrap
    assert "new" in shown and f"{100 * never['idle_new']:.1f} %" in shown
    code = main(["simulate", TINY, "--plan", str(tmp_path / "plan"), "--replan", "sometimes", "--runs", "1"])
    assert code == 2
    assert "audited, reported, none or all" in capsys.readouterr().err
    code = main(["simulate", TINY, "--plan", str(tmp_path / "plan"), "--out", str(tmp_path / "x")])
    assert code == 2
    assert "--out writes the loops of --replan" in capsys.readouterr().err


def test_the_loops_written_and_in_the_report(tmp_path: Path, tiny: Scenario, solved: PlanResult) -> None:
    from leapplan.report import write_report
    from leapplan.simulate.command import write_loops
    from leapplan.simulate.ensemble import run_ensemble

    data = {**run_loops(tiny, solved, 2).to_json(), "food_floor": tiny.guardrails.food_per_head}
    write_loops(tmp_path / "loops", data)
    table = pd.read_csv(tmp_path / "loops" / "loops.csv")
    runs = pd.read_csv(tmp_path / "loops" / "loops_runs.csv")
    assert len(table) == 3 * 2 and len(runs) == 3 * 2 * 2
    # below_floor in the table is the share of runs: the mean of the runs' 0/1
    share = runs.groupby(["loop", "period"])["below_floor"].mean()
    assert table.set_index(["loop", "period"])["below_floor"].to_dict() == pytest.approx(share.to_dict())
    assert (tmp_path / "loops" / "loops.png").read_bytes()[:4] == b"\x89PNG"
    report = write_report(tmp_path / "r", tiny, solved, run_ensemble(tiny, solved, 4), loops=data)
    html = report.read_text(encoding="utf-8")
    assert "Closing the loop" in html and "re-planned on audited figures" not in html  # legend is in the PNG
    assert "idle in the plan" in html and "idle capital" in html
    # the report's table shows the console's figures: the never-re-planned loop's 1959 idle capital, to 0.1 %
    never = table.set_index(["loop", "period"]).loc[("none", 1959)]
    assert f"{100 * never['idle_capital']:.1f} %" in html
    assert (tmp_path / "r" / "tables" / "loops_runs.csv").exists()


def test_a_replan_that_fails_leaves_the_plan_in_force(
    tiny: Scenario, solved: PlanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    import leapplan.plan.replan as replan_module
    from leapplan.errors import SolverError

    def gives_up(*_: Any, **__: Any) -> PlanResult:
        raise SolverError("HiGHS gave up")

    monkeypatch.setattr(replan_module, "replan", gives_up)
    failed = closed_loop_run(tiny, solved, Frictions(), tiny.seed, 0, "audited")
    kept = closed_loop_run(tiny, solved, Frictions(), tiny.seed, 0, "none")
    assert failed["replans"] == 0 and failed["failed"] == 1
    assert failed["failures"] == [{"loop": "audited", "run": 0, "after": "1958", "reason": "HiGHS gave up"}]
    for name in ("output_real", "food_lowest", "idle"):  # the plan in force carried out as in the 'none' loop
        np.testing.assert_allclose(failed["metrics"][name], kept["metrics"][name])


def test_food_the_books_cannot_balance_is_left_to_them(
    tiny: Scenario, solved: PlanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    import leapplan.plan.replan as replan_module
    from leapplan.errors import SolverError

    real = replan_module.replan
    seen: list[bool] = []

    def strict(s: Scenario, state: Any, **kw: Any) -> PlanResult:
        seen.append(state.eaten is None)
        if state.eaten is not None:  # as a re-plan whose past food cannot be balanced with its harvest
            raise SolverError("infeasible")
        return real(s, state, **kw)

    monkeypatch.setattr(replan_module, "replan", strict)
    out = closed_loop_run(tiny, solved, Frictions(), tiny.seed, 0, "audited")
    assert seen == [False, True]
    assert (out["replans"], out["failed"], out["food_left_to_the_books"]) == (1, 0, 1)


@pytest.mark.slow
def test_two_workers_give_the_in_process_table(tiny: Scenario, solved: PlanResult) -> None:
    from dask.distributed import LocalCluster

    here = run_loops(tiny, solved, 2, loops=("audited",))
    there = run_loops(tiny, solved, 2, loops=("audited",), workers=2)
    pd.testing.assert_frame_equal(here.table, there.table)
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster:
        remote = run_loops(tiny, solved, 2, loops=("audited",), scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(here.table, remote.table)
    assert remote.workers == 1


def test_an_unreachable_scheduler_is_named(tiny: Scenario, solved: PlanResult) -> None:
    with pytest.raises(SimulationError, match="cannot reach the dask scheduler at tcp://127.0.0.1:9"):
        run_loops(tiny, solved, 1, loops=("none",), scheduler="tcp://127.0.0.1:9")


def _mine_from_1958(make_plan: Any) -> Any:
    """The tiny plan with the new south mine started (and planned in service) in 1958 rather than 1959."""
    plan = make_plan()
    cap = plan.capacity
    mine = (cap["region"] == "south") & (cap["technology"] == "coal_modern")
    new = float(cap.loc[mine & (cap["period"] == "1959"), "new_capacity"].iloc[0])
    cap.loc[mine & (cap["period"] == "1958"), ["capacity", "new_capacity"]] = [
        float(cap.loc[mine & (cap["period"] == "1959"), "capacity"].iloc[0]),
        new,
    ]
    cap.loc[mine & (cap["period"] == "1959"), "new_capacity"] = 0.0
    plan.builds, plan.upgrades = pd.DataFrame(), None  # what the state reads of the plan's building: nothing here
    return plan, new


def test_the_audited_state_expects_late_building_and_learning(tiny: Scenario, make_plan: Any) -> None:
    plan, new = _mine_from_1958(make_plan)
    m = compile_model(tiny, plan)
    rids = [r.id for r in tiny.regions]
    c = [f"{rids[r]}/{k}" for r, k in zip(m.cell_region, m.cell_tech, strict=True)].index("south/coal_modern")
    d = run_draws(tiny, m, run_seeds(tiny.seed, 0, 1))
    st = m.settings
    rs, lt = st["ramp_start"], m.learning_time[1, c]
    assert 0 < rs < 1 and m.dt == 1.0 and st["build_delay"] > 0
    # on time (lag floor(0 × …) = 0): in service in 1958, a year of learning by 1959: short N (1 − rs) e^(−1/lt)
    d["delay"][0, 0, c] = 0.0
    short = expected_short(m, Frictions(), d, 0)
    assert short[0].max() == 0.0
    assert short[1, c] == pytest.approx(new * (1 - rs) * np.exp(-1.0 / lt))
    # late (lag ≥ 1 year): expected in 1959 with no learning yet, short N (1 − rs); without learning, none short
    d["delay"][0, 0, c] = 10.0 / st["build_delay"]
    assert expected_short(m, Frictions(), d, 0)[1, c] == pytest.approx(new * (1 - rs))
    assert expected_short(m, Frictions().without("learning"), d, 0)[1, c] == 0.0
    # what the state makes of it: out of service in 1959 only, in the audited state and not the reported one
    _, b = _run(tiny, plan)
    audited = sim_state(tiny, plan, m, b, 0, "audited", expected_short(m, Frictions(), d, 0)).lost
    assert audited[["unit", "period"]].values.tolist() == [["south/coal_modern/any", "1959"]]
    assert audited["lost"].iloc[0] == pytest.approx(new * (1 - rs))
    assert sim_state(tiny, plan, m, b, 0, "reported").lost.empty


def test_idle_capacity_in_the_plan_and_at_its_capital_cost(tiny: Scenario, make_plan: Any) -> None:
    from tests.simulate.conftest import BASE

    from leapplan.simulate.loop import _metrics, capital_per_unit

    m, b = _run(tiny, make_plan())
    # funds plus capital goods at base-year prices (steel 300 yuan/t), from tiny.yaml by hand
    by_hand = {
        "coal_small": 20.0,
        "coal_modern": 60 + 0.01 * 300,
        "iron_indigenous": 50.0,
        "iron_modern": 400 + 0.05 * 300,
        "steel_modern": 500 + 0.05 * 300,
        "rail": 0.05,
    }
    unit = capital_per_unit(tiny, m)
    assert unit.tolist() == pytest.approx([by_hand[t] for t in m.cell_tech])
    got = _metrics(tiny, m, b)
    # 1958: the plan asks the base-year output (conftest.BASE), against the capacity the engine had in service
    rids = [r.id for r in tiny.regions]
    base = {(r, t): q for (r, t, _), q in BASE.items()}
    planned = np.array([base[(rids[r], t)] for r, t in zip(m.cell_region, m.cell_tech, strict=True)])
    cap = b.cells["capacity"][0, 0] * m.dt
    price = m.prices[m.cell_product]
    in_plan = np.clip(cap - planned, 0, None) @ price / (cap @ price)
    capital = np.clip(cap - b.cells["actual"][0, 0], 0, None) @ unit / (cap @ unit)
    assert got["idle_planned"][0] == pytest.approx(in_plan)
    assert got["idle_capital"][0] == pytest.approx(capital)
    assert 0 < in_plan <= got["idle"][0] < 1 and 0 < capital < 1


@pytest.mark.parametrize(("asked", "share"), [(380_000.0, 0.2), (330_000.0, 0.7), (250_000.0, 1.0)])
def test_new_capacity_left_idle_is_the_last_its_cell_uses(
    tiny: Scenario, make_plan: Any, asked: float, share: float
) -> None:
    from tests.simulate.conftest import CAPACITY, NEW_MINE

    from leapplan.simulate.frictions import FRICTIONS
    from leapplan.simulate.loop import _metrics

    # every friction off: in service as planned. The south mine's 300,000 t/yr plus the 100,000 new in 1959, the
    # only new capacity: asked 380,000 t the new mine runs 80 % (idle 0.2 of it), 330,000 t 30 % (0.7), 250,000 t
    # not at all (1.0) — by hand, so the shares are 0.2, 0.7 and 1.0 of the new capacity's output value
    plan = make_plan({("1959", "south", "coal_modern"): asked})
    m = compile_model(tiny, plan)
    b = simulate_batch(m, Frictions().without(*FRICTIONS), run_draws(tiny, m, run_seeds(tiny.seed, 0, 1)), True)
    rids = [r.id for r in tiny.regions]
    c = [f"{rids[r]}/{k}" for r, k in zip(m.cell_region, m.cell_tech, strict=True)].index("south/coal_modern")
    assert b.cells["capacity"][0, 1, c] == pytest.approx(CAPACITY[("south", "coal_modern")] + NEW_MINE)
    assert b.cells["actual"][0, 1, c] == pytest.approx(asked)
    got = _metrics(tiny, m, b)["idle_new"]
    assert np.isnan(got[0])  # nothing new in service in 1958
    assert got[1] == pytest.approx(share)
