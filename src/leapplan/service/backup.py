"""Portable backups: every table as JSON (gzip when the file name ends in .gz), restorable on SQLite or PostgreSQL."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, func, select, text
from sqlalchemy.orm import Session

from leapplan.errors import ServiceError
from leapplan.service.context import iso, now
from leapplan.service.db import Store, downgrade, head_revision, upgrade
from leapplan.service.models import TABLES_IN_ORDER, Base

log = logging.getLogger(__name__)
FORMAT = "leapplan-service-backup"
FORMAT_VERSION = 1


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _open(path: Path, mode: str, *, gz: bool | None = None) -> Any:
    if path.suffix == ".gz" if gz is None else gz:
        return gzip.open(path, mode + "t", encoding="utf-8")
    return path.open(mode, encoding="utf-8")


def backup(store: Store, path: Path) -> dict[str, int]:
    """Write every table to ``path`` from one consistent snapshot; returns rows per table."""
    tables = Base.metadata.tables
    payload: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "revision": head_revision(),
        "created_at": iso(now()),
        "backend": store.backend,
        "tables": {},
    }
    counts = {}
    with store.reader.connect() as conn:
        if store.backend == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if store.backend == "sqlite":
                conn.exec_driver_sql("BEGIN")  # one snapshot for every table (readers otherwise autocommit)
            for name in TABLES_IN_ORDER:
                table = tables[name]
                cols = [c.name for c in table.columns]
                rows = [[_encode(v) for v in r] for r in conn.execute(select(table).order_by(*table.primary_key))]
                payload["tables"][name] = {"columns": cols, "rows": rows}
                counts[name] = len(rows)
    tmp = path.with_name(path.name + ".tmp")
    with _open(tmp, "w", gz=path.suffix == ".gz") as fh:
        json.dump(payload, fh, allow_nan=False)
    os.replace(tmp, path)
    return counts


def read_backup(path: Path) -> dict[str, Any]:
    """The parsed backup; ServiceError with a clear message when ``path`` is not one."""
    if not path.is_file():
        raise ServiceError(f"{path}: no such backup file")
    try:
        with _open(path, "r") as fh:
            payload = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, EOFError) as exc:
        raise ServiceError(f"{path} is not a leapplan service backup (not readable JSON: {exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ServiceError(f"{path} is not a leapplan service backup (no '{FORMAT}' marker)")
    if payload.get("format_version") != FORMAT_VERSION or payload.get("revision") != head_revision():
        raise ServiceError(
            f"{path} is a backup of format {payload.get('format_version')} at schema revision "
            f"{payload.get('revision')!r}; this leapplan reads format {FORMAT_VERSION} at {head_revision()!r}"
        )
    tables = payload.get("tables")
    if not isinstance(tables, dict) or set(tables) != set(TABLES_IN_ORDER):
        raise ServiceError(f"{path} is damaged: it must hold the tables {', '.join(TABLES_IN_ORDER)}")
    for name in TABLES_IN_ORDER:
        want = [c.name for c in Base.metadata.tables[name].columns]
        t = tables[name]
        if not isinstance(t, dict) or t.get("columns") != want or not isinstance(t.get("rows"), list):
            raise ServiceError(f"{path} is damaged: table {name} must have the columns {', '.join(want)}")
        if any(not isinstance(r, list) or len(r) != len(want) for r in t["rows"]):
            raise ServiceError(f"{path} is damaged: a row of table {name} has the wrong number of values")
    return payload


def _decode(table: str, rows: list[list[Any]]) -> list[dict[str, Any]]:
    cols = list(Base.metadata.tables[table].columns)
    out = []
    for r in rows:
        rec = {}
        for c, v in zip(cols, r, strict=True):
            if v is not None and isinstance(c.type, DateTime):
                v = dt.datetime.fromisoformat(str(v).replace("Z", "+00:00"))
            elif v is not None and isinstance(c.type, Date):
                v = dt.date.fromisoformat(str(v))
            rec[c.name] = v
        out.append(rec)
    return out


def _is_empty(session: Session) -> bool:
    for name in TABLES_IN_ORDER:
        if session.execute(select(func.count()).select_from(Base.metadata.tables[name])).scalar_one():
            return False
    return True


def restore(store: Store, path: Path, *, replace: bool = False) -> dict[str, int]:
    """Load a backup into the database (which must be empty unless ``replace``); returns rows per table."""
    payload = read_backup(path)
    with store.lock:
        if replace:
            downgrade(store.writer, "base")
        upgrade(store.writer)
    try:
        decoded = {name: _decode(name, payload["tables"][name]["rows"]) for name in TABLES_IN_ORDER}
    except (ValueError, TypeError) as exc:
        raise ServiceError(f"{path} is damaged: {exc}") from None
    with store.write() as session:
        if not _is_empty(session):
            raise ServiceError(f"database {store.url} is not empty: restore into a new database or pass --replace")
        for name in TABLES_IN_ORDER:
            if decoded[name]:
                session.execute(Base.metadata.tables[name].insert(), decoded[name])
        if store.backend == "postgresql":
            for name in TABLES_IN_ORDER:
                table = Base.metadata.tables[name]
                if "id" in table.c and table.c.id.type.python_type is int:
                    session.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                        )
                    )
    return {name: len(decoded[name]) for name in TABLES_IN_ORDER}
