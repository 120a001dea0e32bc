"""A hostile probe: every operation of the OpenAPI schema fuzzed by schemathesis as a planner and as a county
liaison (no 5xx, no answer that breaks the schema's status codes), and a sweep of cross-subtree access (every
read and write a liaison tries outside their zone is 403 and in the audit log, and leaks no data)."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

FUZZ_EXAMPLES = 25  # per operation and user; the whole probe stays within a minute on two cores


def _fuzz_app(make_app: Callable[..., FastAPI], login: Callable[..., dict[str, str]], db_url: str) -> FastAPI:
    app = make_app(db_url)
    c = TestClient(app)
    c.post(  # one report, so that ids in paths can hit something
        "/api/reports",
        json={"client_id": "seed", "unit": "north_coal", "period": "1958", "product": "coal", "produced": 5.0},
        headers=login(c, "planner"),
    )
    return app


@pytest.mark.slow
def test_no_operation_answers_5xx(
    make_app: Callable[..., FastAPI], login: Callable[..., dict[str, str]], db_url: str
) -> None:
    app = _fuzz_app(make_app, login, db_url)
    client = TestClient(app)
    headers = {u: login(client, u) for u in ("planner", "liaison")} | {"anonymous": {}}
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    problems: list[tuple[Any, ...]] = []
    operations = unbreakable = 0
    for result, mode in itertools.product(schema.get_all_operations(), GenerationMode):
        operation = result.ok()
        operations += 1

        @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))  # valid requests, then ones that break the schema
        def probe(case: Any) -> None:
            for user, h in headers.items():  # each generated request as a planner, a liaison and anonymous
                response = case.call(headers=h)
                where = (user, case.method, case.formatted_path, response.status_code, response.text[:200])
                kind = response.headers.get("content-type", "")
                kind = str(kind[0] if isinstance(kind, list) and kind else kind)
                if response.status_code >= 500:
                    problems.append(where)
                elif response.status_code >= 400 and kind.startswith("application/json"):
                    detail = response.json().get("detail")
                    if not isinstance(detail, str) or not detail:
                        problems.append(where)

        try:
            probe()
        except Unsatisfiable:  # an operation without parameters has no request that breaks its schema
            assert mode is GenerationMode.NEGATIVE
            unbreakable += 1
    assert unbreakable < operations / 4
    assert operations >= 2 * 30
    assert problems == []


OUTSIDE = {  # tiny.yaml: liaison (north, zone city_zone) reads the zone; nothing is outside the zone but prov
    "reads": ["prov"],
    "writes": ["south", "south_coal", "south_iron", "city", "city_iron", "prov"],
}


def test_cross_subtree_access_is_refused_and_logged(
    planner: TestClient, liaison: TestClient, enterprise: TestClient, committee: TestClient
) -> None:
    south = planner.post(
        "/api/reports",
        json={"client_id": "s1", "unit": "south_iron", "period": "1958", "product": "pig_iron", "produced": 5.0},
    ).json()["id"]
    attempts: list[tuple[TestClient, str, str, dict[str, Any] | None]] = []
    for unit in OUTSIDE["reads"]:
        for path in ["/api/reports", "/api/rollup", "/api/flags", "/api/overview", "/api/completeness"]:
            attempts.append((liaison, "GET", f"{path}?unit={unit}", None))
    for unit in OUTSIDE["writes"]:
        body = {"client_id": f"x-{unit}", "unit": unit, "period": "1958", "product": "grain", "produced": 1.0}
        attempts.append((liaison, "POST", "/api/reports", body))
        attempts.append((liaison, "POST", "/api/reports/batch", {"reports": [body]}))
    fix = {"produced": 1.0}
    attempts += [
        (liaison, "POST", f"/api/reports/{south}/correct", fix),
        (liaison, "POST", f"/api/reports/{south}/approve", None),
        (liaison, "POST", f"/api/reports/{south}/return", {"reason": "no"}),
        (enterprise, "GET", f"/api/reports/{south}/versions", None),
        (enterprise, "GET", "/api/rollup?unit=south", None),
        (enterprise, "POST", "/api/agreements/steel_south/deliveries", {"quantity": 1.0, "date": "1958-02-01"}),
        (
            committee,
            "POST",
            "/api/reports",
            {"client_id": "c", "unit": "north", "period": "1958", "product": "grain", "produced": 1.0},
        ),
        (liaison, "POST", "/api/agreements/steel_south/deliveries", {"quantity": 1.0, "date": "1958-02-01"}),
        (liaison, "GET", "/api/audit-log", None),
        (liaison, "GET", "/api/users", None),
        (liaison, "POST", "/api/users/planner/unlock", None),
        (liaison, "DELETE", "/api/users/planner", None),
        (liaison, "PUT", "/api/settings", {"current_period": "1959"}),
        (liaison, "POST", "/api/users", {"username": "mole", "role": "planner", "password": "secret-enough"}),
    ]
    for client, method, path, body in attempts:
        r = client.request(method, path, json=body)
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert "south_iron" not in r.text or "may not" in r.text  # no data in the refusal
    denied = planner.get("/api/audit-log?action=denied&limit=1000").json()
    assert len(denied) == len(attempts)
    # nothing the refused requests asked for happened
    assert [x["id"] for x in planner.get("/api/reports").json()] == [south]
    assert planner.get(f"/api/reports/{south}/versions").json()[-1]["version"] == 1
    assert planner.get("/api/settings").json()["current_period"] == "1958"
    assert "mole" not in {u["username"] for u in planner.get("/api/users").json()}
    # and what the liaison reads leaves the province's own rows out
    assert all(r["unit"] != "prov" for r in liaison.get("/api/rollup").json())
    assert liaison.get("/api/agreements/steel_south/deliveries").status_code == 200  # its own zone's agreement
