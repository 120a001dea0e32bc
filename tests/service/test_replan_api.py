"""Re-planning through the service on the hand-worked two-year scenario of tests/plan/test_replan.py.

County A mines coal and has two iron plants of 2,000 t/yr: the works (2 t of coal per t of iron) and the old
furnace (3 t). The plan runs the works in 1958 and 1959: 2,000 t of iron on 4,000 t of coal a year. The works
reports 2,000 t for 1958 and in_service 0 (it stands no more): the re-plan makes 1959's 2,000 t in the furnace,
on 3 × 2,000 = 6,000 t of coal (worked by hand in tests/plan/test_replan.py).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from tests.plan.scenarios import build
from tests.plan.test_replan import two_works_raw
from tests.plan.test_replan_reserve import reserve_county

from leapplan.errors import LeapplanError
from leapplan.plan import PlanResult, save_plan, solve_plan
from leapplan.scenario import Scenario, save

WORKS_1958 = {"client_id": "w58", "unit": "a_works", "period": "1958", "product": "iron", "produced": 2000.0}
MINE_1958 = {"client_id": "m58", "unit": "a_mine", "period": "1958", "product": "coal", "produced": 4000.0}


@pytest.fixture(scope="module")
def two_works() -> Scenario:
    return build(two_works_raw())


@pytest.fixture(scope="module")
def first_plan(two_works: Scenario) -> PlanResult:
    return solve_plan(two_works)


@pytest.fixture()
def service(make_app: Callable[..., FastAPI], db_url: str, two_works: Scenario, first_plan: PlanResult) -> FastAPI:
    return make_app(db_url, scenario=two_works, plan=first_plan)


def _client(app: FastAPI, username: str, password: str) -> Any:
    from fastapi.testclient import TestClient

    c = TestClient(app)
    r = c.post("/api/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return c


@pytest.fixture()
def boss(service: FastAPI) -> Any:
    """The demo planner."""
    return _client(service, "planner", "planner")


@pytest.fixture()
def works_user(service: FastAPI, boss: Any) -> Any:
    """An enterprise user of the works (two_works has no zones, so no demo users but the planner)."""
    r = boss.post(
        "/api/users", json={"username": "works", "role": "enterprise", "unit": "a_works", "password": "works-pw"}
    )
    assert r.status_code == 201, r.text
    return _client(service, "works", "works-pw")


def wait_for(client: Any, timeout: float = 60.0) -> dict[str, Any]:
    """Poll GET /api/plans/replan until the re-plan is no longer running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get("/api/plans/replan").json()
        if job["state"] != "running":
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"the re-plan still runs after {timeout} s")


def coal_planned(client: Any, period: str) -> float:
    rows = client.get("/api/rollup", params={"unit": "a", "period": period, "product": "coal"}).json()
    assert len(rows) == 1
    return float(rows[0]["planned"])


