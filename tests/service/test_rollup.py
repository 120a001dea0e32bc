"""Roll-up up the region tree, per zone and network; audit flags; agreements and deliveries."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from leapplan.scenario import Scenario
from leapplan.service.auditing import audit_function


@dataclass(frozen=True)
class HandPlan:
    """A plan with the PlanResult fields the service reads: production [period, region, technology, product, quantity]."""

    scenario: str
    status: str
    production: pd.DataFrame


PRODUCTION = pd.DataFrame(
    [
        ("1958", "north", "coal_small", "coal", 400_000.0),
        ("1958", "south", "coal_modern", "coal", 250_000.0),
        ("1958", "south", "coal_small", "coal", 50_000.0),
        ("1958", "city", "iron_modern", "pig_iron", 120_000.0),
        ("1958", "south", "iron_indigenous", "pig_iron", 5_000.0),
        ("1959", "north", "coal_small", "coal", 420_000.0),
    ],
    columns=["period", "region", "technology", "product", "quantity"],
)


def rep(
    client_id: str, unit: str, product: str, produced: float, period: str = "1958", **kw: object
) -> dict[str, object]:
    return {"client_id": client_id, "unit": unit, "period": period, "product": product, "produced": produced} | kw


def rows(client: TestClient, query: str = "") -> dict[tuple[str, str, str], tuple[float | None, float, float]]:
    r = client.get(f"/api/rollup{query}")
    assert r.status_code == 200, r.text
    return {(x["unit"], x["period"], x["product"]): (x["planned"], x["reported"], x["audited"]) for x in r.json()}


@pytest.fixture()
def planned_app(make_app: Callable[..., FastAPI], db_url: str) -> FastAPI:
    return make_app(db_url, plan=HandPlan("tiny", "feasible", PRODUCTION))


def _as(app: FastAPI, login: Callable[..., dict[str, str]], user: str) -> TestClient:
    c = TestClient(app)
    c.headers.update(login(c, user))
    return c


def test_rollup_sums_up_the_region_tree(
    planned_app: FastAPI, login: Callable[..., dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("leapplan.service.auditing.audit_function", lambda: None)  # arithmetic only: no flags
    p = _as(planned_app, login, "planner")
    for body in [
        rep("a", "north_coal", "coal", 1000.0),
        rep("d", "south_coal", "coal", 300.0),
        rep("s", "south", "coal", 450.0),  # the county's claimed total replaces the sum of its units
        rep("e", "north_coal", "coal", 700.0, period="1959"),
    ]:
        assert p.post("/api/reports", json=body).status_code == 201
    got = rows(p, "?product=coal")
    # planned: north 400,000; south 250,000 + 50,000; prov = their sum (hand-added)
    assert got == {
        ("prov", "1958", "coal"): (700_000.0, 1450.0, 1450.0),
        ("prov", "1959", "coal"): (420_000.0, 700.0, 700.0),
        ("north", "1958", "coal"): (400_000.0, 1000.0, 1000.0),
        ("north", "1959", "coal"): (420_000.0, 700.0, 700.0),
        ("south", "1958", "coal"): (300_000.0, 450.0, 450.0),
        # an enterprise's plan: its region's line for its technology (the only such plant in each case);
        # south's coal_small line (50,000 t) has no enterprise: it stays with the region
        ("north_coal", "1958", "coal"): (400_000.0, 1000.0, 1000.0),
        ("north_coal", "1959", "coal"): (420_000.0, 700.0, 700.0),
        ("south_coal", "1958", "coal"): (250_000.0, 300.0, 300.0),
    }
    assert rows(p, "?unit=north&period=1958") == {("north", "1958", "coal"): (400_000.0, 1000.0, 1000.0)}
    zone = rows(p, "?group=zone&period=1958")
    assert zone == {
        ("city_zone", "1958", "coal"): (700_000.0, 1450.0, 1450.0),
        ("city_zone", "1958", "pig_iron"): (125_000.0, 0.0, None),
    }
    rid = p.get("/api/reports?unit=south&product=coal").json()
    own = [x["id"] for x in rid if x["unit"] == "south"]
    p.post(f"/api/reports/{own[0]}/return", json={"reason": "check the scales"})
    assert rows(p, "?unit=prov&period=1958&product=coal") == {("prov", "1958", "coal"): (700_000.0, 1300.0, 1300.0)}


def test_rollup_without_a_plan_has_null_planned(planner: TestClient) -> None:
    planner.post("/api/reports", json=rep("a", "north", "grain", 10.0))
    got = rows(planner)
    assert got == {("north", "1958", "grain"): (None, 10.0, 10.0), ("prov", "1958", "grain"): (None, 10.0, 10.0)}


def test_rollup_per_network(planner: TestClient) -> None:
    # iron_net: commander city_steel, tier-3 south_iron, members south_iron and region north (no iron plants there)
    planner.post(
        "/api/reports", json=rep("a", "south_iron", "pig_iron", 100.0, inputs={"coal": 300.0, "transport": 4000.0})
    )
    planner.post("/api/reports", json=rep("b", "city_steel", "steel", 50.0))
    planner.post("/api/reports", json=rep("c", "north_coal", "coal", 999.0))  # not in the network
    assert rows(planner, "?group=network") == {
        ("iron_net", "1958", "pig_iron"): (None, 100.0, 100.0),
        ("iron_net", "1958", "steel"): (None, 50.0, 50.0),
    }


def test_bad_rollup_queries(planner: TestClient) -> None:
    assert planner.get("/api/rollup?group=galaxy").status_code == 422
    assert planner.get("/api/rollup?period=1999").status_code == 422
    assert planner.get("/api/rollup?product=gold").status_code == 422
    assert planner.get("/api/rollup?unit=nowhere").status_code == 422


@pytest.mark.skipif(audit_function() is None, reason="the audit stage (leapplan.audit) is not installed")
def test_inflated_report_is_flagged_and_left_out_of_audited(planner: TestClient, liaison2: TestClient) -> None:
    # south_iron uses iron_indigenous: 3.0 t of coal per t of pig iron, so 1,200 t needs 3,600 t of coal
    r = liaison2.post(
        "/api/reports",
        json=rep("x", "south_iron", "pig_iron", 1200.0, inputs={"coal": 600.0, "transport": 48000.0}, labour=60.0),
    )
    assert r.status_code == 201
    rid = r.json()["id"]
    flags = {f["check"]: f for f in r.json()["flags"]}
    assert flags["material_balance"]["severity"] == "error"
    assert flags["material_balance"]["message"] == "pig iron 1,200 t needs ≥ 3,600 t of coal; 600 t were received"
    honest = liaison2.post(
        "/api/reports",
        json=rep(
            "h",
            "south_iron",
            "pig_iron",
            200.0,
            period="1959",
            inputs={"coal": 600.0, "transport": 8000.0},
            labour=10.0,
        ),
    )
    assert [f for f in honest.json()["flags"] if f["severity"] == "error"] == []
    listed = planner.get("/api/flags?unit=south").json()
    assert ("material_balance", rid) in {(f["check"], f["report_id"]) for f in listed}
    assert rows(planner, "?unit=south_iron") == {
        ("south_iron", "1958", "pig_iron"): (None, 1200.0, None),  # nothing credible: pending/refused
        ("south_iron", "1959", "pig_iron"): (None, 200.0, 200.0),
    }
    planner.post(f"/api/reports/{rid}/approve")  # a planner who checked it on site lets it count
    assert rows(planner, "?unit=south_iron&period=1958")[("south_iron", "1958", "pig_iron")] == (None, 1200.0, 1200.0)
    # a county total below the sum of its units contradicts them: audited falls back to the units' sum
    t = liaison2.post("/api/reports", json=rep("t", "south", "pig_iron", 100.0))
    assert "parent_total" in {f["check"] for f in t.json()["flags"]}
    assert rows(planner, "?unit=south&period=1958&product=pig_iron") == {
        ("south", "1958", "pig_iron"): (None, 100.0, 1200.0)
    }
    fixed = liaison2.post(
        f"/api/reports/{rid}/correct",
        json={"produced": 200.0, "inputs": {"coal": 600.0, "transport": 8000.0}, "labour": 10.0},
    )
    assert fixed.status_code == 201 and fixed.json()["status"] == "submitted"
    assert [f for f in fixed.json()["flags"] if f["check"] == "material_balance"] == []
    assert {
        f["report_id"] for f in planner.get("/api/flags?unit=south_iron").json() if f["check"] == "material_balance"
    } == set()


def status(client: TestClient, query: str = "") -> dict[str, tuple[str, float]]:
    return {a["id"]: (a["status"], a["delivered"]) for a in client.get(f"/api/agreements{query}").json()}


def test_agreement_status_follows_deliveries(planner: TestClient) -> None:
    # labour_north: 2,000 persons 1958-01-01 … 1958-12-31; steel_south: 500 t 1958-01-01 … 1959-06-30.
    # tiny is historical: the current period is its first, 1958, so as_of is 1958-12-31 and nothing was delivered:
    # labour_north owes all 2,000, steel_south 500 × 364/545 days ≈ 334 t: both late
    assert planner.get("/api/settings").json() | {"four_eyes": None} == {
        "current_period": "1958",
        "today": "1958-12-31",
        "as_of": "1958-12-31",
        "historical": True,
        "four_eyes": None,
    }
    assert status(planner) == {"labour_north": ("late", 0.0), "steel_south": ("late", 0.0)}
    assert status(planner, "?as_of=1958-01-01") == {"labour_north": ("on_time", 0.0), "steel_south": ("on_time", 0.0)}
    r = planner.post("/api/agreements/labour_north/deliveries", json={"quantity": 500.0, "date": "1958-07-01"})
    assert r.status_code == 201 and (r.json()["delivered"], r.json()["status"]) == (500.0, "late")
    # as of 1958-07-01, 181 of 364 days have passed: 2,000 × 181/364 ≈ 994 persons were due, 500 came
    assert status(planner, "?as_of=1958-07-01")["labour_north"] == ("late", 500.0)
    planner.post("/api/agreements/labour_north/deliveries", json={"quantity": 1500.0, "date": "1958-12-01"})
    assert status(planner)["labour_north"] == ("met", 2000.0)
    assert status(planner, "?as_of=1958-06-30")["labour_north"] == ("late", 0.0)
    # 1959-08-01 lies after today (1958-12-31) until a planner moves the current period on
    late = {"quantity": 500.0, "date": "1959-08-01"}
    r = planner.post("/api/agreements/steel_south/deliveries", json=late)
    assert r.status_code == 422
    assert r.json()["detail"] == "date 1959-08-01 is in the future: deliveries can be recorded up to 1958-12-31"
    assert planner.put("/api/settings", json={"current_period": "1959"}).json()["as_of"] == "1959-12-31"
    assert planner.post("/api/agreements/steel_south/deliveries", json=late).status_code == 201
    assert status(planner)["steel_south"] == ("late", 500.0)  # in full, after its due date
    log = planner.get("/api/audit-log?action=setting").json()
    assert [(e["target"], e["before"], e["after"]) for e in log] == [
        ("current_period", {"value": "1958"}, {"value": "1959"})
    ]


def test_deliveries_in_the_future_are_refused_and_move_nothing(
    committee: TestClient, liaison: TestClient, planner: TestClient
) -> None:
    before = status(committee)
    for day in ["9999-12-31", "1959-01-01", "1962-05-01"]:
        r = committee.post("/api/agreements/steel_south/deliveries", json={"quantity": 1e-9, "date": day})
        assert r.status_code == 422 and "is in the future" in r.json()["detail"], day
    assert status(committee) == before
    assert committee.get("/api/agreements/steel_south/deliveries").json() == []
    r = liaison.put("/api/settings", json={"current_period": "1959"})
    assert r.status_code == 403
    planner.put("/api/settings", json={"current_period": "1959"})
    r = planner.post("/api/agreements/steel_south/deliveries", json={"quantity": 1.0, "date": "1960-01-01"})
    assert r.status_code == 422 and "in the future" in r.json()["detail"]  # tiny's plan ends with 1959


def test_a_delivery_is_corrected_by_a_new_version_with_its_reason(
    committee: TestClient, liaison2: TestClient, planner: TestClient
) -> None:
    first = committee.post("/api/agreements/steel_south/deliveries", json={"quantity": 500.0, "date": "1958-06-01"})
    assert first.status_code == 201 and first.json()["delivered"] == 500.0
    (d1,) = committee.get("/api/agreements/steel_south/deliveries").json()
    fix = {"quantity": 400.0, "date": "1958-06-02", "reason": "100 t were rails, not steel"}
    r = committee.post(f"/api/deliveries/{d1['id']}/correct", json=fix)
    assert r.status_code == 201
    assert (r.json()["version"], r.json()["origin_id"], r.json()["reason"]) == (2, d1["id"], fix["reason"])
    assert status(committee)["steel_south"][1] == 400.0
    again = committee.post(f"/api/deliveries/{d1['id']}/correct", json=fix)
    assert again.status_code == 409 and "correct its latest version" in again.json()["detail"]
    missing = committee.post(f"/api/deliveries/{r.json()['id']}/correct", json={"quantity": 1.0, "date": "1958-06-02"})
    assert missing.status_code == 422 and "reason" in missing.json()["detail"]
    assert liaison2.post(f"/api/deliveries/{r.json()['id']}/correct", json=fix).status_code == 201  # south is a party
    gone = planner.post(
        f"/api/deliveries/{r.json()['id'] + 1}/correct", json=fix | {"quantity": 0.0, "reason": "never arrived"}
    )
    assert gone.status_code == 201
    assert status(planner)["steel_south"][1] == 0.0
    versions = planner.get("/api/agreements/steel_south/deliveries").json()
    assert [(v["version"], v["quantity"], v["current"]) for v in versions] == [
        (1, 500.0, False),
        (2, 400.0, False),
        (3, 400.0, False),
        (4, 0.0, True),
    ]
    log = [e["action"] for e in reversed(planner.get("/api/audit-log").json()) if e["action"].startswith("deliver")]
    assert log == ["delivery", "delivery_correct", "delivery_correct", "delivery_withdraw"]


def test_delivery_rights_and_validation(
    liaison: TestClient, committee: TestClient, enterprise: TestClient, planner: TestClient
) -> None:
    d = {"quantity": 10.0, "date": "1958-02-01", "client_id": "d1"}
    assert liaison.post("/api/agreements/labour_north/deliveries", json=d).status_code == 201
    assert liaison.post("/api/agreements/labour_north/deliveries", json=d).status_code == 200  # same client_id
    assert liaison.post("/api/agreements/labour_north/deliveries", json=d | {"quantity": 11.0}).status_code == 409
    assert liaison.post("/api/agreements/steel_south/deliveries", json=d | {"client_id": "d2"}).status_code == 403
    assert committee.post("/api/agreements/steel_south/deliveries", json=d | {"client_id": "d3"}).status_code == 201
    assert enterprise.post("/api/agreements/steel_south/deliveries", json=d | {"client_id": "d4"}).status_code == 403
    r = planner.post("/api/agreements/steel_south/deliveries", json={"quantity": 1.0, "date": "1957-12-31"})
    assert r.status_code == 422 and "before the agreement's start" in r.json()["detail"]
    assert (
        planner.post("/api/agreements/none/deliveries", json={"quantity": 1.0, "date": "1958-02-01"}).status_code == 404
    )
    assert (
        planner.post("/api/agreements/steel_south/deliveries", json={"quantity": 0, "date": "1958-02-01"}).status_code
        == 422
    )
    assert status(planner) == {"labour_north": ("late", 10.0), "steel_south": ("late", 10.0)}
    assert enterprise.get("/api/agreements").json() == []


@pytest.fixture(scope="module")
def tiny_plan(service_scenario: Scenario) -> object:
    """solve_plan on the tiny scenario, once for this module."""
    plan = pytest.importorskip("leapplan.plan")
    return plan.solve_plan(service_scenario)


def test_plan_folder_becomes_the_active_plan(
    make_app: Callable[..., FastAPI], tiny_plan: Any, tmp_path: Path, login: Callable[..., dict[str, str]]
) -> None:
    from leapplan.plan import save_plan

    result = tiny_plan
    folder = tmp_path / "plan"
    save_plan(result, folder)
    url = f"sqlite:///{tmp_path / 'planned.db'}"
    app = make_app(url, plan=folder)
    p = _as(app, login, "planner")
    prod = result.production
    coal_1958 = float(prod[(prod["period"].astype(str) == "1958") & (prod["product"] == "coal")]["quantity"].sum())
    assert rows(p, "?unit=prov&period=1958&product=coal")[("prov", "1958", "coal")][0] == pytest.approx(coal_1958)
    assert p.get("/api/scenario").json()["plan"]["id"] == 1
    app.state.ctx.close()
    again = make_app(url, plan=folder)  # the same plan again: no new plan version
    assert _as(again, login, "planner").get("/api/scenario").json()["plan"]["id"] == 1
    again.state.ctx.close()
    other = make_app(url, plan=HandPlan("tiny", "feasible", PRODUCTION))
    q = _as(other, login, "planner")
    assert q.get("/api/scenario").json()["plan"]["id"] == 2
    assert [e["action"] for e in q.get("/api/audit-log?action=plan").json()] == ["plan", "plan"]


@pytest.mark.slow
def test_plan_is_solved_in_the_background(
    make_app: Callable[..., FastAPI], tiny_plan: Any, sqlite_url: str, login: Callable[..., dict[str, str]]
) -> None:
    app = make_app(sqlite_url, solve=True)
    p = _as(app, login, "planner")
    assert p.get("/health").json() == {"status": "ok"}  # answers while solving
    for _ in range(1200):
        state = p.get("/api/scenario").json()["plan_state"]
        if state != "solving":
            break
        time.sleep(0.1)
    assert state == "ready"
    prod = tiny_plan.production  # the same LP, solved beforehand in the test
    coal = float(prod[(prod["period"].astype(str) == "1959") & (prod["product"] == "coal")]["quantity"].sum())
    assert rows(p, "?unit=prov&period=1959&product=coal")[("prov", "1959", "coal")][0] == pytest.approx(coal)
    plan_id = p.get("/api/scenario").json()["plan"]["id"]
    app.state.ctx.close()
    again = make_app(sqlite_url, solve=True)  # a restart reuses the stored plan instead of solving again
    info = _as(again, login, "planner").get("/api/scenario").json()
    assert (info["plan_state"], info["plan"]["id"]) == ("ready", plan_id)
    assert "in the database" in info["plan"]["source"]
    q = _as(again, login, "planner")
    assert rows(q, "?unit=prov&period=1959&product=coal")[("prov", "1959", "coal")][0] == pytest.approx(coal)
