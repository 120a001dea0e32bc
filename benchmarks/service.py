"""Report submissions against a real `leapplan serve` process on loopback, SQLite and PostgreSQL.

For each database the script starts the server (shanxi-1958 without solving its plan, demo users, fresh
database), then measures with the same number of concurrent client threads:

* ``submit``: POST /api/reports of distinct valid reports (validation, audit, insert, audit log) —
  sustained submissions per second and p50 / p99 latency. Each report is a different unit, period and
  product (one report per key): every enterprise's main product in every year, then the regions' products;
* ``batch``: the same number of reports through POST /api/reports/batch, 25 per request;
* baseline ``health``: GET /health round trips (HTTP stack + client only), same clients;
* baseline ``raw insert``: one SQLAlchemy Core INSERT + COMMIT per row into a scratch table of the
  same database, same number of threads (the database's own write ceiling).

It prints each run and the ratios submit/health and submit/raw insert. The client threads share the
machine's cores with the server, so absolute numbers are a floor for a separate client machine.

    python benchmarks/service.py [--clients 16] [--requests 3000] [--db sqlite,postgresql] [--pg-url URL]

PostgreSQL's URL comes from --pg-url, $LEAPPLAN_TEST_PG_URL, or scripts/postgres.sh (which starts one).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "shanxi-1958"
BATCH = 25  # reports per POST /api/reports/batch


def _keys(n: int) -> list[dict[str, Any]]:
    """``n`` distinct honest report bodies (without client_id): every enterprise's main product at half its capacity
    with its workforce, year by year, then each region's products at zero (a region with nothing to claim)."""
    from leapplan.scenario import load

    s = load(SCENARIO)
    product_of = {t.id: t.product for t in s.technologies}
    out: list[dict[str, Any]] = []
    for period in s.periods:
        for e in s.enterprises:
            out.append(
                {
                    "unit": e.id,
                    "period": period,
                    "product": product_of[e.technology],
                    "produced": round(e.capacity * 0.5, 3),
                    "labour": e.workforce,
                    "remark": "benchmark",
                }
            )
    for period in s.periods:
        for r in s.regions:
            for p in s.products:
                out.append({"unit": r.id, "period": period, "product": p.id, "produced": 0.0, "remark": "benchmark"})
    if n > len(out):
        raise SystemExit(f"--requests {n}: {SCENARIO} has only {len(out)} distinct report keys")
    return out[:n]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(db_url: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "leapplan", "serve", "--db", db_url, "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--scenario", SCENARIO, "--seed-demo-users", "--no-solve"]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"leapplan serve exited ({proc.returncode}); see {log}:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"leapplan serve did not come up; see {log}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _drive(clients: int, requests: int, call: Callable[[Any, int], None], make: Callable[[], Any]) -> dict[str, float]:
    """Run `call(session, i)` for i in range(requests) from `clients` threads; rate [1/s], p50/p99 [ms]."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        session = make()
        mine: list[float] = []
        try:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    break
                t0 = time.perf_counter()
                call(session, i)
                mine.append(time.perf_counter() - t0)
        finally:
            close = getattr(session, "close", None)
            if close is not None:
                close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if len(latencies) != requests:
        raise SystemExit(f"only {len(latencies)} of {requests} calls finished")
    q = np.quantile(np.array(latencies) * 1000, [0.5, 0.99])
    return {"rate": requests / wall, "p50": float(q[0]), "p99": float(q[1]), "seconds": wall}


def _bench_service(base: str, clients: int, requests: int) -> dict[str, dict[str, float]]:
    token = httpx.post(base + "/api/token", data={"username": "planner", "password": "planner"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    run = uuid.uuid4().hex[:8]
    keys = _keys(requests + (requests // BATCH) * BATCH)
    bodies = [k | {"client_id": f"bench-{run}-{i}"} for i, k in enumerate(keys[:requests])]
    batched = [k | {"client_id": f"bench-{run}-b{i}"} for i, k in enumerate(keys[requests:])]

    def make() -> httpx.Client:
        return httpx.Client(base_url=base, timeout=60, headers=headers)

    def health(http: httpx.Client, i: int) -> None:
        r = http.get("/health")
        if r.status_code != 200:
            raise SystemExit(f"/health answered {r.status_code}")

    def submit(http: httpx.Client, i: int) -> None:
        r = http.post("/api/reports", json=bodies[i])
        if r.status_code != 201:
            raise SystemExit(f"POST /api/reports answered {r.status_code}: {r.text[:300]}")

    def submit_batch(http: httpx.Client, i: int) -> None:
        r = http.post("/api/reports/batch", json={"reports": batched[i * BATCH : (i + 1) * BATCH]})
        if r.status_code != 201:
            raise SystemExit(f"POST /api/reports/batch answered {r.status_code}: {r.text[:300]}")

    _drive(clients, min(200, requests), health, make)  # warm-up: connections, caches
    out = {"health": _drive(clients, requests, health, make), "submit": _drive(clients, requests, submit, make)}
    batch = _drive(clients, requests // BATCH, submit_batch, make)
    batch["rate"] *= BATCH  # reports per second; latencies stay per request of BATCH reports
    out["batch"] = batch
    return out


def _bench_raw(db_url: str, clients: int, requests: int) -> dict[str, float]:
    from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine, event

    engine = create_engine(db_url, pool_size=clients, max_overflow=0)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:  # the same settings a WAL-mode service uses
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    meta = MetaData()
    table = Table(
        f"bench_raw_{uuid.uuid4().hex[:8]}",
        meta,
        Column("id", Integer, primary_key=True),
        Column("client_id", String(100), unique=True),
        Column("unit", String(100)),
        Column("period", String(10)),
        Column("product", String(100)),
        Column("produced", Float),
    )
    meta.create_all(engine)

    def make() -> Any:
        return engine

    def insert(eng: Any, i: int) -> None:
        with eng.begin() as conn:
            conn.execute(
                table.insert().values(
                    client_id=f"raw-{i}", unit="south", period="1958", product="coal", produced=float(i)
                )
            )

    try:
        return _drive(clients, requests, insert, make)
    finally:
        meta.drop_all(engine)
        engine.dispose()


def _pg_url(given: str | None) -> str | None:
    if given:
        return given
    if os.environ.get("LEAPPLAN_TEST_PG_URL"):
        return os.environ["LEAPPLAN_TEST_PG_URL"]
    r = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh")], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"PostgreSQL: scripts/postgres.sh failed, skipped\n{r.stderr[-1000:]}", file=sys.stderr)
        return None
    return r.stdout.strip()


def _fresh_pg(base_url: str) -> tuple[str, Callable[[], None]]:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"leapplan_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.set(database=name).render_as_string(hide_password=False), drop


def _line(name: str, m: dict[str, float]) -> str:
    return (
        f"  {name:<11} {m['rate']:9.0f} /s   p50 {m['p50']:7.1f} ms   p99 {m['p99']:7.1f} ms   ({m['seconds']:.1f} s)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    ap.add_argument("--requests", type=int, default=3000, help="requests per measurement")
    ap.add_argument("--db", default="sqlite,postgresql", help="comma list of sqlite, postgresql")
    ap.add_argument(
        "--pg-url", default=None, help="SQLAlchemy URL of a PostgreSQL database whose role may create databases"
    )
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        for db in args.db.split(","):
            cleanup: Callable[[], None] = lambda: None  # noqa: E731
            if db == "sqlite":
                db_url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
            elif db == "postgresql":
                base = _pg_url(args.pg_url)
                if base is None:
                    continue
                db_url, cleanup = _fresh_pg(base)
            else:
                raise SystemExit(f"--db: unknown database {db!r} (sqlite or postgresql)")
            try:
                proc, url = _start(db_url, Path(tmp) / f"{db}.log")
                try:
                    svc = _bench_service(url, args.clients, args.requests)
                finally:
                    _stop(proc)
                raw = _bench_raw(db_url, args.clients, args.requests)
            finally:
                cleanup()
            s, h = svc["submit"], svc["health"]
            print(f"{db}: {args.clients} clients, {args.requests} requests each")
            print(_line("submit", s))
            print(_line(f"batch of {BATCH}", svc["batch"]) + "  (rate in reports/s, latency per request)")
            print(_line("health", h))
            print(_line("raw insert", raw))
            b = svc["batch"]
            print(
                f"  ratios: submit/health rate {s['rate'] / h['rate']:.2f}, p50 {s['p50'] / h['p50']:.1f}x; "
                f"submit/raw-insert rate {s['rate'] / raw['rate']:.2f}, p50 {s['p50'] / raw['p50']:.1f}x; "
                f"batch/raw-insert rate {b['rate'] / raw['rate']:.2f}; batch/submit rate {b['rate'] / s['rate']:.1f}"
            )
            sys.stdout.flush()


if __name__ == "__main__":
    main()
