"""Re-plans worked out by hand on a two-year scenario with two ways to make iron.

County A mines coal (10,000 t/yr) and has two iron plants of 2,000 t/yr each: the works needs 2 t of coal per t
of iron, the old furnace 3 t. Nothing can be built (no funds). Targets: 2,000 t of iron in 1958 and in 1959. The
plan runs the works (less gross output: 2,000 t of iron for 4,000 t of coal rather than 6,000) in both years.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from tests.plan.scenarios import SRC, build, corridor_raw
from typer.testing import CliRunner

from leapplan.audit.estimate import audited_figures
from leapplan.cli import app
from leapplan.errors import AuditError
from leapplan.plan import PlanResult, save_plan, solve_plan
from leapplan.plan.replan import read_state, replan
from leapplan.plan.revision import what_changed
from leapplan.scenario import Scenario, save


def two_works_raw() -> dict[str, Any]:
    raw = corridor_raw()
    raw["name"] = "two_works"
    raw["horizon"] = 2
    raw["regions"] = raw["regions"][:2]
    raw["regions"][1]["labour_force"] = 100000
    raw["products"] = [p for p in raw["products"] if p["id"] != "transport"]
    iron = dict(kind="modern", scale="large", build_time=0, lifetime=10, source=SRC, product="iron", labour=0.002)
    raw["technologies"] = [
        raw["technologies"][0],
        {"id": "works", "name": "Iron works", "inputs": {"coal": 2}, "capital_cost": 10, "plant_size": 500, **iron},
        {"id": "furnace", "name": "Old furnace", "inputs": {"coal": 3}, "capital_cost": 10, "plant_size": 500, **iron},
    ]
    at_a = dict(region="a", ownership="county", source=SRC)
    raw["enterprises"] = [
        {"id": "a_mine", "name": "A mine", "technology": "mine", "capacity": 10000, "base_output": 8000, **at_a},
        {"id": "a_works", "name": "A works", "technology": "works", "capacity": 2000, "base_output": 2000, **at_a},
        {"id": "a_furnace", "name": "A furnace", "technology": "furnace", "capacity": 2000, "base_output": 0, **at_a},
    ]
    raw["links"] = []
    raw["funds"] = []
    raw["targets"] = [
        {
            "id": f"iron_{y}",
            "description": f"Iron 2,000 t in {y}",
            "scope": {"metric": "output", "product": "iron"},
            "kind": "absolute",
            "value": 2000,
            "year": y,
            "source": SRC,
        }
        for y in (1958, 1959)
    ]
    return raw


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return build(two_works_raw())


@pytest.fixture(scope="module")
def plan(scenario: Scenario) -> PlanResult:
    return solve_plan(scenario)


def reports(works: float = 2000.0, **extra: float) -> pd.DataFrame:
    """1958's reports: the works' iron (with ``extra`` columns, e.g. input:coal, in_service) and the mine's coal."""
    return pd.DataFrame(
        [
            {"report_id": "r1", "unit": "a_works", "period": "1958", "product": "iron", "produced": works, **extra},
            {"report_id": "r2", "unit": "a_mine", "period": "1958", "product": "coal", "produced": 4000.0},
        ]
    )


def made(result: PlanResult, period: str) -> pd.Series:
    p = result.production
    return p[p["period"].astype(str) == period].set_index("technology")["quantity"]


def achievable(result: PlanResult) -> pd.Series:
    return result.targets.set_index("id")["achievable"]


def test_the_plan_runs_the_works(plan: PlanResult) -> None:
    for period in ("1958", "1959"):
        out = made(plan, period)
        assert out["works"] == pytest.approx(2000, rel=1e-6)
        assert out["mine"] == pytest.approx(4000, rel=1e-6)
        assert "furnace" not in out


def test_nothing_changed_reproduces_the_remaining_periods(scenario: Scenario, plan: PlanResult) -> None:
    state = read_state(scenario, plan, reports())
    assert state.period == "1958" and state.past == ["1958"]
    new = replan(scenario, state)
    for period in ("1958", "1959"):
        pd.testing.assert_series_equal(made(new, period).sort_index(), made(plan, period).sort_index(), rtol=1e-6)
    pd.testing.assert_series_equal(achievable(new), achievable(plan), rtol=1e-6)
    account = what_changed(plan, new, state)
    assert not any(t["moved"] for t in account["targets"])
    assert account["output"] == [] and account["replaced"] == []
    assert "No target moves." in account["words"]


