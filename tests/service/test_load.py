"""Load and crash tests of a real `leapplan serve` process on loopback (tiny scenario).

* 50 concurrent clients send 20,000 reports: 16,000 unique valid ones (a quarter one by one, the rest
  in batches of 25, as a county's data-entry app uploads), 2,000 resends (same client_id and body,
  alone or in batches, sometimes racing the original) and 2,000 invalid ones (unknown unit, negative
  quantity, period outside the plan, another county's unit), half alone and half each spoiling a
  batch of 24 good ones (all-or-nothing: the whole batch is refused). Afterwards every valid report
  is stored exactly once, nothing refused is stored, and the roll-up equals the totals computed here
  from the tree written out by hand from tests/data/tiny.yaml (API.md: a region's own report is its
  claimed total; a unit without own reports sums the units under it).
* SIGKILL the server while clients submit, restart it on the same database: every report that was
  acknowledged (2xx) is there, exactly once.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.slow

CLIENTS = 50
SUBMISSIONS = int(os.environ.get("LEAPPLAN_LOAD_SUBMISSIONS", "20000"))  # the figure; smaller for a quick look
DUPLICATES = SUBMISSIONS // 10
INVALID = SUBMISSIONS // 10
BATCH = 25  # reports per POST /api/reports/batch
SINGLE_SHARE = 0.25  # share of the unique valid reports sent one by one
DEADLINE = 150.0  # s, for the whole load; the test fails rather than running on
SEED = 20261201

# tiny.yaml written out by hand: unit → parent region.
PARENT = {
    "city": "prov",
    "north": "prov",
    "south": "prov",
    "city_steel": "city",
    "city_iron": "city",
    "rail_prov": "city",
    "north_coal": "north",
    "south_coal": "south",
    "south_iron": "south",
}
# who may write what (liaison = north, liaison2 = south, enterprise = north_coal), and what each unit makes
WRITES = {
    "liaison": ["north", "north_coal"],
    "liaison2": ["south", "south_coal", "south_iron"],
    "enterprise": ["north_coal"],
}
MAKES = {"north_coal": ["coal"], "south_coal": ["coal"], "south_iron": ["pig_iron"]}
REGION_PRODUCTS = ["grain", "coal", "pig_iron", "steel"]
PERIODS = ["1958", "1959"]


@dataclass
class Job:
    """One request: who sends it, its report bodies (one: POST /api/reports; more: /api/reports/batch), and
    the statuses it may get."""

    user: str
    bodies: list[dict[str, Any]]
    expect: tuple[int, ...]
    batch: bool = False


@dataclass
class Outcome:
    """What the clients saw."""

    reports: int = 0  # report bodies answered
    created: int = 0  # reports the server said it created (201 singles + batches' "created")
    single: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))  # client_id → statuses
    wrong: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _token(base: str, user: str) -> str:
    r = httpx.post(base + "/api/token", data={"username": user, "password": user}, timeout=30)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _valid(rng: np.random.Generator, user: str, cid: str) -> dict[str, Any]:
    unit = str(rng.choice(WRITES[user]))
    product = str(rng.choice(MAKES.get(unit, REGION_PRODUCTS)))
    produced = int(rng.integers(1, 500))
    inputs = {"coal": 3 * produced} if product == "pig_iron" else {}
    return {
        "client_id": cid,
        "unit": unit,
        "period": str(rng.choice(PERIODS)),
        "product": product,
        "produced": produced,
        "inputs": inputs,
        "labour": int(rng.integers(0, 50)),
        "remark": "load test",
    }


def _spoil(rng: np.random.Generator, user: str, body: dict[str, Any], kind: int) -> int:
    """Make ``body`` invalid in one of four ways; returns the status the server must answer."""
    if kind == 0:
        body["unit"] = "atlantis"
        return 422
    if kind == 1:
        body["produced"] = -float(body["produced"])
        return 422
    if kind == 2:
        body["period"] = str(rng.choice(["1957", "1960", "1958Q1", "next year"]))
        return 422
    body["unit"] = "south" if user in ("liaison", "enterprise") else "north"  # another county's unit
    body["product"] = "grain"
    return 403


def _batches(user: str, bodies: list[dict[str, Any]], expect: tuple[int, ...]) -> list[Job]:
    return [Job(user, bodies[i : i + BATCH], expect, True) for i in range(0, len(bodies), BATCH)]


def _jobs(rng: np.random.Generator) -> tuple[list[Job], list[dict[str, Any]], set[str]]:
    """(all requests shuffled, the unique valid reports, the client_ids of valid reports inside refused batches)."""
    users = list(WRITES)
    owner = [str(u) for u in rng.choice(users, SUBMISSIONS - DUPLICATES - INVALID)]
    valid = [_valid(rng, u, f"load-{i:05d}") for i, u in enumerate(owner)]
    jobs: list[Job] = []
    # unique valid reports: SINGLE_SHARE one by one, the rest in batches (grouped by sender)
    cut = int(len(valid) * SINGLE_SHARE)
    jobs += [Job(owner[i], [valid[i]], (201, 200)) for i in range(cut)]
    for user in users:
        jobs += _batches(user, [valid[i] for i in range(cut, len(valid)) if owner[i] == user], (201, 200))
    # resends: the same client_id and body again, half alone, half in batches; they may beat the original
    picks = [int(i) for i in rng.choice(len(valid), DUPLICATES, replace=False)]
    half = DUPLICATES // 2
    jobs += [Job(owner[i], [dict(valid[i])], (201, 200)) for i in picks[:half]]
    for user in users:
        jobs += _batches(user, [dict(valid[i]) for i in picks[half:] if owner[i] == user], (201, 200))
    # invalid: batches of BATCH - 1 good reports + 1 bad one (refused whole), and single bad reports
    poisoned: set[str] = set()
    n_poison = (INVALID // 2) // BATCH
    for b in range(n_poison):
        user = str(rng.choice(users))
        bodies = [_valid(rng, user, f"poison-{b:03d}-{k:02d}") for k in range(BATCH)]
        status = _spoil(rng, user, bodies[-1], b % 4)
        poisoned |= {x["client_id"] for x in bodies[:-1]}
        jobs.append(Job(user, [bodies[k] for k in rng.permutation(BATCH)], (status,), True))
    for i in range(INVALID - n_poison * BATCH):
        user = str(rng.choice(users))
        body = _valid(rng, user, f"bad-{i:05d}")
        jobs.append(Job(user, [body], (_spoil(rng, user, body, i % 4),)))
    return [jobs[i] for i in rng.permutation(len(jobs))], valid, poisoned


def _check(job: Job, r: httpx.Response, out: Outcome) -> None:
    """Record one answer (caller holds out.lock)."""
    out.reports += len(job.bodies)
    if r.status_code not in job.expect:
        out.wrong.append(f"{job.bodies[0]['client_id']}…: {r.status_code} {r.text[:200]}")
        return
    if r.status_code >= 300:
        return
    body = r.json()
    answered = body["reports"] if job.batch else [body]
    if [(a["client_id"], a["produced"]) for a in answered] != [(b["client_id"], b["produced"]) for b in job.bodies]:
        out.wrong.append(f"{job.bodies[0]['client_id']}…: answered other reports")
    if job.batch:
        out.created += int(body["created"])
        if int(body["created"]) + int(body["existing"]) != len(job.bodies):
            out.wrong.append(f"batch {job.bodies[0]['client_id']}…: created + existing != {len(job.bodies)}")
    else:
        out.created += r.status_code == 201
        out.single[job.bodies[0]["client_id"]].append(r.status_code)


def _run(base: str, tokens: dict[str, str], jobs: list[Job], deadline: float) -> Outcome:
    """Send the jobs from CLIENTS threads, each with its own connection pool; stop at the deadline."""
    work: queue.SimpleQueue[Job] = queue.SimpleQueue()
    for job in jobs:
        work.put(job)
    out = Outcome()
    stop_at = time.monotonic() + deadline

    def client() -> None:
        with httpx.Client(base_url=base, timeout=60) as http:
            while time.monotonic() < stop_at:
                try:
                    job = work.get_nowait()
                except queue.Empty:
                    return
                auth = {"Authorization": f"Bearer {tokens[job.user]}"}
                try:
                    if job.batch:
                        r = http.post("/api/reports/batch", json={"reports": job.bodies}, headers=auth)
                    else:
                        r = http.post("/api/reports", json=job.bodies[0], headers=auth)
                except httpx.HTTPError as exc:
                    with out.lock:
                        out.errors.append(f"{job.bodies[0]['client_id']}: {exc!r}")
                    continue
                with out.lock:
                    _check(job, r, out)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=deadline + 120)
    return out


def _stored(base: str, token: str) -> list[dict[str, Any]]:
    """Every stored report (latest versions), paging through GET /api/reports."""
    rows: list[dict[str, Any]] = []
    with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
        while True:
            page = http.get("/api/reports", params={"limit": 10_000, "offset": len(rows)})
            assert page.status_code == 200, page.text
            rows += page.json()
            if len(page.json()) < 10_000:
                return rows


def _chain(unit: str) -> list[str]:
    out = [unit]
    while out[-1] in PARENT:
        out.append(PARENT[out[-1]])
    return out


def test_50_clients_20000_submissions(live_server: Callable[..., Any]) -> None:
    rng = np.random.default_rng(SEED)
    jobs, valid, poisoned = _jobs(rng)
    assert sum(len(j.bodies) for j in jobs) == SUBMISSIONS
    server = live_server()
    tokens = {u: _token(server.url, u) for u in [*WRITES, "planner"]}

    t0 = time.monotonic()
    out = _run(server.url, tokens, jobs, DEADLINE)
    seconds = time.monotonic() - t0
    print(
        f"load: {out.reports} reports in {len(jobs)} requests, {seconds:.1f} s = {out.reports / seconds:.0f} reports/s"
    )

    assert out.errors == []
    assert out.reports == SUBMISSIONS, f"only {out.reports} of {SUBMISSIONS} answered within {DEADLINE} s"
    assert out.wrong == []
    assert out.created == len(valid)  # each valid report created once, whichever copy came first
    for cid, statuses in out.single.items():
        assert statuses.count(201) <= 1, (cid, statuses)

    stored = _stored(server.url, tokens["planner"])
    counts = Counter(r["client_id"] for r in stored)
    assert set(counts) == {b["client_id"] for b in valid}  # nothing invalid stored, nothing valid lost
    assert not set(counts) & poisoned  # refused batches stored nothing
    assert max(counts.values()) == 1
    by_cid = {r["client_id"]: r for r in stored}
    for b in valid:
        r = by_cid[b["client_id"]]
        assert (r["unit"], r["period"], r["product"], r["produced"]) == (
            b["unit"],
            b["period"],
            b["product"],
            b["produced"],
        )

    # roll-up (API.md): a unit's own reports when it has any (a region's report is its claimed total),
    # else the sum over the units under it; computed here over the hand-written tree
    own: dict[tuple[str, str, str], float] = defaultdict(float)
    for b in valid:
        own[b["unit"], b["period"], b["product"]] += b["produced"]
    children: dict[str, list[str]] = defaultdict(list)
    for unit, parent in PARENT.items():
        children[parent].append(unit)

    def reported(unit: str, period: str, product: str) -> float | None:
        if (unit, period, product) in own:
            return own[unit, period, product]
        parts = [x for x in (reported(c, period, product) for c in children[unit]) if x is not None]
        return sum(parts) if parts else None

    expected = {
        (unit, period, product): value
        for unit in ["prov", *PARENT]
        for period in PERIODS
        for product in REGION_PRODUCTS
        if (value := reported(unit, period, product)) is not None
    }
    assert expected["prov", "1958", "coal"] > 0 and ("north", "1958", "coal") in own  # both rules are exercised
    answer = httpx.get(
        server.url + "/api/rollup",
        params={"group": "region"},
        headers={"Authorization": f"Bearer {tokens['planner']}"},
        timeout=60,
    )
    assert answer.status_code == 200, answer.text
    got = {(row["unit"], row["period"], row["product"]): row["reported"] or 0.0 for row in answer.json()}
    for key, value in expected.items():
        assert got.get(key) == pytest.approx(value, rel=1e-12), key
    assert all(value == 0 for key, value in got.items() if key not in expected)


# --- SIGKILL ----------------------------------------------------------------------------------------
def _pg_database(base_url: str) -> str:
    """A fresh database next to LEAPPLAN_TEST_PG_URL's (the role may create databases)."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"leapplan_kill_{uuid.uuid4().hex[:10]}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(db_url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def kill_db(request: pytest.FixtureRequest) -> Any:
    """None (a temp SQLite file) or a fresh PostgreSQL database, dropped afterwards."""
    if request.param == "sqlite":
        yield None
        return
    base = os.environ.get("LEAPPLAN_TEST_PG_URL")
    if not base:
        pytest.skip("LEAPPLAN_TEST_PG_URL is not set: run scripts/test (it starts PostgreSQL via scripts/postgres.sh)")
    db_url = _pg_database(base)
    yield db_url
    _drop_pg_database(db_url)


