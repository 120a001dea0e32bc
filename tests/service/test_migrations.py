"""Migrations: the schema they build equals the models; downgrade removes it; the audit log is append-only."""

from __future__ import annotations

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
        assert store.migrate() == head_revision() == "0002"
        assert set(TABLES_IN_ORDER) <= set(table_names(store.reader))
        with store.reader.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        assert store.migrate() == "0002"  # running it again is a no-op
        downgrade(store.writer, "base")
        assert set(table_names(store.reader)) & set(TABLES_IN_ORDER) == set()
        assert store.migrate() == "0002"
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