def test_a_failed_plant_shifts_its_output_to_the_next_cheapest_unit(scenario: Scenario, plan: PlanResult) -> None:
    # the works stands no more after 1958: 1959's 2,000 t come from the furnace, at 3 t of coal each
    state = read_state(scenario, plan, reports(in_service=0.0))
    assert state.lost.to_dict("records") == [{"unit": "a/works/county", "enterprise": "a_works", "lost": 2000.0}]
    new = replan(scenario, state)
    after = made(new, "1959")
    assert after["furnace"] == pytest.approx(2000, rel=1e-6)
    assert after.get("works", 0.0) == pytest.approx(0, abs=1e-6)
    assert after["mine"] == pytest.approx(6000, rel=1e-6)
    assert made(new, "1958")["works"] == pytest.approx(2000, rel=1e-6)  # the past as it happened
    assert achievable(new)["iron_1959"] == pytest.approx(2000, rel=1e-6)
    account = what_changed(plan, new, state)
    changes = {r["technology"]: (r["before"], r["after"]) for r in account["output"]}
    assert changes["furnace"] == pytest.approx((0, 2000), abs=1e-3)
    assert changes["works"] == pytest.approx((2000, 0), abs=1e-3)
    assert any("a_works has 2,000 a year of capacity out of service" in w for w in account["words"])


def test_capacity_out_of_service_in_a_given_period(scenario: Scenario, plan: PlanResult) -> None:
    # a quarter of the works (500 t/yr) expected out in 1959 only (a row with its period, as the simulation's
    # loop writes): 1,500 t from the works at 2 t of coal, 500 t from the furnace at 3 t → 4,500 t of coal
    lost = pd.DataFrame([{"unit": "a/works/county", "enterprise": "", "lost": 500.0, "period": "1959"}])
    state = dataclasses.replace(read_state(scenario, plan, reports()), lost=lost)
    after = made(replan(scenario, state), "1959")
    assert after["works"] == pytest.approx(1500, rel=1e-6)
    assert after["furnace"] == pytest.approx(500, rel=1e-6)
    assert after["mine"] == pytest.approx(4500, rel=1e-6)
    with pytest.raises(AuditError, match="has happened"):
        replan(scenario, dataclasses.replace(state, lost=lost.assign(period="1958")))


def test_a_failed_audit_enters_at_the_audit_bound(scenario: Scenario, plan: PlanResult) -> None:
    # 2,000 t of iron reported on 3,000 t of coal received: the works makes at most 3,000 / 2 = 1,500 t
    state = read_state(scenario, plan, reports(**{"input:coal": 3000.0}))
    fig = state.figures.set_index("unit")
    assert fig.at["a_works", "basis"] == "material balance bound"
    assert fig.at["a_works", "used"] == pytest.approx(1500)
    new = replan(scenario, state)
    assert made(new, "1958")["works"] == pytest.approx(1500, rel=1e-6)
    assert achievable(new)["iron_1958"] == pytest.approx(1500, rel=1e-6)
    assert achievable(new)["iron_1959"] == pytest.approx(2000, rel=1e-6)
    account = what_changed(plan, new, state)
    moved = [t["id"] for t in account["targets"] if t["moved"]]
    assert moved == ["iron_1958"]
    assert account["replaced"][0]["audited"] == pytest.approx(1500)
    # on the reports as they stand, the same reports say 1958 made its 2,000 t
    as_reported = replan(scenario, read_state(scenario, plan, reports(**{"input:coal": 3000.0}), basis="reported"))
    assert achievable(as_reported)["iron_1958"] == pytest.approx(2000, rel=1e-6)


def test_output_over_capacity_enters_at_the_capacity_bound(scenario: Scenario) -> None:
    # 2,600 t reported by a 2,000 t/yr works (no technicians): the capacity check fails, 2,000 t enter
    figures, flags = audited_figures(scenario, reports(2600.0))
    row = figures.set_index("unit").loc["a_works"]
    assert row["basis"] == "capacity bound"
    assert row["audited"] == pytest.approx(2000)
    assert "capacity" in set(flags["check"])
    assert figures.set_index("unit").at["a_mine", "basis"] == "reported"


def _files(tmp_path: Path, scenario: Scenario, plan: PlanResult, frame: pd.DataFrame) -> tuple[Path, Path, Path]:
    scen, folder, csv = tmp_path / "scenario", tmp_path / "v1", tmp_path / "reports.csv"
    save(scenario, scen)
    save_plan(plan, folder)
    frame.to_csv(csv, index=False)
    return scen, folder, csv


