"""Passwords (argon2), bearer tokens (random, stored as SHA-256 hashes, with expiry) and the access rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from leapplan.service.units import UnitTree

TOKEN_LIFETIME = dt.timedelta(hours=12)
ARGON2_MEMORY_KIB = int(os.environ.get("LEAPPLAN_ARGON2_MEMORY_KIB", 19 * 1024))
"""Memory of one password hash [KiB]: OWASP's 19 MiB by default; the test suite sets a small value."""
_hasher = PasswordHasher(time_cost=2, memory_cost=max(ARGON2_MEMORY_KIB, 64), parallelism=1)
"""argon2id (2 passes): every account, demo ones too, so a failed login costs the same whoever it names."""
_DUMMY_HASH = _hasher.hash("not a password anyone has")
HASHING = threading.BoundedSemaphore(2)
"""At most two password hashes at once: 16 concurrent logins queue instead of taking 16 × 19 MiB and every core."""


class Role(StrEnum):
    planner = "planner"
    zone_committee = "zone_committee"
    county_liaison = "county_liaison"
    enterprise = "enterprise"


UNIT_KIND_OF_ROLE: dict[Role, str | None] = {
    Role.planner: None,
    Role.zone_committee: "zone",
    Role.county_liaison: "county",
    Role.enterprise: "enterprise",
}


def hash_password(password: str, *, demo: bool = False) -> str:
    """An argon2id hash of ``password`` (``demo`` is accepted for old callers; every account is hashed alike)."""
    with HASHING:
        return _hasher.hash(password)


def check_password(stored_hash: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs a new hash) for ``password``; an unknown user (None) is checked against a dummy hash of
    the same cost, so the answer takes as long either way."""
    with HASHING:
        try:
            ok = _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False, False
    return ok, ok and stored_hash is not None and _hasher.check_needs_rehash(stored_hash)


def new_token() -> tuple[str, str]:
    """A fresh bearer token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """SHA-256 of a token, hex."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def role_unit_problem(role: Role, unit: str | None, tree: UnitTree) -> str:
    """Why ``unit`` does not fit ``role`` ('' when it does)."""
    want = UNIT_KIND_OF_ROLE[role]
    if want is None:
        return "" if unit is None or unit in tree.kind else f"unknown unit {unit!r}"
    if unit is None:
        return f"role {role.value} needs --unit (a {want} id)"
    if unit not in tree.kind:
        return f"unknown unit {unit!r}"
    if tree.kind[unit] != want:
        return f"role {role.value} needs a {want}, but {unit!r} is a {tree.kind[unit]}"
    return ""


@dataclass(frozen=True)
class Principal:
    """The logged-in user of a request."""

    username: str
    role: Role
    unit: str | None

    def reads(self, tree: UnitTree) -> set[str] | None:
        """Units whose data this user may read; None means all."""
        if self.role is Role.planner:
            return None
        assert self.unit is not None
        if self.role is Role.zone_committee:
            return tree.subtree(self.unit)
        if self.role is Role.county_liaison:
            zone = tree.zone.get(self.unit)
            return tree.subtree(zone) if zone else tree.subtree(self.unit)
        return {self.unit}

    def writes(self, tree: UnitTree) -> set[str]:
        """Units this user may submit and correct reports for."""
        if self.role is Role.planner:
            return set(tree.kind)
        if self.role in (Role.county_liaison, Role.enterprise):
            assert self.unit is not None
            return tree.subtree(self.unit)
        return set()

    def can_read(self, tree: UnitTree, unit: str) -> bool:
        """May this user read ``unit``'s data?"""
        scope = self.reads(tree)
        return scope is None or unit in scope
