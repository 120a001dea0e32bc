"""The audit log's hash chain: each entry's ``hash`` is SHA-256 of the previous entry's hash and its own content.

Entries are chained in id order from ``GENESIS``. A writer appends under the database's write serialisation
(SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock taken by :func:`tail`), so two
processes never chain onto the same entry. A backup's log is checked with :func:`verify` before it is restored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from leapplan.service.models import AuditEntry

GENESIS = "0" * 64
_LOCK_KEY = 0x1EA9_A0D1  # advisory lock id of the audit log's tail (PostgreSQL)
_TAIL = "audit_tail"


def _iso(t: dt.datetime | str) -> str:
    if isinstance(t, str):
        t = dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def entry_hash(
    prev: str, at: dt.datetime | str, actor: str | None, action: str, target: str, before: Any, after: Any
) -> str:
    """SHA-256 (hex) of ``prev`` and one entry in canonical JSON (times in UTC, keys sorted)."""
    body = json.dumps(
        [prev, _iso(at), actor, action, target, before, after],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def tail(session: Session) -> str:
    """The hash the next entry of this transaction chains onto (locks the tail on PostgreSQL)."""
    known = session.info.get(_TAIL)
    if known is not None:
        return str(known)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    last = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    session.info[_TAIL] = last or GENESIS
    return str(session.info[_TAIL])


def link(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Set ``prev_hash`` and ``hash`` of audit-log ``rows`` (dicts of AuditEntry columns) to be inserted in order."""
    prev = tail(session)
    for r in rows:
        r["prev_hash"] = prev
        prev = r["hash"] = entry_hash(prev, r["at"], r["actor"], r["action"], r["target"], r["before"], r["after"])
    session.info[_TAIL] = prev


def forget(session: Session) -> None:
    """Drop the remembered tail (after a rollback the next write reads it again)."""
    session.info.pop(_TAIL, None)


def verify(entries: Iterable[dict[str, Any]]) -> str:
    """Why the entries (in id order) do not form one unbroken chain from GENESIS; '' when they do."""
    prev = GENESIS
    for e in entries:
        if e.get("prev_hash") != prev:
            return f"audit_log entry {e.get('id')}: it does not follow the entry before it (chain broken)"
        try:
            want = entry_hash(prev, e["at"], e["actor"], e["action"], e["target"], e["before"], e["after"])
        except (TypeError, ValueError) as exc:
            return f"audit_log entry {e.get('id')}: cannot be hashed ({exc})"
        if e.get("hash") != want:
            return f"audit_log entry {e.get('id')}: its content does not match its hash (altered)"
        prev = want
    return ""
