"""Backup and restore: a round trip keeps every row; a file that is not a backup is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from leapplan.errors import ServiceError
from leapplan.service.backup import backup, restore
from leapplan.service.db import Store


def _fill(planner: TestClient) -> None:
    for i, unit in enumerate(["north_coal", "south_coal"]):
        planner.post(
            "/api/reports",
            json={
                "client_id": f"c{i}",
                "unit": unit,
                "period": "1958",
                "product": "coal",
                "produced": 100.0 + i,
                "inputs": {"transport": 500.0},
                "remark": "ünïcode",
            },
        )
    planner.post("/api/reports/1/correct", json={"produced": 90.0})
    planner.post("/api/reports/2/approve")
    planner.post("/api/agreements/labour_north/deliveries", json={"quantity": 5.0, "date": "1958-03-01"})


@pytest.mark.parametrize("name", ["dump.json", "dump.json.gz"])
def test_round_trip(
    app: FastAPI, planner: TestClient, make_app: Callable[..., FastAPI], tmp_path: Path, name: str
) -> None:
    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    _fill(planner)
    before = {p: planner.get(p).json() for p in ["/api/reports", "/api/rollup", "/api/agreements", "/api/flags"]}
    log_before = planner.get("/api/audit-log").json()
    file = tmp_path / name
    counts = backup(app.state.ctx.store, file)
    assert (counts["reports"], counts["report_versions"], counts["deliveries"]) == (2, 3, 1)
    target = Store(restored_url)
    try:
        assert restore(target, file) == counts
    finally:
        target.dispose()
    restored = make_app(restored_url)  # same scenario: starts on the restored data, logs in the restored users
    c = TestClient(restored)
    c.headers["Authorization"] = planner.headers["Authorization"]  # tokens are restored too
    after = {p: c.get(p).json() for p in before}
    assert after == before
    assert c.get("/api/audit-log").json()[: len(log_before)] == log_before
    r = c.post(
        "/api/reports",
        json={"client_id": "new", "unit": "north", "period": "1958", "product": "grain", "produced": 1.0},
    )
    assert r.status_code == 201 and r.json()["id"] == 3  # id sequences continue after the restored rows


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path, sqlite_url: str) -> None:
    store = Store(sqlite_url)
    try:
        cases = {
            "missing.json": None,
            "text.json": "hello",
            "other.json": json.dumps({"format": "something-else"}),
            "old.json": json.dumps({"format": "leapplan-service-backup", "format_version": 1, "revision": "0000"}),
        }
        messages = {}
        for name, content in cases.items():
            path = tmp_path / name
            if content is not None:
                path.write_text(content)
            with pytest.raises(ServiceError) as err:
                restore(store, path)
            messages[name] = str(err.value)
        assert "no such backup file" in messages["missing.json"]
        assert "is not a leapplan service backup" in messages["text.json"]
        assert "no 'leapplan-service-backup' marker" in messages["other.json"]
        assert "schema revision '0000'" in messages["old.json"]
    finally:
        store.dispose()


def test_restore_into_a_database_in_use_needs_replace(app: FastAPI, planner: TestClient, tmp_path: Path) -> None:
    _fill(planner)
    file = tmp_path / "dump.json"
    backup(app.state.ctx.store, file)
    planner.post(
        "/api/reports",
        json={"client_id": "later", "unit": "north", "period": "1958", "product": "grain", "produced": 1.0},
    )
    with pytest.raises(ServiceError, match="not empty"):
        restore(app.state.ctx.store, file)
    counts = restore(app.state.ctx.store, file, replace=True)
    assert counts["reports"] == 2
    assert sorted(r["client_id"] for r in planner.get("/api/reports").json()) == ["c0", "c1"]
