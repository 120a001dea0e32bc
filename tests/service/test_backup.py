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


def _tables(store: Store, tmp_path: Path, name: str) -> dict:
    """Every row of every table, through a fresh backup (created_at and checksum aside)."""
    path = tmp_path / name
    backup(store, path)
    return json.loads(path.read_text())["tables"]


def _damaged(good: Path, out: Path, change: Callable[[dict], None], *, fix_checksum: bool = True) -> Path:
    from leapplan.service.backup import checksum

    payload = json.loads(good.read_text())
    change(payload["tables"])
    if fix_checksum:
        payload["checksum"] = checksum(payload)
    out.write_text(json.dumps(payload))
    return out


def _set(table: str, row: int, column: str, value: object) -> Callable[[dict], None]:
    def change(tables: dict) -> None:
        t = tables[table]
        t["rows"][row][t["columns"].index(column)] = value

    return change


def _duplicate(table: str, row: int) -> Callable[[dict], None]:
    def change(tables: dict) -> None:
        tables[table]["rows"].append(list(tables[table]["rows"][row]))

    return change


DAMAGE = {
    "audit timestamp": (_set("audit_log", 2, "at", "x"), "audit_log row 3: at 'x' is not a date-time"),
    "duplicate key": (_duplicate("reports", 0), "reports row 3: id 1 given twice"),
    "altered log": (_set("audit_log", 1, "target", "report 99"), "audit_log entry 2: its content does not match"),
    "dangling reference": (_set("report_versions", 0, "report_id", 77), "report_versions row 1: report_id 77 is no"),
    "text in a number": (_set("report_versions", 0, "produced", "lots"), "produced 'lots' is not a finite number"),
    "huge integer": (_set("reports", 0, "latest_version", 2**63), "is not a 32-bit integer"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_backup_leaves_the_database_as_it_was(
    app: FastAPI, planner: TestClient, tmp_path: Path, case: str
) -> None:
    _fill(planner)
    store = app.state.ctx.store
    good = tmp_path / "good.json"
    backup(store, good)
    planner.post(
        "/api/reports",
        json={"client_id": "later", "unit": "north", "period": "1958", "product": "grain", "produced": 1.0},
    )
    before = _tables(store, tmp_path, "before.json")
    change, words = DAMAGE[case]
    bad = _damaged(good, tmp_path / "bad.json", change)
    with pytest.raises(ServiceError, match="nothing was restored") as err:
        restore(store, bad, replace=True)
    assert words in str(err.value)
    assert _tables(store, tmp_path, "after.json") == before  # every row, as it was
    r = planner.post(  # and the database is still in use
        "/api/reports",
        json={"client_id": "after", "unit": "north", "period": "1959", "product": "grain", "produced": 2.0},
    )
    assert r.status_code == 201


def test_a_changed_backup_fails_its_checksum(app: FastAPI, planner: TestClient, tmp_path: Path) -> None:
    _fill(planner)
    good = tmp_path / "good.json"
    backup(app.state.ctx.store, good)
    bad = _damaged(good, tmp_path / "bad.json", _set("users", 0, "role", "planner"), fix_checksum=False)
    with pytest.raises(ServiceError, match="checksum does not match"):
        restore(app.state.ctx.store, bad, replace=True)


def test_a_failure_half_way_rolls_the_whole_restore_back(
    app: FastAPI, planner: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(planner)
    store = app.state.ctx.store
    good = tmp_path / "good.json"
    backup(store, good)
    before = _tables(store, tmp_path, "before.json")
    from sqlalchemy.exc import OperationalError

    from leapplan.service import backup as module

    real = module._clear

    def clear_then_fail(session: object, backend: str) -> None:
        real(session, backend)  # type: ignore[arg-type]
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(module, "_clear", clear_then_fail)
    with pytest.raises(ServiceError, match="restore failed, the database is unchanged: disk full"):
        restore(store, good, replace=True)
    monkeypatch.undo()
    assert _tables(store, tmp_path, "after.json") == before


def test_backups_are_private_and_never_overwritten_silently(app: FastAPI, planner: TestClient, tmp_path: Path) -> None:
    _fill(planner)
    path = tmp_path / "b.json.gz"
    backup(app.state.ctx.store, path)
    assert path.stat().st_mode & 0o777 == 0o600
    first = path.read_bytes()
    planner.post(
        "/api/reports",
        json={"client_id": "later", "unit": "north", "period": "1958", "product": "grain", "produced": 1.0},
    )
    with pytest.raises(ServiceError, match="exists: choose another name or pass --force"):
        backup(app.state.ctx.store, path)
    assert path.read_bytes() == first
    backup(app.state.ctx.store, path, force=True)
    assert path.read_bytes() != first and path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
