"""The overview, completeness and the planner's progress while the plan solves (with a fake planner)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from leapplan.service.models import Report


def rep(cid: str, unit: str, product: str, produced: float, period: str = "1958") -> dict[str, object]:
    return {"client_id": cid, "unit": unit, "period": period, "product": product, "produced": produced}


PLAN = pd.DataFrame(
    [
        ("1958", "north", "coal_small", "coal", 400_000.0),
        ("1958", "south", "coal_modern", "coal", 250_000.0),
        ("1958", "city", "iron_modern", "pig_iron", 100_000.0),
    ],
    columns=["period", "region", "technology", "product", "quantity"],
)
TARGETS = pd.DataFrame(
    [
        ("local_x15", "Local industry +50 %", 1958, False, 1, 3.0e7, 3.0e7, 0.0, "yuan", ""),
        ("steel_1959", "Steel 120,000 t", 1959, False, 2, 120_000.0, 90_000.0, 30_000.0, "t", "coke ovens short"),
    ],
    columns=["id", "description", "year", "hard", "priority", "required", "achievable", "cut", "unit", "explanation"],
)


class FakePlanner:
    """A solve_plan that reports three stages and waits for the test before answering."""

    def __init__(self, with_progress: bool = True) -> None:
        self.go = threading.Event()
        self.at_stage_two = threading.Event()
        self.with_progress = with_progress

    def solve_plan(self, scenario: Any, *, solver_options: Any = None, progress: Any = None) -> Any:
        if progress is not None:
            progress("priority 1", 1, 3)
            progress("priority 2", 2, 3)
        self.at_stage_two.set()
        assert self.go.wait(30)
        return SimpleNamespace(
            status="targets_cut", reason="", production=PLAN, targets=TARGETS, support=pd.DataFrame()
        )

    def old_solve_plan(self, scenario: Any) -> Any:  # before issue 18: no progress keyword
        self.at_stage_two.set()
        assert self.go.wait(30)
        return SimpleNamespace(status="feasible", reason="", production=PLAN, targets=TARGETS, support=None)


def _login(app: FastAPI, login: Callable[..., dict[str, str]], user: str) -> TestClient:
    c = TestClient(app)
    c.headers.update(login(c, user))
    return c


@pytest.mark.parametrize("new_planner", [True, False])
def test_planning_shows_its_stage_then_the_plan(
    make_app: Callable[..., FastAPI],
    login: Callable[..., dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    new_planner: bool,
) -> None:
    fake = FakePlanner()
    solve = fake.solve_plan if new_planner else fake.old_solve_plan
    module = SimpleNamespace(solve_plan=solve, load_plan=lambda folder: None)
    monkeypatch.setattr("leapplan.service.planning._plan_module", lambda: module)
    app = make_app(solve=True)
    c = _login(app, login, "planner")
    assert fake.at_stage_two.wait(30)
    plan = c.get("/api/overview").json()["plan"]
    assert plan["state"] == "solving" and plan["targets"] == []
    if new_planner:
        assert (plan["progress"]["stage"], plan["progress"]["k"], plan["progress"]["n"]) == ("priority 2", 2, 3)
    else:
        assert "stage" not in plan["progress"]
    assert plan["progress"]["elapsed"] >= 0
    fake.go.set()
    for _ in range(200):
        plan = c.get("/api/overview").json()["plan"]
        if plan["state"] == "ready":
            break
        time.sleep(0.05)
    assert plan["state"] == "ready" and plan["progress"] is None
    assert plan["status"] == ("targets_cut" if new_planner else "feasible")
    cut = {t["id"]: (t["cut"], t["explanation"]) for t in plan["targets"]}
    assert cut == {"local_x15": (0.0, None), "steel_1959": (30_000.0, "coke ovens short")}


def test_overview_fulfilment_is_audited_value_over_planned_value(
    make_app: Callable[..., FastAPI], login: Callable[..., dict[str, str]]
) -> None:
    app = make_app(plan=SimpleNamespace(scenario="tiny", status="feasible", production=PLAN, targets=TARGETS))
    p = _login(app, login, "planner")
    # coal 10 yuan/t, pig iron 150 yuan/t (tiny.yaml). Planned 1958: north 4,000,000; south 2,500,000;
    # city 15,000,000 yuan. Reported: north_coal 200,000 t (audited: 2,000,000 yuan = 50 %);
    # south_coal 100,000 t, left pending; city_iron 50,000 t flagged (capacity) → not counted.
    assert p.post("/api/reports", json=rep("a", "north_coal", "coal", 200_000.0)).status_code == 201
    assert p.post("/api/reports", json=rep("b", "south_coal", "coal", 100_000.0)).status_code == 201
    assert p.post("/api/reports", json=rep("c", "city_iron", "pig_iron", 500_000.0)).status_code == 201
    with app.state.ctx.store.write() as s:  # as if south_coal's audit had not run yet
        s.execute(update(Report).where(Report.client_id == "b").values(audited_version=0))
    rows = {r["unit"]: r for r in p.get("/api/overview").json()["fulfilment"]}
    assert (rows["north"]["planned"], rows["north"]["audited"], rows["north"]["fulfilment"]) == (4e6, 2e6, 0.5)
    assert (rows["south"]["planned"], rows["south"]["audited"], rows["south"]["pending"]) == (2.5e6, None, 1)
    assert rows["south"]["reported"] == 1e6
    assert (rows["city"]["planned"], rows["city"]["reported"], rows["city"]["audited"]) == (1.5e7, 7.5e7, None)


def test_a_unit_the_plan_gives_nothing_has_a_plan_of_zero(
    make_app: Callable[..., FastAPI], login: Callable[..., dict[str, str]]
) -> None:
    # PLAN without north's line: north's plan is 0 yuan (planned, nothing to make), not "no plan" (None)
    app = make_app(plan=SimpleNamespace(scenario="tiny", status="feasible", production=PLAN.iloc[1:], targets=TARGETS))
    p = _login(app, login, "planner")
    rows = {r["unit"]: r for r in p.get("/api/overview").json()["fulfilment"]}
    assert (rows["north"]["planned"], rows["north"]["fulfilment"]) == (0.0, None)
    assert rows["south"]["planned"] == 2.5e6
    bare = _login(make_app(), login, "planner")  # no plan at all
    assert {r["planned"] for r in bare.get("/api/overview").json()["fulfilment"]} == {None}


def test_completeness_counts_enterprises_that_reported(
    planner: TestClient, liaison2: TestClient, committee: TestClient
) -> None:
    # tiny's six enterprises: city (city_steel, city_iron, rail_prov), north (north_coal), south (south_coal, south_iron)
    planner.post("/api/reports", json=rep("a", "north_coal", "coal", 1.0))
    planner.post("/api/reports", json=rep("b", "south_iron", "pig_iron", 1.0))
    planner.post("/api/reports", json=rep("c", "south", "grain", 1.0))  # a region's report: not a reporter
    planner.post("/api/reports", json=rep("d", "city_iron", "pig_iron", 1.0, period="1959"))  # another period
    got = planner.get("/api/completeness").json()
    assert (got["unit"], got["period"], got["expected"], got["reported"]) == ("prov", "1958", 6, 2)
    assert {c["unit"]: (c["expected"], c["reported"]) for c in got["children"]} == {
        "city": (3, 0),
        "north": (1, 1),
        "south": (2, 1),
    }
    assert [m["unit"] for m in got["missing"]] == ["city_steel", "city_iron", "south_coal", "rail_prov"]
    page = planner.get("/api/completeness?limit=2&offset=1").json()
    assert [m["unit"] for m in page["missing"]] == ["city_iron", "south_coal"] and page["missing_total"] == 4
    assert [m["unit"] for m in planner.get("/api/completeness?find=mine").json()["missing"]] == ["south_coal"]
    assert planner.get("/api/completeness?period=1959").json()["reported"] == 1
    mine = liaison2.get("/api/completeness").json()
    assert (mine["unit"], mine["expected"], mine["reported"], mine["share"]) == ("south", 2, 1, 0.5)
    assert liaison2.get("/api/completeness?unit=prov").status_code == 403
    zone = committee.get("/api/overview").json()
    assert zone["unit"] == "city_zone" and zone["completeness"] == {"expected": 6, "reported": 2, "share": 2 / 6}
    assert [r["unit"] for r in zone["fulfilment"]] == ["city", "north", "south"]


def test_overview_lists_what_is_behind_and_the_open_flags(planner: TestClient, liaison2: TestClient) -> None:
    ov = planner.get("/api/overview").json()
    assert ov["agreements"]["with_deliveries"] == 0 and ov["agreements"]["by_status"] == {"late": 2}
    # south_iron: 1,200 t of pig iron needs 3,600 t of coal; 600 t is a material-balance error
    body = rep("x", "south_iron", "pig_iron", 1200.0) | {"inputs": {"coal": 600.0}}
    rid = liaison2.post("/api/reports", json=body).json()["id"]
    flags = planner.get("/api/overview").json()["flags"]
    assert flags["errors"] >= 1 and {f["report_id"] for f in flags["list"]} == {rid}
    planner.post(f"/api/reports/{rid}/return", json={"reason": "check the coal"})
    assert planner.get("/api/overview").json()["flags"] == {"errors": 0, "warnings": 0, "list": []}
