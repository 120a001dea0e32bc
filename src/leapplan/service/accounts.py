"""Logins and accounts: throttled log-in, lockout, logout, password change, and the planners' user admin.

Throttling (per account and per client address): the first ``FREE_FAILURES`` failed logins in a row cost
nothing extra; after that each further attempt must wait ``2 ** (failures - FREE_FAILURES)`` seconds (at most
``MAX_WAIT``) after the last failure, else it is answered 429 with Retry-After and no password is checked. After
``LOCK_AFTER`` failures in a row an account is locked until a planner unlocks it (423). Names that are no account
are counted the same way (in memory), so the answers do not tell them apart. Every failed login is in the audit
log. A token is revoked at once on logout, password change, role or unit change and removal (tokens are looked
up in the database on every request; nothing caches them).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from leapplan.errors import ServiceError
from leapplan.service.bootstrap import add_user
from leapplan.service.context import ApiError, Context, iso, now, record
from leapplan.service.models import Token, User
from leapplan.service.security import TOKEN_LIFETIME, Principal, Role, check_password, hash_password, new_token

FREE_FAILURES = 3
LOCK_AFTER = 10
MAX_WAIT = 300.0  # [s]
MEMORY = 100_000  # addresses and unknown names remembered at most


def wait_after(failures: int) -> float:
    """Seconds a new attempt must wait after the last of ``failures`` failed logins in a row."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(MAX_WAIT, 2.0 ** (failures - FREE_FAILURES)))


@dataclass
class Throttle:
    """Failed logins per client address and per unknown user name, in memory; ``clock`` is wall time [s]."""

    clock: Callable[[], float] = time.time
    _seen: OrderedDict[str, tuple[int, float]] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def state(self, key: str) -> tuple[int, float]:
        """(failures in a row, time of the last) of ``key``."""
        with self._lock:
            return self._seen.get(key, (0, 0.0))

    def failed(self, key: str) -> int:
        """Count one more failure of ``key``; returns the failures in a row."""
        with self._lock:
            n = self._seen.pop(key, (0, 0.0))[0] + 1
            self._seen[key] = (n, self.clock())
            while len(self._seen) > MEMORY:
                self._seen.popitem(last=False)
            return n

    def clear(self, key: str) -> None:
        """Forget ``key``'s failures (a success, or a planner's unlock)."""
        with self._lock:
            self._seen.pop(key, None)


def _too_soon(failures: int, last: float, clock: float, what: str) -> None:
    left = wait_after(failures) - (clock - last)
    if left > 0:
        secs = max(1, math.ceil(left))
        raise ApiError(
            429, f"too many failed logins for this {what}: try again in {secs} s", headers={"Retry-After": str(secs)}
        )


def log_in(ctx: Context, username: str, password: str, address: str) -> dict[str, Any]:
    """POST /api/token: a new bearer token, or 401 / 423 (locked) / 429 (wait)."""
    th: Throttle = ctx.throttle
    clock = th.clock()
    _too_soon(*th.state(f"addr:{address}"), clock, "address")
    with ctx.store.read() as session:
        user = session.get(User, username)
        stored = user.password_hash if user is not None else None
        if user is not None:
            failures, locked = user.failed_logins, user.locked
            at = user.last_failed_at
            last = 0.0 if at is None else (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).timestamp()  # SQLite: UTC
        else:
            failures, last = th.state(f"name:{username}")
            locked = failures >= LOCK_AFTER
    if locked:
        raise ApiError(423, "this account is locked after too many failed logins: ask a planner to unlock it")
    _too_soon(failures, last, clock, "account")
    ok, rehash = check_password(stored, password)
    if not ok:
        th.failed(f"addr:{address}")
        with ctx.store.write() as session:
            row = session.get(User, username)
            if row is not None:
                row.failed_logins += 1
                row.last_failed_at = dt.datetime.fromtimestamp(clock, dt.UTC)
                row.locked = row.failed_logins >= LOCK_AFTER
                n, locked = row.failed_logins, row.locked
            else:
                n = th.failed(f"name:{username}")
                locked = n >= LOCK_AFTER
            record(session, None, "login_failed", f"user {username}"[:300], None, {"address": address, "failures": n})
            if locked and row is not None:
                record(session, None, "lockout", f"user {username}", None, {"failures": n})
        raise ApiError(401, "wrong username or password")
    th.clear(f"addr:{address}")
    raw, hashed = new_token()
    t = now()
    new_hash = hash_password(password) if rehash else None
    with ctx.store.write() as session:
        row = session.get(User, username)
        if row is None:  # removed while we checked the password
            raise ApiError(401, "wrong username or password")
        row.failed_logins, row.last_failed_at = 0, None
        if new_hash is not None:
            row.password_hash = new_hash
        session.add(Token(token_hash=hashed, username=username, created_at=t, expires_at=t + TOKEN_LIFETIME))
    return {"access_token": raw, "token_type": "bearer", "expires_in": int(TOKEN_LIFETIME.total_seconds())}


