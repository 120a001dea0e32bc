"""What every request needs: the store, the scenario, its unit tree, the active plan; plus the audit-log writer."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from leapplan.scenario import Scenario
from leapplan.service.chain import link
from leapplan.service.db import Store
from leapplan.service.models import AuditEntry
from leapplan.service.planning import ActivePlan
from leapplan.service.units import UnitTree


class ApiError(Exception):
    """An HTTP error with a message for the client; 403s are written to the audit log by the handler."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        actor: str | None = None,
        target: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.actor = actor
        self.target = target
        self.headers = headers or {}


def now() -> dt.datetime:
    """The current time, UTC."""
    return dt.datetime.now(dt.UTC)


def iso(t: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC ('Z'); naive times from SQLite are UTC."""
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def record(
    session: Session, actor: str | None, action: str, target: str, before: Any = None, after: Any = None
) -> None:
    """Append one entry to the audit log (in the caller's transaction), chained onto the last one."""
    row = {"at": now(), "actor": actor, "action": action, "target": target[:300], "before": before, "after": after}
    link(session, [row])
    session.add(AuditEntry(**row))


@dataclass
class Context:
    """Shared, read-only state of one running service."""

    store: Store
    scenario: Scenario
    tree: UnitTree
    plan: ActivePlan | None
    plan_id: int | None
    periods: list[str]
    products: dict[str, Any] = field(default_factory=dict)
    planned: dict[tuple[str, str, str], float] = field(default_factory=dict)  # (region, period, product) → t
    planned_enterprises: dict[tuple[str, str, str], float] = field(default_factory=dict)  # (enterprise, …) → t
    zone_roots: dict[str, set[str]] = field(default_factory=dict)  # zone → its centre city and member counties
    region_products: dict[str, set[str]] = field(default_factory=dict)  # region → products its enterprises make
    scenario_version: int = 0
    plan_state: str = "none"  # none[: why] | solving | ready | infeasible: <why> | failed: <why>
    plan_started: float = 0.0  # time.monotonic() when the background solve began [s]
    plan_progress: dict[str, Any] | None = None  # {"stage", "k", "n"} of the planner's current stage
    auditor: Any = None  # leapplan.service.auditing.Auditor, started by create_app
    committer: Any = None  # leapplan.service.committer.Committer, started by create_app
    settings: dict[str, Any] = field(default_factory=dict)  # the settings table, kept in step by its writers
    four_eyes: bool = True  # a planner may not approve a report whose latest version they submitted
    throttle: Any = None  # leapplan.service.accounts.Throttle of failed logins, made by create_app
    replan_job: dict[str, Any] | None = None  # the latest re-plan (see replanning.py): state, progress, outcome
    replan_lock: threading.Lock = field(default_factory=threading.Lock)  # one re-plan starts at a time
    plan_lock: threading.Lock = field(default_factory=threading.Lock)  # one activation at a time

    def close(self) -> None:
        """Stop the audit thread and close the database connections."""
        if self.committer is not None:
            self.committer.close()
        if self.auditor is not None:
            self.auditor.close()
        self.store.dispose()
