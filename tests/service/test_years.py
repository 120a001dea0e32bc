"""Quarterly reports rolled up to years (GET /api/rollup?by=year) on the tiny scenario made quarterly."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.service.test_rollup import HandPlan, rep

from leapplan.scenario import Scenario
from leapplan.scenario.model import Period

QUARTERS = pd.DataFrame(
    [
        ("1958Q1", "north", "coal_small", "coal", 100_000.0),
        ("1958Q2", "north", "coal_small", "coal", 100_000.0),
        ("1958Q3", "north", "coal_small", "coal", 90_000.0),
        ("1958Q4", "north", "coal_small", "coal", 110_000.0),
        ("1959Q1", "north", "coal_small", "coal", 105_000.0),
    ],
    columns=["period", "region", "technology", "product", "quantity"],
)


@pytest.fixture()
def quarterly_app(make_app: Callable[..., FastAPI], db_url: str, service_scenario: Scenario) -> FastAPI:
    s = service_scenario.model_copy(update={"period": Period.quarter})
    return make_app(db_url, scenario=s, plan=HandPlan("tiny", "feasible", QUARTERS))


def test_quarterly_reports_roll_up_to_years(
    quarterly_app: FastAPI, login: Callable[..., dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("leapplan.service.auditing.audit_function", lambda: None)  # arithmetic only: no flags
    p = TestClient(quarterly_app)
    p.headers.update(login(p, "planner"))
    for body in [
        rep("a", "north_coal", "coal", 1000.0, period="1958Q1"),
        rep("b", "north_coal", "coal", 1500.0, period="1958Q3"),
        rep("c", "north_coal", "coal", 700.0, period="1959Q1"),
    ]:
        assert p.post("/api/reports", json=body).status_code == 201, body
    by_quarter = p.get("/api/rollup?product=coal&unit=north").json()
    assert {(r["period"], r["reported"]) for r in by_quarter if r["reported"]} == {
        ("1958Q1", 1000.0),
        ("1958Q3", 1500.0),
        ("1959Q1", 700.0),
    }
    r = p.get("/api/rollup?product=coal&unit=north&by=year")
    assert r.status_code == 200, r.text
    got = {x["period"]: (x["planned"], x["reported"]) for x in r.json()}
    # 1958: the four quarters' plan (100,000 + 100,000 + 90,000 + 110,000) and the two reports (1,000 + 1,500)
    assert got == {"1958": (400_000.0, 2500.0), "1959": (105_000.0, 700.0)}
    one = p.get("/api/rollup?product=coal&unit=north&by=year&period=1959").json()
    assert [(x["period"], x["reported"]) for x in one] == [("1959", 700.0)]
    assert p.get("/api/rollup?by=year&period=1962").status_code == 422
    assert p.get("/api/rollup?by=month").status_code == 422