def test_a_replan_makes_a_version_that_a_planner_activates(
    boss: Any, works_user: Any, make_app: Callable[..., FastAPI], db_url: str, two_works: Scenario
) -> None:
    r = works_user.post("/api/reports", json=WORKS_1958 | {"in_service": 0.0})
    assert r.status_code == 201, r.text
    assert r.json()["in_service"] == 0.0
    assert boss.post("/api/reports", json=MINE_1958).status_code == 201
    [first] = boss.get("/api/plans").json()
    assert first["active"] and first["revises"] is None and first["replannable"]
    assert coal_planned(boss, "1959") == pytest.approx(4000, rel=1e-6)  # the works: 2 t × 2,000 t

    r = boss.post("/api/plans/replan", json={})
    assert r.status_code == 202, r.text
    assert r.json()["state"] == "running" and r.json()["period"] == "1958" and r.json()["basis"] == "audited"
    job = wait_for(boss)
    assert job["state"] == "done", job
    new_id = job["version"]

    listed = boss.get("/api/plans").json()
    assert [v["id"] for v in listed] == [new_id, first["id"]]  # newest first
    new = listed[0]
    assert (new["revises"], new["period"], new["basis"], new["created_by"]) == (
        first["id"],
        "1958",
        "audited",
        "planner",
    )
    assert not new["active"] and listed[1]["active"]  # not activated by itself
    assert any("a_works has 2,000 a year of capacity out of service" in line for line in new["summary"])

    detail = boss.get(f"/api/plans/{new_id}").json()
    change = {r["technology"]: (r["before"], r["after"]) for r in detail["changes"]["output"]}
    assert change["furnace"] == pytest.approx((0, 2000), abs=1e-3)  # 1959's iron from the furnace
    assert change["works"] == pytest.approx((2000, 0), abs=1e-3)
    assert change["mine"] == pytest.approx((4000, 6000), abs=1e-3)  # 3 t of coal per t
    assert coal_planned(boss, "1959") == pytest.approx(4000, rel=1e-6)  # still the first plan

    r = boss.post(f"/api/plans/{new_id}/activate")
    assert r.status_code == 200, r.text
    assert r.json()["active"]
    assert coal_planned(boss, "1959") == pytest.approx(6000, rel=1e-6)  # the overview compares against the new one
    assert boss.get("/api/scenario").json()["plan"]["id"] == new_id
    assert [v["active"] for v in boss.get("/api/plans").json()] == [True, False]
    log = boss.get("/api/audit-log").json()
    actions = [e["action"] for e in log]
    assert {"replan_start", "plan_version", "plan_activate"} <= set(actions)
    made = next(e for e in log if e["action"] == "plan_version")
    assert made["actor"] == "planner" and made["target"] == f"plan {new_id}"

    # a version of a version: re-planning the active re-plan again from the same reports changes nothing more
    assert boss.post("/api/plans/replan", json={"basis": "reported"}).status_code == 202
    again = wait_for(boss)
    assert again["state"] == "done", again
    third = boss.get(f"/api/plans/{again['version']}").json()
    assert (third["revises"], third["basis"]) == (new_id, "reported")
    assert "No target moves." in third["changes"]["words"]

    # after a restart the service monitors the version activated and can re-plan it again (its tables are stored)
    restarted = _client(make_app(db_url, scenario=two_works, solve=True), "planner", "planner")
    assert restarted.get("/api/scenario").json()["plan"]["id"] == new_id
    assert coal_planned(restarted, "1959") == pytest.approx(6000, rel=1e-6)
    assert restarted.post("/api/plans/replan", json={}).status_code == 202
    fourth = wait_for(restarted)
    assert fourth["state"] == "done", fourth
    assert restarted.get(f"/api/plans/{fourth['version']}").json()["revises"] == new_id
    assert len(restarted.get("/api/plans").json()) == 4


def test_non_planners_are_refused_and_logged(boss: Any, works_user: Any) -> None:
    works_user.post("/api/reports", json=WORKS_1958 | {"in_service": 0.0})
    r = works_user.post("/api/plans/replan", json={})
    assert r.status_code == 403 and "only planners" in r.json()["detail"]
    plan_id = boss.get("/api/plans").json()[0]["id"]
    r = works_user.post(f"/api/plans/{plan_id}/activate")
    assert r.status_code == 403
    # they still read the history and the re-plan's state
    assert works_user.get("/api/plans").status_code == 200
    assert works_user.get("/api/plans/replan").json() == {"state": "none"}
    denied = [e for e in boss.get("/api/audit-log", params={"action": "denied"}).json() if e["actor"] == "works"]
    assert {e["target"] for e in denied} == {"plans/replan", f"plan {plan_id}"}


def test_bad_requests_get_one_message(boss: Any) -> None:
    r = boss.post("/api/plans/replan", json={})
    assert r.status_code == 409 and "no reports" in r.json()["detail"]
    county = {"client_id": "a58", "unit": "a", "period": "1958", "product": "coal", "produced": 4000.0}
    assert boss.post("/api/reports", json=county).status_code == 201
    r = boss.post("/api/plans/replan", json={})  # a county's total says nothing of its plants
    assert r.status_code == 409 and "no enterprise reports" in r.json()["detail"]
    assert boss.post("/api/reports", json=WORKS_1958).status_code == 201
    cases = [
        ({"period": "1959"}, 422, "last period"),
        ({"period": "1970"}, 422, "unknown period"),
        ({"basis": "guessed"}, 422, "basis"),
        ({"after": "1958"}, 422, "after"),
        ({"reserve": -1.0}, 422, "reserve"),
        ({"reserve": "plenty"}, 422, "reserve"),
    ]
    for body, status, words in cases:
        r = boss.post("/api/plans/replan", json=body)
        assert (r.status_code, words in r.json()["detail"]) == (status, True), r.text
    assert boss.post("/api/plans/99/activate").status_code == 404
    assert boss.get("/api/plans/99").status_code == 404
    assert boss.post("/api/plans/replan").status_code == 202  # no body at all: the defaults
    assert wait_for(boss)["state"] == "done"


