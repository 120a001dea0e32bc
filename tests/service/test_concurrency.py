"""50 concurrent clients on one SQLite file: no 'database is locked', every report stored once."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from leapplan.service.auditing import audit_function

CLIENTS = 50
KEYS = [(u, q, p) for p in ("1958", "1959") for u, q in [
    ("prov", "grain"), ("prov", "coal"), ("prov", "pig_iron"), ("prov", "steel"), ("prov", "transport"),
    ("city", "grain"), ("city", "coal"), ("city", "pig_iron"), ("city", "steel"), ("city", "transport"),
    ("north", "grain"), ("north", "coal"), ("north", "pig_iron"), ("north", "steel"), ("north", "transport"),
    ("south", "grain"), ("south", "coal"), ("south", "pig_iron"), ("south", "steel"), ("south", "transport"),
    ("north_coal", "coal"), ("south_coal", "coal"), ("south_iron", "pig_iron"), ("city_iron", "pig_iron"),
    ("city_steel", "steel"),
]]  # fmt: skip
"""50 distinct (unit, product, period) keys of tiny.yaml that the planner may report."""


def test_fifty_concurrent_writers_on_sqlite(
    make_app: Callable[..., FastAPI], sqlite_url: str, login: Callable[..., dict[str, str]]
) -> None:
    app = make_app(sqlite_url)
    token = login(TestClient(app), "planner")

    def report(cid: str, k: int, produced: float) -> dict[str, object]:
        unit, product, period = KEYS[k]
        return {"client_id": cid, "unit": unit, "period": period, "product": product, "produced": produced}

    def work(k: int) -> list[tuple[str, int]]:
        c = TestClient(app)
        c.headers.update(token)
        codes = [("own", c.post("/api/reports", json=report(f"c{k}", k, float(k))).status_code)]
        n = (k + 1) % CLIENTS  # the neighbour's report again: a duplicate, stored once
        codes.append(("resend", c.post("/api/reports", json=report(f"c{n}", n, float(n))).status_code))
        # everyone races for one more key under their own client id: exactly one wins, the rest get 409
        race = {"client_id": f"race{k}", "unit": "rail_prov", "period": "1958", "product": "transport", "produced": 1.0}
        codes.append(("race", c.post("/api/reports", json=race).status_code))
        return codes

    with ThreadPoolExecutor(CLIENTS) as pool:
        got = [code for part in pool.map(work, range(CLIENTS)) for code in part]
    own = [code for what, code in got if what != "race"]
    race = sorted(code for what, code in got if what == "race")
    assert set(own) <= {200, 201} and own.count(201) == CLIENTS
    assert race == [201] + [409] * (CLIENTS - 1)
    c = TestClient(app)
    c.headers.update(token)
    stored = c.get("/api/reports?limit=10000").json()
    assert len(stored) == CLIENTS + 1 == len({r["client_id"] for r in stored})
    assert {(r["unit"], r["product"], r["period"]): r["produced"] for r in stored} == {
        key: float(k) for k, key in enumerate(KEYS)
    } | {("rail_prov", "transport", "1958"): 1.0}


def test_racing_resends_and_conflicts(
    make_app: Callable[..., FastAPI], sqlite_url: str, login: Callable[..., dict[str, str]]
) -> None:
    app = make_app(sqlite_url)
    token = login(TestClient(app), "planner")
    same = {"client_id": "same", "unit": "north", "period": "1958", "product": "grain", "produced": 5.0}
    clash = {"client_id": "clash", "unit": "north", "period": "1959", "product": "grain", "produced": 1.0}

    def send(k: int) -> tuple[str, int]:
        c = TestClient(app)
        c.headers.update(token)
        body = same if k % 2 == 0 else clash | {"produced": float(k)}  # 'clash' copies all differ
        return str(body["client_id"]), c.post("/api/reports", json=body).status_code

    with ThreadPoolExecutor(20) as pool:
        got = list(pool.map(send, range(40)))
    same_codes = sorted(code for cid, code in got if cid == "same")
    clash_codes = sorted(code for cid, code in got if cid == "clash")
    assert same_codes == [200] * 19 + [201]
    assert clash_codes == [201] + [409] * 19
    c = TestClient(app)
    c.headers.update(token)
    assert sorted(r["client_id"] for r in c.get("/api/reports").json()) == ["clash", "same"]


@pytest.mark.skipif(audit_function() is None, reason="the audit stage (leapplan.audit) is not installed")
def test_audits_lost_in_a_crash_are_redone_at_start(
    make_app: Callable[..., FastAPI], sqlite_url: str, login: Callable[..., dict[str, str]]
) -> None:
    app = make_app(sqlite_url)
    c = TestClient(app)
    c.headers.update(login(c, "planner"))
    body = {
        "client_id": "x",
        "unit": "south_iron",
        "period": "1958",
        "product": "pig_iron",
        "produced": 1200.0,
        "inputs": {"coal": 600.0},
    }
    rid = c.post("/api/reports", json=body).json()["id"]
    with app.state.ctx.store.write() as s:  # as if the server died between storing the report and its audit
        s.execute(text("DELETE FROM flags"))
        s.execute(text("UPDATE reports SET audited_version = 0"))
    app.state.ctx.close()
    again = make_app(sqlite_url)
    c2 = TestClient(again)
    c2.headers.update(login(c2, "planner"))
    for _ in range(100):
        flags = c2.get("/api/flags").json()
        if flags:
            break
        time.sleep(0.05)
    assert ("material_balance", rid) in {(f["check"], f["report_id"]) for f in flags}
