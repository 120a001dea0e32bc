"""Run ``leapplan.audit.audit_reports`` on new reports together with their context (history, peers, parent).

The context — the latest version of every report that counts (not returned, not merged) — is read from the
database once when the service starts and then kept in memory (:class:`AuditContext`), updated as reports are
written, corrected and returned. New reports are audited in the committer's transaction, before they are
acknowledged (``Auditor.check``); corrections and audits lost to a crash go through the background thread.
The service assumes it is the only process writing its database.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session

from leapplan.scenario import Scenario
from leapplan.service.db import Store
from leapplan.service.models import Flag, Report, ReportVersion, latest_counted
from leapplan.service.units import UnitTree

log = logging.getLogger(__name__)
CONTEXT_LIMIT = 20_000
"""Most context reports handed to the audit with one submission."""


@dataclass(frozen=True)
class Submitted:
    """A report version just written, to be audited."""

    report_id: int
    unit: str
    period: str
    product: str
    produced: float
    labour: float
    inputs: dict[str, float]


def audit_function() -> Callable[..., pd.DataFrame] | None:
    """``leapplan.audit.audit_reports`` when the audit stage is installed, else None."""
    try:
        module = importlib.import_module("leapplan.audit")
    except ImportError:
        return None
    return getattr(module, "audit_reports", None)


Key = tuple[str, str, str]


class AuditContext:
    """The latest counting version of every report, by (unit, period, product), indexed for the audit's lookups."""

    def __init__(self) -> None:
        self.rows: dict[Key, dict[str, Any]] = {}
        self._by_unit: dict[tuple[str, str], set[Key]] = defaultdict(set)  # (unit, product): its history
        self._by_period: dict[tuple[str, str], set[Key]] = defaultdict(set)  # (product, period): peers, totals
        self.lock = threading.Lock()

    def load(self, session: Session) -> int:
        """Fill from the database (at start); returns the number of reports."""
        stmt = latest_counted(ReportVersion.produced, ReportVersion.labour, ReportVersion.inputs)
        for rid, unit, period, product, produced, labour, inputs in session.execute(stmt):
            self.put(rid, unit, period, product, produced, labour, dict(inputs or {}))
        return len(self.rows)

    def put(
        self, rid: int, unit: str, period: str, product: str, produced: float, labour: float, inputs: dict[str, float]
    ) -> None:
        """Record the latest version of report ``rid``."""
        key = (unit, period, product)
        row = {
            "report_id": rid,
            "unit": unit,
            "period": period,
            "product": product,
            "produced": float(produced),
            "labour": float(labour),
            "inputs": dict(inputs),
        }
        with self.lock:
            self.rows[key] = row
            self._by_unit[(unit, product)].add(key)
            self._by_period[(product, period)].add(key)

    def drop(self, unit: str, period: str, product: str) -> None:
        """Forget a report (returned)."""
        key = (unit, period, product)
        with self.lock:
            if self.rows.pop(key, None) is not None:
                self._by_unit[(unit, product)].discard(key)
                self._by_period[(product, period)].discard(key)

    def around(self, tree: UnitTree, new: Sequence[Submitted]) -> list[dict[str, Any]]:
        """The reports the audit compares ``new`` with: the same unit and product in any period (history), and the
        same product in the same period (peers, parents, children); the new reports' own keys left out."""
        mine = {(n.unit, n.period, n.product) for n in new}
        keys: set[Key] = set()
        with self.lock:
            for n in new:
                keys |= self._by_unit.get((n.unit, n.product), set())
                keys |= self._by_period.get((n.product, n.period), set())
            return [dict(self.rows[k]) for k in keys - mine if k in self.rows][:CONTEXT_LIMIT]


def audit_engine(scenario: Scenario, plan: pd.DataFrame | None, support: pd.DataFrame | None) -> Any | None:
    """``leapplan.audit.incremental.IncrementalAudit`` prepared for the scenario and plan; None when the audit
    stage is not installed (reports are then stored without flags)."""
    if audit_function() is None:
        return None
    from leapplan.audit.incremental import IncrementalAudit

    return IncrementalAudit(scenario, plan, support)


def audit(engine: Any | None, context: list[dict[str, Any]], new: Sequence[Submitted]) -> list[dict[str, Any]]:
    """Flags [report_id, check, severity, message] on the ``new`` reports, compared with ``context`` (see
    :meth:`AuditContext.around`: already audited, not checked again) — the flags ``audit_reports`` would give
    them; [] without an audit engine."""
    if engine is None or audit_function() is None or not new:
        return []
    try:
        return list(engine.check([n.__dict__ for n in new], context))
    except Exception as exc:  # noqa: BLE001 - a failing check must not lose the report; it is flagged instead
        log.exception("the audit failed")
        return [
            {
                "report_id": n.report_id,
                "check": "audit",
                "severity": "warning",
                "message": f"audit could not run: {exc}",
            }
            for n in new
        ]