def test_a_second_replan_waits_for_the_first(boss: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import leapplan.plan.replan as module

    reached, release = threading.Event(), threading.Event()
    real = module.replan

    def held(scenario: Scenario, state: Any, *, progress: Any = None, **kw: Any) -> PlanResult:
        def first_stage_waits(stage: str, k: int, n: int) -> None:
            progress(stage, k, n)
            if k == 1:
                reached.set()
                release.wait(30)

        return real(scenario, state, progress=first_stage_waits, **kw)

    monkeypatch.setattr(module, "replan", held)
    assert boss.post("/api/reports", json=WORKS_1958).status_code == 201
    assert boss.post("/api/plans/replan").status_code == 202
    assert reached.wait(30)
    r = boss.post("/api/plans/replan")
    assert r.status_code == 409 and "re-plan 1 is running (started by planner)" in r.json()["detail"]
    job = boss.get("/api/plans/replan").json()
    assert job["state"] == "running" and job["progress"]["k"] == 1 and job["progress"]["n"] >= 1
    assert job["progress"]["stage"] and job["progress"]["elapsed"] >= 0
    release.set()
    assert wait_for(boss)["state"] == "done"
    assert boss.post("/api/plans/replan").status_code == 202  # free again once it is done
    assert wait_for(boss)["id"] == 2


def test_a_failing_replan_says_why(boss: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import leapplan.plan.replan as module

    def broken(*args: Any, **kw: Any) -> PlanResult:
        raise LeapplanError("the solver gave up")

    monkeypatch.setattr(module, "replan", broken)
    assert boss.post("/api/reports", json=WORKS_1958).status_code == 201
    assert boss.post("/api/plans/replan").status_code == 202
    job = wait_for(boss)
    assert (job["state"], job["reason"], job["version"]) == ("failed", "the solver gave up", None)
    assert len(boss.get("/api/plans").json()) == 1
    assert boss.get("/api/audit-log", params={"action": "replan_failed"}).json()[0]["after"]["reason"] == (
        "the solver gave up"
    )


def test_a_replan_cut_off_by_a_restart_is_logged_and_shown_once(
    make_app: Callable[..., FastAPI],
    db_url: str,
    two_works: Scenario,
    first_plan: PlanResult,
    boss: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A re-plan still running when the service 'stops' (a second service started on the same database while the
    first one's re-plan waits) is found in the audit log: logged once as interrupted, shown as the latest re-plan,
    and a new re-plan can start; a third start finds nothing more to log."""
    import leapplan.plan.replan as module

    reached, release = threading.Event(), threading.Event()

    def held(*args: Any, progress: Any = None, **kw: Any) -> PlanResult:
        reached.set()
        release.wait(30)
        raise LeapplanError("the old process is gone")

    monkeypatch.setattr(module, "replan", held)
    assert boss.post("/api/reports", json=WORKS_1958).status_code == 201
    assert boss.post("/api/plans/replan").status_code == 202
    assert reached.wait(30)
    try:
        again = _client(make_app(db_url, scenario=two_works, plan=first_plan), "planner", "planner")
        job = again.get("/api/plans/replan").json()
        assert (job["state"], job["period"], job["basis"], job["started_by"], job["version"]) == (
            "interrupted",
            "1958",
            "audited",
            "planner",
            None,
        )
        assert "the service stopped while it ran" in job["reason"]
        logged = again.get("/api/audit-log", params={"action": "replan_interrupted"}).json()
        assert len(logged) == 1 and logged[0]["actor"] is None and logged[0]["after"]["period"] == "1958"
    finally:
        release.set()
    assert wait_for(boss)["state"] == "failed"  # the first service's thread ends (a real stop has no such end)
    third = _client(make_app(db_url, scenario=two_works, plan=first_plan), "planner", "planner")
    assert third.get("/api/plans/replan").json()["state"] == "none"
    assert len(third.get("/api/audit-log", params={"action": "replan_interrupted"}).json()) == 1
    monkeypatch.undo()
    assert third.post("/api/plans/replan").status_code == 202
    done = wait_for(third)
    assert (done["state"], done["id"]) == ("done", 1)


def test_a_replan_from_a_counted_reserve_refills_it_first(make_app: Callable[..., FastAPI], db_url: str) -> None:
    # tests/plan/test_replan_reserve.py's county: the store counted at 40 t after 1958 is refilled to 100 t in 1959
    # with 60 t more grain, which takes 300 t of iron (4,000 → 3,700 t)
    s = reserve_county(1000)
    boss = _client(make_app(db_url, scenario=s, plan=solve_plan(s)), "planner", "planner")
    report = {"client_id": "c58", "unit": "c_furnace", "period": "1958", "product": "iron", "produced": 4000.0}
    assert boss.post("/api/reports", json=report).status_code == 201
    r = boss.post("/api/plans/replan", json={"reserve": 40})
    assert r.status_code == 202 and r.json()["reserve"] == 40, r.text
    job = wait_for(boss)
    assert job["state"] == "done", job
    detail = boss.get(f"/api/plans/{job['version']}").json()
    change = {r["technology"]: (r["before"], r["after"]) for r in detail["changes"]["output"]}
    assert change["furnace"] == pytest.approx((4000, 3700), rel=1e-6)  # 1959, the period ahead
    start = next(e for e in boss.get("/api/audit-log").json() if e["action"] == "replan_start")
    assert start["after"]["reserve"] == 40


def test_without_an_active_plan_nothing_is_replanned(make_app: Callable[..., FastAPI], two_works: Scenario) -> None:
    app = make_app(scenario=two_works)  # no plan, no solving
    c = _client(app, "planner", "planner")
    r = c.post("/api/plans/replan")
    assert r.status_code == 409 and "no active plan" in r.json()["detail"]
    assert c.get("/api/plans").json() == []


def _plan_files(tmp_path: Path, scenario: Scenario, plan: PlanResult) -> tuple[Path, Path]:
    scen, v1 = tmp_path / "scenario", tmp_path / "v1"
    save(scenario, scen)
    save_plan(plan, v1)
    return scen, v1


def test_the_command_reads_the_reports_from_the_database(
    tmp_path: Path,
    db_url: str,
    service: FastAPI,
    boss: Any,
    two_works: Scenario,
    first_plan: PlanResult,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from leapplan.cli import main

    scen, v1 = _plan_files(tmp_path, two_works, first_plan)
    args = ["replan", "--plan", str(v1), "--scenario", str(scen), "--db", db_url]
    assert main([*args, "--out", str(tmp_path / "none")]) == 2
    assert "holds no reports" in capsys.readouterr().err
    assert boss.post("/api/reports", json=WORKS_1958 | {"in_service": 0.0}).status_code == 201
    assert boss.post("/api/reports", json=MINE_1958).status_code == 201
    assert main([*args, "--out", str(tmp_path / "v2"), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["version"], record["after"], record["basis"]) == (2, "1958", "audited")
    made = pd.read_csv(tmp_path / "v2" / "production.csv", dtype={"period": str})
    made = made[made["period"] == "1959"].set_index("technology")["quantity"]
    assert made["furnace"] == pytest.approx(2000, rel=1e-6)  # the hand value: the works stands no more
    assert made["mine"] == pytest.approx(6000, rel=1e-6)


def test_the_command_says_what_is_wrong_with_db(
    tmp_path: Path, two_works: Scenario, first_plan: PlanResult, capsys: pytest.CaptureFixture[str]
) -> None:
    from leapplan.cli import main

    scen, v1 = _plan_files(tmp_path, two_works, first_plan)
    base = ["replan", "--plan", str(v1), "--scenario", str(scen), "--out", str(tmp_path / "v2")]
    cases = [
        ([], "exactly one of --reports"),
        (["--db", str(tmp_path / "x.db"), "--reports", str(tmp_path / "r.csv")], "exactly one of --reports"),
        (["--db", f"sqlite:///{tmp_path / 'missing.db'}"], "no such database file"),
        (["--db", "postgresql+psycopg://nobody:x@127.0.0.1:1/none"], "cannot read the database"),
        (["--db", "mysql://nobody@127.0.0.1/none"], "unsupported database"),
    ]
    for extra, words in cases:
        assert main([*base, *extra]) == 2, extra
        assert words in capsys.readouterr().err, extra
    assert not (tmp_path / "missing.db").exists() and not (tmp_path / "v2").exists()