def test_sigkill_loses_nothing_acknowledged(live_server: Callable[..., Any], kill_db: str | None) -> None:
    server = live_server(kill_db)
    tokens = {u: _token(server.url, u) for u in [*WRITES, "planner"]}
    rng = np.random.default_rng(SEED + 1)
    users = list(WRITES)
    acked: dict[str, dict[str, Any]] = {}
    unsure: dict[str, tuple[str, dict[str, Any]]] = {}  # sent, no answer: may or may not be stored
    lock = threading.Lock()
    stop = threading.Event()
    bodies = [(str(u), _valid(rng, str(u), f"kill-{i:05d}")) for i, u in enumerate(rng.choice(users, 20_000))]
    feed = iter(bodies)

    def client() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            while not stop.is_set():
                with lock:
                    item = next(feed, None)
                if item is None:
                    return
                user, body = item
                try:
                    r = http.post("/api/reports", json=body, headers={"Authorization": f"Bearer {tokens[user]}"})
                except httpx.HTTPError:
                    with lock:
                        unsure[body["client_id"]] = (user, body)
                    return  # the server is gone
                with lock:
                    if r.status_code in (200, 201):
                        acked[body["client_id"]] = body
                    else:
                        unsure[body["client_id"]] = (user, body)

    threads = [threading.Thread(target=client) for _ in range(20)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # SIGKILL mid-load
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert len(acked) >= 300, f"only {len(acked)} acknowledged before the kill"

    server.start()  # same port, same database
    planner = _token(server.url, "planner")
    stored = Counter(r["client_id"] for r in _stored(server.url, planner))
    missing = [cid for cid in acked if stored[cid] != 1]
    assert missing == [], f"{len(missing)} acknowledged reports lost or doubled after SIGKILL"
    assert all(n == 1 for n in stored.values())
    assert set(stored) <= set(acked) | set(unsure)

    # resending the unsure ones is safe: each ends up stored exactly once
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for user, body in unsure.values():
            r = http.post("/api/reports", json=body, headers={"Authorization": f"Bearer {tokens[user]}"})
            assert r.status_code in (200, 201), r.text
    stored = Counter(r["client_id"] for r in _stored(server.url, planner))
    assert set(stored) == set(acked) | set(unsure)
    assert all(n == 1 for n in stored.values())
