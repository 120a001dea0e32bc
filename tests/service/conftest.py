"""Fixtures of the monitoring-service tests (also used by the dashboard and load tests).

``db_url`` runs each test on a fresh SQLite file and, when LEAPPLAN_TEST_PG_URL is set (scripts/test starts
PostgreSQL), on a fresh PostgreSQL schema; ``make_app`` builds the service on it; ``planner``, ``liaison``,
``liaison2``, ``committee`` and ``enterprise`` are logged-in TestClients of the demo users on ``app``.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

os.environ.setdefault("LEAPPLAN_ARGON2_MEMORY_KIB", "256")  # cheap password hashes in tests (before the import)

from fastapi import FastAPI  # noqa: E402
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from leapplan.scenario import Scenario, load
from leapplan.service import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette warns once at import that it prefers httpx2 over httpx
    from fastapi.testclient import TestClient

DATA = Path(__file__).parent.parent / "data"
PG_ENV = "LEAPPLAN_TEST_PG_URL"


@pytest.fixture(scope="session")
def service_scenario() -> Scenario:
    """The tiny two-county scenario: zone city_zone = city + north + south; enterprises north_coal, south_iron …"""
    return load(DATA / "tiny.yaml")


def _pg_schema_url(base: str, schema: str) -> str:
    url = make_url(base)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture()
def pg_url() -> Iterator[str]:
    """A URL of a fresh, empty PostgreSQL schema (dropped afterwards); skips when no server was provided."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL tests need a server (scripts/test starts one)")
    schema = f"lp_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - report why the server is unusable, then skip
        admin.dispose()
        pytest.skip(f"PostgreSQL at {PG_ENV} is not usable: {exc}")
    try:
        yield _pg_schema_url(base, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> str:
    """A URL of a new SQLite file."""
    return f"sqlite:///{quote(str(tmp_path / 'service.db'), safe='/')}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh database: SQLite, and PostgreSQL when LEAPPLAN_TEST_PG_URL is set."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture()
def make_app(service_scenario: Scenario, tmp_path: Path) -> Callable[..., FastAPI]:
    """``make_app(db_url=None, **kw)``: create_app with the tiny scenario and demo users, no plan solving."""
    apps: list[FastAPI] = []

    def factory(db_url: str | None = None, **kw: Any) -> FastAPI:
        kw.setdefault("demo_users", True)
        kw.setdefault("solve", False)
        url = db_url or f"sqlite:///{tmp_path / f'app{len(apps)}.db'}"
        app = create_app(url, kw.pop("scenario", service_scenario), kw.pop("plan", None), **kw)
        apps.append(app)
        return app

    yield factory  # type: ignore[misc]
    for app in apps:
        app.state.ctx.close()


@pytest.fixture()
def app(make_app: Callable[..., FastAPI], db_url: str) -> FastAPI:
    """The service on ``db_url`` with demo users."""
    return make_app(db_url)


@pytest.fixture()
def client(app: FastAPI) -> TestClient:
    """An unauthenticated client."""
    return TestClient(app)


def _login(client: TestClient, username: str, password: str | None = None) -> dict[str, str]:
    """Bearer headers of ``username`` (demo password = user name)."""
    r = client.post("/api/token", data={"username": username, "password": password or username})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _as(app: FastAPI, username: str) -> TestClient:
    c = TestClient(app)
    c.headers.update(_login(c, username))
    return c


@pytest.fixture()
def login() -> Callable[..., dict[str, str]]:
    """``login(client, username, password=None) -> headers`` with the bearer token."""
    return _login


@pytest.fixture()
def planner(app: FastAPI) -> TestClient:
    return _as(app, "planner")


@pytest.fixture()
def liaison(app: FastAPI) -> TestClient:
    """Liaison of county 'north' (zone city_zone)."""
    return _as(app, "liaison")


@pytest.fixture()
def liaison2(app: FastAPI) -> TestClient:
    """Liaison of county 'south'."""
    return _as(app, "liaison2")


@pytest.fixture()
def committee(app: FastAPI) -> TestClient:
    """Committee of zone 'city_zone'."""
    return _as(app, "committee")


@pytest.fixture()
def enterprise(app: FastAPI) -> TestClient:
    """Enterprise user of 'north_coal'."""
    return _as(app, "enterprise")
