"""Reports: idempotent submission, validation, batches, corrections as versions, approval."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def body(client_id: str = "r1", **kw: Any) -> dict[str, Any]:
    b: dict[str, Any] = {
        "client_id": client_id,
        "unit": "north_coal",
        "period": "1958",
        "product": "coal",
        "produced": 1000.0,
        "inputs": {"transport": 5000.0},
        "labour": 4.0,
        "remark": "first",
    }
    b.update(kw)
    return b


def test_submit_returns_the_stored_report(liaison: TestClient) -> None:
    r = liaison.post("/api/reports", json=body())
    assert r.status_code == 201
    got = r.json()
    assert (got["client_id"], got["version"], got["status"], got["produced"]) == ("r1", 1, "submitted", 1000.0)
    assert got["inputs"] == {"transport": 5000.0} and got["submitted_by"] == "liaison"
    assert isinstance(got["flags"], list)


def test_same_client_id_same_body_is_stored_once(liaison: TestClient) -> None:
    first = liaison.post("/api/reports", json=body())
    again = liaison.post("/api/reports", json=body())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert len(liaison.get("/api/reports").json()) == 1


def test_same_client_id_different_body_is_a_conflict(liaison: TestClient) -> None:
    liaison.post("/api/reports", json=body())
    r = liaison.post("/api/reports", json=body(produced=999.0))
    assert r.status_code == 409 and "different body" in r.json()["detail"]
    assert [x["produced"] for x in liaison.get("/api/reports").json()] == [1000.0]


INVALID = [
    ({"unit": "atlantis"}, "unknown unit 'atlantis'"),
    ({"product": "unobtainium", "unit": "north"}, "unknown product 'unobtainium'"),
    ({"period": "1970"}, "period '1970' is outside the plan"),
    ({"period": "1958Q1"}, "outside the plan"),
    ({"unit": "city_zone"}, "is a zone"),
    ({"product": "steel"}, "makes coal, not 'steel'"),
    ({"inputs": {"gold": 1.0}}, "unknown input product 'gold'"),
    ({"produced": -1.0}, "produced: Input should be greater than or equal to 0"),
    ({"inputs": {"transport": -5.0}}, "greater than or equal to 0"),
    ({"labour": "many"}, "labour"),
    ({"period": 1958}, "period"),
    ({"client_id": "bad id with spaces"}, "client_id"),
    ({"produced": 1e300}, "less than or equal to"),
    ({"colour": "red"}, "colour"),
]


def test_invalid_reports_are_refused_with_a_clear_message(liaison: TestClient) -> None:
    for change, words in INVALID:
        r = liaison.post("/api/reports", json=body(**change))
        assert r.status_code == 422, (change, r.text)
        assert words in r.json()["detail"], (change, r.json()["detail"])
    assert liaison.get("/api/reports").json() == []


def test_non_finite_numbers_are_refused(liaison: TestClient) -> None:
    raw = b'{"client_id":"n","unit":"north_coal","period":"1958","product":"coal","produced":NaN}'
    r = liaison.post("/api/reports", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert "produced" in r.json()["detail"]


def test_batch_is_all_or_nothing(liaison: TestClient) -> None:
    keys = [("north_coal", "coal", "1958"), ("north_coal", "coal", "1959"), ("north", "grain", "1958")]
    good = [
        body(f"b{i}", unit=u, product=q, period=p, produced=100.0 * i, inputs={})
        for i, (u, q, p) in enumerate(keys, start=1)
    ]
    bad = body("b4", unit="south_iron", product="pig_iron")  # south is not the liaison's county
    r = liaison.post("/api/reports/batch", json={"reports": [*good, bad]})
    assert r.status_code == 403 and r.json()["detail"].startswith("reports[3]:")
    r = liaison.post("/api/reports/batch", json={"reports": [*good, body("b5", period="2100")]})
    assert r.status_code == 422 and r.json()["detail"].startswith("reports[3]: period '2100'")
    assert liaison.get("/api/reports").json() == []
    r = liaison.post("/api/reports/batch", json={"reports": good})
    assert r.status_code == 201 and (r.json()["created"], r.json()["existing"]) == (3, 0)
    r = liaison.post("/api/reports/batch", json={"reports": [*good, good[0]]})
    assert r.status_code == 200 and (r.json()["created"], r.json()["existing"]) == (0, 4)
    assert sorted(x["produced"] for x in liaison.get("/api/reports").json()) == [100.0, 200.0, 300.0]


def test_correction_is_a_new_version_and_keeps_the_old(liaison: TestClient) -> None:
    rid = liaison.post("/api/reports", json=body()).json()["id"]
    fix = {"produced": 800.0, "inputs": {"transport": 4000.0}, "labour": 4.0, "remark": "counted twice"}
    r = liaison.post(f"/api/reports/{rid}/correct", json=fix | {"client_id": "r1-fix"})
    assert r.status_code == 201
    assert (r.json()["id"], r.json()["version"], r.json()["produced"]) == (rid, 2, 800.0)
    again = liaison.post(f"/api/reports/{rid}/correct", json=fix | {"client_id": "r1-fix"})
    assert again.status_code == 200 and again.json()["version"] == 2
    versions = liaison.get(f"/api/reports/{rid}/versions").json()
    assert [(v["version"], v["produced"], v["remark"]) for v in versions] == [
        (1, 1000.0, "first"),
        (2, 800.0, "counted twice"),
    ]
    assert [x["produced"] for x in liaison.get("/api/reports").json()] == [800.0]
    r = liaison.post(f"/api/reports/{rid}/correct", json=fix | {"unit": "north"})
    assert r.status_code == 422 and "keeps the report's unit" in r.json()["detail"]
    assert liaison.post("/api/reports/999/correct", json=fix).status_code == 404


def test_approval_workflow(liaison: TestClient, planner: TestClient) -> None:
    rid = liaison.post("/api/reports", json=body()).json()["id"]
    r = planner.post(f"/api/reports/{rid}/return", json={"reason": "labour looks low"})
    assert r.status_code == 200 and (r.json()["status"], r.json()["return_reason"]) == ("returned", "labour looks low")
    r = planner.post(f"/api/reports/{rid}/approve")
    assert r.status_code == 409 and "correct it first" in r.json()["detail"]
    liaison.post(f"/api/reports/{rid}/correct", json={"produced": 1000.0, "labour": 40.0})
    r = planner.post(f"/api/reports/{rid}/approve")
    assert r.status_code == 200 and r.json()["status"] == "approved" and r.json()["version"] == 2
    assert [x["id"] for x in planner.get("/api/reports?status=approved").json()] == [rid]
    assert planner.get("/api/reports?status=lost").status_code == 422
    log = planner.get("/api/audit-log").json()
    actions = [e["action"] for e in log[:4]]
    assert actions == ["report_approve", "report_correct", "report_return", "report_create"]
    approve = log[0]
    assert (approve["before"]["status"], approve["after"]["status"], approve["actor"]) == (
        "submitted",
        "approved",
        "planner",
    )


def test_filters(liaison: TestClient) -> None:
    liaison.post("/api/reports", json=body("a"))
    liaison.post("/api/reports", json=body("b", period="1959"))
    liaison.post("/api/reports", json=body("c", unit="north", product="grain", inputs={}))
    assert len(liaison.get("/api/reports?unit=north").json()) == 3  # north's subtree holds north_coal
    assert [x["client_id"] for x in liaison.get("/api/reports?unit=north_coal&period=1959").json()] == ["b"]
    assert [x["client_id"] for x in liaison.get("/api/reports?product=grain").json()] == ["c"]
    assert liaison.get("/api/reports?unit=nowhere").status_code == 422


def test_one_report_per_unit_period_and_product(liaison: TestClient) -> None:
    first = liaison.post("/api/reports", json=body()).json()
    r = liaison.post("/api/reports", json=body("r2", produced=500.0))
    assert r.status_code == 409
    assert r.json()["detail"] == (
        f"report {first['id']} already holds north_coal coal 1958 (one report per unit, period and product): "
        f"correct it with POST /api/reports/{first['id']}/correct"
    )
    twice = liaison.post("/api/reports/batch", json={"reports": [body("x1", period="1959"), body("x2", period="1959")]})
    assert twice.status_code == 409 and "reports[1]: north_coal coal 1959 is reported twice" in twice.json()["detail"]
    assert [(x["id"], x["produced"]) for x in liaison.get("/api/reports").json()] == [(first["id"], 1000.0)]