def log_out(ctx: Context, token_hash: str, user: Principal) -> None:
    """Revoke the token of the request."""
    with ctx.store.write() as session:
        session.execute(delete(Token).where(Token.token_hash == token_hash))
        record(session, user.username, "logout", f"user {user.username}")


def change_password(ctx: Context, user: Principal, current: str, new: str) -> None:
    """A user's own password change: the current password is checked; every token of the user is revoked."""
    if len(new) < 8:
        raise ApiError(422, "new password too short: use at least 8 characters")
    with ctx.store.read() as session:
        row = session.get(User, user.username)
        stored = row.password_hash if row is not None else None
    if not check_password(stored, current)[0]:
        raise ApiError(403, "the current password is wrong", actor=user.username, target=f"user {user.username}")
    hashed = hash_password(new)
    with ctx.store.write() as session:
        row = session.get(User, user.username)
        if row is None:
            raise ApiError(401, "this account was removed")
        row.password_hash = hashed
        session.execute(delete(Token).where(Token.username == user.username))
        record(session, user.username, "password_change", f"user {user.username}")


def _planner(user: Principal, what: str) -> None:
    if user.role is not Role.planner:
        raise ApiError(403, f"only planners {what}", actor=user.username, target="users")


def _view(u: User) -> dict[str, Any]:
    return {
        "username": u.username,
        "role": u.role,
        "unit": u.unit,
        "locked": u.locked,
        "failed_logins": u.failed_logins,
        "last_failed_at": iso(u.last_failed_at),
        "created_at": iso(u.created_at),
    }


def list_users(ctx: Context, user: Principal) -> list[dict[str, Any]]:
    """Every account with its lock state (planners)."""
    _planner(user, "list users")
    with ctx.store.read() as session:
        return [_view(u) for u in session.scalars(select(User).order_by(User.username))]


def unlock_account(session: Session, username: str, actor: str | None) -> User | None:
    """Lift the lockout and back-off of ``username`` (audit-logged); None when there is no such account."""
    row = session.get(User, username)
    if row is None:
        return None
    before = {"locked": row.locked, "failed_logins": row.failed_logins}
    row.locked, row.failed_logins, row.last_failed_at = False, 0, None
    record(session, actor, "unlock", f"user {username}", before, {"locked": False, "failed_logins": 0})
    return row


def remove_account(session: Session, username: str, actor: str | None) -> bool:
    """Remove ``username`` and its tokens (audit-logged); False when there is no such account."""
    row = session.get(User, username)
    if row is None:
        return False
    before = {"username": row.username, "role": row.role, "unit": row.unit}
    session.execute(delete(Token).where(Token.username == username))
    session.delete(row)
    record(session, actor, "user_remove", f"user {username}", before, None)
    return True


def unlock(ctx: Context, user: Principal, username: str) -> dict[str, Any]:
    """Lift a lockout and the back-off of ``username`` (planners)."""
    _planner(user, "unlock accounts")
    with ctx.store.write() as session:
        row = unlock_account(session, username, user.username)
        if row is None:
            raise ApiError(404, f"no user {username!r}")
        out = _view(row)
    ctx.throttle.clear(f"name:{username}")
    return out


def save_user(
    ctx: Context, user: Principal, username: str, role: Role, unit: str | None, password: str | None, *, new: bool
) -> dict[str, Any]:
    """Create (``new``) or change an account (planners); a change revokes the account's tokens."""
    _planner(user, "manage users")
    with ctx.store.write() as session:
        row = session.get(User, username)
        if new and row is not None:
            raise ApiError(409, f"user {username!r} exists")
        if not new and row is None:
            raise ApiError(404, f"no user {username!r}")
        try:
            add_user(session, ctx.tree, username, role, unit, password, actor=user.username, replace=not new)
        except ServiceError as exc:
            raise ApiError(422, str(exc)) from None
        session.flush()
        row = session.get(User, username)
        assert row is not None
        return _view(row)


def remove_user(ctx: Context, user: Principal, username: str) -> None:
    """Remove an account and its tokens (planners; not oneself)."""
    _planner(user, "remove users")
    if username == user.username:
        raise ApiError(409, "a planner cannot remove their own account")
    with ctx.store.write() as session:
        if not remove_account(session, username, user.username):
            raise ApiError(404, f"no user {username!r}")
