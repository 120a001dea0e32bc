"""Group commit of new reports: one writer thread stores the submissions of many requests in one transaction.

Under 50 concurrent clients a lock-per-request makes every request wait for the others' round trips through the
GIL; here a request validates its reports itself (in memory), queues them and waits, and the writer stores all
queued requests with a handful of statements. Each request stays all-or-nothing: a request whose reports clash
(409) is left out of the transaction and answered alone. When the shared transaction fails for any other reason
every request in it is retried on its own (``fallback``), so one bad request never fails another.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, String, insert, null, select, union_all
from sqlalchemy.orm import Session

from leapplan.service.auditing import Auditor, Submitted, audit_function
from leapplan.service.chain import link
from leapplan.service.context import ApiError, iso, now
from leapplan.service.db import Store
from leapplan.service.models import ID, MERGED, Base, Report

log = logging.getLogger(__name__)
TABLES = Base.metadata.tables


@dataclass(frozen=True)
class Item:
    """One validated report of a request, with its body digest."""

    client_id: str
    unit: str
    period: str
    product: str
    produced: float
    inputs: dict[str, float]
    labour: float
    remark: str
    digest: str
    in_service: float | None = None  # capacity standing at the end of the period [product units per year]


@dataclass
class Request:
    """The reports of one HTTP request and, once written, the outcome."""

    username: str
    items: Sequence[Item]
    batch: bool
    done: threading.Event = field(default_factory=threading.Event)
    ids: list[int] = field(default_factory=list)
    created: list[tuple[int, int]] = field(default_factory=list)  # (report id, version) of new reports
    rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # report id → JSON of the reports it created
    flags: dict[int, list[dict[str, str]]] | None = None  # report id → flags, when audited in the transaction
    error: BaseException | None = None


class Committer:
    """The writer thread; ``fallback(request)`` stores one request on its own (used when a group fails)."""

    MAX_ITEMS = 2000

    def __init__(self, store: Store, fallback: Callable[[Request], None], auditor: Auditor | None = None) -> None:
        self.store = store
        self.fallback = fallback
        self.auditor = auditor
        self._cond = threading.Condition()
        self._queue: list[Request] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="leapplan-committer", daemon=True)
        self._thread.start()

    def submit(self, request: Request, timeout: float = 120.0) -> Request:
        """Queue ``request`` and wait until it is written (or refused)."""
        with self._cond:
            if self._stop:
                raise ApiError(503, "the service is shutting down")
            self._queue.append(request)
            self._cond.notify()
        if not request.done.wait(timeout):
            raise ApiError(503, "the database did not answer in time; retry (the same client_id is safe)")
        return request

    def close(self) -> None:
        """Finish the queued requests and stop."""
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._stop:
                    self._cond.wait()
                if not self._queue:
                    return
                group: list[Request] = []
                size = 0
                while self._queue and (not group or size + len(self._queue[0].items) <= self.MAX_ITEMS):
                    r = self._queue.pop(0)
                    group.append(r)
                    size += len(r.items)
            try:
                self._write(group)
            except Exception:  # noqa: BLE001 - retry each request alone; its own error goes to its caller
                log.warning("group commit of %d requests failed; writing them one by one", len(group), exc_info=True)
                for r in group:
                    if r.done.is_set():
                        continue
                    try:
                        r.ids, r.created, r.rows, r.flags, r.error = [], [], {}, None, None
                        self.fallback(r)
                    except BaseException as exc:  # noqa: BLE001 - handed to the waiting request thread
                        r.error = exc
            finally:
                for r in group:
                    r.done.set()

    def _write(self, group: list[Request]) -> None:
        with self.store.write() as session:
            prior, holders = _known(session, [it for r in group for it in r.items])
            fresh: dict[str, Item] = {}  # client_id → item to insert in this transaction
            taken: dict[tuple[str, str, str], str] = {}  # (unit, period, product) → client_id inserted here
            accepted: list[Request] = []
            for r in group:
                mine: dict[str, Item] = {}
                mine_keys: dict[tuple[str, str, str], str] = {}
                try:
                    for i, it in enumerate(r.items):
                        where = f"reports[{i}]: " if r.batch else ""
                        seen = prior.get(it.client_id)
                        if seen is not None:
                            rid, ver, dig = seen
                            if ver != 1:
                                raise ApiError(
                                    409, f"{where}client_id {it.client_id!r} was used by a correction of report {rid}"
                                )
                            if dig != it.digest:
                                raise ApiError(
                                    409,
                                    f"{where}client_id {it.client_id!r} was already used for report {rid} with a different body",
                                )
                            continue
                        other = fresh.get(it.client_id) or mine.get(it.client_id)
                        if other is not None and other.digest != it.digest:
                            raise ApiError(
                                409, f"{where}client_id {it.client_id!r} was already used with a different body"
                            )
                        k = (it.unit, it.period, it.product)
                        if k in holders:
                            raise ApiError(409, held_message(where, k, holders[k]))
                        twin = taken.get(k) or mine_keys.get(k)
                        if twin is not None and twin != it.client_id:
                            raise ApiError(409, twice_message(where, k, twin, it.client_id))
                        mine.setdefault(it.client_id, it)
                        mine_keys[k] = it.client_id
                except ApiError as exc:
                    r.error = exc
                    continue
                for cid, it in mine.items():
                    fresh.setdefault(cid, it)
                taken.update(mine_keys)
                accepted.append(r)
            new_ids: dict[str, int] = {}
            rows_json: dict[int, dict[str, Any]] = {}
            flags_of: dict[int, list[dict[str, str]]] = {}
            if fresh:
                t = now()
                owner = {it.client_id: r.username for r in reversed(accepted) for it in r.items}
                items = list(fresh.values())
                t_audit = time.perf_counter()
                found = self._audit(items)  # before anything is stored: acknowledged means audited
                log.debug(
                    "group of %d requests, %d new reports: audit %.1f ms",
                    len(group),
                    len(items),
                    (time.perf_counter() - t_audit) * 1000,
                )
                conn = session.connection()  # Core statements: the ORM's bulk layer costs more than the inserts
                reports = TABLES["reports"]
                rows = conn.execute(
                    insert(reports).returning(reports.c.id, reports.c.client_id, sort_by_parameter_order=True),
                    [
                        {
                            "client_id": it.client_id,
                            "unit": it.unit,
                            "period": it.period,
                            "product": it.product,
                            "status": "submitted",
                            "latest_version": 1,
                            "audited_version": 0 if found is None else 1,
                            "created_by": owner[it.client_id],
                            "created_at": t,
                        }
                        for it in items
                    ],
                ).all()
                new_ids = {cid: rid for rid, cid in rows}
                rows_json = {
                    new_ids[it.client_id]: _after(new_ids[it.client_id], it, owner[it.client_id], iso(t))
                    for it in items
                }
                conn.execute(
                    insert(TABLES["report_versions"]),
                    [
                        {
                            "report_id": new_ids[it.client_id],
                            "version": 1,
                            "client_id": it.client_id,
                            "digest": it.digest,
                            "produced": it.produced,
                            "inputs": dict(it.inputs),
                            "labour": it.labour,
                            "remark": it.remark,
                            "in_service": it.in_service,
                            "submitted_by": owner[it.client_id],
                            "submitted_at": t,
                        }
                        for it in items
                    ],
                )
                entries = [
                    {
                        "at": t,
                        "actor": owner[it.client_id],
                        "action": "report_create",
                        "target": f"report {new_ids[it.client_id]}",
                        "before": None,
                        "after": rows_json[new_ids[it.client_id]],
                    }
                    for it in items
                ]
                link(session, entries)
                conn.execute(insert(TABLES["audit_log"]), entries)
                if found is not None:
                    flag_rows = [
                        {"report_id": new_ids[items[i].client_id], "version": 1} | f
                        for i, fs in found.items()
                        for f in fs
                    ]
                    if flag_rows:
                        conn.execute(insert(TABLES["flags"]), flag_rows)
                    flags_of = {new_ids[items[i].client_id]: fs for i, fs in found.items()}
            for r in accepted:
                made: set[int] = set()
                for it in r.items:
                    if it.client_id in new_ids:
                        rid = new_ids[it.client_id]
                        r.ids.append(rid)
                        if rid not in made and owner_of(r, it, fresh):
                            r.created.append((rid, 1))
                            r.rows[rid] = {k: v for k, v in rows_json[rid].items() if k != "flags"}
                            made.add(rid)
                    else:
                        r.ids.append(prior[it.client_id][0])
                if found is not None:
                    r.flags = {rid: flags_of.get(rid, []) for rid, _ in r.created}
        if fresh and found is not None and self.auditor is not None:  # committed: the context learns them
            for it in items:
                self.auditor.context.put(
                    new_ids[it.client_id], it.unit, it.period, it.product, it.produced, it.labour, it.inputs
                )

    def _audit(self, items: list[Item]) -> dict[int, list[dict[str, str]]] | None:
        """Flags per position in ``items`` [check, severity, message]; None when no audit is installed."""
        if self.auditor is None or audit_function() is None:
            return None
        subs = [
            Submitted(-(i + 1), it.unit, it.period, it.product, it.produced, it.labour, dict(it.inputs))
            for i, it in enumerate(items)
        ]
        out: dict[int, list[dict[str, str]]] = {i: [] for i in range(len(items))}
        for f in self.auditor.check(subs):
            out[-int(f["report_id"]) - 1].append(
                {"check": f["check"][:40], "severity": f["severity"][:20], "message": f["message"]}
            )
        return out


def _known(
    session: Session, items: Sequence[Item]
) -> tuple[dict[str, tuple[int, int, str]], dict[tuple[str, str, str], int]]:
    """In one round trip: the versions already stored under the items' client ids (client_id → report id,
    version, digest) and the reports already holding their (unit, period, product) keys (key → report id)."""
    cids = {it.client_id for it in items}
    keys = {(it.unit, it.period, it.product) for it in items}
    v, r = TABLES["report_versions"].c, TABLES["reports"].c
    text_ = String(ID)
    by_client = select(
        v.client_id, v.report_id, v.version, v.digest, null().cast(text_), null().cast(text_), null().cast(text_)
    ).where(v.client_id.in_(cids))
    by_key = select(
        null().cast(text_), r.id, null().cast(Integer), null().cast(text_), r.unit, r.period, r.product
    ).where(r.unit.in_({k[0] for k in keys}), r.status != MERGED)
    prior: dict[str, tuple[int, int, str]] = {}
    holders: dict[tuple[str, str, str], int] = {}
    for cid, rid, ver, dig, unit, period, product in session.execute(union_all(by_client, by_key)):
        if cid is not None:
            prior[cid] = (rid, ver, dig)
        elif (unit, period, product) in keys:
            holders[(unit, period, product)] = rid
    return prior, holders


def key_holders(session: Session, items: Sequence[Item]) -> dict[tuple[str, str, str], int]:
    """(unit, period, product) → id of the report already holding it, for the keys of ``items``."""
    keys = {(it.unit, it.period, it.product) for it in items}
    if not keys:
        return {}
    units = {k[0] for k in keys}
    rows = session.execute(
        select(Report.unit, Report.period, Report.product, Report.id).where(
            Report.unit.in_(units), Report.status != MERGED
        )
    )
    return {(u, p, q): rid for u, p, q, rid in rows if (u, p, q) in keys}


def held_message(where: str, key: tuple[str, str, str], holder: int) -> str:
    """The 409 of a second report for a unit, period and product."""
    unit, period, product = key
    return (
        f"{where}report {holder} already holds {unit} {product} {period} (one report per unit, period and product): "
        f"correct it with POST /api/reports/{holder}/correct"
    )


def twice_message(where: str, key: tuple[str, str, str], first: str, second: str) -> str:
    """The 409 of two new reports for one unit, period and product under different client ids."""
    unit, period, product = key
    return (
        f"{where}{unit} {product} {period} is reported twice, under client_id {first!r} and {second!r} "
        "(one report per unit, period and product)"
    )


def owner_of(r: Request, it: Item, fresh: dict[str, Item]) -> bool:
    """Whether request ``r`` is the one whose copy of ``it`` was inserted (the others count it as existing)."""
    return fresh[it.client_id] is it


def _after(report_id: int, it: Item, user: str, at: str | None) -> dict[str, Any]:
    return {
        "id": report_id,
        "client_id": it.client_id,
        "version": 1,
        "status": "submitted",
        "unit": it.unit,
        "period": it.period,
        "product": it.product,
        "produced": it.produced,
        "inputs": dict(it.inputs),
        "labour": it.labour,
        "remark": it.remark,
        "in_service": it.in_service,
        "submitted_by": user,
        "submitted_at": at,
        "return_reason": None,
        "flags": None,
    }
