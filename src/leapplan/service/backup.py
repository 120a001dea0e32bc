"""Portable backups: every table as JSON (gzip when the file name ends in .gz), restorable on SQLite or PostgreSQL.

A backup carries a SHA-256 checksum of its content and is written 0600 (it holds password and token hashes),
never over an existing file unless asked. A restore checks the whole file first — checksum, schema revision,
every value against its column's type, keys, references, and the audit log's hash chain — and then replaces
the database's contents in one transaction: on any error the database is left as it was.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import logging
import math
import os
from pathlib import Path
from typing import Any

from sqlalchemy import JSON as JSONType
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, String, Table, Text, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from leapplan.errors import ServiceError
from leapplan.service.chain import verify
from leapplan.service.context import iso, now
from leapplan.service.db import Store, head_revision
from leapplan.service.models import MERGED, TABLES_IN_ORDER, Base

log = logging.getLogger(__name__)
FORMAT = "leapplan-service-backup"
FORMAT_VERSION = 2
INT32 = 2**31
SHOWN = 10  # problems listed in one message


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return iso(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def checksum(payload: dict[str, Any]) -> str:
    """SHA-256 (hex) of a backup's content in canonical JSON, its ``checksum`` field left out."""
    body = {k: v for k, v in payload.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _snapshot(store: Store) -> dict[str, Any]:
    tables = Base.metadata.tables
    payload: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "revision": head_revision(),
        "created_at": iso(now()),
        "backend": store.backend,
        "tables": {},
    }
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
    payload["checksum"] = checksum(payload)
    return payload


def backup(store: Store, path: Path, *, force: bool = False) -> dict[str, int]:
    """Write every table to ``path`` (mode 0600) from one consistent snapshot; returns rows per table.

    An existing ``path`` is refused unless ``force``."""
    if path.exists() and not force:
        raise ServiceError(f"{path} exists: choose another name or pass --force to overwrite it")
    if not path.parent.is_dir():
        raise ServiceError(f"folder {path.parent} does not exist")
    payload = _snapshot(store)
    data = json.dumps(payload, allow_nan=False).encode()
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never overwrite without --force
            except FileExistsError:
                raise ServiceError(f"{path} exists: choose another name or pass --force to overwrite it") from None
    finally:
        tmp.unlink(missing_ok=True)
    return {name: len(payload["tables"][name]["rows"]) for name in TABLES_IN_ORDER}


def _no_nan(word: str) -> Any:
    raise ValueError(f"{word} is not a JSON number")


def read_backup(path: Path) -> dict[str, Any]:
    """The parsed backup with its checksum and table shapes checked; ServiceError when ``path`` is not one."""
    if not path.is_file():
        raise ServiceError(f"{path}: no such backup file")
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        payload = json.load(io.BytesIO(raw), parse_constant=_no_nan)
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as exc:
        raise ServiceError(f"{path} is not a leapplan service backup (not readable JSON: {exc})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ServiceError(f"{path} is not a leapplan service backup (no '{FORMAT}' marker)")
    if payload.get("format_version") != FORMAT_VERSION or payload.get("revision") != head_revision():
        raise ServiceError(
            f"{path} is a backup of format {payload.get('format_version')} at schema revision "
            f"{payload.get('revision')!r}; this leapplan reads format {FORMAT_VERSION} at {head_revision()!r}"
        )
    if payload.get("checksum") != checksum(payload):
        raise ServiceError(f"{path} is damaged: its checksum does not match its content (changed after it was written)")
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


def _value(column: Any, v: Any) -> Any:
    """``v`` decoded for ``column``; ValueError saying why it does not fit."""
    if v is None:
        if not column.nullable:
            raise ValueError("is empty but may not be")
        return None
    kind = column.type
    if isinstance(kind, Boolean):
        if not isinstance(v, bool):
            raise ValueError(f"{v!r} is not true/false")
        return v
    if isinstance(kind, Integer):
        if not isinstance(v, int) or isinstance(v, bool) or not -INT32 <= v < INT32:
            raise ValueError(f"{v!r} is not a 32-bit integer")
        return v
    if isinstance(kind, Float):
        if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
            raise ValueError(f"{v!r} is not a finite number")
        return float(v)
    if isinstance(kind, DateTime):
        if not isinstance(v, str):
            raise ValueError(f"{v!r} is not a date-time")
        try:
            t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{v!r} is not a date-time") from None
        return t if t.tzinfo else t.replace(tzinfo=dt.UTC)
    if isinstance(kind, Date):
        if not isinstance(v, str):
            raise ValueError(f"{v!r} is not a date")
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"{v!r} is not a date") from None
    if isinstance(kind, String | Text):
        if not isinstance(v, str) or "\x00" in v:
            raise ValueError(f"{v!r} is not text")
        longest = getattr(kind, "length", None)
        if longest is not None and len(v) > longest:
            raise ValueError(f"is longer than {longest} characters")
        return v
    if isinstance(kind, JSONType):
        return v
    raise ValueError(f"has an unknown column type {kind}")  # pragma: no cover - every model type is above


