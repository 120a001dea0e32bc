"""The audit of a few new reports against many stored ones, one report at a time in dictionaries.

:func:`~leapplan.audit.core.audit_reports` checks a frame of reports with vectorised pandas; it costs 20-30 ms a
call whatever the size, which is what one report per request cannot afford. :class:`IncrementalAudit` prepares
what a scenario and a plan say about each unit once (capacities, peers, plan lines), then gives each new report
the flags ``audit_reports(scenario, new, plan, support=support, context=stored)`` gives it — the same checks,
thresholds and messages (tests compare the two on random batches) — with plain dictionaries and ``math``.

Reports are dicts with report_id, unit, period, product, produced, labour (NaN when not reported) and, for new
reports, inputs {product: quantity}. New reports are assumed valid (the service validated them); stored ones
were audited when they were new.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from leapplan.audit import totals
from leapplan.audit.core import audit_reports
from leapplan.audit.need import LABOUR
from leapplan.audit.physical import capacity_message
from leapplan.audit.reports import read_plan
from leapplan.audit.rules import SEVERITY, AuditRules, Check, fmt, pct
from leapplan.audit.statistical import MAD_SCALE
from leapplan.audit.units import assigned_allowed, tables_for
from leapplan.scenario import Scenario

ORDER = {c: i for i, c in enumerate(Check)}
BULK = 1000
"""New reports from which one vectorised audit_reports call is cheaper than checking them one by one (200 new
reports against 1,700 stored: 39 ms one by one, 191 ms in audit_reports)."""
NAN = float("nan")


class _Groups:
    """Log values by group and each group's robust centre, computed once a group is first asked about."""

    def __init__(self) -> None:
        self.values: dict[Any, list[float]] = defaultdict(list)
        self._centre: dict[Any, tuple[float, float, int]] = {}

    def robust(self, group: Any, x: float, rules: AuditRules) -> tuple[bool, float, int, float]:
        """(outlier, median, n, z) of log value ``x`` in ``group`` (``x`` among its values), by the rule of
        :func:`~leapplan.audit.statistical.robust_high`."""
        centre = self._centre.get(group)
        if centre is None:
            values = np.asarray(self.values[group])
            med = float(np.median(values))
            centre = self._centre[group] = (med, MAD_SCALE * float(np.median(np.abs(values - med))), len(values))
        med, sigma, n = centre
        if sigma > 0:
            z = (x - med) / sigma
        else:
            z = math.inf if x > med else 0.0
        return (n >= rules.min_peers and z > rules.robust_k and math.exp(x - med) >= rules.min_ratio), med, n, z


