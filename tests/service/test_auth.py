"""Logins: throttling, lockout and its release, equal cost for unknown names, token revocation, headers, bounds,
four-eyes approval."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from leapplan.service import security
from leapplan.service.accounts import LOCK_AFTER, wait_after


def _attempts(app: FastAPI, client: TestClient, username: str, n: int, password: str = "wrong") -> list[int]:
    """``n`` login attempts, the fake clock moved on past every back-off (2, 4, 8 … s after the third failure)."""
    clock = app.state.ctx.throttle
    codes = []
    for _ in range(n):
        codes.append(client.post("/api/token", data={"username": username, "password": password}).status_code)
        clock.now += 1000.0  # past any back-off (the longest is 300 s)
    return codes


@pytest.fixture()
def clocked(app: FastAPI) -> FastAPI:
    """The app with a fake wall clock for the login throttle."""
    th = app.state.ctx.throttle
    th.now = 1_000_000.0
    th.clock = lambda: th.now
    return app


def test_back_off_grows_and_lockout_needs_a_planner(clocked: FastAPI, client: TestClient, planner: TestClient) -> None:
    assert [wait_after(n) for n in range(1, 8)] == [0, 0, 1, 2, 4, 8, 16]
    th = clocked.state.ctx.throttle
    for _ in range(3):  # three free failures
        assert client.post("/api/token", data={"username": "liaison", "password": "no"}).status_code == 401
    r = client.post("/api/token", data={"username": "liaison", "password": "liaison"})  # even the right one
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    th.now += 1.5
    assert client.post("/api/token", data={"username": "liaison", "password": "no"}).status_code == 401  # 4th
    th.now += 1.5  # the 5th must wait 2 s
    assert client.post("/api/token", data={"username": "liaison", "password": "no"}).status_code == 429
    th.now += 2.0
    assert _attempts(clocked, client, "liaison", LOCK_AFTER - 4) == [401] * (LOCK_AFTER - 4)
    r = client.post("/api/token", data={"username": "liaison", "password": "liaison"})
    assert r.status_code == 423 and "ask a planner to unlock it" in r.json()["detail"]
    th.now += 10_000.0
    assert client.post("/api/token", data={"username": "liaison", "password": "liaison"}).status_code == 423
    users = {u["username"]: u for u in planner.get("/api/users").json()}
    assert (users["liaison"]["locked"], users["liaison"]["failed_logins"]) == (True, LOCK_AFTER)
    assert planner.post("/api/users/liaison/unlock").json()["locked"] is False
    assert client.post("/api/token", data={"username": "liaison", "password": "liaison"}).status_code == 200
    actions = [e["action"] for e in planner.get("/api/audit-log").json()]
    assert actions.count("login_failed") == LOCK_AFTER and actions.count("lockout") == 1
    assert actions.count("unlock") == 1


def test_unknown_names_get_the_same_answers(clocked: FastAPI, client: TestClient) -> None:
    real = _attempts(clocked, client, "liaison2", LOCK_AFTER + 1)
    clocked.state.ctx.throttle.clear("addr:testclient")
    unknown = _attempts(clocked, client, "nobody", LOCK_AFTER + 1)
    assert real == unknown == [401] * LOCK_AFTER + [423]


def test_a_failed_login_costs_one_hash_of_the_same_parameters(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = security._hasher

    class Counting:
        def verify(self, hash_: str, password: str) -> bool:
            seen.append(hash_.split("$")[3])  # the parameters, e.g. m=256,t=2,p=1
            return real.verify(hash_, password)

        def check_needs_rehash(self, hash_: str) -> bool:
            return real.check_needs_rehash(hash_)

    monkeypatch.setattr(security, "_hasher", Counting())
    client.post("/api/token", data={"username": "liaison", "password": "wrong"})
    client.post("/api/token", data={"username": "nobody", "password": "wrong"})
    assert len(seen) == 2 and seen[0] == seen[1] == f"m={security.ARGON2_MEMORY_KIB},t=2,p=1"


def test_tokens_are_revoked_on_the_very_next_request(
    app: FastAPI, client: TestClient, planner: TestClient, login: Callable[..., dict[str, str]]
) -> None:
    def fresh(user: str) -> TestClient:
        c = TestClient(app)
        c.headers.update(login(c, user))
        assert c.get("/api/me").status_code == 200
        return c

    c = fresh("liaison")
    assert c.post("/api/logout").status_code == 204
    assert c.get("/api/me").status_code == 401
    c = fresh("liaison")
    r = c.post("/api/me/password", json={"current": "liaison", "new": "a-new-password"})
    assert r.status_code == 204 and c.get("/api/me").status_code == 401
    assert client.post("/api/token", data={"username": "liaison", "password": "a-new-password"}).status_code == 200
    c = fresh("liaison2")
    r = planner.put("/api/users/liaison2", json={"role": "county_liaison", "unit": "north"})
    assert r.status_code == 200 and c.get("/api/me").status_code == 401
    c = fresh("committee")
    assert planner.delete("/api/users/committee").status_code == 204
    assert c.get("/api/me").status_code == 401
    assert client.post("/api/token", data={"username": "committee", "password": "committee"}).status_code == 401
    actions = [e["action"] for e in planner.get("/api/audit-log").json()]
    assert {"logout", "password_change", "user_reset", "user_remove"} <= set(actions)


def test_user_admin_is_for_planners(liaison: TestClient, planner: TestClient) -> None:
    new = {"username": "zhao", "role": "enterprise", "unit": "north_coal", "password": "long-enough"}
    assert liaison.post("/api/users", json=new).status_code == 403
    assert liaison.post("/api/users/planner/unlock").status_code == 403
    assert planner.post("/api/users", json=new).status_code == 201
    assert planner.post("/api/users", json=new).status_code == 409
    bad = new | {"username": "qian", "unit": "north"}
    r = planner.post("/api/users", json=bad)
    assert r.status_code == 422 and "needs a enterprise" in r.json()["detail"]
    assert planner.delete("/api/users/planner").status_code == 409


SECURITY_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


def test_security_headers_on_every_response(client: TestClient, login: Callable[..., dict[str, str]]) -> None:
    responses = [
        client.get("/"),
        client.get("/static/app.js"),
        client.get("/health"),
        client.get("/api/me"),
        client.get("/nowhere"),
        client.post("/api/token", data={"username": "liaison", "password": "liaison"}),
        client.post("/api/reports", content=b"x" * 2_000_000, headers={"content-type": "application/json"}),
        client.get("/api/reports?limit=0", headers=login(client, "planner")),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 401, 404, 200, 413, 422]
    for r in responses:
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, (r.url, name)
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    token = responses[5]
    assert token.headers["cache-control"] == "no-store"


def test_every_integer_parameter_at_two_to_the_63_is_422(app: FastAPI, planner: TestClient) -> None:
    schema = planner.get("/api/openapi.json").json()
    checked = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            for p in op.get("parameters", []):
                if p["schema"].get("type") != "integer":
                    continue
                url = path
                query = ""
                for other in op.get("parameters", []):
                    if other["in"] == "path":
                        value = str(2**63) if other is p else ("1" if other["schema"].get("type") == "integer" else "x")
                        url = url.replace("{" + other["name"] + "}", value)
                if p["in"] == "query":
                    query = f"?{p['name']}={2**63}"
                body = {} if method in ("post", "put") else None
                r = planner.request(method.upper(), url + query, json=body)
                checked.append((method, path, p["name"]))
                assert r.status_code == 422, (method, path, p["name"], r.status_code, r.text)
    names = {c[2] for c in checked}
    assert {"offset", "limit", "report_id", "delivery_id"} <= names


def test_four_eyes_approval(make_app: Callable[..., FastAPI], login: Callable[..., dict[str, str]]) -> None:
    report = {"client_id": "a", "unit": "north", "period": "1958", "product": "grain", "produced": 5.0}
    for four_eyes, code in [(True, 403), (False, 200)]:
        app = make_app(four_eyes=four_eyes)
        p = TestClient(app)
        p.headers.update(login(p, "planner"))
        rid = p.post("/api/reports", json=report).json()["id"]
        r = p.post(f"/api/reports/{rid}/approve")
        assert r.status_code == code, r.text
        if four_eyes:
            assert "another planner must approve it" in r.json()["detail"]
            second = {"username": "planner2", "role": "planner", "password": "second-planner"}
            assert p.post("/api/users", json=second).status_code == 201
            q = TestClient(app)
            q.headers.update(login(q, "planner2", "second-planner"))
            assert q.post(f"/api/reports/{rid}/approve").json()["status"] == "approved"