def test_the_command_writes_a_new_version_and_says_what_changed(
    tmp_path: Path, scenario: Scenario, plan: PlanResult
) -> None:
    scen, v1, csv = _files(tmp_path, scenario, plan, reports(in_service=0.0))
    args = ["replan", "--plan", str(v1), "--reports", str(csv), "--scenario", str(scen)]
    r = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "v2"), "--json"])
    assert r.exit_code == 0, r.output
    record = json.loads(r.stdout)
    assert record["version"] == 2 and record["after"] == "1958" and record["basis"] == "audited"
    on_disk = json.loads((tmp_path / "v2" / "version.json").read_text())
    assert on_disk["version"] == 2
    assert (tmp_path / "v2" / "production.csv").is_file()
    # a version of a version counts on
    args3 = ["replan", "--plan", str(tmp_path / "v2"), "--reports", str(csv), "--scenario", str(scen)]
    r = CliRunner().invoke(app, [*args3, "--out", str(tmp_path / "v3")])
    assert r.exit_code == 0, r.output
    assert "version 3" in r.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--period", "1959"], "last period"),
        (["--period", "1970"], "unknown period"),
        (["--out-here"], "No such option"),
    ],
)
def test_bad_requests_get_one_message(
    tmp_path: Path, scenario: Scenario, plan: PlanResult, extra: list[str], message: str, capsys: Any
) -> None:
    from leapplan.cli import main

    scen, v1, csv = _files(tmp_path, scenario, plan, reports())
    out = tmp_path / "v2"
    code = main(
        ["replan", "--plan", str(v1), "--reports", str(csv), "--scenario", str(scen), "--out", str(out), *extra]
    )
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_new_version_never_overwrites(tmp_path: Path, scenario: Scenario, plan: PlanResult, capsys: Any) -> None:
    from leapplan.cli import main

    scen, v1, csv = _files(tmp_path, scenario, plan, reports())
    before = (v1 / "production.csv").read_text()
    code = main(["replan", "--plan", str(v1), "--reports", str(csv), "--scenario", str(scen), "--out", str(v1)])
    assert code == 2
    assert "folder of its own" in capsys.readouterr().err
    assert (v1 / "production.csv").read_text() == before
    bad = tmp_path / "bad.csv"
    bad.write_text("report_id,unit,period,product,produced\nr1,a_works,1958,iron,-5\n")
    code = main(
        ["replan", "--plan", str(v1), "--reports", str(bad), "--scenario", str(scen), "--out", str(tmp_path / "x")]
    )
    assert code == 2
    assert "negative" in capsys.readouterr().err


def test_a_past_upgrade_stays_as_it_happened() -> None:
    # test_upgrades.py's county at 12 yuan per t/yr, over two years: the plan rebuilds furnaces in 1958; a re-plan
    # after 1958 keeps what the state says was rebuilt then (the plan's figure, or 300 t/yr when only 300 were),
    # whatever would be best now: a furnace rebuilt last year cannot be un-rebuilt
    import dataclasses

    from tests.plan.test_upgrades import upgrade_raw

    raw = upgrade_raw(12)
    raw["horizon"] = 2
    s = build(raw)
    plan = solve_plan(s)
    rebuilt = plan.upgrades.set_index("period")["rebuilt"]
    assert rebuilt["1958"] > 300
    none = pd.DataFrame(columns=["report_id", "unit", "period", "product", "produced"])
    state = read_state(s, plan, none, period="1958")
    assert state.upgrades is not None
    assert state.upgrades.to_dict("records") == [
        {"period": "1958", "path": "c/rectify/county", "rebuilt": pytest.approx(rebuilt["1958"])}
    ]
    again = replan(s, state).upgrades.groupby("period")["rebuilt"].sum()
    assert again["1958"] == pytest.approx(rebuilt["1958"], rel=1e-6)
    fewer = dataclasses.replace(state, upgrades=state.upgrades.assign(rebuilt=300.0))
    new = replan(s, fewer).upgrades.groupby("period")["rebuilt"].sum()
    assert new["1958"] == pytest.approx(300.0, rel=1e-6)


def test_a_decision_not_to_build_beside_idle_capacity_is_kept() -> None:
    # the cement sink over two years (tests/plan/test_committee.py): the plan builds no furnaces in county C (they
    # would only take up the target's cement and leave the county's furnaces idle) and says so; a re-plan after
    # 1958 with everything as planned keeps that from its first stage, so it runs the people-and-the-future stage
    # once, not again after leaving the furnaces out, and gives the same plan as a re-plan that finds it anew
    from tests.plan.test_committee import cement_sink

    s = cement_sink(horizon=2)
    plan = solve_plan(s)
    assert plan.solver["no_new_capacity"] == ["c/furnace/county"]
    assert plan.builds.empty
    furnace = {"report_id": "r1", "unit": "c_furnace", "period": "1958", "product": "iron"}
    state = read_state(s, plan, pd.DataFrame([{**furnace, "produced": float(made(plan, "1958").get("furnace", 0.0))}]))
    assert state.no_new_capacity == ("c/furnace/county",)
    kept = replan(s, state)
    anew = replan(s, dataclasses.replace(state, no_new_capacity=()))

    def last_stages(r: PlanResult) -> int:
        return sum(st["stage"] == "people and the future" for st in r.solver["stages"])

    assert (last_stages(plan), last_stages(kept), last_stages(anew)) == (2, 1, 2)
    assert kept.solver["no_new_capacity"] == anew.solver["no_new_capacity"] == ["c/furnace/county"]
    assert kept.builds.empty and anew.builds.empty
    # the target is cut in full in both years: cement's only use is building furnaces
    assert achievable(kept).to_dict() == pytest.approx({"cement_1958": 0.0, "cement_1959": 0.0}, abs=1e-6)
    pd.testing.assert_series_equal(achievable(kept), achievable(anew), atol=1e-6)
    pd.testing.assert_series_equal(made(kept, "1959").sort_index(), made(anew, "1959").sort_index(), atol=1e-6)
