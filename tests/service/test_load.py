"""Load and crash tests of a real `leapplan serve` process on loopback (shanxi-1958, its plan not solved).

* 50 concurrent clients send 8,000 reports: 6,400 valid ones, each for a different unit, period and product
  (one report per key; a quarter one by one, the rest in batches of 25, as a data-entry app uploads),
  800 resends (same client_id and body, alone or in batches, sometimes racing the original) and 800
  invalid ones (unknown unit, negative quantity, period outside the plan, a liaison writing another
  county's unit, a second report for a key already taken), half alone and half each spoiling a batch of
  24 good ones (all-or-nothing: the whole batch is refused). Afterwards every valid report is stored
  exactly once, nothing refused is stored, and the roll-up equals the totals computed here from the
  scenario's own region tree (a region's own report is its claimed total; a unit without own reports
  sums the units under it).
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

from leapplan.scenario import load

pytestmark = pytest.mark.slow

CLIENTS = 50
SUBMISSIONS = int(os.environ.get("LEAPPLAN_LOAD_SUBMISSIONS", "8000"))
DUPLICATES = SUBMISSIONS // 10
INVALID = SUBMISSIONS // 10
BATCH = 25  # reports per POST /api/reports/batch
SINGLE_SHARE = 0.25  # share of the unique valid reports sent one by one
DEADLINE = 300.0  # s, for the whole load; the test fails rather than running on
SEED = 20261201
SCENARIO = ["--scenario", "shanxi-1958", "--no-solve"]  # the last --scenario given wins
LIAISON_COUNTY = "qingxu"  # the demo liaison's county in shanxi-1958 (docs/service.md)


@dataclass(frozen=True)
class Tree:
    """shanxi-1958 read straight from the scenario: parents, report keys and who may write them."""

    parent: dict[str, str]
    keys: list[tuple[str, str, str]]  # (unit, period, product), enterprises first
    liaison: set[str]  # units in the liaison's county


def _tree() -> Tree:
    s = load("shanxi-1958")
    parent = {r.id: r.parent for r in s.regions if r.parent}
    parent |= {e.id: e.region for e in s.enterprises}
    product_of = {t.id: t.product for t in s.technologies}
    keys = [(e.id, p, product_of[e.technology]) for p in s.periods for e in s.enterprises]
    keys += [(r.id, p, q.id) for p in s.periods for r in s.regions for q in s.products]
    below = {LIAISON_COUNTY}
    for _ in range(6):
        below |= {u for u, par in parent.items() if par in below}
    return Tree(parent, keys, below)


TREE = _tree()


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


def _body(key: tuple[str, str, str], cid: str, rng: np.random.Generator) -> dict[str, Any]:
    unit, period, product = key
    return {
        "client_id": cid,
        "unit": unit,
        "period": period,
        "product": product,
        "produced": int(rng.integers(0, 500)),  # small: no capacity or balance flags matter here
        "labour": int(rng.integers(0, 50)),
        "remark": "load test",
    }


def _spoil(rng: np.random.Generator, body: dict[str, Any], kind: int, taken: tuple[str, str, str]) -> tuple[str, int]:
    """Make ``body`` invalid in one of five ways; returns (the user who sends it, the status it must get)."""
    if kind == 0:
        body["unit"] = "atlantis"
        return "planner", 422
    if kind == 1:
        body["produced"] = -float(body["produced"]) - 1
        return "planner", 422
    if kind == 2:
        body["period"] = str(rng.choice(["1957", "1963", "1958Q1", "next year"]))
        return "planner", 422
    if kind == 3:
        body["unit"], body["period"], body["product"] = "taiyuan", "1958", "grain"  # not the liaison's county
        return "liaison", 403
    body["unit"], body["period"], body["product"] = taken  # a key a valid report holds: 409
    return "planner", 409


def _batches(user: str, bodies: list[dict[str, Any]], expect: tuple[int, ...]) -> list[Job]:
    return [Job(user, bodies[i : i + BATCH], expect, True) for i in range(0, len(bodies), BATCH)]


SEEDS = 50  # reports stored before the load: the keys the 409 cases ask for


def _jobs(rng: np.random.Generator) -> tuple[list[Job], list[dict[str, Any]], set[str], list[dict[str, Any]]]:
    """(all requests shuffled, the unique valid reports, the client_ids of valid reports inside refused batches,
    the reports to store before the load)."""
    n_valid = SUBMISSIONS - DUPLICATES - INVALID
    n_poison = (INVALID // 2) // BATCH
    keys = [TREE.keys[int(i)] for i in rng.permutation(len(TREE.keys))]
    assert len(keys) >= n_valid + n_poison * BATCH + SEEDS, "the scenario has too few report keys for this load"
    seeds = [_body(k, f"seed-{i:03d}", rng) for i, k in enumerate(keys[-SEEDS:])]
    held = [(b["unit"], b["period"], b["product"]) for b in seeds]
    keys = keys[:-SEEDS]
    valid = [_body(keys[i], f"load-{i:05d}", rng) for i in range(n_valid)]
    spare = keys[n_valid:]  # keys no valid report takes: for the good reports of refused batches
    jobs: list[Job] = []
    cut = int(len(valid) * SINGLE_SHARE)
    jobs += [Job("planner", [valid[i]], (201, 200)) for i in range(cut)]
    jobs += _batches("planner", valid[cut:], (201, 200))
    picks = [int(i) for i in rng.choice(len(valid), DUPLICATES, replace=False)]
    half = DUPLICATES // 2
    jobs += [Job("planner", [dict(valid[i])], (201, 200)) for i in picks[:half]]
    jobs += _batches("planner", [dict(valid[i]) for i in picks[half:]], (201, 200))
    poisoned: set[str] = set()
    for b in range(n_poison):
        bodies = [_body(spare[b * BATCH + k], f"poison-{b:03d}-{k:02d}", rng) for k in range(BATCH)]
        kind = b % 5
        user, status = _spoil(rng, bodies[-1], kind, held[b % SEEDS])
        if user == "liaison":  # the whole batch is the liaison's: its good reports are in the county
            county = [k for k in spare[n_poison * BATCH :] if k[0] in TREE.liaison]
            for k in range(BATCH - 1):
                bodies[k] |= dict(zip(("unit", "period", "product"), county[k], strict=True))
        poisoned |= {x["client_id"] for x in bodies[:-1]}
        jobs.append(Job(user, [bodies[k] for k in rng.permutation(BATCH)], (status,), True))
    for i in range(INVALID - n_poison * BATCH):
        body = _body(keys[int(rng.integers(0, n_valid))], f"bad-{i:05d}", rng)
        user, status = _spoil(rng, body, i % 5, held[i % SEEDS])
        jobs.append(Job(user, [body], (status,)))
    return [jobs[i] for i in rng.permutation(len(jobs))], valid, poisoned, seeds


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


def test_50_clients_8000_submissions(live_server: Callable[..., Any]) -> None:
    rng = np.random.default_rng(SEED)
    jobs, valid, poisoned, seeds = _jobs(rng)
    assert sum(len(j.bodies) for j in jobs) == SUBMISSIONS
    server = live_server(None, *SCENARIO)
    tokens = {u: _token(server.url, u) for u in ["liaison", "planner"]}
    r = httpx.post(
        server.url + "/api/reports/batch",
        json={"reports": seeds},
        headers={"Authorization": f"Bearer {tokens['planner']}"},
        timeout=60,
    )
    assert r.status_code == 201 and r.json()["created"] == SEEDS

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
    assert set(counts) == {b["client_id"] for b in valid + seeds}  # nothing invalid stored, nothing valid lost
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

    # roll-up: a unit's own report when it has one (a region's report is its claimed total), else the sum
    # over the units under it; computed here over the scenario's tree
    own = {(b["unit"], b["period"], b["product"]): float(b["produced"]) for b in valid + seeds}
    children: dict[str, list[str]] = defaultdict(list)
    for unit, parent in TREE.parent.items():
        children[parent].append(unit)
    memo: dict[tuple[str, str, str], float | None] = {}

    def reported(unit: str, period: str, product: str) -> float | None:
        k = (unit, period, product)
        if k not in memo:
            if k in own:
                memo[k] = own[k]
            else:
                parts = [x for x in (reported(c, period, product) for c in children[unit]) if x is not None]
                memo[k] = sum(parts) if parts else None
        return memo[k]

    answer = httpx.get(
        server.url + "/api/rollup",
        params={"group": "region"},
        headers={"Authorization": f"Bearer {tokens['planner']}"},
        timeout=120,
    )
    assert answer.status_code == 200, answer.text
    got = {(row["unit"], row["period"], row["product"]): row["reported"] for row in answer.json()}
    units = {k[0] for k in TREE.keys}
    expected = {
        (u, p, q): v
        for (u, p, q) in {(u, p, q) for u in units for (_, p, q) in own}
        if (v := reported(u, p, q)) is not None
    }
    assert any(k[0] == "shanxi" for k in expected)  # the province sums up its units
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12), key


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
    server = live_server(kill_db, *SCENARIO)
    tokens = {"planner": _token(server.url, "planner")}
    rng = np.random.default_rng(SEED + 1)
    acked: dict[str, dict[str, Any]] = {}
    unsure: dict[str, tuple[str, dict[str, Any]]] = {}  # sent, no answer: may or may not be stored
    lock = threading.Lock()
    stop = threading.Event()
    bodies = [("planner", _body(k, f"kill-{i:05d}", rng)) for i, k in enumerate(TREE.keys)]
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