class Auditor:
    """Audits new report versions in batches on one background thread (one ``audit_reports`` call per batch).

    A request that stored reports hands their (report id, version) keys to :meth:`audit_and_wait`; while the
    thread audits one batch the next one gathers, so 50 concurrent writers cost a few audit calls, not 50.
    A version whose audit has run has ``Report.audited_version`` set, so audits lost to a crash are redone at start.
    """

    BATCH = 2000

    def __init__(
        self,
        store: Store,
        scenario: Scenario,
        tree: UnitTree,
        plan: pd.DataFrame | None,
        support: pd.DataFrame | None = None,
    ) -> None:
        self.store, self.scenario, self.tree = store, scenario, tree
        self.engine = audit_engine(scenario, plan, support)
        self.context = AuditContext()
        with store.read() as session:
            n = self.context.load(session)
        log.info("audit context: %d reports", n)
        self._cond = threading.Condition()
        self._pending: dict[tuple[int, int], threading.Event] = {}
        self._wanted: set[tuple[int, int]] = set()  # keys a request waits for: their flags are kept in _results
        self._results: dict[tuple[int, int], list[dict[str, str]]] = {}
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="leapplan-auditor", daemon=True)
        self._thread.start()

    def set_plan(self, production: pd.DataFrame | None, support: pd.DataFrame | None) -> None:
        """Audit against a new plan from now on (its production, and the technicians it sends)."""
        self.engine = audit_engine(self.scenario, production, support)

    def check(self, new: Sequence[Submitted]) -> list[dict[str, Any]]:
        """Flags on ``new`` reports (not yet stored: any distinct report ids) against the in-memory context."""
        return audit(self.engine, self.context.around(self.tree, new), new)

    def audit_and_wait(
        self, keys: Sequence[tuple[int, int]], timeout: float = 30.0
    ) -> dict[tuple[int, int], list[dict[str, str]]] | None:
        """Queue ``keys``, wait until they are audited and return their flags; None when ``timeout`` [s] passed
        first or a key was not audited (superseded by a newer version in the meantime)."""
        if not keys:
            return {}
        events = []
        with self._cond:
            for k in keys:
                events.append(self._pending.setdefault(k, threading.Event()))
                self._wanted.add(k)
            self._cond.notify()
        deadline = time.monotonic() + timeout
        finished = all(e.wait(max(0.0, deadline - time.monotonic())) for e in events)
        with self._cond:
            found = {k: self._results.pop(k) for k in keys if k in self._results}
            self._wanted.difference_update(keys)
        return found if finished and len(found) == len(set(keys)) else None

    def queue_unaudited(self) -> int:
        """Queue every report whose latest version was never audited (after a crash); returns how many."""
        with self.store.read() as session:
            keys = session.execute(
                select(Report.id, Report.latest_version).where(Report.audited_version < Report.latest_version)
            ).all()
        with self._cond:
            for rid, ver in keys:
                self._pending.setdefault((rid, ver), threading.Event())
            self._cond.notify()
        return len(keys)

    def close(self) -> None:
        """Stop the thread after the batch in hand."""
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stop:
                    self._cond.wait()
                if self._stop:
                    for e in self._pending.values():
                        e.set()
                    return
                batch = dict(list(self._pending.items())[: self.BATCH])
                for k in batch:
                    del self._pending[k]
            try:
                self._audit_batch(list(batch))
            except Exception:  # noqa: BLE001 - the thread must survive; the versions stay unaudited and are retried
                log.exception("auditing %d report versions failed", len(batch))
            finally:
                for e in batch.values():
                    e.set()

    def _audit_batch(self, keys: list[tuple[int, int]]) -> None:
        wanted = dict(keys)
        with self.store.read() as session:
            rows = session.execute(
                select(Report, ReportVersion)
                .join(
                    ReportVersion,
                    and_(ReportVersion.report_id == Report.id, ReportVersion.version == Report.latest_version),
                )
                .where(Report.id.in_(list(wanted)))
            ).all()
            new = [
                Submitted(r.id, r.unit, r.period, r.product, v.produced, v.labour, dict(v.inputs or {}))
                for r, v in rows
                if wanted.get(r.id) == v.version and r.audited_version < v.version
            ]
        flags = audit(self.engine, self.context.around(self.tree, new), new)
        version_of = {n.report_id: wanted[n.report_id] for n in new}
        with self.store.write() as session:
            current = {
                rid: (latest, audited)
                for rid, latest, audited in session.execute(
                    select(Report.id, Report.latest_version, Report.audited_version).where(
                        Report.id.in_(list(version_of))
                    )
                )
            }
            fresh = {
                rid for rid, ver in version_of.items() if rid in current and current[rid][0] == ver > current[rid][1]
            }
            flag_rows = [
                {
                    "report_id": f["report_id"],
                    "version": version_of[f["report_id"]],
                    "check": f["check"][:40],
                    "severity": f["severity"][:20],
                    "message": f["message"],
                }
                for f in flags
                if f["report_id"] in fresh
            ]
            if flag_rows:
                session.execute(insert(Flag), flag_rows)
            if fresh:
                session.execute(update(Report), [{"id": rid, "audited_version": version_of[rid]} for rid in fresh])
        for n in new:
            if n.report_id in fresh:
                self.context.put(n.report_id, n.unit, n.period, n.product, n.produced, n.labour, n.inputs)
        by_key: dict[tuple[int, int], list[dict[str, str]]] = {(rid, version_of[rid]): [] for rid in fresh}
        for r in flag_rows:
            by_key[(r["report_id"], r["version"])].append(
                {"check": r["check"], "severity": r["severity"], "message": r["message"]}
            )
        with self._cond:
            for k, v in by_key.items():
                if k in self._wanted:
                    self._results[k] = v
