"""Access rules: who writes and reads what; every 403 is in the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from leapplan.service.models import Token


def report(unit: str, product: str, client_id: str) -> dict[str, object]:
    return {"client_id": client_id, "unit": unit, "period": "1958", "product": product, "produced": 10.0}


def denials(planner: TestClient) -> list[dict[str, object]]:
    return planner.get("/api/audit-log?action=denied").json()


def test_login_and_me(client: TestClient, login: Callable[..., dict[str, str]]) -> None:
    assert client.post("/api/token", data={"username": "liaison", "password": "wrong"}).status_code == 401
    assert client.post("/api/token", data={"username": "nobody", "password": "x"}).status_code == 401
    headers = login(client, "liaison")
    assert client.get("/api/me", headers=headers).json() == {
        "username": "liaison",
        "role": "county_liaison",
        "unit": "north",
        # the zone: its centre city and member counties with their enterprises, and the zone itself
        "reads": ["city", "north", "south", "city_steel", "city_iron", "north_coal", "south_coal", "south_iron"]
        + ["rail_prov", "city_zone"],
        "writes": ["north", "north_coal"],
    }


def test_every_api_route_needs_a_token(client: TestClient) -> None:
    for path in ["/api/me", "/api/units", "/api/reports", "/api/rollup", "/api/agreements", "/api/flags", "/api/plans"]:
        r = client.get(path)
        assert r.status_code == 401 and "log" in r.json()["detail"], path
    assert client.get("/api/me", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert client.post("/api/reports", json=report("north", "coal", "x")).status_code == 401
    assert client.get("/health").json() == {"status": "ok"}


def test_expired_token_is_refused(app: FastAPI, liaison: TestClient) -> None:
    with app.state.ctx.store.write() as session:
        session.execute(update(Token).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    r = liaison.get("/api/me")
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_liaison_cannot_write_another_county(liaison: TestClient, planner: TestClient) -> None:
    r = liaison.post("/api/reports", json=report("south", "grain", "s1"))
    assert r.status_code == 403
    assert "may not write reports of 'south'" in r.json()["detail"]
    assert liaison.post("/api/reports", json=report("south_iron", "pig_iron", "s2")).status_code == 403
    assert liaison.post("/api/reports", json=report("city", "grain", "s3")).status_code == 403
    assert liaison.post("/api/reports", json=report("north", "grain", "n1")).status_code == 201
    assert liaison.post("/api/reports", json=report("north_coal", "coal", "n2")).status_code == 201
    logged = denials(planner)
    assert [(e["actor"], e["target"]) for e in logged] == [
        ("liaison", "unit city"),
        ("liaison", "unit south_iron"),
        ("liaison", "unit south"),
    ]
    assert planner.get("/api/reports").json().__len__() == 2


def test_liaison_cannot_correct_another_countys_report(liaison: TestClient, liaison2: TestClient) -> None:
    rid = liaison2.post("/api/reports", json=report("south", "grain", "s1")).json()["id"]
    assert liaison.post(f"/api/reports/{rid}/correct", json={"produced": 1.0}).status_code == 403


def test_enterprise_writes_only_itself(enterprise: TestClient, planner: TestClient) -> None:
    assert enterprise.post("/api/reports", json=report("north_coal", "coal", "e1")).status_code == 201
    assert enterprise.post("/api/reports", json=report("north", "grain", "e2")).status_code == 403
    assert enterprise.post("/api/reports", json=report("south_coal", "coal", "e3")).status_code == 403
    planner.post("/api/reports", json=report("south_coal", "coal", "p1"))
    assert [x["client_id"] for x in enterprise.get("/api/reports").json()] == ["e1"]
    assert enterprise.get("/api/reports?unit=north").status_code == 403


def test_zone_committee_reads_its_zone_and_writes_nothing(committee: TestClient, planner: TestClient) -> None:
    planner.post("/api/reports", json=report("south", "grain", "p1"))
    planner.post("/api/reports", json=report("north_coal", "coal", "p2"))
    assert committee.post("/api/reports", json=report("south", "grain", "c1")).status_code == 403
    assert sorted(x["client_id"] for x in committee.get("/api/reports").json()) == ["p1", "p2"]
    assert committee.get("/api/rollup?unit=south").status_code == 200
    assert committee.get("/api/rollup?unit=prov").status_code == 403  # the province is outside the zone


def test_liaison_reads_its_zone(liaison: TestClient, liaison2: TestClient) -> None:
    liaison2.post("/api/reports", json=report("south", "grain", "s1"))
    assert [x["unit"] for x in liaison.get("/api/reports?unit=south").json()] == ["south"]
    units = {row["unit"] for row in liaison.get("/api/rollup").json()}
    assert units == {"south"}  # the roll-up into 'prov' is outside the liaison's zone


def test_only_planners_approve_and_read_the_audit_log(liaison: TestClient, planner: TestClient) -> None:
    rid = liaison.post("/api/reports", json=report("north", "grain", "n1")).json()["id"]
    assert liaison.post(f"/api/reports/{rid}/approve").status_code == 403
    assert liaison.post(f"/api/reports/{rid}/return", json={"reason": "x"}).status_code == 403
    assert liaison.get("/api/audit-log").status_code == 403
    assert planner.post(f"/api/reports/{rid}/approve").status_code == 200
    assert [e["target"] for e in denials(planner)] == ["audit-log", f"report {rid}", f"report {rid}"]


def test_units_tree(liaison: TestClient) -> None:
    units = {u["id"]: u for u in liaison.get("/api/units").json()}
    assert units["north"] == {
        "id": "north",
        "name": "North County",
        "kind": "county",
        "parent": "prov",
        "zone": "city_zone",
        "products": ["grain", "coal"],  # what north's one plant makes (coal) and what farms grow (grain)
    }
    assert units["south_iron"]["kind"] == "enterprise" and units["south_iron"]["parent"] == "south"
    assert units["south_iron"]["products"] == ["pig_iron"] and units["city_zone"]["products"] is None
    assert units["city_zone"]["kind"] == "zone" and units["iron_net"]["kind"] == "network"
    assert units["prov"]["zone"] is None and units["city_steel"]["zone"] == "city_zone"
    assert len(units) == 4 + 6 + 1 + 1
