"""Passwords (argon2), bearer tokens (random, stored as SHA-256 hashes, with expiry) and the access rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from leapplan.service.units import UnitTree

TOKEN_LIFETIME = dt.timedelta(hours=12)
_hasher = PasswordHasher()  # RFC 9106 low-memory profile: 3 passes over 64 MiB
_demo_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""Demo accounts (password = user name, no secret to protect) are hashed cheaply so tests and demos log in fast."""
_DUMMY_HASH = _hasher.hash("not a password anyone has")


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
    """An argon2id hash of ``password`` (``demo``: the cheap parameters of the demo accounts)."""
    return (_demo_hasher if demo else _hasher).hash(password)


def check_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same time when the user does not exist."""
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


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