class IncrementalAudit:
    """What the audit needs of a scenario and a plan, prepared once; :meth:`check` audits new reports."""

    def __init__(
        self,
        scenario: Scenario,
        plan: pd.DataFrame | None = None,
        support: pd.DataFrame | None = None,
        rules: AuditRules | None = None,
    ) -> None:
        self.rules = rules or AuditRules()
        self.scenario, self.plan_table, self.support_table = scenario, plan, support
        self.t = t = tables_for(scenario)
        self._facts_of: dict[tuple[str, str, str], dict[str, Any]] = {}
        units = t.units.reset_index()
        cols = ["kind", "peer", "parent", "capacity", "allowed", "workforce"]
        self.info: dict[tuple[str, str], dict[str, Any]] = {
            (u, p): dict(zip(cols, vals, strict=True))
            for u, p, *vals in units[["unit", "product", *cols]].itertuples(index=False)
        }
        self.kind = t.kind.to_dict()
        self.parent = t.parent.to_dict()
        self.depth = {u: int(d) for u, d in t.depth.items()}
        self.children: dict[str, list[str]] = defaultdict(list)
        for u, p in self.parent.items():
            if p:
                self.children[p].append(u)
        self.expected = {k: int(v) for k, v in t.expected.items()}
        n = t.need
        self.need_group = {str(k): g for g, k in enumerate(n.index)}
        self.need_fallback = {str(k): float(v) for k, v in n.fallback.items()}
        plants = t.units[t.units["capacity"].notna()].index  # (unit, product) with plants for the product
        self.plant_keys: set[tuple[str, str]] = {(str(u), str(p)) for u, p in plants}
        self.assigned: dict[tuple[str, str, str], float] | None = None
        if support is not None:
            a = assigned_allowed(scenario, t, support)
            self.assigned = {
                (u, p, q): float(v)
                for u, p, q, v in a[["unit", "product", "period", "allowed"]].itertuples(index=False)
            }
        self.planned: dict[tuple[str, str, str], tuple[float, float]] | None = None
        if plan is not None:
            pl = totals.planned(t, read_plan(t, plan))
            self.planned = {
                (u, p, q): (float(v), float(s))
                for u, p, q, v, s in pl[["unit", "period", "product", "planned", "share"]].itertuples(index=False)
            }

    # ---- one report's unit facts ----------------------------------------------------------------------
    def _facts(self, r: dict[str, Any]) -> dict[str, Any]:
        """The row audit_reports joins to a report: kind, peer, capacity, allowed, limit, planned … (kept)."""
        k = (r["unit"], r["product"], r["period"])
        known = self._facts_of.get(k)
        if known is None:
            known = self._facts_of[k] = self._join(*k)
        return known

    def _join(self, u: str, p: str, q: str) -> dict[str, Any]:
        info = self.info.get((u, p))
        if info is None:
            kind = self.kind[u]
            f: dict[str, Any] = {"kind": kind, "peer": f"{kind}:{p}", "capacity": NAN, "allowed": NAN}
            f["workforce"] = NAN
        else:
            f = dict(info)
        f["byproduct"] = f["kind"] == "enterprise" and _nan(f["capacity"])
        if self.assigned is not None:
            a = self.assigned.get((u, p, q))
            f["allowed"] = a if a is not None else f["capacity"]
        f["planned"] = f["share"] = f["planned_capacity"] = NAN
        f["limit"] = f["allowed"]
        if self.planned is not None:
            f["planned"], f["share"] = self.planned.get((u, q, p), (NAN, NAN))
            if f["kind"] != "enterprise" and not _nan(f["capacity"]):
                f["planned_capacity"] = f["planned"]
            f["limit"] = _fmax(f["allowed"], f["planned_capacity"] / self.t.period_years)
        return f

    def _what(self, p: str, q: float) -> str:
        return f"{self.t.names[p]} {fmt(q)} {self.t.unit_of[p]}"

    # ---- the checks -----------------------------------------------------------------------------------
    def check(self, new: Sequence[dict[str, Any]], stored: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Flags {report_id, check, severity, message} on ``new`` reports, ordered by report then check.

        From ``BULK`` new reports on, the vectorised :func:`audit_reports` is the cheaper way to the same flags."""
        if len(new) >= BULK:
            return self._bulk(new, stored)
        t = self.t
        rows = [dict(r) for r in new]
        ctx = [dict(r) for r in stored]
        for r in rows + ctx:
            r["pidx"] = t.periods[r["period"]]
            r["labour"] = NAN if r.get("labour") is None else float(r["labour"])
            r["produced"] = float(r["produced"])
            r.update(self._facts(r))
        out: list[tuple[int, int, str, str]] = []  # (row, check order, check, message)
        self._physical(rows, out)
        everything = rows + ctx
        self._history(rows, everything, out)
        self._peers(rows, everything, out)
        self._totals(rows, everything, out)
        if self.planned is not None:
            self._plan(rows, out)
        out.sort(key=lambda f: (f[0], f[1]))
        return [
            {"report_id": rows[i]["report_id"], "check": c, "severity": SEVERITY[Check(c)].value, "message": m}
            for i, _, c, m in out
        ]

    def _least(self, unit: str, product: str, inp: str, q: float) -> float:
        """:func:`~leapplan.audit.need.least_need` for one report and input, by dictionary [input units]."""
        n = self.t.need
        g = self.need_group.get(f"{unit}\x1f{product}\x1f{inp}")
        if g is None:
            return q * self.need_fallback.get(f"{product}\x1f{inp}", 0.0)
        part = 0.0
        for j in range(int(n.offset[g]), int(n.offset[g] + n.count[g])):
            part += min(max(q - float(n.start[j]), 0.0), float(n.length[j])) * float(n.a[j])
        return part + max(q - float(n.total[g]), 0.0) * float(n.excess[g])

    def _bulk(self, new: Sequence[dict[str, Any]], stored: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        cols = ["report_id", "unit", "period", "product", "produced", "labour"]
        frame = pd.DataFrame(list(new))
        context = pd.DataFrame(list(stored), columns=[*cols, "inputs"])[cols]
        flags = audit_reports(
            self.scenario, frame, self.plan_table, rules=self.rules, support=self.support_table, context=context
        )
        return [
            {"report_id": r.report_id, "check": r.check, "severity": r.severity, "message": r.message}
            for r in flags.itertuples(index=False)
        ]

    def _physical(self, rows: list[dict[str, Any]], out: list[tuple[int, int, str, str]]) -> None:
        t, rules = self.t, self.rules
        pairs = [
            (i, k, float(v))
            for i, r in enumerate(rows)
            if not r["byproduct"]
            for k, v in (r.get("inputs") or {}).items()
        ]
        mains = [i for i, r in enumerate(rows) if not r["byproduct"]]
        need = [self._least(rows[i]["unit"], rows[i]["product"], k, rows[i]["produced"]) for i, k, _ in pairs]
        need += [self._least(rows[i]["unit"], rows[i]["product"], LABOUR, rows[i]["produced"]) for i in mains]
        for (i, k, got), required in zip(pairs, need[: len(pairs)], strict=True):
            if got < (1 - rules.balance_tolerance) * required:
                r = rows[i]
                p = r["product"]
                msg = (
                    f"{t.names[p]} {fmt(r['produced'])} {t.unit_of[p]} needs ≥ {fmt(required)} {t.unit_of[k]} of "
                    f"{t.names[k]}; {fmt(got)} {t.unit_of[k]} were received"
                )
                out.append((i, ORDER[Check.material_balance], Check.material_balance.value, msg))
        years = {i: float(y) for i, y in zip(mains, need[len(pairs) :], strict=True)}
        for i, r in enumerate(rows):
            p, u = r["product"], t.unit_of[r["product"]]
            limit = r["limit"] * t.period_years
            if not _nan(limit) and r["produced"] > (1 + rules.capacity_tolerance) * limit:
                what = self._what(p, r["produced"])
                text = capacity_message(t, what, p, r["period"], r["capacity"], r["allowed"], r["planned_capacity"])
                out.append((i, ORDER[Check.capacity], Check.capacity.value, text))
            y = years.get(i, NAN)
            need_workers = y / t.period_years
            reported = not _nan(r["labour"])
            have = r["labour"] if reported else (r["workforce"] if r["workforce"] > 0 else NAN)
            if not _nan(have) and have * (1 + rules.labour_tolerance) < need_workers:
                over = "" if t.period_years == 1 else " over the quarter"
                text = (
                    f"{self._what(p, r['produced'])} in {r['period']} needs ≥ {fmt(need_workers)} workers{over} "
                    f"({fmt(y / r['produced'])} person-years per {u}); "
                    + (f"{fmt(r['labour'])} were reported" if reported else f"the workforce is {fmt(r['workforce'])}")
                )
                out.append((i, ORDER[Check.labour], Check.labour.value, text))

    def _growths(self, everything: list[dict[str, Any]]) -> dict[int, tuple[float, dict[str, Any]]]:
        """Growth per period over the previous report of the same unit and product: id(row) → (growth, previous)."""
        series: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for r in everything:
            series[(r["unit"], r["product"])].append(r)
        out: dict[int, tuple[float, dict[str, Any]]] = {}
        for rs in series.values():
            rs.sort(key=lambda r: r["pidx"])
            for prev, r in zip(rs, rs[1:], strict=False):
                if prev["produced"] > 0 and r["produced"] > 0:
                    gap = r["pidx"] - prev["pidx"]
                    out[id(r)] = ((r["produced"] / prev["produced"]) ** (1 / gap), prev)
        return out

    def _history(
        self, rows: list[dict[str, Any]], everything: list[dict[str, Any]], out: list[tuple[int, int, str, str]]
    ) -> None:
        t, rules = self.t, self.rules
        if len(everything) < 2:
            return
        growth = self._growths(everything)
        groups = _Groups()
        for r in everything:
            if id(r) in growth:
                groups.values[(r["peer"], r["period"])].append(math.log(growth[id(r)][0]))
        for i, r in enumerate(rows):
            if id(r) not in growth:
                continue
            g, prev = growth[id(r)]
            outlier, med, n, _ = groups.robust((r["peer"], r["period"]), math.log(g), rules)
            too_much = g > rules.growth_factor
            if not (too_much or outlier):
                continue
            p = r["product"]
            before = f"the {fmt(prev['produced'])} {t.unit_of[p]} reported for {prev['period']}"
            what = self._what(p, r["produced"])
            if r["pidx"] - prev["pidx"] == 1:
                text = f"{what} in {r['period']} is {g:.2f}× {before}"
            else:
                text = f"{what} in {r['period']} means growth of {g:.2f}× a period since {before}"
            if too_much:
                text += f" (more than {rules.growth_factor:g}× is not believable)"
            else:
                text += f"; its {n} peers grew {math.exp(med):.2f}× (median)"
            out.append((i, ORDER[Check.history], Check.history.value, text))

    def _peers(
        self, rows: list[dict[str, Any]], everything: list[dict[str, Any]], out: list[tuple[int, int, str, str]]
    ) -> None:
        t, rules = self.t, self.rules
        mine = {(r["peer"], r["period"]) for r in rows}
        group = [r for r in everything if (r["peer"], r["period"]) in mine]
        if len(group) < rules.min_peers:
            return
        metrics = (
            ("output per worker", lambda r: r["labour"] if r["kind"] == "enterprise" else NAN),
            ("capacity use", lambda r: r["capacity"] * t.period_years),
        )
        for metric, denominator in metrics:
            values = _Groups()
            mine_values: dict[int, float] = {}
            for r in group:
                d = denominator(r)
                if d > 0 and r["produced"] > 0:
                    v = r["produced"] / d
                    values.values[(r["peer"], r["period"])].append(math.log(v))
                    mine_values[id(r)] = v
            for i, r in enumerate(rows):
                v = mine_values.get(id(r))
                if v is None:
                    continue
                outlier, med, n, z = values.robust((r["peer"], r["period"]), math.log(v), rules)
                if not outlier:
                    continue
                p, u = r["product"], t.unit_of[r["product"]]
                m = math.exp(med)
                v_txt, m_txt = (f"{fmt(v)} {u}", f"{fmt(m)} {u}") if metric == "output per worker" else (pct(v), pct(m))
                spread = f"robust z {z:.1f}" if math.isfinite(z) else "most peers report the same"
                text = (
                    f"{t.names[p]} {metric} in {r['period']}: {v_txt} is {v / m:.1f}× the median of {n} peers "
                    f"({m_txt}; {spread})"
                )
                out.append((i, ORDER[Check.peers], Check.peers.value, text))

    def _totals(
        self, rows: list[dict[str, Any]], everything: list[dict[str, Any]], out: list[tuple[int, int, str, str]]
    ) -> None:
        t, rules = self.t, self.rules
        if len(everything) < 2:
            return
        by_key: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
        for x in everything:
            by_key[(x["period"], x["product"])][x["unit"]] = x["produced"]
        for i, r in enumerate(rows):
            if r["kind"] == "enterprise":
                continue
            own = by_key[(r["period"], r["product"])]
            found = self._children_total(r["unit"], r["product"], own)
            if found is None:
                continue
            child_sum, n, n_expected = found
            total = r["produced"]
            expected_all = self.expected.get((r["unit"], r["product"]), 0)
            gap = rules.total_tolerance * max(total, child_sum)
            complete = expected_all > 0 and n_expected >= expected_all
            if not (total < child_sum - gap or (complete and total > child_sum + gap)):
                continue
            s = f"{fmt(child_sum)} {t.unit_of[r['product']]}"
            what = self._what(r["product"], total)
            if total < child_sum:
                text = f"{what} in {r['period']} is less than the {s} its units reported ({n} report{'s' * (n != 1)})"
            else:
                text = f"{what} in {r['period']} is more than the {s} its units reported (all {expected_all} with plants for it)"
            out.append((i, ORDER[Check.parent_total], Check.parent_total.value, text))

    def _children_total(self, unit: str, product: str, own: dict[str, float]) -> tuple[float, int, int] | None:
        """(sum of the totals of ``unit``'s units, how many have one, how many of those have plants and are
        complete); None when none has a total. A unit's total is its own report, else its units' sum."""
        child_sum, n, n_expected = 0.0, 0, 0
        for c in self.children.get(unit, []):
            got = self._total(c, product, own)
            if got is None:
                continue
            total, complete = got
            child_sum += total
            n += 1
            n_expected += (c, product) in self.plant_keys and complete
        return (child_sum, n, n_expected) if n else None

    def _total(self, unit: str, product: str, own: dict[str, float]) -> tuple[float, bool] | None:
        """(total, complete) of ``unit``: its own report (complete), else its units' sum, complete when every
        unit under it with plants for the product is; None when nothing under it reported."""
        if unit in own:
            return own[unit], True
        found = self._children_total(unit, product, own)
        if found is None:
            return None
        child_sum, _, n_expected = found
        return child_sum, n_expected >= self.expected.get((unit, product), 0)

    def _plan(self, rows: list[dict[str, Any]], out: list[tuple[int, int, str, str]]) -> None:
        t, rules = self.t, self.rules
        for i, r in enumerate(rows):
            planned = r["planned"]
            if not (planned >= totals.PLAN_LINE_MIN and r["produced"] > rules.plan_factor * planned):
                continue
            whose = "the plan" if r["share"] >= 1 else "its capacity share of the plan"
            text = (
                f"{self._what(r['product'], r['produced'])} in {r['period']} is {pct(r['produced'] / planned)} of "
                f"{whose}, {fmt(planned)} {t.unit_of[r['product']]} (above {pct(rules.plan_factor)} is suspicious)"
            )
            out.append((i, ORDER[Check.plan], Check.plan.value, text))


def _nan(x: float) -> bool:
    return x != x  # noqa: PLR0124 - NaN is the one value unequal to itself


def _fmax(a: float, b: float) -> float:
    """numpy.fmax for two floats: the larger, ignoring NaN."""
    if _nan(a):
        return b
    if _nan(b):
        return a
    return max(a, b)
