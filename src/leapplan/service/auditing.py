"""Run ``leapplan.audit.audit_reports`` on new reports together with their context (history, peers, parent)."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from leapplan.scenario import Scenario
from leapplan.service.db import Store
from leapplan.service.models import MERGED, Flag, Report, ReportVersion
from leapplan.service.units import UnitTree

log = logging.getLogger(__name__)
CONTEXT_LIMIT = 5000
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


def _context(session: Session, tree: UnitTree, new: Sequence[Submitted]) -> list[dict[str, Any]]:
    """Latest versions of the reports the audit compares against: same unit and product (history), same product
    and period (peers, parent and children)."""
    units = {n.unit for n in new}
    for n in new:
        units.update(tree.ancestors(n.unit)[:1])
    products = {n.product for n in new}
    periods = {n.period for n in new}
    excluded = {n.report_id for n in new}
    stmt = (
        select(
            Report.id,
            Report.unit,
            Report.period,
            Report.product,
            ReportVersion.produced,
            ReportVersion.labour,
            ReportVersion.inputs,
        )
        .join(ReportVersion, and_(ReportVersion.report_id == Report.id, ReportVersion.version == Report.latest_version))
        .where(Report.product.in_(products), Report.status.not_in(("returned", MERGED)))
        .where(or_(Report.unit.in_(units), Report.period.in_(periods)))
        .order_by(Report.id.desc())
        .limit(CONTEXT_LIMIT)
    )
    return [
        {
            "report_id": r[0],
            "unit": r[1],
            "period": r[2],
            "product": r[3],
            "produced": r[4],
            "labour": r[5],
            "inputs": dict(r[6] or {}),
        }
        for r in session.execute(stmt)
        if r[0] not in excluded
    ]


def _combine(rows: list[dict[str, Any]], new_ids: set[int]) -> tuple[pd.DataFrame, dict[int, list[int]]]:
    """One row per (unit, period, product): the reports of a unit add up, so the audit checks their total.

    Returns the frame and, for each row id handed to the audit, the new reports it stands for."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    members: dict[tuple[str, str, str], list[int]] = {}
    for r in rows:
        key = (r["unit"], r["period"], r["product"])
        g = groups.get(key)
        if g is None:
            groups[key] = g = {
                "report_id": r["report_id"],
                "unit": key[0],
                "period": key[1],
                "product": key[2],
                "produced": 0.0,
                "labour": 0.0,
                "inputs": {},
            }
            members[key] = []
        g["produced"] += float(r["produced"])
        g["labour"] += float(r["labour"])
        for k, v in (r["inputs"] or {}).items():
            g["inputs"][k] = g["inputs"].get(k, 0.0) + float(v)
        if r["report_id"] in new_ids:
            members[key].append(r["report_id"])
            g["report_id"] = r["report_id"]
    frame = pd.DataFrame(
        list(groups.values()), columns=["report_id", "unit", "period", "product", "produced", "labour", "inputs"]
    )
    stands_for = {groups[k]["report_id"]: ids for k, ids in members.items() if ids}
    return frame, stands_for


def audit(
    session: Session, scenario: Scenario, tree: UnitTree, plan: pd.DataFrame | None, new: Sequence[Submitted]
) -> list[dict[str, Any]]:
    """Flags [report_id, check, severity, message] on the ``new`` reports; [] when the audit stage is missing.

    Several reports of one unit, period and product add up; the audit checks their total, and a flag on the
    total is a flag on each new report in it."""
    fn = audit_function()
    if fn is None or not new:
        return []
    frame, stands_for = _combine(
        [n.__dict__.copy() for n in new] + _context(session, tree, new), {n.report_id for n in new}
    )
    try:
        flags = fn(scenario, frame, plan)
    except Exception as exc:  # noqa: BLE001 - a failing check must not lose the report; it is flagged instead
        log.exception("audit_reports failed")
        return [
            {
                "report_id": n.report_id,
                "check": "audit",
                "severity": "warning",
                "message": f"audit could not run: {exc}",
            }
            for n in new
        ]
    out = []
    for rec in flags.to_dict(orient="records") if len(flags) else []:
        for rid in stands_for.get(int(rec["report_id"]), []):
            out.append(
                {
                    "report_id": rid,
                    "check": str(rec["check"]),
                    "severity": str(rec["severity"]),
                    "message": str(rec["message"]),
                }
            )
    return out


class Auditor:
    """Audits new report versions in batches on one background thread (one ``audit_reports`` call per batch).

    A request that stored reports hands their (report id, version) keys to :meth:`audit_and_wait`; while the
    thread audits one batch the next one gathers, so 50 concurrent writers cost a few audit calls, not 50.
    A version whose audit has run has ``Report.audited_version`` set, so audits lost to a crash are redone at start.
    """

    BATCH = 2000

    def __init__(self, store: Store, scenario: Scenario, tree: UnitTree, plan: pd.DataFrame | None) -> None:
        self.store, self.scenario, self.tree, self.plan = store, scenario, tree, plan
        self._cond = threading.Condition()
        self._pending: dict[tuple[int, int], threading.Event] = {}
        self._wanted: set[tuple[int, int]] = set()  # keys a request waits for: their flags are kept in _results
        self._results: dict[tuple[int, int], list[dict[str, str]]] = {}
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="leapplan-auditor", daemon=True)
        self._thread.start()

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
            flags = audit(session, self.scenario, self.tree, self.plan, new)
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
        by_key: dict[tuple[int, int], list[dict[str, str]]] = {(rid, version_of[rid]): [] for rid in fresh}
        for r in flag_rows:
            by_key[(r["report_id"], r["version"])].append(
                {"check": r["check"], "severity": r["severity"], "message": r["message"]}
            )
        with self._cond:
            for k, v in by_key.items():
                if k in self._wanted:
                    self._results[k] = v