def _unique_sets(table: Table) -> list[tuple[str, ...]]:
    """Column sets that must be unique in ``table`` (primary key, unique columns and constraints)."""
    sets = [tuple(c.name for c in table.primary_key)]
    sets += [(c.name,) for c in table.columns if c.unique]
    for con in table.constraints:
        cols = tuple(c.name for c in getattr(con, "columns", []))
        if con.__class__.__name__ == "UniqueConstraint" and cols:
            sets.append(cols)
    return sets


def validate(payload: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every row of a read backup decoded and checked: types, keys, references and the audit-log chain.

    Returns the rows per table ready to insert; ServiceError listing the problems otherwise."""
    problems: list[str] = []
    decoded: dict[str, list[dict[str, Any]]] = {}
    for name in TABLES_IN_ORDER:
        table = Base.metadata.tables[name]
        cols = list(table.columns)
        rows = []
        for i, r in enumerate(payload["tables"][name]["rows"], start=1):
            rec = {}
            for c, v in zip(cols, r, strict=True):
                try:
                    rec[c.name] = _value(c, v)
                except ValueError as exc:
                    problems.append(f"{name} row {i}: {c.name} {exc}")
            rows.append(rec)
        decoded[name] = rows
        for cols_ in _unique_sets(table):
            seen: set[tuple[Any, ...]] = set()
            for i, rec in enumerate(rows, start=1):
                k = tuple(rec.get(c) for c in cols_)
                if any(x is None for x in k):
                    continue
                if k in seen:
                    problems.append(f"{name} row {i}: {', '.join(cols_)} {k if len(k) > 1 else k[0]!r} given twice")
                seen.add(k)
    if problems:
        _refuse(problems)
    keys: set[tuple[str, str, str]] = set()
    for i, rec in enumerate(decoded["reports"], start=1):
        if rec["status"] != MERGED:
            k = (rec["unit"], rec["period"], rec["product"])
            if k in keys:
                problems.append(f"reports row {i}: a second report for {' '.join(k)}")
            keys.add(k)
    for name in TABLES_IN_ORDER:
        for fk in Base.metadata.tables[name].foreign_keys:
            target = fk.column
            have = {rec[target.name] for rec in decoded[target.table.name]}
            for i, rec in enumerate(decoded[name], start=1):
                v = rec[fk.parent.name]
                if v is not None and v not in have:
                    problems.append(f"{name} row {i}: {fk.parent.name} {v!r} is no {target.table.name}.{target.name}")
    chain = verify(payload_rows(payload, "audit_log"))
    if chain:
        problems.append(chain)
    if problems:
        _refuse(problems)
    return decoded


def payload_rows(payload: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The rows of one table of a read backup as dicts (values as in the file)."""
    cols = payload["tables"][name]["columns"]
    return [dict(zip(cols, r, strict=True)) for r in payload["tables"][name]["rows"]]


def _refuse(problems: list[str]) -> None:
    more = f"\n  … and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    lines = "\n  ".join(problems[:SHOWN])
    raise ServiceError(f"the backup is damaged ({len(problems)} problem(s)); nothing was restored:\n  {lines}{more}")


def _is_empty(session: Session) -> bool:
    for name in TABLES_IN_ORDER:
        if session.execute(select(func.count()).select_from(Base.metadata.tables[name])).scalar_one():
            return False
    return True


_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]


def _clear(session: Session, backend: str) -> None:
    """Remove every row, in the caller's transaction (the audit log's append-only rule is lifted meanwhile)."""
    if backend == "postgresql":
        session.execute(text(f"TRUNCATE {', '.join(TABLES_IN_ORDER)} RESTART IDENTITY"))
        return
    session.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
    session.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
    for name in reversed(TABLES_IN_ORDER):
        session.execute(Base.metadata.tables[name].delete())
    for sql in _SQLITE_TRIGGERS:
        session.execute(text(sql))


def restore(store: Store, path: Path, *, replace: bool = False) -> dict[str, int]:
    """Load a backup into the database (which must be empty unless ``replace``); returns rows per table.

    The whole file is checked before the database is touched, and the contents are replaced in one
    transaction, so a damaged backup or a failure half-way leaves the database as it was."""
    payload = read_backup(path)
    decoded = validate(payload)
    store.migrate()
    try:
        with store.write() as session:
            if not _is_empty(session):
                if not replace:
                    raise ServiceError(
                        f"database {store.url} is not empty: restore into a new database or pass --replace"
                    )
                _clear(session, store.backend)
            for name in TABLES_IN_ORDER:
                if decoded[name]:
                    session.execute(Base.metadata.tables[name].insert(), decoded[name])
            if store.backend == "postgresql":
                for name in TABLES_IN_ORDER:
                    table = Base.metadata.tables[name]
                    if "id" in table.c and table.c.id.type.python_type is int:
                        session.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                            )
                        )
    except SQLAlchemyError as exc:
        why = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ServiceError(f"restore failed, the database is unchanged: {why}") from None
    return {name: len(decoded[name]) for name in TABLES_IN_ORDER}
