"""Migrations: the schema they build equals the models; downgrade removes it; the audit log is append-only."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from leapplan.service.db import Store, current_revision, downgrade, head_revision, table_names
from leapplan.service.models import TABLES_IN_ORDER, Base


def test_upgrade_builds_exactly_the_models_and_downgrade_removes_them(db_url: str) -> None:
    store = Store(db_url)
    try:
        assert current_revision(store.writer) is None
        assert store.migrate() == head_revision() == "0003"
        assert set(TABLES_IN_ORDER) <= set(table_names(store.reader))
        with store.reader.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert store.migrate() == "0003"  # running it again is a no-op
        downgrade(store.writer, "base")
        assert set(table_names(store.reader)) & set(TABLES_IN_ORDER) == set()
        assert store.migrate() == "0003"
    finally:
        store.dispose()


def test_audit_log_refuses_update_and_delete(db_url: str) -> None:
    store = Store(db_url)
    try:
        store.migrate()
        with store.write() as s:
            s.execute(text("INSERT INTO audit_log (at, action, target) VALUES (CURRENT_TIMESTAMP, 'test', 'x')"))
        for sql in ["UPDATE audit_log SET target = 'y'", "DELETE FROM audit_log"]:
            with pytest.raises(DBAPIError, match="append-only"), store.write() as s:
                s.execute(text(sql))
        with store.read() as s:
            assert s.execute(text("SELECT target FROM audit_log")).scalars().all() == ["x"]
    finally:
        store.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync(sqlite_url: str) -> None:
    store = Store(sqlite_url)
    try:
        with store.reader.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        store.dispose()


def test_0002_folds_duplicate_reports_and_chains_the_old_log(db_url: str) -> None:
    from leapplan.service.chain import verify
    from leapplan.service.db import upgrade

    store = Store(db_url)
    try:
        upgrade(store.writer, "0001")
        t = "2026-11-30 10:00:00"
        with store.write() as s:
            s.execute(text("INSERT INTO units (id, name, kind) VALUES ('north', 'North', 'county')"))
            for rid, status, produced, labour in [(1, "submitted", 100.0, 2.0), (2, "approved", 50.0, 1.0)]:
                s.execute(
                    text(
                        "INSERT INTO reports (id, client_id, unit, period, product, status, latest_version, "
                        f"audited_version, created_by, created_at) VALUES ({rid}, 'c{rid}', 'north', '1958', "
                        f"'coal', '{status}', 1, 1, 'x', '{t}')"
                    )
                )
                s.execute(
                    text(
                        "INSERT INTO report_versions (report_id, version, client_id, digest, produced, inputs, "
                        f"labour, remark, submitted_by, submitted_at) VALUES ({rid}, 1, 'c{rid}', 'd', {produced}, "
                        f"'{{\"transport\": {produced * 5}}}', {labour}, '', 'x', '{t}')"
                    )
                )
            s.execute(text(f"INSERT INTO audit_log (at, actor, action, target) VALUES ('{t}', 'x', 'old', 'a')"))
            s.execute(text(f"INSERT INTO audit_log (at, actor, action, target) VALUES ('{t}', NULL, 'old', 'b')"))
        assert store.migrate() == "0003"
        with store.read() as s:
            reports = s.execute(text("SELECT id, status, latest_version, return_reason FROM reports ORDER BY id")).all()
            assert [tuple(r) for r in reports] == [(1, "submitted", 2, None), (2, "merged", 1, "merged into report 1")]
            v = s.execute(text("SELECT produced, labour, remark FROM report_versions WHERE version = 2")).one()
            assert (v[0], v[1]) == (150.0, 3.0) and v[2].startswith("sum of reports 1, 2")
            log = s.execute(
                text("SELECT id, at, actor, action, target, before, after, prev_hash, hash FROM audit_log ORDER BY id")
            ).all()
        rows = [dict(r._mapping) for r in log]
        for r in rows:
            for k in ("before", "after"):
                if isinstance(r[k], str):
                    r[k] = json.loads(r[k])
        assert [r["action"] for r in rows] == ["old", "old", "report_merge"]
        assert verify(rows) == ""
        rows[0]["target"] = "changed"
        assert "entry" in verify(rows)
    finally:
        store.dispose()


def test_0003_keeps_plans_and_reports_and_adds_the_revision_columns(db_url: str) -> None:
    from leapplan.service.db import upgrade

    store = Store(db_url)
    try:
        upgrade(store.writer, "0002")
        t = "2026-12-01 10:00:00"
        with store.write() as s:
            s.execute(
                text(
                    "INSERT INTO scenario_versions (id, name, digest, body, loaded_at, active) "
                    f"VALUES (1, 'tiny', 'd', '{{}}', '{t}', true)"
                )
            )
            s.execute(
                text(
                    "INSERT INTO plan_versions (id, scenario_version_id, status, source, digest, created_at, active) "
                    f"VALUES (1, 1, 'feasible', 'solve_plan(tiny)', 'd', '{t}', true)"
                )
            )
            s.execute(text("INSERT INTO units (id, name, kind) VALUES ('north', 'North', 'county')"))
            s.execute(
                text(
                    "INSERT INTO reports (id, client_id, unit, period, product, status, latest_version, "
                    f"audited_version, created_by, created_at) VALUES (1, 'c1', 'north', '1958', 'coal', "
                    f"'submitted', 1, 1, 'x', '{t}')"
                )
            )
            s.execute(
                text(
                    "INSERT INTO report_versions (report_id, version, client_id, digest, produced, inputs, labour, "
                    f"remark, submitted_by, submitted_at) VALUES (1, 1, 'c1', 'd', 100.0, '{{}}', 2.0, '', 'x', '{t}')"
                )
            )
        assert store.migrate() == "0003"
        with store.read() as s:
            plan = s.execute(
                text("SELECT status, revises, period, basis, created_by, changes, tables FROM plan_versions")
            )
            assert [tuple(r) for r in plan] == [("feasible", None, None, None, None, None, None)]
            report = s.execute(text("SELECT produced, in_service FROM report_versions")).one()
            assert tuple(report) == (100.0, None)
        downgrade(store.writer, "0002")
        with store.read() as s:
            assert s.execute(text("SELECT count(*) FROM plan_versions")).scalar() == 1
    finally:
        store.dispose()
